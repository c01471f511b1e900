package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"

	ticketd "github.com/ticketd/ticketd"
)

// ticketCols is ticketColumns as each engine's queries select it (see
// timecol.go).
var ticketCols = columnList{sqlite: withTextTimes(ticketColumns, "last_message_at", "date", "human_opened_at", "closed_at",
	"created_at", "updated_at", "snoozed_until", "due_at", "resolved_at"), postgres: ticketColumns}

const ticketColumns = `number, id, workspace_id, customer_id, subject, channel, status, assignee_id, tags,
	unread_count, last_message, last_message_at, date, inbox_id, thread_id, email_used, contact_reason,
	language_code, via, human_opened_at, closed_at, created_at, updated_at, message_count, public_count,
	snoozed_until, priority, category, description, due_at, resolved_at, tracking_token, team_id`

func scanTicket(row scanner) (*ticketd.Ticket, error) {
	var t ticketd.Ticket
	var id, ws, customer, tags string
	var assignee, inbox sql.NullString
	var f ticketFieldsScan
	if err := row.Scan(&t.Number, &id, &ws, &customer, &t.Subject, &t.Channel, &t.Status, &assignee, &tags,
		&t.UnreadCount, &t.LastMessage, timeDest{&t.LastMessageAt}, timeDest{&t.Date}, &inbox, &t.ChannelThread,
		&t.ContactAddress, &t.Reason, &t.Language, &t.Source, optTimeDest{&t.HandedOffAt}, optTimeDest{&t.ClosedAt},
		timeDest{&t.CreatedAt}, timeDest{&t.UpdatedAt}, &t.MessageCount, &t.PublicCount,
		optTimeDest{&t.SnoozedUntil}, &t.Priority, &t.Category, &t.Description, optTimeDest{&t.DueAt},
		optTimeDest{&t.ResolvedAt}, &f.token, &f.team); err != nil {
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
	return &t, nil
}

// ticketListCols are the columns a ticket list reads: those of
// ticketColumns that some surface renders in a list. A list leaves out
// workspace_id (the list's own argument) and the message counters (no list
// shows a total; the surfaces that do read one ticket): on SQLite every
// column costs two or three calls into the driver per row, which profiling
// found at 40% of the list's CPU.
var ticketListCols = columnList{sqlite: withTextTimes(ticketListColumns, "last_message_at", "date", "human_opened_at",
	"closed_at", "created_at", "updated_at", "snoozed_until", "due_at", "resolved_at"), postgres: ticketListColumns}

const ticketListColumns = `number, id, customer_id, subject, channel, status, assignee_id, tags, unread_count,
	last_message, last_message_at, date, inbox_id, thread_id, email_used, contact_reason, language_code, via,
	human_opened_at, closed_at, created_at, updated_at, snoozed_until, priority, category, description, due_at,
	resolved_at, tracking_token, team_id`

// scanListTicket scans a row of ticketListCols of a list in workspace ws.
// Every destination is a *string (the one conversion database/sql makes
// without reflection) or a Scanner of scan.go, so no column goes through
// reflection or an intermediate value.
func scanListTicket(ws ticketd.ID) func(scanner) (*ticketd.Ticket, error) {
	return func(row scanner) (*ticketd.Ticket, error) {
		t := &ticketd.Ticket{WorkspaceID: ws}
		if err := row.Scan(intDest{&t.Number}, idDest{&t.ID}, idDest{&t.CustomerID}, &t.Subject, &t.Channel,
			textDest[ticketd.Status]{&t.Status}, optIDDest{&t.AssigneeID}, stringsDest{&t.Tags},
			smallIntDest{&t.UnreadCount}, &t.LastMessage, timeDest{&t.LastMessageAt}, timeDest{&t.Date},
			optIDDest{&t.InboxID}, &t.ChannelThread, &t.ContactAddress, &t.Reason, &t.Language, &t.Source,
			optTimeDest{&t.HandedOffAt}, optTimeDest{&t.ClosedAt}, timeDest{&t.CreatedAt}, timeDest{&t.UpdatedAt},
			optTimeDest{&t.SnoozedUntil}, textDest[ticketd.Priority]{&t.Priority}, &t.Category, &t.Description,
			optTimeDest{&t.DueAt}, optTimeDest{&t.ResolvedAt}, optIDDest{&t.TrackingToken},
			optIDDest{&t.TeamID}); err != nil {
			return nil, err
		}
		return t, nil
	}
}

// ticketInsertColumns are the columns CreateTicket writes, ticketArgs their
// values.
const ticketInsertColumns = `id, workspace_id, customer_id, subject, channel, status,
	assignee_id, tags, unread_count, last_message, last_message_at, date, inbox_id, thread_id, email_used,
	contact_reason, language_code, via, human_opened_at, closed_at, created_at, updated_at, message_count,
	public_count, priority, category, description, due_at, resolved_at, tracking_token, team_id`

func ticketArgs(tk *ticketd.Ticket) []any {
	return []any{idArg(tk.ID), idArg(tk.WorkspaceID), idArg(tk.CustomerID), tk.Subject, tk.Channel, string(tk.Status),
		optIDArg(tk.AssigneeID), jsonArg(tk.Tags), tk.UnreadCount, tk.LastMessage, tk.LastMessageAt, tk.Date,
		optIDArg(tk.InboxID), tk.ChannelThread, tk.ContactAddress, tk.Reason, tk.Language, tk.Source,
		optTimeArg(tk.HandedOffAt), optTimeArg(tk.ClosedAt), tk.CreatedAt, tk.UpdatedAt, tk.MessageCount,
		tk.PublicCount, string(tk.Priority), tk.Category, tk.Description, optTimeArg(tk.DueAt),
		optTimeArg(tk.ResolvedAt), tokenArg(tk.TrackingToken), optIDArg(tk.TeamID)}
}

var insertTicket = `INSERT INTO tickets (` + ticketInsertColumns + `) VALUES ` + valuesLists(31, 1) + ` RETURNING number`

// CreateTicket inserts tk and assigns its number.
func (t *Tx) CreateTicket(ctx context.Context, tk *ticketd.Ticket) error {
	err := t.queryRow(ctx, insertTicket, ticketArgs(tk)...).Scan(&tk.Number)
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
	tk, err := scanTicket(t.queryRow(ctx, `SELECT `+t.cols(ticketCols)+` FROM tickets
		WHERE workspace_id = $1 AND `+refCond(ref)+lock, idArg(ws), refArg(ref)))
	if err != nil {
		return nil, t.notFound(err, "ticket")
	}
	return tk, nil
}

// Tickets lists tickets newest first. The WHERE clause names only the
// filters that are set, so each combination is its own statement with its
// own plan, and the planner can use the index that matches it (an
// "$2 IS NULL OR status = $2" condition would force one plan for all,
// which on SQLite scans the workspace's tickets).
func (t *Tx) Tickets(ctx context.Context, ws ticketd.ID, f ticketd.TicketFilter) ([]*ticketd.Ticket, error) {
	if len(f.Statuses) > 0 {
		return byEachStatus(f.Statuses, true, f.Limit, f.Offset, func(st ticketd.Status) ([]*ticketd.Ticket, error) {
			one := f
			one.Status, one.Statuses, one.Offset = &st, nil, 0
			if f.Limit > 0 {
				one.Limit = f.Limit + f.Offset
			}
			return t.Tickets(ctx, ws, one)
		})
	}
	var w where
	w.add("workspace_id", "=", idArg(ws))
	if f.Status != nil {
		w.add("status", "=", string(*f.Status))
	}
	if f.AssigneeID != nil {
		w.add("assignee_id", "=", idArg(*f.AssigneeID))
	}
	if f.CustomerID != nil {
		w.add("customer_id", "=", idArg(*f.CustomerID))
	}
	if f.Number != nil {
		w.add("number", "=", *f.Number)
	}
	if f.BeforeNumber != 0 {
		w.add("number", "<", f.BeforeNumber)
	}
	if f.InboxID != nil {
		w.add("inbox_id", "=", idArg(*f.InboxID))
	}
	if f.Tag != "" {
		w.add("tags", "LIKE", tagPattern(f.Tag))
		w.conds[len(w.conds)-1] += ` ESCAPE '\'`
	}
	if f.Done != nil {
		if *f.Done {
			w.conds = append(w.conds, "status IN ('solved', 'closed')")
		} else {
			w.conds = append(w.conds, "status NOT IN ('solved', 'closed')")
		}
	}
	if f.Snoozed != nil {
		w.args = append(w.args, f.SnoozedAt.UTC())
		n := "$" + strconv.Itoa(len(w.args))
		if *f.Snoozed {
			w.conds = append(w.conds, "(snoozed_until IS NOT NULL AND snoozed_until > "+n+")")
		} else {
			w.conds = append(w.conds, "(snoozed_until IS NULL OR snoozed_until <= "+n+")")
		}
	}
	if f.ActiveSince != nil {
		w.add("last_message_at", ">=", f.ActiveSince.UTC())
	}
	ticketFieldsWhere(&w, f)
	from := "tickets"
	if f.Match != nil {
		// The search selects a bounded set of tickets; the list's own
		// filters, order and paging apply to it as to any list.
		ids, err := t.searchIDs(ctx, ws, *f.Match)
		if err != nil || len(ids) == 0 {
			return []*ticketd.Ticket{}, err
		}
		w.args = append(w.args, t.idList(ids))
		var cond string
		if from, cond = t.fromIDList("$"+strconv.Itoa(len(w.args)), "tickets"); cond != "" {
			w.conds = append(w.conds, cond)
		}
	}
	order := "number DESC"
	if f.ByActivity {
		order = "last_message_at DESC, number DESC" // index tickets_workspace_activity
	}
	w.args = append(w.args, limitArg(f.Limit), f.Offset)
	rows, err := t.query(ctx, `SELECT `+t.cols(ticketListCols)+` FROM `+from+` WHERE `+strings.Join(w.conds, " AND ")+
		` ORDER BY `+order+` LIMIT $`+strconv.Itoa(len(w.args)-1)+` OFFSET $`+strconv.Itoa(len(w.args)), w.args...)
	if err != nil {
		return nil, t.d.normalize(err)
	}
	return collect(rows, scanListTicket(ws))
}

// byEachStatus lists tickets in any of several statuses: list reads one
// status at a time, each an ordered range of a (workspace, status, …,
// number) index that stops after limit+offset rows, and the lists are
// merged by number. A "status IN (…) ORDER BY number" cannot be read in
// order off a (…, status, …, number) index: the planners either sort every
// matching ticket or walk the workspace's tickets by number, filtering
// (what both chose in EXPLAIN), which costs the whole workspace when the
// open tickets are few among many solved ones.
func byEachStatus(statuses []ticketd.Status, newestFirst bool, limit, offset int,
	list func(ticketd.Status) ([]*ticketd.Ticket, error)) ([]*ticketd.Ticket, error) {
	var all []*ticketd.Ticket
	for _, st := range statuses {
		ts, err := list(st)
		if err != nil {
			return nil, err
		}
		all = append(all, ts...)
	}
	slices.SortFunc(all, func(a, b *ticketd.Ticket) int {
		if newestFirst {
			return cmp.Compare(b.Number, a.Number)
		}
		return cmp.Compare(a.Number, b.Number)
	})
	all = all[min(offset, len(all)):]
	if limit > 0 && len(all) > limit {
		all = all[:limit]
	}
	return all, nil
}
