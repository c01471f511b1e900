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
	page, err := httpapi.ParsePage(r, "after")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := ticketd.TicketFilter{Limit: page.Limit + 1} // one more: is there a next page?
	if s := q.Get("status"); s != "" {
		st := ticketd.Status(s)
		if !st.Valid() {
			return queryInvalid("status", ticketd.KindEnum, "must be one of open, pending, solved, closed")
		}
		f.Status = &st
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
	writeList(w, r, page, ts, func(t *ticketd.Ticket) ticketd.ID { return t.ID }, renderTicket)
	return nil
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
	var b ticketBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	in := ticketd.TicketUpdate{Subject: b.Subject, Status: b.Status, Channel: b.Channel, Tags: b.Tags,
		Unassign: b.AssigneeID.Set && b.AssigneeID.Null}
	if b.AssigneeID.Set && !b.AssigneeID.Null {
		ref := ticketd.ByID(b.AssigneeID.ID)
		in.Assignee = &ref
	}
	t, err := h.svc.UpdateTicket(r.Context(), p, ticketd.ByID(id), in)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, renderTicket(t))
	return nil
}

// ---- comments (seed 001) ----------------------------------------------------

type commentBody struct {
	Content    *string `json:"content"`
	IsInternal *bool   `json:"is_internal"`
}

func (h *Handler) createComment(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	ticket, err := pathID(r, "ticket_id", "ticket")
	if err != nil {
		return err
	}
	var b commentBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	if b.Content == nil {
		return ticketd.Invalid("content", ticketd.KindMissing, "field required")
	}
	// A public agent comment on an email ticket reaches the customer by email
	// (when the workspace sends agent comments); the domain decides.
	in := ticketd.NewMessage{Body: *b.Content, Email: ticketd.EmailIfEmailTicket}
	if b.IsInternal != nil {
		in.Internal = *b.IsInternal
	}
	m, err := h.svc.PostMessage(r.Context(), p, ticketd.ByID(ticket), in)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, renderComment(m))
	return nil
}

// listComments answers the seed's bare array in creation order, internal
// notes included (this resource marks them). It pages with limit and after
// (default 50, at most 500) and says where the next page starts in a Link
// header, so a ticket with 100,000 comments never comes back in one response.
func (h *Handler) listComments(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	ticket, err := pathID(r, "ticket_id", "ticket")
	if err != nil {
		return err
	}
	page, err := httpapi.ParsePage(r, "after")
	if err != nil {
		return err
	}
	after, err := cursorID(page.After)
	if err != nil {
		return err
	}
	// One read: the ticket, the cursor and the page.
	conv, err := h.svc.Messages(r.Context(), p, ticketd.ByID(ticket), ticketd.MessageFilter{
		AfterID: after, Page: ticketd.Page{Limit: page.Limit}, Brief: true})
	if err == ticketd.ErrCursor {
		return httpapi.InvalidCursor("after")
	} else if err != nil {
		return err
	}
	if conv.More {
		httpapi.SetNextLink(w, r, "after", conv.Messages[len(conv.Messages)-1].ID.String(), page.Limit)
	}
	out := make([]commentJSON, len(conv.Messages))
	for i, m := range conv.Messages {
		out[i] = renderComment(m)
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) commentRefs(r *http.Request) (ticketd.Ref, ticketd.Ref, error) {
	ticket, err := pathID(r, "ticket_id", "ticket")
	if err != nil {
		return ticketd.Ref{}, ticketd.Ref{}, err
	}
	id, err := pathID(r, "id", "comment")
	if err != nil {
		return ticketd.Ref{}, ticketd.Ref{}, err
	}
	return ticketd.ByID(ticket), ticketd.ByID(id), nil
}

func (h *Handler) getComment(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	ticket, id, err := h.commentRefs(r)
	if err != nil {
		return err
	}
	m, err := h.svc.Message(r.Context(), p, ticket, id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, renderComment(m))
	return nil
}

func (h *Handler) updateComment(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	ticket, id, err := h.commentRefs(r)
	if err != nil {
		return err
	}
	var b commentBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	m, err := h.svc.UpdateMessage(r.Context(), p, ticket, id, ticketd.MessageUpdate{Body: b.Content, Internal: b.IsInternal})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, renderComment(m))
	return nil
}

func (h *Handler) deleteComment(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	ticket, id, err := h.commentRefs(r)
	if err != nil {
		return err
	}
	if err := h.svc.DeleteMessage(r.Context(), p, ticket, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
