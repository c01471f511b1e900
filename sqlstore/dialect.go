package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	ticketd "github.com/ticketd/ticketd"
)

// dialect is everything that differs between the engines. Queries do not: both
// drivers bind $N placeholders, and both engines accept the same SQL for
// everything ticketd asks of them.
type dialect interface {
	name() string
	open(dsn string, opts Options) (write, read *sql.DB, err error)
	readOnlyTx() *sql.TxOptions
	serialPrimaryKey() string
	timestampType() string
	blobType() string
	// skipLocked ends a subquery that claims rows for one worker.
	skipLocked() string
	// lockEventLog takes the event sequencer's lock (event.go).
	lockEventLog(ctx context.Context, t *Tx) error
	// lockMigrations serialises migrators of several processes.
	lockMigrations(tx *sql.Tx) error
	// forUpdate ends a SELECT that locks the rows it reads until the
	// transaction ends.
	forUpdate() string
	// retryable reports whether err aborted a transaction that a new attempt
	// may well commit (serialization failure, deadlock, busy database).
	retryable(err error) bool
	// normalize maps driver errors to ticketd errors (unique violation →
	// ECONFLICT) once, so no query has to know its driver.
	normalize(err error) error
	// statement is the text the engine runs for one of the store's queries.
	statement(query string) string
}

func dialectFor(dsn string) dialect {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return postgres{}
	}
	return sqliteDialect{}
}

type sqliteDialect struct{}

func (sqliteDialect) name() string { return "sqlite" }

// open builds the SQLite DSN. busy_timeout comes first so that the pragmas
// after it wait for a lock held by another process (a `workspace create`
// while the server runs) instead of failing; journal_mode=WAL lets readers
// run while one writer writes; foreign_keys is off by default in SQLite;
// _time_format=sqlite stores times as sortable text.
func (sqliteDialect) open(path string, opts Options) (*sql.DB, *sql.DB, error) {
	sync := "NORMAL"
	if opts.SyncFull {
		sync = "FULL"
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous("+sync+")")
	q.Set("_time_format", "sqlite")
	readDSN := "file:" + path + "?" + q.Encode()
	q.Set("_txlock", "immediate")
	writeDSN := "file:" + path + "?" + q.Encode()

	write, err := sql.Open("sqlite", writeDSN)
	if err != nil {
		return nil, nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	read, err := sql.Open("sqlite", readDSN)
	if err != nil {
		write.Close()
		return nil, nil, err
	}
	n := opts.ReadConns
	if n <= 0 {
		n = 4
	}
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	return write, read, nil
}

// statement writes "LIMIT $n" as "LIMIT +$n". SQLite (3.53) reads a bare
// parameter in LIMIT as a hint for the plan and marks the statement to be
// prepared again whenever that parameter is bound, which is every time it
// runs: a prepared page query was re-parsed and re-planned on each request
// (12% of the messages resource's CPU). The unary plus makes the limit an
// expression evaluated when the statement runs, the plan is the same (the
// index gives the order; the limit only stops the scan), and the prepared
// statement stays prepared.
func (sqliteDialect) statement(query string) string {
	return strings.ReplaceAll(query, "LIMIT $", "LIMIT +$")
}

// readOnlyTx is nil: a plain (deferred) SQLite transaction on the read pool
// is already a snapshot read that takes no write lock.
func (sqliteDialect) readOnlyTx() *sql.TxOptions { return nil }
func (sqliteDialect) serialPrimaryKey() string   { return "INTEGER PRIMARY KEY AUTOINCREMENT" }
func (sqliteDialect) timestampType() string      { return "TIMESTAMP" }
func (sqliteDialect) blobType() string           { return "BLOB" }

// skipLocked is empty: SQLite has one writer at a time, so a claim never
// competes with another.
func (sqliteDialect) skipLocked() string              { return "" }
func (sqliteDialect) lockMigrations(tx *sql.Tx) error { return nil } // IMMEDIATE already locks

// forUpdate is empty: SQLite has one writer, and write transactions begin
// IMMEDIATE, so a row read in one cannot change before it commits.
func (sqliteDialect) forUpdate() string { return "" }

// retryable is true for a database another process holds locked beyond
// busy_timeout (a `workspace create` beside a running server).
func (sqliteDialect) retryable(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
	}
	return false
}

func (sqliteDialect) normalize(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %v", ticketd.Errorf(ticketd.ECONFLICT, "already exists"), err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("%w: %v", ticketd.Errorf(ticketd.ENOTFOUND, "referenced object not found"), err)
		}
	}
	return err
}

type postgres struct{}

func (postgres) name() string { return "postgres" }

func (postgres) statement(query string) string { return query }

func (postgres) open(dsn string, opts Options) (*sql.DB, *sql.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, nil, err
	}
	// One pool serves both: PostgreSQL has no single-writer limit.
	sizePostgresPool(db, defaultPostgresConns)
	return db, db, nil
}

// defaultPostgresConns is a node's pool size unless --db-max-conns says
// otherwise.
const defaultPostgresConns = 20

// sizePostgresPool lets the pool open n connections and keep all n idle.
// Keeping fewer idle than open (it kept half) made database/sql close a
// connection whenever one came back to a full idle list, and open a new one
// a moment later under the same load: the benchmark saw some 20 new
// PostgreSQL sessions a second at 32 concurrent requests, each a backend
// forked, authenticated and its statements prepared again, which was the
// tail of the GET routes' latency. An idle connection is closed after
// postgresIdleTime instead, so a quiet node gives its connections back.
func sizePostgresPool(db *sql.DB, n int) {
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(postgresIdleTime)
}

const postgresIdleTime = 5 * time.Minute

// readOnlyTx reads one snapshot (REPEATABLE READ): a read that takes a
// ticket's counters and then its messages, or streams a conversation in
// several chunks, sees them as of one moment, as a SQLite read does. A
// read-only transaction never fails to serialize at this level.
func (postgres) readOnlyTx() *sql.TxOptions {
	return &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
}
func (postgres) serialPrimaryKey() string { return "BIGSERIAL PRIMARY KEY" }
func (postgres) timestampType() string    { return "TIMESTAMPTZ" }
func (postgres) blobType() string         { return "BYTEA" }

// lockMigrations takes a transaction-scoped advisory lock, so that several
// `ticketd serve` nodes starting at once migrate one after the other.
func (postgres) lockMigrations(tx *sql.Tx) error {
	_, err := tx.Exec(`SELECT pg_advisory_xact_lock(7463526)`)
	return err
}

func (postgres) normalize(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return fmt.Errorf("%w: %v", ticketd.Errorf(ticketd.ECONFLICT, "already exists"), err)
		case "23503": // foreign_key_violation
			return fmt.Errorf("%w: %v", ticketd.Errorf(ticketd.ENOTFOUND, "referenced object not found"), err)
		case "22021", "22P05": // a byte sequence (NUL) PostgreSQL text cannot hold
			return fmt.Errorf("%w: %v", ticketd.Errorf(ticketd.EINVALID, "text contains characters that cannot be stored"), err)
		}
	}
	return err
}

func (postgres) forUpdate() string { return " FOR UPDATE" }

func (postgres) retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return true
		}
	}
	return false
}

// skipLocked lets several nodes claim different outbox rows without waiting
// for each other.
func (postgres) skipLocked() string { return " FOR UPDATE SKIP LOCKED" }
