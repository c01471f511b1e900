// Package sqlstoretest opens a fresh, migrated, real database for a test:
// a SQLite file in the test's temporary directory, or, when
// TICKETD_TEST_DB is "postgres", a new schema in the PostgreSQL database named
// by TICKETD_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test).
// Every store, surface and end-to-end test uses it, so one variable runs the
// whole suite against either engine.
package sqlstoretest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

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
	base := os.Getenv("TICKETD_TEST_POSTGRES_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
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
	return OpenDSN(t, DSN(t))
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
