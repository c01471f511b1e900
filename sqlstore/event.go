package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	ticketd "github.com/ticketd/ticketd"
)

// Why ids are assigned in commit order, and how.
//
// A reader of the feed asks for "the events after id N". With a plain
// sequence, two PostgreSQL transactions (on one node or two) can draw ids
// 7 and 8, and 8 can commit first: a reader that sees 8 and moves its cursor
// there never sees 7 when it commits a moment later. So the append takes a
// transaction-scoped advisory lock (one key for the whole database) before
// it draws ids, and holds it until commit: whoever draws an id commits before
// anyone else can draw a larger one, so ids become visible in order. The
// lock is taken as the last write of a use case (Service.emit), so it is held
// only for the inserts and the commit, and no row lock is waited for while
// holding it, which could deadlock. The cost is that the commits of writes
// are serialised across the database; at a few hundred microseconds each,
// that is far above what a helpdesk writes.
//
// The other design (readers that only read ids below the oldest transaction
// still in flight, via pg_snapshot_xmin) adds no lock to writers but makes
// every reader of every node compute the horizon and lag behind long
// transactions; the lock is simpler to get right. SQLite has one writer at
// a time, so its ids are in commit order already.
func (postgres) lockEventLog(ctx context.Context, t *Tx) error {
	_, err := t.exec(ctx, `SELECT pg_advisory_xact_lock(7463600)`)
	return err
}

func (sqliteDialect) lockEventLog(context.Context, *Tx) error { return nil }

// AppendEvents inserts evs in order and assigns their ids.
func (t *Tx) AppendEvents(ctx context.Context, evs []*ticketd.Event) error {
	if len(evs) == 0 {
		return nil
	}
	if err := t.d.lockEventLog(ctx, t); err != nil {
		return fmt.Errorf("lock event log: %w", err)
	}
	for _, e := range evs {
		data, err := json.Marshal(e.Data)
		if err != nil {
			return fmt.Errorf("event data: %w", err)
		}
		err = t.queryRow(ctx, `INSERT INTO events (workspace_id, type, ticket_id, occurred_at, data)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			idArg(e.WorkspaceID), string(e.Type), optIDArg(e.TicketID), e.OccurredAt, string(data)).Scan(&e.ID)
		if err != nil {
			return fmt.Errorf("insert event: %w", t.d.normalize(err))
		}
	}
	return nil
}

func scanEvent(row scanner) (*ticketd.Event, error) {
	var e ticketd.Event
	var ws, data string
	var ticket sql.NullString
	if err := row.Scan(&e.ID, &ws, &e.Type, &ticket, &e.OccurredAt, &data); err != nil {
		return nil, err
	}
	var err error
	if e.WorkspaceID, err = parseID(ws); err != nil {
		return nil, err
	}
	if e.TicketID, err = parseOptID(ticket); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(data), &e.Data); err != nil {
		return nil, fmt.Errorf("stored event data: %w", err)
	}
	e.OccurredAt = e.OccurredAt.UTC()
	return &e, nil
}

// Events lists events in id order. Types travel as one ",a,b," string so
// that one statement serves every set of types (the LIKE pattern is built
// from the row's own type, and "_" in it can only match real type names).
func (t *Tx) Events(ctx context.Context, f ticketd.EventFilter) ([]*ticketd.Event, error) {
	var ws any
	if f.WorkspaceID != nil {
		ws = idArg(*f.WorkspaceID)
	}
	types := ""
	if f.Types != nil {
		parts := make([]string, len(f.Types))
		for i, typ := range f.Types {
			parts[i] = string(typ)
		}
		types = "," + strings.Join(parts, ",") + ","
	}
	rows, err := t.query(ctx, `SELECT id, workspace_id, type, ticket_id, occurred_at, data FROM events
		WHERE (CAST($1 AS TEXT) IS NULL OR workspace_id = $1) AND id > $2
		AND ($3 = '' OR $3 LIKE '%,' || type || ',%')
		ORDER BY id LIMIT $4`, ws, f.AfterID, types, limitArg(f.Limit))
	if err != nil {
		return nil, t.d.normalize(err)
	}
	return collect(rows, scanEvent)
}

// LastEventID returns the largest event id, 0 if there is none.
func (t *Tx) LastEventID(ctx context.Context) (int64, error) {
	var id int64
	err := t.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM events`).Scan(&id)
	return id, t.d.normalize(err)
}

// PruneEvents deletes events older than cutoff that no pending webhook
// delivery still needs.
func (t *Tx) PruneEvents(ctx context.Context, cutoff time.Time) (int, error) {
	res, err := t.exec(ctx, `DELETE FROM events WHERE occurred_at < $1
		AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = events.id AND d.state = 'pending')`, cutoff)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
