package sqlstore

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one numbered schema change, applied once, in order, in its own
// transaction: a migration that fails leaves no trace and is tried again on
// the next start.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the migrations of engine in order. A file named
// NNNN_name.sqlite.sql or NNNN_name.postgres.sql applies to that engine only,
// for the DDL the engines cannot share (full-text search, triggers); the two
// files of one change carry the same version.
func migrations(engine string) ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		if only := engineOf(e.Name()); only != "" && only != engine {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and _", e.Name())
		}
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// Migrate applies every pending migration and returns how many it applied.
// Several processes may call it at once: each migration's transaction takes
// the engine's lock and checks again whether the migration is still pending.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	ms, err := migrations(db.dialect.name())
	if err != nil {
		return 0, err
	}
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at `+db.dialect.timestampType()+` NOT NULL)`); err != nil {
		return 0, fmt.Errorf("create schema_migrations: %w", err)
	}
	applied := 0
	for _, m := range ms {
		did, err := db.apply(ctx, m)
		if err != nil {
			return applied, fmt.Errorf("migration %s: %w", m.name, err)
		}
		if did {
			applied++
		}
	}
	return applied, nil
}

func (db *DB) apply(ctx context.Context, m migration) (bool, error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	if err := db.dialect.lockMigrations(tx); err != nil {
		return false, err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, m.version).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, expand(db.dialect, m.sql)); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
		m.version, m.name, time.Now().UTC()); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// engineOf names the engine a migration file is for, "" for both.
func engineOf(name string) string {
	for _, e := range []string{"sqlite", "postgres"} {
		if strings.HasSuffix(name, "."+e+".sql") {
			return e
		}
	}
	return ""
}

// SchemaDigest names the schema the migrations of engine build: a digest of
// their names and texts. A copy of a database migrated by this build is
// migrated exactly when its digest is this one (sqlstoretest keeps one
// migrated template database per digest).
func SchemaDigest(engine string) (string, error) {
	ms, err := migrations(engine)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "%s\x00%s\x00", m.name, m.sql)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
