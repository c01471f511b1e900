package sqlstore

import (
	"context"
	"database/sql"

	ticketd "github.com/ticketd/ticketd"
)

const ticketColumns = `number, id, workspace_id, customer_id, subject, channel, status, assignee_id, tags,
	unread_count, last_message, last_message_at, date, inbox_id, thread_id, email_used, contact_reason,
	language_code, via, human_opened_at, closed_at, created_at, updated_at, message_count, public_count,
	priority, category, description, due_at, resolved_at, tracking_token, team_id`

func scanTicket(row scanner) (*ticketd.Ticket, error) {
	var t ticketd.Ticket
	var id, ws, customer, tags string
	var assignee, inbox sql.NullString
	var humanOpened, closed sql.NullTime
	var f ticketFieldsScan
	if err := row.Scan(&t.Number, &id, &ws, &customer, &t.Subject, &t.Channel, &t.Status, &assignee, &tags,
		&t.UnreadCount, &t.LastMessage, &t.LastMessageAt, &t.Date, &inbox, &t.ThreadID, &t.EmailUsed, &t.ContactReason,
		&t.LanguageCode, &t.Via, &humanOpened, &closed, &t.CreatedAt, &t.UpdatedAt, &t.MessageCount, &t.PublicCount,
		&t.Priority, &t.Category, &t.Description, &f.due, &f.resolved, &f.token, &f.team); err != nil {
		return nil, err
	}
	if err := f.into(&t); err != nil {
		return nil, err
	}
	var err error
	if t.ID, err = parseID(id); err != nil {
		return nil, err
	}
	if t.WorkspaceID, err = parseID(ws); err != nil {
		return nil, err
	}
	if t.CustomerID, err = parseID(customer); err != nil {
		return nil, err
	}
	if t.AssigneeID, err = parseOptID(assignee); err != nil {
		return nil, err
	}
	if t.InboxID, err = parseOptID(inbox); err != nil {
		return nil, err
	}
	if t.Tags, err = parseStrings(tags); err != nil {
		return nil, err
	}
	t.HumanOpenedAt, t.ClosedAt = optTime(humanOpened), optTime(closed)
	t.LastMessageAt, t.Date = t.LastMessageAt.UTC(), t.Date.UTC()
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return &t, nil
}

// CreateTicket inserts tk and assigns its number.
func (t *Tx) CreateTicket(ctx context.Context, tk *ticketd.Ticket) error {
	err := t.queryRow(ctx, `INSERT INTO tickets (id, workspace_id, customer_id, subject, channel, status,
		assignee_id, tags, unread_count, last_message, last_message_at, date, inbox_id, thread_id, email_used,
		contact_reason, language_code, via, human_opened_at, closed_at, created_at, updated_at, message_count,
		public_count, priority, category, description, due_at, resolved_at, tracking_token, team_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
		$23, $24, $25, $26, $27, $28, $29, $30, $31)
		RETURNING number`,
		idArg(tk.ID), idArg(tk.WorkspaceID), idArg(tk.CustomerID), tk.Subject, tk.Channel, string(tk.Status),
		optIDArg(tk.AssigneeID), jsonArg(tk.Tags), tk.UnreadCount, tk.LastMessage, tk.LastMessageAt, tk.Date,
		optIDArg(tk.InboxID), tk.ThreadID, tk.EmailUsed, tk.ContactReason, tk.LanguageCode, tk.Via,
		optTimeArg(tk.HumanOpenedAt), optTimeArg(tk.ClosedAt), tk.CreatedAt, tk.UpdatedAt, tk.MessageCount,
		tk.PublicCount, string(tk.Priority), tk.Category, tk.Description, optTimeArg(tk.DueAt),
		optTimeArg(tk.ResolvedAt), tokenArg(tk.TrackingToken), optIDArg(tk.TeamID)).Scan(&tk.Number)
	return t.d.normalize(err)
}

// Ticket returns the ticket ref names in workspace ws.
func (t *Tx) Ticket(ctx context.Context, ws ticketd.ID, ref ticketd.Ref) (*ticketd.Ticket, error) {
	return t.ticket(ctx, ws, ref, "")
}

// TicketForUpdate is Ticket, locking the row until the transaction ends.
func (t *Tx) TicketForUpdate(ctx context.Context, ws ticketd.ID, ref ticketd.Ref) (*ticketd.Ticket, error) {
	return t.ticket(ctx, ws, ref, t.d.forUpdate())
}

func (t *Tx) ticket(ctx context.Context, ws ticketd.ID, ref ticketd.Ref, lock string) (*ticketd.Ticket, error) {
	tk, err := scanTicket(t.queryRow(ctx, `SELECT `+ticketColumns+` FROM tickets
		WHERE workspace_id = $1 AND (id = $2 OR number = $3)`+lock, idArg(ws), refID(ref), ref.Number))
	if err != nil {
		return nil, t.notFound(err, "ticket")
	}
	return tk, nil
}

// Tickets lists tickets newest first. Each optional condition reads "the
// argument is NULL or the column matches it", so one statement serves every
// combination of filters; the CASTs tell PostgreSQL the type of a parameter
// it would otherwise first meet in "IS NULL".
func (t *Tx) Tickets(ctx context.Context, ws ticketd.ID, f ticketd.TicketFilter) ([]*ticketd.Ticket, error) {
	var status, number any
	if f.Status != nil {
		status = string(*f.Status)
	}
	if f.Number != nil {
		number = *f.Number
	}
	x := ticketFilterArgs(f)
	rows, err := t.query(ctx, `SELECT `+ticketColumns+` FROM tickets
		WHERE workspace_id = $1
		AND (CAST($2 AS TEXT) IS NULL OR status = $2)
		AND (CAST($3 AS TEXT) IS NULL OR assignee_id = $3)
		AND (CAST($4 AS TEXT) IS NULL OR customer_id = $4)
		AND (CAST($5 AS BIGINT) IS NULL OR number = $5)
		AND ($6 = 0 OR number < $6)
		AND (CAST($8 AS TEXT) IS NULL OR priority = $8)
		AND (CAST($9 AS TEXT) IS NULL OR team_id = $9)
		AND (CAST($10 AS TEXT) IS NULL OR category = $10)
		AND (CAST($11 AS INTEGER) IS NULL
			OR ($11 = 1 AND assignee_id IS NULL AND team_id IS NULL)
			OR ($11 = 0 AND (assignee_id IS NOT NULL OR team_id IS NOT NULL)))
		AND (CAST($12 AS TEXT) IS NULL OR LOWER(subject) LIKE $12 ESCAPE '\' OR LOWER(description) LIKE $12 ESCAPE '\')
		ORDER BY number DESC LIMIT $7 OFFSET $13`,
		idArg(ws), status, optIDArg(f.AssigneeID), optIDArg(f.CustomerID), number, f.BeforeNumber, limitArg(f.Limit),
		x.priority, x.team, x.category, x.unassigned, x.search, f.Offset)
	if err != nil {
		return nil, t.d.normalize(err)
	}
	return collect(rows, scanTicket)
}
