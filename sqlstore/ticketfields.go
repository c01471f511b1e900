package sqlstore

import (
	"context"
	"database/sql"

	ticketd "github.com/ticketd/ticketd"
)

// ticketFieldsScan receives the planning columns of a ticket row that need
// parsing.
type ticketFieldsScan struct {
	token string
	team  sql.NullString
}

func (f *ticketFieldsScan) into(t *ticketd.Ticket) error {
	if f.token != "" {
		id, err := parseID(f.token)
		if err != nil {
			return err
		}
		t.TrackingToken = &id
	}
	var err error
	t.TeamID, err = parseOptID(f.team)
	return err
}

// tokenArg stores a missing tracking token as ” (tickets from before tokens).
func tokenArg(id *ticketd.ID) string {
	if id == nil {
		return ""
	}
	return id.String()
}

// ticketFieldsWhere adds the planning filters that f sets to a ticket list's
// conditions.
func ticketFieldsWhere(w *where, f ticketd.TicketFilter) {
	if f.Priority != nil {
		w.add("priority", "=", string(*f.Priority))
	}
	if f.TeamID != nil {
		w.add("team_id", "=", idArg(*f.TeamID))
	}
	if f.Category != nil {
		w.add("category", "=", *f.Category)
	}
	if f.Unassigned != nil {
		if *f.Unassigned {
			w.conds = append(w.conds, "assignee_id IS NULL AND team_id IS NULL")
		} else {
			w.conds = append(w.conds, "(assignee_id IS NOT NULL OR team_id IS NOT NULL)")
		}
	}
}

// setTicketFields adds the planning fields that p sets to an UPDATE.
func setTicketFields(s *setter, p ticketd.TicketPatch) {
	if p.Priority.OK {
		s.set("priority", string(p.Priority.V))
	}
	if p.Category.OK {
		s.set("category", p.Category.V)
	}
	if p.Description.OK {
		s.set("description", p.Description.V)
	}
	if p.DueAt.OK {
		s.set("due_at", optTimeArg(p.DueAt.V))
	}
	if p.ResolvedAt.OK {
		s.set("resolved_at", optTimeArg(p.ResolvedAt.V))
	}
	if p.TeamID.OK {
		s.set("team_id", optIDArg(p.TeamID.V))
	}
}

// DeleteTicket removes a ticket and everything that hangs off it: queued
// email of its messages, the messages (their email attachments cascade),
// and the ticket (its uploaded attachments cascade).
func (t *Tx) DeleteTicket(ctx context.Context, ws, id ticketd.ID) error {
	if _, err := t.exec(ctx, `DELETE FROM outbox WHERE workspace_id = $1 AND message_id IN
		(SELECT id FROM messages WHERE workspace_id = $1 AND ticket_id = $2)`, idArg(ws), idArg(id)); err != nil {
		return err
	}
	if _, err := t.exec(ctx, `DELETE FROM messages WHERE workspace_id = $1 AND ticket_id = $2`, idArg(ws), idArg(id)); err != nil {
		return err
	}
	return t.execOne(ctx, "ticket", `DELETE FROM tickets WHERE workspace_id = $1 AND id = $2`, idArg(ws), idArg(id))
}

const ticketAttachmentColumns = `number, id, workspace_id, ticket_id, filename, content_type, size, blob_key, uploaded_by, created_at`

func scanTicketAttachment(row scanner) (*ticketd.TicketAttachment, error) {
	var a ticketd.TicketAttachment
	var id, ws, ticket string
	var by sql.NullString
	if err := row.Scan(&a.Number, &id, &ws, &ticket, &a.Filename, &a.ContentType, &a.Size, &a.Key, &by, &a.CreatedAt); err != nil {
		return nil, err
	}
	var err error
	if a.ID, err = parseID(id); err != nil {
		return nil, err
	}
	if a.WorkspaceID, err = parseID(ws); err != nil {
		return nil, err
	}
	if a.TicketID, err = parseID(ticket); err != nil {
		return nil, err
	}
	if a.UploadedBy, err = parseOptID(by); err != nil {
		return nil, err
	}
	a.CreatedAt = a.CreatedAt.UTC()
	return &a, nil
}

// CreateTicketAttachment inserts a and assigns its number.
func (t *Tx) CreateTicketAttachment(ctx context.Context, a *ticketd.TicketAttachment) error {
	err := t.queryRow(ctx, `INSERT INTO ticket_attachments (id, workspace_id, ticket_id, filename, content_type, size,
		blob_key, uploaded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING number`,
		idArg(a.ID), idArg(a.WorkspaceID), idArg(a.TicketID), a.Filename, a.ContentType, a.Size, a.Key,
		optIDArg(a.UploadedBy), a.CreatedAt).Scan(&a.Number)
	return t.d.normalize(err)
}

// TicketAttachment returns one uploaded file of a ticket of ws.
func (t *Tx) TicketAttachment(ctx context.Context, ws, ticket, id ticketd.ID) (*ticketd.TicketAttachment, error) {
	a, err := scanTicketAttachment(t.queryRow(ctx, `SELECT `+ticketAttachmentColumns+` FROM ticket_attachments
		WHERE workspace_id = $1 AND ticket_id = $2 AND id = $3`, idArg(ws), idArg(ticket), idArg(id)))
	if err != nil {
		return nil, t.notFound(err, "attachment")
	}
	return a, nil
}

// TicketAttachments lists a ticket's uploaded files in upload order.
func (t *Tx) TicketAttachments(ctx context.Context, ws, ticket ticketd.ID) ([]*ticketd.TicketAttachment, error) {
	rows, err := t.query(ctx, `SELECT `+ticketAttachmentColumns+` FROM ticket_attachments
		WHERE workspace_id = $1 AND ticket_id = $2 ORDER BY number`, idArg(ws), idArg(ticket))
	if err != nil {
		return nil, t.d.normalize(err)
	}
	return collect(rows, scanTicketAttachment)
}

// DeleteTicketAttachment removes one uploaded file's record.
func (t *Tx) DeleteTicketAttachment(ctx context.Context, ws, ticket, id ticketd.ID) error {
	return t.execOne(ctx, "attachment", `DELETE FROM ticket_attachments WHERE workspace_id = $1 AND ticket_id = $2 AND id = $3`,
		idArg(ws), idArg(ticket), idArg(id))
}
