package main

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/ticketd/ticketd/sqlstore"
)

// A backup is one gzip-compressed tar file: MANIFEST.json, ticketd.db (a
// consistent SQLite copy made with VACUUM INTO) and blobs/<xx>/<sha256>, the
// attachment bytes. Blobs are content-addressed and stored before the row
// that names them commits, so copying the directory after the database
// snapshot captures every blob the snapshot refers to.

const (
	backupFormat   = "ticketd-backup/1"
	backupDBName   = "ticketd.db"
	backupManifest = "MANIFEST.json"
)

var backupBlobName = regexp.MustCompile(`^blobs/([0-9a-f]{2})/([0-9a-f]{64})$`)

type manifest struct {
	Format    string    `json:"format"`
	Version   string    `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	Blobs     int       `json:"blobs"`
}

// defaultBlobDir is where attachments live unless --blob-dir says otherwise.
func defaultBlobDir(dsn, explicit string) string {
	if explicit != "" {
		return explicit
	}
	if isPostgres(dsn) {
		return "ticketd-blobs"
	}
	return dsn + ".blobs"
}

func init() {
	opsCommands["backup"] = backupCommand
	opsCommands["restore"] = restoreCommand
}

// backupCommand is `ticketd backup --db DB --out FILE`.
func backupCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("backup", stderr)
	var dsn, out, blobDir string
	dbFlag(fs, &dsn)
	fs.StringVar(&out, "out", "", "the backup file to write, e.g. ticketd-2026-04-28.tar.gz (required; must not exist)")
	fs.StringVar(&blobDir, "blob-dir", "", "the attachments directory (default: <db>.blobs)")
	if err := parseWithEnv(fs, args); err != nil {
		return err
	}
	if out == "" {
		return errors.New("--out is required")
	}
	if isPostgres(dsn) {
		return sqlstore.ErrBackupEngine
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("--out %s: already exists; choose a new file", out)
	}
	if err := checkDir(filepath.Dir(out)); err != nil {
		return fmt.Errorf("--out %s: %w", out, err)
	}
	db, err := openExistingDB(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()

	tmp, err := os.MkdirTemp(filepath.Dir(out), ".ticketd-backup-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	snapshot := filepath.Join(tmp, backupDBName)
	if err := db.Backup(ctx, snapshot); err != nil {
		return err
	}
	partial := filepath.Join(tmp, "backup.partial")
	blobs, err := writeBackup(partial, snapshot, defaultBlobDir(dsn, blobDir))
	if err != nil {
		return err
	}
	if err := os.Rename(partial, out); err != nil {
		return err
	}
	st, _ := os.Stat(out)
	fmt.Fprintf(stdout, "wrote %s (%d bytes): the database and %d attachment blob(s)\n", out, st.Size(), blobs)
	return nil
}

// writeBackup writes the archive to path (mode 0600: it holds every
// customer's data) and syncs it.
func writeBackup(path, snapshot, blobDir string) (blobs int, err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	var names []string
	err = filepath.WalkDir(blobDir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == blobDir {
			return filepath.SkipDir // no attachment yet
		}
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(blobDir, p)
		name := "blobs/" + filepath.ToSlash(rel)
		if backupBlobName.MatchString(name) { // not the store's temporary files
			names = append(names, name)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("blob directory %s: %w", blobDir, err)
	}
	m, _ := json.Marshal(manifest{Format: backupFormat, Version: versionString(), CreatedAt: time.Now().UTC(), Blobs: len(names)})
	if err := tarBytes(tw, backupManifest, m); err != nil {
		return 0, err
	}
	if err := tarFile(tw, backupDBName, snapshot); err != nil {
		return 0, err
	}
	for _, name := range names {
		if err := tarFile(tw, name, filepath.Join(blobDir, strings.TrimPrefix(name, "blobs/"))); err != nil {
			return 0, err
		}
	}
	if err := tw.Close(); err != nil {
		return 0, err
	}
	if err := gz.Close(); err != nil {
		return 0, err
	}
	return len(names), f.Sync()
}

func tarBytes(tw *tar.Writer, name string, b []byte) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(b)), ModTime: time.Now()}); err != nil {
		return err
	}
	_, err := tw.Write(b)
	return err
}

func tarFile(tw *tar.Writer, name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: st.Size(), ModTime: st.ModTime()}); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

// restoreCommand is `ticketd restore --from FILE --db DB`.
func restoreCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("restore", stderr)
	var dsn, from, blobDir string
	fs.StringVar(&dsn, "db", "", "the SQLite file to create from the backup (required; must not exist)")
	fs.StringVar(&from, "from", "", "the backup file written by ticketd backup (required)")
	fs.StringVar(&blobDir, "blob-dir", "", "where to put the attachments (default: <db>.blobs)")
	if err := parseWithEnv(fs, args); err != nil {
		return err
	}
	if from == "" || dsn == "" {
		return errors.New("--from and --db are required")
	}
	if isPostgres(dsn) {
		return errors.New("restore creates a SQLite database; restore PostgreSQL with pg_restore (see README)")
	}
	if _, err := os.Stat(dsn); err == nil {
		return fmt.Errorf("--db %s: already exists; restore into a new path, or move the old database away first", dsn)
	}
	if err := checkDBPath(dsn, false); err != nil {
		return err
	}
	f, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("--from %s: %w", from, causeOf(err))
	}
	defer f.Close()
	blobs := defaultBlobDir(dsn, blobDir)
	partial := dsn + ".restoring"
	defer os.Remove(partial)
	n, err := readBackup(f, partial, blobs)
	if err != nil {
		return fmt.Errorf("--from %s: %w", from, err)
	}
	db, err := sqlstore.Open(ctx, partial, sqlstore.Options{})
	if err != nil {
		return err
	}
	err = db.IntegrityCheck(ctx)
	db.Close()
	if err != nil {
		return fmt.Errorf("--from %s: the database in the backup is damaged: %w", from, err)
	}
	if err := os.Rename(partial, dsn); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s and %d attachment blob(s) into %s\n", dsn, n, blobs)
	return nil
}

// readBackup unpacks an archive: the database to dbPath, each blob into
// blobDir after checking that its bytes match its name. Any other entry
// name is refused, so an archive cannot write outside those two places.
func readBackup(r io.Reader, dbPath, blobDir string) (blobs int, err error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return 0, fmt.Errorf("not a ticketd backup (not gzip): %w", err)
	}
	tr := tar.NewReader(gz)
	sawManifest, sawDB := false, false
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return blobs, fmt.Errorf("read backup: %w", err)
		}
		switch m := backupBlobName.FindStringSubmatch(h.Name); {
		case h.Name == backupManifest:
			var mf manifest
			if err := json.NewDecoder(io.LimitReader(tr, 1<<16)).Decode(&mf); err != nil || mf.Format != backupFormat {
				return blobs, fmt.Errorf("not a ticketd backup (manifest format %q)", mf.Format)
			}
			sawManifest = true
		case h.Name == backupDBName:
			if err := writeFileFrom(dbPath, tr, ""); err != nil {
				return blobs, err
			}
			sawDB = true
		case m != nil:
			if err := os.MkdirAll(filepath.Join(blobDir, m[1]), 0o750); err != nil {
				return blobs, err
			}
			if err := writeFileFrom(filepath.Join(blobDir, m[1], m[2]), tr, m[2]); err != nil {
				return blobs, err
			}
			blobs++
		default:
			return blobs, fmt.Errorf("unexpected entry %q in the backup", h.Name)
		}
	}
	if !sawManifest || !sawDB {
		return blobs, errors.New("not a ticketd backup (no manifest or no database)")
	}
	return blobs, nil
}

// writeFileFrom copies r into a new file at path and syncs it; when sum is
// set, the content's SHA-256 must equal it.
func writeFileFrom(path string, r io.Reader, sum string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(f, h), r); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if sum != "" && hex.EncodeToString(h.Sum(nil)) != sum {
		os.Remove(path)
		return fmt.Errorf("blob %s: content does not match its name (damaged backup)", sum)
	}
	return nil
}
