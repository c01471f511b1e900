package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/ticketd/ticketd/sqlstore"
)

// This file holds the checks that run before a command touches anything, so
// that an unusable database or blob directory is reported by path and cause
// instead of as SQLite's "unable to open database file (14)", and so that a
// command that fails leaves nothing behind (no new ticketd.db, no migration).

// isPostgres reports whether dsn names a PostgreSQL database.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// sqliteHeader is how every SQLite 3 database file begins.
var sqliteHeader = []byte("SQLite format 3\x00")

// checkDBPath explains why a SQLite path cannot be used, or returns nil. When
// mustExist is set (commands that read an existing database), a missing file
// is an error rather than something to create.
func checkDBPath(path string, mustExist bool) error {
	if isPostgres(path) {
		return nil
	}
	if path == "" {
		return errors.New("--db is empty: give a SQLite file path or a postgres:// URL")
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(path)
	switch {
	case err == nil && st.IsDir():
		return fmt.Errorf("--db %s: is a directory; give the path of a database file inside it, e.g. %s",
			path, filepath.Join(path, "ticketd.db"))
	case err == nil && !st.Mode().IsRegular():
		return fmt.Errorf("--db %s: is not a regular file", path)
	case err == nil:
		if err := checkSQLiteFile(path); err != nil {
			return err
		}
	case errors.Is(err, fs.ErrNotExist):
		if mustExist {
			return fmt.Errorf("--db %s: no such database file (create one with `ticketd migrate --db %s`)", path, path)
		}
		if err := checkDir(dir); err != nil {
			return fmt.Errorf("--db %s: cannot create the database: %w", path, err)
		}
		return nil
	default:
		return fmt.Errorf("--db %s: %w", path, causeOf(err))
	}
	// SQLite in WAL mode writes its -wal and -shm files beside the database,
	// so an existing database still needs a writable directory.
	if err := checkDir(dir); err != nil {
		return fmt.Errorf("--db %s: SQLite keeps its -wal and -shm files beside the database: %w", path, err)
	}
	return nil
}

// checkSQLiteFile opens an existing file for reading and writing and checks
// that it is a SQLite database (an empty file is one SQLite will initialise).
func checkSQLiteFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("--db %s: cannot open the database for reading and writing: %w", path, causeOf(err))
	}
	defer f.Close()
	head := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, head)
	if n == 0 && (err == io.EOF || err == io.ErrUnexpectedEOF) {
		return nil
	}
	if err != nil && err != io.ErrUnexpectedEOF {
		return fmt.Errorf("--db %s: cannot read the database: %w", path, causeOf(err))
	}
	if !bytes.Equal(head[:n], sqliteHeader) {
		return fmt.Errorf("--db %s: is not a SQLite database (the file does not begin with the SQLite header); "+
			"is it the right file, or was it damaged? Restore it from a backup (ticketd restore)", path)
	}
	return nil
}

// checkDir reports whether dir exists, is a directory and can be written.
func checkDir(dir string) error {
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("directory %s does not exist", dir)
	}
	if err != nil {
		return fmt.Errorf("directory %s: %w", dir, causeOf(err))
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	// Asking the kernel (rather than reading mode bits) also covers
	// read-only mounts, ACLs and a different owner.
	f, err := os.CreateTemp(dir, ".ticketd-check-*")
	if err != nil {
		return fmt.Errorf("directory %s is not writable: %w", dir, causeOf(err))
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return nil
}

// checkBlobDir makes sure attachments can be stored before the first one
// arrives. The default directory (beside a SQLite file) is created; one given
// with --blob-dir must exist, because a missing shared directory usually
// means a volume that is not mounted, and creating an empty one in its place
// would scatter attachments over the nodes' local disks.
func checkBlobDir(dir string, explicit bool) error {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) && !explicit {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("blob directory %s: cannot create it: %w", dir, causeOf(err))
		}
	} else if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("--blob-dir %s: does not exist (create it, or mount the shared volume, first)", dir)
	}
	if err := checkDir(dir); err != nil {
		return fmt.Errorf("blob directory: %w", err)
	}
	return nil
}

// causeOf strips the operation and path from a *fs.PathError: our messages
// name the path themselves, and "permission denied" reads better alone.
func causeOf(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, syscall.EROFS) {
			return errors.New("read-only file system")
		}
		return pe.Err
	}
	return err
}

// versionString is the module version and VCS revision the binary was built
// from, as the Go toolchain recorded them; -ldflags "-X main.version=..."
// overrides the version.
func versionString() string {
	v, rev, at, dirty := version, "", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "dev" && bi.Main.Version != "" {
			v = bi.Main.Version // "(devel)" when built from a checkout
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	out := "ticketd " + v
	if rev != "" {
		out += " " + rev
		if dirty {
			out += "-modified"
		}
		if at != "" {
			out += " " + at
		}
	}
	return out
}

// explainOpenError names the database and, for the engines' most common
// failures, the cause in words.
func explainOpenError(dsn string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "(26)") || strings.Contains(msg, "file is not a database"):
		return fmt.Errorf("--db %s: is not a SQLite database: %w", dsn, err)
	case strings.Contains(msg, "(11)") || strings.Contains(msg, "malformed"):
		return fmt.Errorf("--db %s: the database is damaged (%w); restore it from a backup (ticketd restore)", dsn, err)
	case isPostgres(dsn):
		return fmt.Errorf("--db %s: cannot reach PostgreSQL: %w", redactDSN(dsn), err)
	}
	return fmt.Errorf("--db %s: %w", redactDSN(dsn), err)
}

// openExistingDB opens a database that must already exist (backup, key
// create, workspace list): those commands never create one.
func openExistingDB(ctx context.Context, dsn string) (*sqlstore.DB, error) {
	if err := checkDBPath(dsn, true); err != nil {
		return nil, err
	}
	return openDB(ctx, dsn, false)
}

// preflight takes the listening ports and checks the database path and the
// blob directory, each failure naming the flag, the path and the cause.
func (m *Main) preflight() error {
	var err error
	if m.httpListener, err = net.Listen("tcp", m.Config.Addr); err != nil {
		return fmt.Errorf("--addr %s: %w", m.Config.Addr, listenCause(err))
	}
	if m.Config.SMTPAddr != "" {
		if m.smtpListener, err = net.Listen("tcp", m.Config.SMTPAddr); err != nil {
			return fmt.Errorf("--smtp-addr %s: %w", m.Config.SMTPAddr, listenCause(err))
		}
	}
	if a := m.Config.Ops.MetricsAddr; a != "" {
		if m.metricsListener, err = net.Listen("tcp", a); err != nil {
			return fmt.Errorf("--metrics-addr %s: %w", a, listenCause(err))
		}
	}
	if err := checkDBPath(m.Config.DB, false); err != nil {
		return err
	}
	if f := m.Config.Ops.SecretKeyFile; f != "" {
		if m.secretBox, err = loadSecretBox(m.Config.DB, f, m.logger.Warn); err != nil {
			return err
		}
	}
	return checkBlobDir(m.blobDir(), m.Config.BlobDir != "")
}

// listenCause drops the "listen tcp ADDR:" prefix the caller already names.
func listenCause(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err
	}
	return err
}

// closeListeners closes listeners preflight took that no server took over
// (a start that failed half way).
func (m *Main) closeListeners() {
	if m.httpServer == nil && m.httpListener != nil {
		m.httpListener.Close()
	}
	if m.smtpListener != nil {
		m.smtpListener.Close()
		m.smtpListener = nil
	}
}
