package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/ticketd/ticketd/secretbox"
)

func init() {
	opsCommands["secret-key"] = func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		return subcommands("secret-key", map[string]command{"rotate": secretKeyRotate})(ctx, args, stdout, stderr)
	}
}

// secretKeyPath is where the key that seals stored secrets lives: the
// operator's --secret-key-file, or <db>.secret-key beside a SQLite file. With
// PostgreSQL there is no default: every node must read the same key, so the
// operator provides it.
func secretKeyPath(dsn, flag string) string {
	if flag != "" {
		return flag
	}
	if isPostgres(dsn) {
		return ""
	}
	return dsn + ".secret-key"
}

// loadSecretBox opens the key file; the default one beside a SQLite
// database is created on first start (mode 0600), one given with
// --secret-key-file must exist.
func loadSecretBox(dsn, flag string, warn func(msg string, args ...any)) (*secretbox.Box, error) {
	path := secretKeyPath(dsn, flag)
	if path == "" {
		warn("no --secret-key-file: DKIM keys and other secrets are stored in clear in PostgreSQL")
		return nil, nil
	}
	var box *secretbox.Box
	var err error
	if flag != "" {
		box, err = secretbox.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("--secret-key-file %s: does not exist (make one with: head -c 32 /dev/urandom | base64 > %s; chmod 600 %s)", path, path, path)
		}
	} else {
		var created bool
		box, created, err = secretbox.OpenOrCreate(path)
		if created {
			warn("created a secret key for stored secrets; back it up apart from the database", "path", path)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("secret key %s: %w", path, causeOf(err))
	}
	if perm, err := secretbox.Perm(path); err == nil && perm&0o077 != 0 {
		warn("the secret key file can be read by other users; chmod 600 it", "path", path, "mode", perm.String())
	}
	return box, nil
}

// setupSecrets gives the store its SecretBox and seals any secret still
// stored in clear (a database from before sealing, or one that ran without
// a key).
func (m *Main) setupSecrets(ctx context.Context) error {
	if m.secretBox == nil { // the default key, created once the database is
		var err error
		if m.secretBox, err = loadSecretBox(m.Config.DB, "", m.logger.Warn); err != nil || m.secretBox == nil {
			return err
		}
	}
	m.db.UseSecrets(m.secretBox)
	n, err := m.db.ResealSecrets(ctx, false)
	if err != nil {
		return fmt.Errorf("seal stored secrets: %w", err)
	}
	if n > 0 {
		m.logger.Info("sealed secrets that were stored in clear", "count", n)
	}
	return nil
}

// secretKeyRotate is `ticketd secret-key rotate`: a new key goes first in
// the key file, every stored secret is sealed again under it, and with
// --retire the old keys leave the file. Running servers read the file again
// when they meet the new key, so they need no restart.
func secretKeyRotate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("secret-key rotate", stderr)
	var dsn, keyFile string
	var retire bool
	dbFlag(fs, &dsn)
	fs.StringVar(&keyFile, "secret-key-file", "", "the key file (default: <db>.secret-key beside a SQLite database)")
	fs.BoolVar(&retire, "retire", false, "after sealing everything again, drop the old keys from the file")
	if err := parseWithEnv(fs, args); err != nil {
		return err
	}
	path := secretKeyPath(dsn, keyFile)
	if path == "" {
		return errors.New("--secret-key-file is required with PostgreSQL")
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("secret key %s: %w", path, causeOf(err))
	}
	db, err := openExistingDB(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	box, err := secretbox.Rotate(path)
	if err != nil {
		return fmt.Errorf("rotate %s: %w", path, err)
	}
	db.UseSecrets(box)
	n, err := db.ResealSecrets(ctx, true)
	if err != nil {
		return fmt.Errorf("%w (the new key is in %s; run the command again to finish)", err, path)
	}
	if retire {
		if err := secretbox.Retire(path); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "new key %s in %s; sealed %d secret(s) again%s\n", box.Current(), path, n,
		map[bool]string{true: "; old keys retired", false: ""}[retire])
	return nil
}

// readSecretFile reads a password from a file, without its final newline.
func readSecretFile(flag, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", flag, path, causeOf(err))
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}
