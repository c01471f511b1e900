package sqlstore

import (
	"context"
	"strconv"
	"strings"

	ticketd "github.com/ticketd/ticketd"
)

// setter builds the SET clause of an UPDATE from a patch: one "column = $n"
// per field the patch sets, so an update never writes a column it did not
// mean to change (see patch.go in the domain for why). The statement text
// depends only on which fields are set, so the statement cache stays bounded
// by the combinations the use cases actually write.
type setter struct {
	sets []string
	args []any
}

// set writes v to col.
func (s *setter) set(col string, v any) {
	s.args = append(s.args, v)
	s.sets = append(s.sets, col+" = $"+strconv.Itoa(len(s.args)))
}

// add increments col by n, in SQL: a count read earlier is never written back.
func (s *setter) add(col string, n int) {
	if n == 0 {
		return
	}
	s.args = append(s.args, n)
	s.sets = append(s.sets, col+" = "+col+" + $"+strconv.Itoa(len(s.args)))
}

// exec runs UPDATE table SET ... WHERE where, with the where clause's own
// placeholders numbered after the SET's ($W1, $W2 ... in where). A patch
// that sets nothing still checks that the row exists.
func (s *setter) exec(ctx context.Context, t *Tx, kind, table, where string, whereArgs ...any) error {
	if len(s.sets) == 0 {
		// Nothing to write; "SET number = number" keeps one code path for
		// the ENOTFOUND check.
		s.sets = append(s.sets, "number = number")
	}
	n := len(s.args)
	for i := len(whereArgs); i >= 1; i-- {
		where = strings.ReplaceAll(where, "$W"+strconv.Itoa(i), "$"+strconv.Itoa(n+i))
	}
	return t.execOne(ctx, kind, "UPDATE "+table+" SET "+strings.Join(s.sets, ", ")+" WHERE "+where,
		append(s.args, whereArgs...)...)
}

// where builds a WHERE clause of the conditions that are set.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(col, op string, v any) {
	w.args = append(w.args, v)
	w.conds = append(w.conds, col+" "+op+" $"+strconv.Itoa(len(w.args)))
}

// UpdateTicket writes the fields p sets.
func (t *Tx) UpdateTicket(ctx context.Context, ws, id ticketd.ID, p ticketd.TicketPatch) error {
	var s setter
	if p.Subject.OK {
		s.set("subject", p.Subject.V)
	}
	if p.Channel.OK {
		s.set("channel", p.Channel.V)
	}
	if p.Status.OK {
		s.set("status", string(p.Status.V))
	}
	if p.AssigneeID.OK {
		s.set("assignee_id", optIDArg(p.AssigneeID.V))
	}
	if p.Tags.OK {
		s.set("tags", jsonArg(p.Tags.V))
	}
	if p.UnreadCount.OK {
		s.set("unread_count", p.UnreadCount.V)
	}
	if p.LastMessage.OK {
		s.set("last_message", p.LastMessage.V)
	}
	if p.LastMessageAt.OK {
		s.set("last_message_at", p.LastMessageAt.V.UTC())
	}
	if p.ClosedAt.OK {
		s.set("closed_at", optTimeArg(p.ClosedAt.V))
	}
	if p.HandedOffAt.OK {
		s.set("human_opened_at", optTimeArg(p.HandedOffAt.V))
	}
	if p.InboxID.OK {
		s.set("inbox_id", optIDArg(p.InboxID.V))
	}
	setTicketFields(&s, p)
	if p.SnoozedUntil.OK {
		s.set("snoozed_until", optTimeArg(p.SnoozedUntil.V))
	}
	s.add("message_count", p.AddMessages)
	s.add("public_count", p.AddPublic)
	s.set("updated_at", p.UpdatedAt.UTC())
	return s.exec(ctx, t, "ticket", "tickets", "workspace_id = $W1 AND id = $W2", idArg(ws), idArg(id))
}

// UpdateMessage writes the fields p sets.
func (t *Tx) UpdateMessage(ctx context.Context, ws, id ticketd.ID, p ticketd.MessagePatch) error {
	var s setter
	if p.Body.OK {
		s.set("body", p.Body.V)
	}
	if p.Internal.OK {
		s.set("internal", p.Internal.V)
	}
	if p.BodyCleaned.OK {
		s.set("body_cleaned", optStringArg(p.BodyCleaned.V))
	}
	if p.Language.OK {
		s.set("language", optStringArg(p.Language.V))
	}
	if p.Sentiment.OK {
		s.set("sentiment", optStringArg(p.Sentiment.V))
	}
	if p.Delivery.OK {
		s.set("delivery", string(p.Delivery.V))
	}
	if p.DeliveryAttempts.OK {
		s.set("delivery_attempts", p.DeliveryAttempts.V)
	}
	if p.DeliveryError.OK {
		s.set("delivery_error", p.DeliveryError.V)
	}
	s.set("updated_at", p.UpdatedAt.UTC())
	return s.exec(ctx, t, "message", "messages", "workspace_id = $W1 AND id = $W2", idArg(ws), idArg(id))
}

// UpdateCustomer writes the fields p sets.
func (t *Tx) UpdateCustomer(ctx context.Context, ws, id ticketd.ID, p ticketd.CustomerPatch) error {
	var s setter
	if p.Email.OK {
		s.set("email", p.Email.V)
	}
	if p.Phone.OK {
		s.set("phone", p.Phone.V)
	}
	if p.FirstName.OK {
		s.set("first_name", p.FirstName.V)
	}
	if p.LastName.OK {
		s.set("last_name", p.LastName.V)
	}
	s.set("updated_at", p.UpdatedAt.UTC())
	return s.exec(ctx, t, "customer", "customers", "workspace_id = $W1 AND id = $W2", idArg(ws), idArg(id))
}

// UpdateUser writes the fields p sets.
func (t *Tx) UpdateUser(ctx context.Context, ws, id ticketd.ID, p ticketd.UserPatch) error {
	var s setter
	if p.Email.OK {
		s.set("email", p.Email.V)
	}
	if p.Name.OK {
		s.set("name", p.Name.V)
	}
	if p.Role.OK {
		s.set("role", string(p.Role.V))
	}
	s.set("updated_at", p.UpdatedAt.UTC())
	return s.exec(ctx, t, "user", "users", "workspace_id = $W1 AND id = $W2", idArg(ws), idArg(id))
}

// UpdateWorkspace writes the fields p sets.
func (t *Tx) UpdateWorkspace(ctx context.Context, id ticketd.ID, p ticketd.WorkspacePatch) error {
	var s setter
	if p.Name.OK {
		s.set("name", p.Name.V)
	}
	if p.Settings.OK {
		s.set("settings", jsonArg(p.Settings.V))
	}
	return s.exec(ctx, t, "workspace", "workspaces", "id = $W1", idArg(id))
}
