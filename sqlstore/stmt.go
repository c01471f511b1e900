package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// stmtCache keeps one prepared statement per query text for a pool. Every
// query of the store is a constant, so the cache is bounded by the code; it
// spares SQLite re-parsing each statement on every call, which profiling
// showed to be a quarter of the CPU of posting a comment.
//
// A statement is never prepared from inside a transaction: preparing on the
// pool needs a free connection, and SQLite's writer pool has exactly one,
// held by that very transaction (the read pool can run out the same way
// under load). A transaction that meets an unprepared query runs it
// unprepared and notes it; the query is prepared once the transaction has
// given its connection back (warm).
type stmtCache struct {
	db *sql.DB
	// text is the engine's text of a query (dialect.statement).
	text   func(string) string
	mu     sync.Mutex
	m      map[string]*sql.Stmt
	missed map[string]struct{}
}

func newStmtCache(db *sql.DB, d dialect) *stmtCache {
	return &stmtCache{db: db, text: d.statement, m: map[string]*sql.Stmt{}, missed: map[string]struct{}{}}
}

// lookup returns the prepared statement for query, or nil after noting it
// for the next warm.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.m[query]; ok {
		return s
	}
	c.missed[query] = struct{}{}
	return nil
}

// warm prepares the queries missed so far. It must be called with no
// transaction of this goroutine open on the pool. A query that fails to
// prepare is dropped: it keeps running unprepared, and its error surfaces
// where it runs.
func (c *stmtCache) warm(ctx context.Context) {
	c.mu.Lock()
	var queries []string
	for q := range c.missed {
		queries = append(queries, q)
	}
	clear(c.missed)
	c.mu.Unlock()
	for _, q := range queries {
		// Outside the lock: preparing waits for a connection, and the
		// transaction holding it may be in lookup.
		s, err := c.db.PrepareContext(ctx, c.text(q))
		if err != nil {
			continue
		}
		c.mu.Lock()
		if _, dup := c.m[q]; dup {
			s.Close()
		} else {
			c.m[q] = s
		}
		c.mu.Unlock()
	}
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, s := range c.m {
		errs = append(errs, s.Close())
	}
	c.m = map[string]*sql.Stmt{}
	return errors.Join(errs...)
}

// stmt returns query prepared on the transaction's connection (database/sql
// prepares it once per connection and reuses it), or nil when it is not
// prepared yet and the caller should run it unprepared.
func (t *Tx) stmt(ctx context.Context, query string, args []any) *sql.Stmt {
	if t.trace != nil {
		t.trace(query, args)
	}
	s := t.stmts.lookup(query)
	if s == nil {
		t.missed = true
		return nil
	}
	return t.tx.StmtContext(ctx, s)
}

func (t *Tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if s := t.stmt(ctx, query, args); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, t.d.statement(query), args...)
}

func (t *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := t.stmt(ctx, query, args); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, t.d.statement(query), args...)
}
