package sqlstore

import (
	"context"
	"database/sql"

	ticketd "github.com/ticketd/ticketd"
)

// ticketVersionsQuery is TicketVersions' statement, by the kind of ref
// (refCond): the ticket's columns (its version among them) and the
// workspace's people version (0 while it has no row), in one statement so
// that both come from one snapshot and cost one round trip.
func ticketVersionsQuery(cols columnList, ref ticketd.Ref) (sqlite, postgres string) {
	q := func(c string) string {
		return `SELECT ` + c + `, COALESCE((SELECT version FROM people_versions
			WHERE people_versions.workspace_id = tickets.workspace_id), 0)
		FROM tickets WHERE workspace_id = $1 AND ` + refCond(ref)
	}
	return q(cols.sqlite), q(cols.postgres)
}

var (
	versionsByIDSQLite, versionsByIDPostgres         = ticketVersionsQuery(ticketCols, ticketd.ByID(ticketd.NewID()))
	versionsByNumberSQLite, versionsByNumberPostgres = ticketVersionsQuery(ticketCols, ticketd.ByNumber(1))
)

// versionsQuery picks the statement for the engine and the ref.
func versionsQuery(d dialect, ref ticketd.Ref) string {
	byID := ref.ID != (ticketd.ID{})
	switch {
	case d.name() == "sqlite" && byID:
		return versionsByIDSQLite
	case d.name() == "sqlite":
		return versionsByNumberSQLite
	case byID:
		return versionsByIDPostgres
	default:
		return versionsByNumberPostgres
	}
}

// TicketVersions reads the ticket ref names with its version and the
// workspace's people version, in this transaction.
func (t *Tx) TicketVersions(ctx context.Context, ws ticketd.ID, ref ticketd.Ref) (*ticketd.Ticket, int64, error) {
	var people int64
	tk, err := scanTicket(trailing{t.queryRow(ctx, versionsQuery(t.d, ref), idArg(ws), refArg(ref)), &people})
	if err != nil {
		return nil, 0, t.notFound(err, "ticket")
	}
	return tk, people, nil
}

// TicketVersions is Tx.TicketVersions as one statement outside any
// transaction, on the read pool: a single SELECT is its own snapshot on
// both engines, and on PostgreSQL it costs one round trip where a
// read-only transaction around it costs three (BEGIN, the SELECT, COMMIT).
// The statement is prepared once on the pool, as a Tx's are (stmtCache).
func (db *DB) TicketVersions(ctx context.Context, ws ticketd.ID, ref ticketd.Ref) (*ticketd.Ticket, int64, error) {
	q := versionsQuery(db.dialect, ref)
	args := []any{idArg(ws), refArg(ref)}
	if db.trace != nil {
		db.trace(q, args)
	}
	var row *sql.Row
	if s := db.readStmts.lookup(q); s != nil {
		row = s.QueryRowContext(ctx, args...)
	} else {
		row = db.read.QueryRowContext(ctx, db.dialect.statement(q), args...)
		// No transaction holds a connection of this goroutine: the
		// statement can be prepared at once.
		defer db.readStmts.warm(context.WithoutCancel(ctx))
	}
	var people int64
	tk, err := scanTicket(trailing{row, &people})
	if err != nil {
		if err == sql.ErrNoRows {
			return nil, 0, ticketd.NotFound("ticket")
		}
		return nil, 0, db.dialect.normalize(err)
	}
	return tk, people, nil
}

// trailing scans a row into the destinations its scanner is given and
// then into more: a query that selects a known column list and something
// after it.
type trailing struct {
	row  scanner
	more any
}

func (t trailing) Scan(dest ...any) error { return t.row.Scan(append(dest, t.more)...) }
