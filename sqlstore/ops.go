package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	ticketd "github.com/ticketd/ticketd"
)

// Workspaces lists every workspace in creation order.
func (t *Tx) Workspaces(ctx context.Context, page ticketd.Page) ([]*ticketd.Workspace, error) {
	rows, err := t.query(ctx, `SELECT number, id, name, settings, created_at FROM workspaces
		WHERE number > $1 ORDER BY number LIMIT $2`, page.AfterNumber, limitArg(page.Limit))
	if err != nil {
		return nil, t.d.normalize(err)
	}
	return collect(rows, func(row scanner) (*ticketd.Workspace, error) {
		var w ticketd.Workspace
		var id, settings string
		if err := row.Scan(&w.Number, &id, &w.Name, &settings, &w.CreatedAt); err != nil {
			return nil, err
		}
		var err error
		if w.ID, err = parseID(id); err != nil {
			return nil, err
		}
		w.CreatedAt = w.CreatedAt.UTC()
		if err := json.Unmarshal([]byte(settings), &w.Settings); err != nil {
			return nil, fmt.Errorf("workspace settings: %w", err)
		}
		return &w, nil
	})
}

// UserByEmail finds an agent of ws by email. Emails are stored lower case
// (the domain normalises them), so the comparison is on the lower-cased input.
func (t *Tx) UserByEmail(ctx context.Context, ws ticketd.ID, email string) (*ticketd.User, error) {
	u, err := scanUser(t.queryRow(ctx, `SELECT `+userColumns+` FROM users
		WHERE workspace_id = $1 AND lower(email) = lower($2) AND deleted_at IS NULL`, idArg(ws), email))
	if err != nil {
		return nil, t.notFound(err, "user")
	}
	return u, nil
}

// OutboxBacklog counts the outbox and finds its oldest entry.
func (t *Tx) OutboxBacklog(ctx context.Context) (int, time.Time, error) {
	return t.backlog(ctx, `FROM outbox`)
}

// WebhookBacklog counts the pending webhook deliveries and finds the oldest.
func (t *Tx) WebhookBacklog(ctx context.Context) (int, time.Time, error) {
	return t.backlog(ctx, `FROM webhook_deliveries WHERE state = 'pending'`)
}

// backlog counts the rows of from and reads the oldest one's created_at as
// a row, not as MIN(), so that both drivers scan it as a time.
func (t *Tx) backlog(ctx context.Context, from string) (int, time.Time, error) {
	var n int
	if err := t.queryRow(ctx, `SELECT COUNT(*) `+from).Scan(&n); err != nil {
		return 0, time.Time{}, t.d.normalize(err)
	}
	if n == 0 {
		return 0, time.Time{}, nil
	}
	var oldest time.Time
	err := t.queryRow(ctx, `SELECT created_at `+from+` ORDER BY created_at LIMIT 1`).Scan(&oldest)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, nil // delivered between the two reads
	}
	return n, oldest.UTC(), t.d.normalize(err)
}

// Pools returns the connection pools by role, for pool metrics: "write" and
// "read" on SQLite, one "main" pool on PostgreSQL.
func (db *DB) Pools() map[string]*sql.DB {
	if db.write == db.read {
		return map[string]*sql.DB{"main": db.write}
	}
	return map[string]*sql.DB{"write": db.write, "read": db.read}
}

// SetMaxConns bounds the connections of a PostgreSQL pool (--db-max-conns):
// with several nodes, their sum must stay under the server's
// max_connections. SQLite keeps its one writer and its readers.
func (db *DB) SetMaxConns(n int) {
	if db.dialect.name() != "postgres" || n < 1 {
		return
	}
	sizePostgresPool(db.write, n)
}
