package sqlstore

import (
	"context"
	"database/sql"
)

// RawUpdate runs fn in a transaction of the store's write pool, outside the
// domain's interfaces: for the benchmark's ceiling servers, which must run on
// exactly the engine settings ticketd uses (SQLite's single IMMEDIATE writer,
// WAL, synchronous) to be a fair ceiling. They begin as the store does
// (begin: a ceiling answered 500 "driver: bad connection" after a burst of
// cancelled requests, as ticketd did).
func (db *DB) RawUpdate(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := begin(ctx, db.write, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// RawView is RawUpdate for a read-only transaction of the read pool.
func (db *DB) RawView(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := begin(ctx, db.read, db.dialect.readOnlyTx())
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}

// RawPrepare prepares query on the write pool (write true) or the read pool,
// for RawUpdate and RawView (tx.Stmt binds it to the transaction).
func (db *DB) RawPrepare(ctx context.Context, write bool, query string) (*sql.Stmt, error) {
	if write {
		return db.write.PrepareContext(ctx, query)
	}
	return db.read.PrepareContext(ctx, query)
}
