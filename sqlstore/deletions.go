package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	ticketd "github.com/ticketd/ticketd"
)

// deleteOne runs a DELETE that must remove exactly one row: ENOTFOUND naming
// kind when it removed none, and ECONFLICT with inUse when a foreign key
// still refers to the row (the driver's violation, which normalize reports
// as a missing reference, means the opposite for a DELETE).
func (t *Tx) deleteOne(ctx context.Context, kind, inUse, query string, args ...any) error {
	res, err := t.exec(ctx, query, args...)
	if ticketd.ErrorCode(err) == ticketd.ENOTFOUND {
		return fmt.Errorf("%w: %v", ticketd.Errorf(ticketd.ECONFLICT, "%s", inUse), err)
	} else if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ticketd.NotFound(kind)
	}
	return nil
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
	return t.deleteOne(ctx, "domain", "the domain is still in use",
		`DELETE FROM sending_domains WHERE workspace_id = $1 AND id = $2`, idArg(ws), idArg(id))
}

// DeleteInbox deletes the inbox after its tickets stop naming it.
func (t *Tx) DeleteInbox(ctx context.Context, ws, id ticketd.ID) error {
	if _, err := t.exec(ctx, `UPDATE tickets SET inbox_id = NULL WHERE workspace_id = $1 AND inbox_id = $2`,
		idArg(ws), idArg(id)); err != nil {
		return err
	}
	return t.deleteOne(ctx, "inbox", "mail queued from this inbox still waits; delete the inbox once it has gone",
		`DELETE FROM inboxes WHERE workspace_id = $1 AND id = $2`, idArg(ws), idArg(id))
}

// The tickets an erasure removes: the customer's own.
const erasedTickets = `SELECT id FROM tickets WHERE workspace_id = $1 AND customer_id = $2`

// erasedEvents selects the events of the log that carry the customer's
// data (ticketd.Event.CustomerID): about them, or on one of their tickets.
const erasedEvents = `workspace_id = $1 AND (customer_id = $2 OR ticket_id IN (` + erasedTickets + `))`

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
	var ticketFiles int
	if err := count(&er.Attachments, `SELECT COUNT(*) FROM attachments WHERE message_id IN (`+erasedMessages+`)`); err != nil {
		return nil, err
	}
	if err := count(&ticketFiles, `SELECT COUNT(*) FROM ticket_attachments WHERE ticket_id IN (`+erasedTickets+`)`); err != nil {
		return nil, err
	}
	er.Attachments += ticketFiles
	keys, err := t.strings(ctx, `SELECT blob_key FROM attachments WHERE message_id IN (`+erasedMessages+`)
		UNION SELECT blob_key FROM ticket_attachments WHERE ticket_id IN (`+erasedTickets+`)`, w, c)
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

	// Children first. Tables that hang off tickets or customers with ON
	// DELETE CASCADE (ticket_attachments, customer_identities, ...) go with
	// their parent.
	for _, q := range []string{
		// The event log and the webhook deliveries still to send carry the
		// customer's data as it was when it changed: they go too, so that
		// no stream or webhook hands it out after the erasure.
		`DELETE FROM webhook_deliveries WHERE workspace_id = $1 AND state = 'pending'
			AND event_id IN (SELECT position FROM events WHERE ` + erasedEvents + `)`,
		`DELETE FROM events WHERE ` + erasedEvents,
		`DELETE FROM outbox WHERE workspace_id = $1 AND message_id IN (` + erasedMessages + `)`,
		`DELETE FROM attachments WHERE message_id IN (` + erasedMessages + `)`,
		`DELETE FROM messages WHERE id IN (` + erasedMessages + `)`,
		`DELETE FROM tickets WHERE workspace_id = $1 AND customer_id = $2`,
	} {
		if _, err := t.exec(ctx, q, w, c); err != nil {
			return nil, fmt.Errorf("erase customer: %w", err)
		}
	}
	if err := t.deleteOne(ctx, "customer", "the customer is still referred to",
		`DELETE FROM customers WHERE workspace_id = $1 AND id = $2`, w, c); err != nil {
		return nil, err
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
		if err := t.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM attachments WHERE blob_key = $1)
			+ (SELECT COUNT(*) FROM ticket_attachments WHERE blob_key = $1)`, k).Scan(&n); err != nil {
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
