// Package sqlstoretest opens a fresh, migrated, real database for a test:
// a SQLite file in the test's temporary directory, or, when
// TICKETD_TEST_DB is "postgres", a new schema (DSN) or a copy of a migrated
// template database (CopyDSN, Open) on the PostgreSQL server named by
// TICKETD_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test).
// Every store, surface and end-to-end test uses it, so one variable runs the
// whole suite against either engine.
package sqlstoretest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/ticketd/ticketd/sqlstore"
)

// Engine returns the engine the tests run against: "sqlite" or "postgres".
func Engine() string {
	if os.Getenv("TICKETD_TEST_DB") == "postgres" {
		return "postgres"
	}
	return "sqlite"
}

// DSN returns a DSN for a fresh, empty database that is dropped when the test
// ends. The caller opens it.
func DSN(t testing.TB) string {
	t.Helper()
	if Engine() == "sqlite" {
		return filepath.Join(t.TempDir(), "ticketd.db")
	}
	base := postgresBase()
	schema := "t_" + randomHex()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema (is PostgreSQL running?): %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns a migrated store on a fresh database, closed when the test ends.
func Open(t testing.TB) *sqlstore.DB {
	t.Helper()
	return OpenDSN(t, CopyDSN(t))
}

// CopyDSN returns a DSN for a fresh database, dropped when the test ends, for
// a caller that migrates what it opens (OpenDSN, a server): on PostgreSQL a
// copy of a template database migrated once for this build's schema
// (CREATE DATABASE ... TEMPLATE), so that migrating it is a no-op — running
// every migration in a new schema took most of a PostgreSQL test's time —
// and on SQLite, where a new file migrates quickly, DSN's empty file.
func CopyDSN(t testing.TB) string {
	t.Helper()
	if Engine() == "sqlite" {
		return DSN(t)
	}
	base := postgresBase()
	tmpl, err := template(base)
	if err != nil {
		t.Fatalf("template database (is PostgreSQL running?): %v", err)
	}
	name := "t_" + randomHex()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	// A session still closing on the template (its builder's) makes
	// CREATE DATABASE refuse the copy for a moment: try again.
	for attempt := 0; ; attempt++ {
		_, err = admin.Exec(`CREATE DATABASE ` + name + ` TEMPLATE ` + tmpl)
		if err == nil || attempt == 50 || !strings.Contains(err.Error(), "being accessed by other users") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("copy the template database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	})
	return withDatabase(base, name)
}

var templates struct {
	sync.Mutex
	name string
}

// template returns the name of the migrated template database of this
// build's schema, building it when no test process has yet. Processes (the
// packages go test runs at once) take turns under an advisory lock; a
// template is only used once it is marked complete, so one left half-built
// by a killed run is built again.
func template(base string) (string, error) {
	templates.Lock()
	defer templates.Unlock()
	if templates.name != "" {
		return templates.name, nil
	}
	digest, err := sqlstore.SchemaDigest("postgres")
	if err != nil {
		return "", err
	}
	name := "ticketd_template_" + digest
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	const lockKey = 0x7469636b657464 // "ticketd"
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, lockKey); err != nil {
		return "", err
	}
	defer conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, lockKey)
	var comment sql.NullString
	err = conn.QueryRowContext(ctx, `SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1`, name).Scan(&comment)
	switch {
	case err == nil && comment.String == "complete":
		templates.name = name
		return name, nil
	case err == nil: // half-built by a run that was killed
		if _, err := conn.ExecContext(ctx, `DROP DATABASE `+name+` WITH (FORCE)`); err != nil {
			return "", err
		}
	case !errors.Is(err, sql.ErrNoRows):
		return "", err
	}
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		return "", err
	}
	db, err := sqlstore.Open(ctx, withDatabase(base, name), sqlstore.Options{})
	if err != nil {
		return "", err
	}
	_, err = db.Migrate(ctx)
	db.Close()
	if err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, `COMMENT ON DATABASE `+name+` IS 'complete'`); err != nil {
		return "", err
	}
	dropOtherTemplates(ctx, conn, name)
	templates.name = name
	return name, nil
}

// dropOtherTemplates drops the templates of earlier schemas, so that they do
// not pile up on a developer's server as migrations are added. One being
// copied at this moment (a test process of another checkout) refuses the
// drop and is left for the next time.
func dropOtherTemplates(ctx context.Context, conn *sql.Conn, keep string) {
	rows, err := conn.QueryContext(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'ticketd\_template\_%' AND datname <> $1`, keep)
	if err != nil {
		return
	}
	var old []string
	for rows.Next() {
		var n string
		if rows.Scan(&n) == nil {
			old = append(old, n)
		}
	}
	rows.Close()
	for _, n := range old {
		_, _ = conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+n)
	}
}

func postgresBase() string {
	if base := os.Getenv("TICKETD_TEST_POSTGRES_URL"); base != "" {
		return base
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// withDatabase is base with its database replaced by name.
func withDatabase(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// OpenDSN opens and migrates the database at dsn, closed when the test ends.
func OpenDSN(t testing.TB, dsn string) *sqlstore.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}
