package native

import (
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/google/uuid"
	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
)

var uuidType = reflect.TypeOf(uuid.UUID{})

type ticketBody struct {
	CustomerID     optionalID      `json:"customer_id"`
	Subject        *string         `json:"subject"`
	Channel        *string         `json:"channel"`
	Status         *ticketd.Status `json:"status"`
	AssigneeID     optionalID      `json:"assignee_id"`
	Tags           *[]string       `json:"tags"`
	ChannelThread  string          `json:"channel_thread"`
	ContactAddress string          `json:"contact_address"`
	Reason         string          `json:"reason"`
	Language       string          `json:"language"`
	Source         string          `json:"source"`
	Date           *time.Time      `json:"date"`
	planningBody
}

func (h *Handler) createTicket(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	var b ticketBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	if !b.CustomerID.Set || b.CustomerID.Null {
		return ticketd.Invalid("customer_id", ticketd.KindMissing, "field required")
	}
	in := ticketd.NewTicket{Customer: ticketd.ByID(b.CustomerID.ID), Subject: deref(b.Subject), Channel: "email",
		ChannelThread: b.ChannelThread, ContactAddress: b.ContactAddress, Reason: b.Reason, Language: b.Language,
		Source: b.Source, Date: b.Date}
	b.planningBody.applyNew(&in)
	if b.Channel != nil {
		in.Channel = *b.Channel
	}
	if b.Status != nil {
		in.Status = *b.Status
	}
	if b.AssigneeID.Set && !b.AssigneeID.Null {
		ref := ticketd.ByID(b.AssigneeID.ID)
		in.Assignee = &ref
	}
	if b.Tags != nil {
		in.Tags = *b.Tags
	}
	t, err := h.svc.CreateTicket(r.Context(), p, in)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, renderTicket(t))
	return nil
}

func (h *Handler) listTickets(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	if err := knownParams(r, "limit", "after", "status", "assignee_id", "customer_id", "number", "inbox_id", "tag", "snoozed",
		"priority", "team_id", "category", "unassigned"); err != nil {
		return err
	}
	page, err := httpapi.ParsePage(r, "after")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := ticketd.TicketFilter{Limit: page.Limit + 1} // one more: is there a next page?
	if s := q.Get("status"); s != "" {
		st := ticketd.Status(s)
		if !st.Valid() {
			return queryInvalid("status", ticketd.KindEnum, "must be one of new, open, pending, solved, closed")
		}
		f.Status = &st
	}
	if err := planningFilter(q, &f); err != nil {
		return err
	}
	for _, param := range []struct {
		name string
		dst  **ticketd.ID
	}{{"assignee_id", &f.AssigneeID}, {"customer_id", &f.CustomerID}} {
		if s := q.Get(param.name); s != "" {
			id, err := ticketd.ParseID(s)
			if err != nil {
				return queryInvalid(param.name, ticketd.KindType, "must be a UUID")
			}
			*param.dst = &id
		}
	}
	if s := q.Get("inbox_id"); s != "" {
		id, err := ticketd.ParseID(s)
		if err != nil {
			return queryInvalid("inbox_id", ticketd.KindType, "must be a UUID")
		}
		f.InboxID = &id
	}
	f.Tag = q.Get("tag")
	if s := q.Get("snoozed"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return queryInvalid("snoozed", ticketd.KindType, "must be true or false")
		}
		f.Snoozed, f.SnoozedAt = &b, h.svc.Now()
	}
	if s := q.Get("number"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			return queryInvalid("number", ticketd.KindType, "must be a positive integer")
		}
		f.Number = &n
	}
	// The cursor is resolved inside the listing's own read.
	if f.BeforeID, err = cursorID(page.After); err != nil {
		return err
	}
	ts, err := h.svc.Tickets(r.Context(), p, f)
	if err == ticketd.ErrCursor {
		return httpapi.InvalidCursor("after")
	} else if err != nil {
		return err
	}
	ts = pageItems(w, r, page, ts, func(t *ticketd.Ticket) ticketd.ID { return t.ID })
	httpapi.WriteJSON(w, http.StatusOK, ticketList(ts))
	return nil
}

// ticketList is a page of tickets as the list renders it: the JSON of
// []ticketJSON, each ticket rendered as it is written, so the list needs no
// slice of rendered tickets (50 copies of a 400-byte struct) nor an
// interface around each.
type ticketList []*ticketd.Ticket

func (l ticketList) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, '[')
	var err error
	for i, t := range l {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = renderTicket(t).AppendJSON(b); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

func queryInvalid(field, typ, msg string) error {
	return &ticketd.Error{Code: ticketd.EINVALID, Message: field + ": " + msg,
		Fields: []ticketd.FieldError{{In: "query", Field: field, Message: msg, Type: typ}}}
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
	var b struct {
		ticketBody
		// SnoozedUntil snoozes the ticket until then; null wakes it.
		SnoozedUntil optionalTime `json:"snoozed_until"`
	}
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	in := ticketd.TicketUpdate{Subject: b.Subject, Status: b.Status, Channel: b.Channel, Tags: b.Tags,
		Unassign: b.AssigneeID.Set && b.AssigneeID.Null}
	if b.SnoozedUntil.Set {
		var until *time.Time
		if !b.SnoozedUntil.Null {
			until = &b.SnoozedUntil.Time
		}
		in.Snooze = ticketd.SetTo(until)
	}
	if b.AssigneeID.Set && !b.AssigneeID.Null {
		ref := ticketd.ByID(b.AssigneeID.ID)
		in.Assignee = &ref
	}
	b.planningBody.applyUpdate(&in)
	t, err := h.svc.UpdateTicket(r.Context(), p, ticketd.ByID(id), in)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, renderTicket(t))
	return nil
}
