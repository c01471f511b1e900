package sqlstore

// SetSearchWalk sets how many of the newest messages a PostgreSQL search
// walks before it reads slices (pgMessageHits) and returns the undo.
func SetSearchWalk(n int64) func() {
	old := pgWalk
	pgWalk = n
	return func() { pgWalk = old }
}
