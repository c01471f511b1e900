package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrBackupEngine is returned by Backup on PostgreSQL, whose own tools
// (pg_dump, base backups) are the right way to copy it.
var ErrBackupEngine = errors.New("backup: this command copies SQLite databases; back up PostgreSQL with pg_dump (see README)")

// Backup writes a consistent copy of a SQLite database to dest, a file that
// must not exist. VACUUM INTO reads one snapshot in one read transaction, so
// writers carry on meanwhile and the copy holds exactly the transactions
// committed before it began, WAL included (a plain cp of the main file can
// miss those still in the -wal file).
func (db *DB) Backup(ctx context.Context, dest string) error {
	if db.dialect.name() != "sqlite" {
		return ErrBackupEngine
	}
	if _, err := db.read.ExecContext(ctx, `VACUUM INTO $1`, dest); err != nil {
		return fmt.Errorf("vacuum into %s: %w", dest, err)
	}
	return nil
}

// IntegrityCheck runs SQLite's PRAGMA integrity_check and returns nil when
// it answers "ok", or an error carrying what it found. On PostgreSQL it only
// pings: the server checks its own pages.
func (db *DB) IntegrityCheck(ctx context.Context) error {
	if db.dialect.name() != "sqlite" {
		return db.Ping(ctx)
	}
	rows, err := db.read.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		found = append(found, s)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(found) == 1 && found[0] == "ok" {
		return nil
	}
	return fmt.Errorf("integrity check: %s", strings.Join(found, "; "))
}
