package sqlstore

// PreparedStatements reports how many statements the write and read pools
// keep prepared, for tests of the statement cache.
func PreparedStatements(db *DB) (write, read int) {
	db.writeStmts.mu.Lock()
	write = len(db.writeStmts.m)
	db.writeStmts.mu.Unlock()
	db.readStmts.mu.Lock()
	read = len(db.readStmts.m)
	db.readStmts.mu.Unlock()
	return write, read
}

// Trace makes db report every statement its transactions run.
func Trace(db *DB, fn func(query string, args []any)) { db.trace = fn }

// QueuedWrites reports how many write transactions wait for the group
// committer.
func QueuedWrites(db *DB) int {
	if db.group == nil {
		return 0
	}
	return len(db.group.reqs)
}

// Statement is the text the engine runs for query (dialect.statement).
func (db *DB) Statement(query string) string { return db.dialect.statement(query) }
