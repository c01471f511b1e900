package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	ticketd "github.com/ticketd/ticketd"
)

// stillUsed turns the foreign-key violation a DELETE can meet into the
// conflict it is: the row is still referred to.
func stillUsed(err error, msg string) error {
	if ticketd.ErrorCode(err) == ticketd.ENOTFOUND {
		return fmt.Errorf("%w: %v", ticketd.Errorf(ticketd.ECONFLICT, "%s", msg), err)
	}
	return err
}

// DeleteSendingDomain deletes the domain; its inboxes' foreign key makes it
// a conflict while any exists.
func (t *Tx) DeleteSendingDomain(ctx context.Context, ws, id ticketd.ID) error {
	var n int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM inboxes WHERE workspace_id = $1 AND domain_id = $2`,
		idArg(ws), idArg(id)).Scan(&n); err != nil {
		return t.d.normalize(err)
	}
	if n > 0 {
		return ticketd.Errorf(ticketd.ECONFLICT, "the domain has %d inbox(es); delete them first", n)
	}
	return stillUsed(t.execOne(ctx, "domain", `DELETE FROM sending_domains WHERE workspace_id = $1 AND id = $2`,
		idArg(ws), idArg(id)), "the domain is still in use")
}

// DeleteInbox deletes the inbox after its tickets stop naming it.
func (t *Tx) DeleteInbox(ctx context.Context, ws, id ticketd.ID) error {
	if _, err := t.exec(ctx, `UPDATE tickets SET inbox_id = NULL WHERE workspace_id = $1 AND inbox_id = $2`,
		idArg(ws), idArg(id)); err != nil {
		return err
	}
	return stillUsed(t.execOne(ctx, "inbox", `DELETE FROM inboxes WHERE workspace_id = $1 AND id = $2`,
		idArg(ws), idArg(id)), "mail queued from this inbox still waits; delete the inbox once it has gone")
}

// The messages an erasure removes: every message on the customer's tickets
// and every message the customer wrote on another ticket.
const erasedMessages = `SELECT id FROM messages WHERE workspace_id = $1 AND (author_customer_id = $2
	OR ticket_id IN (SELECT id FROM tickets WHERE workspace_id = $1 AND customer_id = $2))`

// EraseCustomer deletes the customer and their data in the caller's
// transaction, children before parents, and recounts the other tickets
// that lost a message.
func (t *Tx) EraseCustomer(ctx context.Context, ws, id ticketd.ID) (*ticketd.Erasure, error) {
	w, c := idArg(ws), idArg(id)
	er := &ticketd.Erasure{}
	count := func(dst *int, q string) error {
		return t.d.normalize(t.queryRow(ctx, q, w, c).Scan(dst))
	}
	if err := count(&er.Tickets, `SELECT COUNT(*) FROM tickets WHERE workspace_id = $1 AND customer_id = $2`); err != nil {
		return nil, err
	}
	if err := count(&er.Messages, `SELECT COUNT(*) FROM (`+erasedMessages+`) m`); err != nil {
		return nil, err
	}
	if err := count(&er.Attachments, `SELECT COUNT(*) FROM attachments WHERE message_id IN (`+erasedMessages+`)`); err != nil {
		return nil, err
	}
	keys, err := t.strings(ctx, `SELECT DISTINCT blob_key FROM attachments WHERE message_id IN (`+erasedMessages+`)`, w, c)
	if err != nil {
		return nil, err
	}
	// Other tickets whose counters must drop: those holding a message the
	// customer wrote.
	others, err := t.strings(ctx, `SELECT DISTINCT ticket_id FROM messages WHERE workspace_id = $1 AND author_customer_id = $2
		AND ticket_id NOT IN (SELECT id FROM tickets WHERE workspace_id = $1 AND customer_id = $2)`, w, c)
	if err != nil {
		return nil, err
	}

	for _, q := range []string{
		`DELETE FROM outbox WHERE workspace_id = $1 AND message_id IN (` + erasedMessages + `)`,
		`DELETE FROM attachments WHERE message_id IN (` + erasedMessages + `)`,
		`DELETE FROM messages WHERE id IN (` + erasedMessages + `)`,
		`DELETE FROM tickets WHERE workspace_id = $1 AND customer_id = $2`,
	} {
		if _, err := t.exec(ctx, q, w, c); err != nil {
			return nil, fmt.Errorf("erase customer: %w", err)
		}
	}
	if err := t.execOne(ctx, "customer", `DELETE FROM customers WHERE workspace_id = $1 AND id = $2`, w, c); err != nil {
		return nil, stillUsed(err, "the customer is still referred to")
	}
	for _, tk := range others {
		if _, err := t.exec(ctx, `UPDATE tickets SET
			message_count = (SELECT COUNT(*) FROM messages m WHERE m.ticket_id = tickets.id),
			public_count = (SELECT COUNT(*) FROM messages m WHERE m.ticket_id = tickets.id AND m.internal = FALSE)
			WHERE id = $1`, tk); err != nil {
			return nil, err
		}
	}
	for _, k := range keys {
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM attachments WHERE blob_key = $1`, k).Scan(&n); err != nil {
			return nil, t.d.normalize(err)
		}
		if n == 0 {
			er.UnusedBlobs = append(er.UnusedBlobs, k)
		}
	}
	return er, nil
}

// strings runs a query of one text column and returns its values.
func (t *Tx) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, t.d.normalize(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

const auditColumns = `number, id, workspace_id, actor_user_id, actor_key_id, action, object_type, object_id, detail, created_at`

// CreateAuditEntry inserts e and assigns its number.
func (t *Tx) CreateAuditEntry(ctx context.Context, e *ticketd.AuditEntry) error {
	err := t.queryRow(ctx, `INSERT INTO audit_log (id, workspace_id, actor_user_id, actor_key_id, action, object_type,
		object_id, detail, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING number`,
		idArg(e.ID), idArg(e.WorkspaceID), optIDArg(e.ActorUserID), optIDArg(e.ActorKeyID), e.Action, e.ObjectType,
		idArg(e.ObjectID), e.Detail, e.CreatedAt.UTC()).Scan(&e.Number)
	return t.d.normalize(err)
}

// AuditEntries lists ws's entries in creation order.
func (t *Tx) AuditEntries(ctx context.Context, ws ticketd.ID, after *ticketd.ID, limit int) ([]*ticketd.AuditEntry, error) {
	var from int64
	if after != nil {
		if err := t.queryRow(ctx, `SELECT number FROM audit_log WHERE workspace_id = $1 AND id = $2`,
			idArg(ws), idArg(*after)).Scan(&from); err != nil {
			return nil, t.notFound(err, "audit entry")
		}
	}
	rows, err := t.query(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE workspace_id = $1 AND number > $2
		ORDER BY number LIMIT $3`, idArg(ws), from, limitArg(limit))
	if err != nil {
		return nil, t.d.normalize(err)
	}
	return collect(rows, func(row scanner) (*ticketd.AuditEntry, error) {
		var e ticketd.AuditEntry
		var id, wsID, obj string
		var user, key sql.NullString
		if err := row.Scan(&e.Number, &id, &wsID, &user, &key, &e.Action, &e.ObjectType, &obj, &e.Detail, &e.CreatedAt); err != nil {
			return nil, err
		}
		var err error
		if e.ID, err = parseID(id); err != nil {
			return nil, err
		}
		if e.WorkspaceID, err = parseID(wsID); err != nil {
			return nil, err
		}
		if e.ObjectID, err = parseID(obj); err != nil {
			return nil, err
		}
		if e.ActorUserID, err = parseOptID(user); err != nil {
			return nil, err
		}
		if e.ActorKeyID, err = parseOptID(key); err != nil {
			return nil, err
		}
		e.CreatedAt = e.CreatedAt.UTC()
		return &e, nil
	})
}
