// Package sqlstore persists ticketd in SQL: SQLite (embedded, the default)
// and PostgreSQL, from one code base. Queries are written once with $N
// placeholders, which both drivers bind; the few places where the engines
// differ (DDL types, driver errors, connection set-up) live in dialect.go.
package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	ticketd "github.com/ticketd/ticketd"
)

// Options tune how the database is opened.
type Options struct {
	// SyncFull makes SQLite fsync on every commit (synchronous=FULL) instead
	// of at checkpoints (NORMAL). NORMAL already keeps every acknowledged
	// commit through a crash of the process, which is what kill -9 is; FULL
	// also keeps it through a power loss, at the cost of write latency.
	SyncFull bool
	// ReadConns bounds the connections used for reads (default 4).
	ReadConns int
	// NoGroupCommit turns SQLite's group commit off (see group.go): every
	// write transaction then commits alone.
	NoGroupCommit bool
}

// DB is a ticketd.Store over one SQL database.
type DB struct {
	dialect dialect
	// write takes every read-write transaction. On SQLite it is a single
	// connection, so writers queue in Go instead of failing with SQLITE_BUSY,
	// and its transactions begin IMMEDIATE so a reader never has to upgrade.
	write *sql.DB
	// read serves read-only transactions, concurrently with the writer (WAL).
	read *sql.DB

	writeStmts, readStmts *stmtCache
	// secrets seals secret columns (secrets.go); nil stores them as given.
	secrets ticketd.SecretBox

	// trace, when set (by tests), sees every statement a Tx runs.
	trace func(query string, args []any)
	// group batches SQLite's write transactions (nil on PostgreSQL, whose
	// writers commit in parallel).
	group *groupCommitter
}

var _ ticketd.Store = (*DB)(nil)

// Open opens the database named by dsn: a postgres:// or postgresql:// URL for
// PostgreSQL, anything else as a SQLite file path. It does not migrate; call
// Migrate.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	d := dialectFor(dsn)
	write, read, err := d.open(dsn, opts)
	if err != nil {
		return nil, err
	}
	db := &DB{dialect: d, write: write, read: read, writeStmts: newStmtCache(write, d), readStmts: newStmtCache(read, d)}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	if d.name() == "sqlite" && !opts.NoGroupCommit {
		db.group = newGroupCommitter(db)
	}
	return db, nil
}

// Engine names the database engine: "sqlite" or "postgres".
func (db *DB) Engine() string { return db.dialect.name() }

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return err
	}
	return db.read.PingContext(ctx)
}

// Close closes both connection pools.
func (db *DB) Close() error {
	if db.group != nil {
		db.group.close()
	}
	return errors.Join(db.readStmts.close(), db.writeStmts.close(), db.read.Close(), db.write.Close())
}

// maxUpdateAttempts bounds how often Update runs a transaction that the
// engine aborted for a reason a new attempt can fix.
const maxUpdateAttempts = 4

// Update runs fn in a read-write transaction, again (up to
// maxUpdateAttempts in all, after a short random pause) when the engine
// reports a serialization failure, a deadlock or a busy database: the
// domain's contract says fn may run more than once.
func (db *DB) Update(ctx context.Context, fn func(ticketd.Tx) error) error {
	for attempt := 1; ; attempt++ {
		var err error
		if db.group != nil {
			err = db.group.do(ctx, fn)
		} else {
			err = db.inTx(ctx, db.write, db.writeStmts, nil, fn)
		}
		if err == nil || attempt == maxUpdateAttempts || !(db.dialect.retryable(err) || errors.Is(err, errGroupAborted)) {
			return err
		}
		pause := time.Duration(attempt) * time.Duration(1+rand.IntN(5)) * time.Millisecond
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
}

// View runs fn in a read-only transaction.
func (db *DB) View(ctx context.Context, fn func(ticketd.Tx) error) error {
	return db.inTx(ctx, db.read, db.readStmts, db.dialect.readOnlyTx(), fn)
}

func (db *DB) inTx(ctx context.Context, pool *sql.DB, stmts *stmtCache, opts *sql.TxOptions, fn func(ticketd.Tx) error) error {
	sqlTx, err := begin(ctx, pool, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", db.dialect.normalize(err))
	}
	tx := db.newTx(sqlTx, stmts)
	if err = fn(tx); err != nil {
		sqlTx.Rollback()
	} else if err = sqlTx.Commit(); err != nil {
		err = fmt.Errorf("commit: %w", db.dialect.normalize(err))
	}
	// The connection is back in the pool: now the queries this transaction
	// ran unprepared can be prepared (see stmtCache).
	if tx.missed {
		stmts.warm(context.WithoutCancel(ctx))
	}
	return err
}

// maxBeginAttempts bounds how often begin asks the pool again.
const maxBeginAttempts = 8

// begin begins a transaction on pool, asking again while the pool hands out
// bad connections and ctx is alive. A request cancelled by its client in
// the instant between database/sql's own check of the context and the
// driver's, at commit, returns its PostgreSQL connection to the pool still
// inside its transaction; the next borrower's session reset (pgx's
// ResetSession) discards it as driver.ErrBadConn, and database/sql gives a
// BeginTx three connections before it fails with that error. After a burst
// of cancelled requests (the benchmark harness ending a run) a request
// whose client was still there drew three such connections and answered
// 500. Nothing has run on a connection that fails here, so asking again is
// safe for reads and writes alike; each attempt discards the bad ones it
// met.
func begin(ctx context.Context, pool *sql.DB, opts *sql.TxOptions) (*sql.Tx, error) {
	for attempt := 1; ; attempt++ {
		tx, err := pool.BeginTx(ctx, opts)
		if err == nil || attempt == maxBeginAttempts || !errors.Is(err, driver.ErrBadConn) || ctx.Err() != nil {
			return tx, err
		}
	}
}

// Tx implements ticketd.Tx over one SQL transaction.
type Tx struct {
	tx    *sql.Tx
	d     dialect
	stmts *stmtCache
	// missed is set when a query ran unprepared.
	missed bool
	// secrets is the DB's SecretBox.
	secrets ticketd.SecretBox
	trace   func(query string, args []any)
}

// exec runs a statement and normalises its error.
func (t *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	var err error
	if s := t.stmt(ctx, query, args); s != nil {
		res, err = s.ExecContext(ctx, args...)
	} else {
		res, err = t.tx.ExecContext(ctx, t.d.statement(query), args...)
	}
	return res, t.d.normalize(err)
}

// execOne runs a statement that must change exactly one row; ENOTFOUND names
// kind when it changed none.
func (t *Tx) execOne(ctx context.Context, kind, query string, args ...any) error {
	res, err := t.exec(ctx, query, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ticketd.NotFound(kind)
	}
	return nil
}

// notFound maps sql.ErrNoRows to ENOTFOUND for kind and normalises the rest.
func (t *Tx) notFound(err error, kind string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ticketd.NotFound(kind)
	}
	return t.d.normalize(err)
}

// expand replaces the per-engine placeholders of DDL.
func expand(d dialect, ddl string) string {
	r := strings.NewReplacer(
		"{{serial}}", d.serialPrimaryKey(),
		"{{timestamp}}", d.timestampType(),
		"{{blob}}", d.blobType(),
	)
	return r.Replace(ddl)
}

// RawQueryRow runs one query outside the domain's interfaces, for tests and
// diagnostics that need to see the database as it is.
func (db *DB) RawQueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.read.QueryRowContext(ctx, query, args...)
}

// RawExec runs one statement on the write connection outside the domain's
// interfaces, for benchmarks that measure the engine's own ceiling.
func (db *DB) RawExec(ctx context.Context, query string, args ...any) error {
	_, err := db.write.ExecContext(ctx, query, args...)
	return err
}

// newTx wraps a database transaction; every Tx, grouped or not, is made here
// so that each carries the DB's secret box and trace.
func (db *DB) newTx(sqlTx *sql.Tx, stmts *stmtCache) *Tx {
	return &Tx{tx: sqlTx, d: db.dialect, stmts: stmts, secrets: db.secrets, trace: db.trace}
}
