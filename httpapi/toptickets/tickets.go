package toptickets

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/google/uuid"
	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
)

// Statuses: the product's five, over the domain's. "resolved" is the
// domain's solved (the issue is fixed, the ticket not yet closed); the
// other four are the domain's own.
func toStatus(s string) (ticketd.Status, bool) {
	switch s {
	case "new", "open", "pending", "closed":
		return ticketd.Status(s), true
	case "resolved":
		return ticketd.StatusSolved, true
	}
	return "", false
}

func fromStatus(s ticketd.Status) string {
	if s == ticketd.StatusSolved {
		return "resolved"
	}
	return string(s)
}

const statusEnum = "value is not a valid enumeration member; permitted: 'new', 'open', 'pending', 'resolved', 'closed'"

// displayID is the product's formatted ticket id, from the ticket number.
func displayID(number int64) string { return "TKT-" + strconv.FormatInt(number, 10) }

type ticketJSON struct {
	ID             ticketd.ID  `json:"id"`
	TicketNumber   int64       `json:"ticket_number"`
	TrackingToken  *ticketd.ID `json:"tracking_token"`
	DisplayID      string      `json:"ticket_display_id"`
	CustomerID     ticketd.ID  `json:"customer_id"`
	Subject        string      `json:"subject"`
	Description    string      `json:"description"`
	Status         string      `json:"status"`
	Priority       string      `json:"priority"`
	Category       *string     `json:"category"`
	AssignedUserID *ticketd.ID `json:"assigned_user_id"`
	AssignedTeamID *ticketd.ID `json:"assigned_team_id"`
	DueDate        *time.Time  `json:"due_date"`
	CreatedAt      time.Time   `json:"created_at"`
	UpdatedAt      time.Time   `json:"updated_at"`
	ResolvedAt     *time.Time  `json:"resolved_at"`
	ClosedAt       *time.Time  `json:"closed_at"`
}

func renderTicket(t *ticketd.Ticket) ticketJSON {
	j := ticketJSON{ID: t.ID, TicketNumber: t.Number, TrackingToken: t.TrackingToken, DisplayID: displayID(t.Number),
		CustomerID: t.CustomerID, Subject: t.Subject, Description: t.Description, Status: fromStatus(t.Status),
		Priority: string(t.Priority), Category: nullable(t.Category), AssignedUserID: t.AssigneeID,
		AssignedTeamID: t.TeamID, DueDate: t.DueAt, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
		ResolvedAt: t.ResolvedAt}
	// The domain's ClosedAt is also set on resolving; the product's closed_at
	// is only for a closed ticket.
	if t.Status == ticketd.StatusClosed {
		j.ClosedAt = t.ClosedAt
	}
	return j
}

var uuidType = reflect.TypeOf(uuid.UUID{})

// optionalID is a JSON field that may be absent, null or a UUID string.
type optionalID struct {
	Set, Null bool
	ID        ticketd.ID
}

func (o *optionalID) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	var raw string
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	id, err := ticketd.ParseID(raw)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "string " + strconv.Quote(raw), Type: uuidType}
	}
	o.ID = id
	return nil
}

func (o optionalID) ref() *ticketd.Ref {
	if !o.Set || o.Null {
		return nil
	}
	r := ticketd.ByID(o.ID)
	return &r
}

// optionalTime is a JSON field that may be absent, null or an RFC 3339 time.
type optionalTime struct {
	Set, Null bool
	Time      time.Time
}

var timeType = reflect.TypeOf(time.Time{})

func (o *optionalTime) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	if err := json.Unmarshal(b, &o.Time); err != nil {
		return &json.UnmarshalTypeError{Value: "string " + string(b), Type: timeType}
	}
	return nil
}

func (o optionalTime) ptr() *time.Time {
	if !o.Set || o.Null {
		return nil
	}
	return &o.Time
}

type ticketBody struct {
	CustomerID     optionalID   `json:"customer_id"`
	Subject        *string      `json:"subject"`
	Description    *string      `json:"description"`
	Status         *string      `json:"status"`
	Priority       *string      `json:"priority"`
	Category       *string      `json:"category"`
	AssignedUserID optionalID   `json:"assigned_user_id"`
	AssignedTeamID optionalID   `json:"assigned_team_id"`
	DueDate        optionalTime `json:"due_date"`
}

func (b *ticketBody) status() (*ticketd.Status, error) {
	if b.Status == nil {
		return nil, nil
	}
	st, ok := toStatus(*b.Status)
	if !ok {
		return nil, ticketd.Invalid("status", ticketd.KindEnum, statusEnum)
	}
	return &st, nil
}

func (b *ticketBody) priority() *ticketd.Priority {
	if b.Priority == nil {
		return nil
	}
	p := ticketd.Priority(*b.Priority)
	return &p
}

func (h *Handler) createTicket(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	var b ticketBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	if !b.CustomerID.Set || b.CustomerID.Null {
		return ticketd.Invalid("customer_id", ticketd.KindMissing, "field required")
	}
	if b.Subject == nil {
		return ticketd.Invalid("subject", ticketd.KindMissing, "field required")
	}
	if len(*b.Subject) == 0 {
		return ticketd.Invalid("subject", ticketd.KindTooShort, "ensure this value has at least 1 characters")
	}
	st, err := b.status()
	if err != nil {
		return err
	}
	// A ticket made over this API is not an email conversation: its public
	// comments are not emailed unless the ticket came in by email.
	in := ticketd.NewTicket{Customer: ticketd.ByID(b.CustomerID.ID), Subject: *b.Subject, Channel: "api",
		Assignee: b.AssignedUserID.ref(), Team: b.AssignedTeamID.ref(), DueAt: b.DueDate.ptr()}
	if st != nil {
		in.Status = *st
	} else {
		in.Status = ticketd.StatusNew
	}
	if pr := b.priority(); pr != nil {
		in.Priority = *pr
	}
	if b.Description != nil {
		in.Description = *b.Description
	}
	if b.Category != nil {
		in.Category = *b.Category
	}
	t, err := h.svc.CreateTicket(r.Context(), p, in)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, renderTicket(t))
	return nil
}

func (h *Handler) listTickets(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	pg, err := parsePaging(r, 100, 500)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := ticketd.TicketFilter{Limit: pg.Limit, Offset: pg.Offset, Search: q.Get("search")}
	if s := q.Get("status"); s != "" {
		st, ok := toStatus(s)
		if !ok {
			return queryInvalid("status", ticketd.KindEnum, statusEnum)
		}
		f.Status = &st
	}
	if s := q.Get("priority"); s != "" {
		pr := ticketd.Priority(s)
		if !pr.Valid() {
			return queryInvalid("priority", ticketd.KindEnum,
				"value is not a valid enumeration member; permitted: 'low', 'medium', 'high', 'urgent'")
		}
		f.Priority = &pr
	}
	for _, param := range []struct {
		name string
		dst  **ticketd.ID
	}{{"assigned_user_id", &f.AssigneeID}, {"assigned_team_id", &f.TeamID}, {"customer_id", &f.CustomerID}} {
		if s := q.Get(param.name); s != "" {
			id, err := ticketd.ParseID(s)
			if err != nil {
				return queryInvalid(param.name, ticketd.KindType, "value is not a valid uuid")
			}
			*param.dst = &id
		}
	}
	if q.Has("category") {
		c := q.Get("category")
		f.Category = &c
	}
	if s := q.Get("unassigned"); s != "" {
		v, err := strconv.ParseBool(s)
		if err != nil {
			return queryInvalid("unassigned", ticketd.KindType, "value could not be parsed to a boolean")
		}
		f.Unassigned = &v
	}
	ts, err := h.svc.Tickets(r.Context(), p, f)
	if err != nil {
		return err
	}
	writeList(w, ts, renderTicket)
	return nil
}

func (h *Handler) getTicket(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "ticket")
	if err != nil {
		return err
	}
	t, err := h.svc.Ticket(r.Context(), p, ticketd.ByID(id))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, renderTicket(t))
	return nil
}

func (h *Handler) updateTicket(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "ticket")
	if err != nil {
		return err
	}
	var b ticketBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	if b.CustomerID.Set {
		return ticketd.Invalid("customer_id", ticketd.KindNotAllowed, "a ticket's customer cannot be changed")
	}
	st, err := b.status()
	if err != nil {
		return err
	}
	in := ticketd.TicketUpdate{Subject: b.Subject, Status: st, Priority: b.priority(), Category: b.Category,
		Description: b.Description, Assignee: b.AssignedUserID.ref(), Unassign: b.AssignedUserID.Null,
		Team: b.AssignedTeamID.ref(), Unteam: b.AssignedTeamID.Null, DueAt: b.DueDate.ptr(), ClearDueAt: b.DueDate.Null}
	t, err := h.svc.UpdateTicket(r.Context(), p, ticketd.ByID(id), in)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, renderTicket(t))
	return nil
}

func (h *Handler) deleteTicket(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "ticket")
	if err != nil {
		return err
	}
	if err := h.svc.DeleteTicket(r.Context(), p, ticketd.ByID(id)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
