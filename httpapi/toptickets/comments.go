package toptickets

import (
	"net/http"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
)

// The comments resource (seed 001): one ticket's conversation, internal
// notes included and marked, as comments.

// commentJSON is the comment object of seed 001, exactly its nine fields.
type commentJSON struct {
	ID               ticketd.ID  `json:"id"`
	TicketID         ticketd.ID  `json:"ticket_id"`
	AuthorType       string      `json:"author_type"`
	AuthorUserID     *ticketd.ID `json:"author_user_id"`
	AuthorCustomerID *ticketd.ID `json:"author_customer_id"`
	Content          string      `json:"content"`
	IsInternal       bool        `json:"is_internal"`
	CreatedAt        time.Time   `json:"created_at"`
	UpdatedAt        time.Time   `json:"updated_at"`
}

// authorType names an author as seed 001 does. The seed knows AGENT, CUSTOMER
// and SYSTEM; an AI agent's message is machine-written, so it is SYSTEM here.
func authorType(k ticketd.AuthorKind) string {
	switch k {
	case ticketd.AuthorCustomer:
		return "CUSTOMER"
	case ticketd.AuthorAgent:
		return "AGENT"
	}
	return "SYSTEM"
}

func renderComment(m *ticketd.Message) commentJSON {
	c := commentJSON{ID: m.ID, TicketID: m.TicketID, AuthorType: authorType(m.Author.Kind), Content: m.Body,
		IsInternal: m.Internal, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
	// The seed: author_user_id for AGENT and SYSTEM, author_customer_id for CUSTOMER.
	if m.Author.Kind == ticketd.AuthorCustomer {
		c.AuthorCustomerID = m.Author.CustomerID
	} else {
		c.AuthorUserID = m.Author.UserID
	}
	return c
}

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
	// An unknown ticket is a 404 before any complaint about the body (the
	// route matrix checks every route for it): TicketFirst looks only when
	// there is a complaint.
	ref := ticketd.ByID(ticket)
	if b.Content == nil {
		return httpapi.TicketFirst(r.Context(), h.svc, p, ref, ticketd.Invalid("content", ticketd.KindMissing, "field required"))
	}
	// A public agent comment on an email ticket reaches the customer by email
	// (when the workspace sends agent comments); the domain decides.
	in := ticketd.NewMessage{Body: *b.Content, Email: ticketd.EmailIfEmailTicket}
	if b.IsInternal != nil {
		in.Internal = *b.IsInternal
	}
	m, err := h.svc.PostMessage(r.Context(), p, ref, in)
	if err != nil {
		return httpapi.TicketFirst(r.Context(), h.svc, p, ref, err)
	}
	httpapi.WriteJSON(w, http.StatusCreated, renderComment(m))
	return nil
}

// listComments answers the seed's bare array of every comment in creation
// order, internal notes included, as the product does ("Retrieve all
// comments for a ticket"). A caller that asks for pages (limit, after; at
// most 500 a page) gets them, with the next page in a Link header.
func (h *Handler) listComments(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	ticket, err := pathID(r, "ticket_id", "ticket")
	if err != nil {
		return err
	}
	page, err := httpapi.ParsePage(r, "after")
	if err != nil {
		return err
	}
	// The comments resource renders the conversation's core fields only.
	f := ticketd.MessageFilter{IncludeInternal: true, Brief: true}
	if !page.Given {
		// Every comment, streamed as read: memory stays flat however long
		// the conversation.
		var stream *httpapi.JSONStream
		err := h.svc.StreamRendered(r.Context(), p, ticketd.ByID(ticket), f, "toptickets.comment", func(*ticketd.Ticket) error {
			stream = httpapi.StartJSONStream(w, http.StatusOK, "[")
			return nil
		}, func(b []byte, m *ticketd.Message, _ *ticketd.Participants) ([]byte, error) {
			return renderComment(m).AppendJSON(b)
		}, func(items []byte, n int) error { return stream.Items(items, n) }) // stream is set by start
		if err != nil {
			return err
		}
		return stream.End("]")
	}
	f.Page.Limit = page.Limit
	if page.After != "" {
		id, err := ticketd.ParseID(page.After)
		if err != nil {
			return httpapi.InvalidCursor("after")
		}
		f.AfterID = &id // resolved inside the listing's own read
	}
	conv, err := h.svc.Messages(r.Context(), p, ticketd.ByID(ticket), f)
	if err == ticketd.ErrCursor {
		return httpapi.InvalidCursor("after")
	} else if err != nil {
		return err
	}
	if conv.More {
		httpapi.SetNextLink(w, r, "after", conv.Messages[len(conv.Messages)-1].ID.String(), page.Limit)
	}
	// A comment renders from itself alone, so the page's rendering is kept
	// with it in the conversation cache: a repeated read writes it as is.
	body, err := conv.Rendered("toptickets.comments", func() ([]byte, error) {
		out := make([]commentJSON, len(conv.Messages))
		for i, m := range conv.Messages {
			out[i] = renderComment(m)
		}
		return httpapi.AppendItem(nil, httpapi.List(out))
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.RawJSON(body))
	return nil
}

func commentRefs(r *http.Request) (ticketd.Ref, ticketd.Ref, error) {
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
	ticket, id, err := commentRefs(r)
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
	ticket, id, err := commentRefs(r)
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
	ticket, id, err := commentRefs(r)
	if err != nil {
		return err
	}
	if err := h.svc.DeleteMessage(r.Context(), p, ticket, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// AppendJSON writes c as encoding/json would (see httpapi.JSONAppender): a
// page of comments is the conversation read of this surface.
func (c commentJSON) AppendJSON(b []byte) ([]byte, error) {
	var err error
	b = append(b, `{"id":`...)
	b = httpapi.AppendID(b, c.ID)
	b = append(b, `,"ticket_id":`...)
	b = httpapi.AppendID(b, c.TicketID)
	b = append(b, `,"author_type":`...)
	b = httpapi.AppendString(b, c.AuthorType)
	b = append(b, `,"author_user_id":`...)
	b = httpapi.AppendIDPtr(b, c.AuthorUserID)
	b = append(b, `,"author_customer_id":`...)
	b = httpapi.AppendIDPtr(b, c.AuthorCustomerID)
	b = append(b, `,"content":`...)
	b = httpapi.AppendString(b, c.Content)
	b = append(b, `,"is_internal":`...)
	b = httpapi.AppendBool(b, c.IsInternal)
	b = append(b, `,"created_at":`...)
	if b, err = httpapi.AppendTime(b, c.CreatedAt); err != nil {
		return b, err
	}
	b = append(b, `,"updated_at":`...)
	if b, err = httpapi.AppendTime(b, c.UpdatedAt); err != nil {
		return b, err
	}
	return append(b, '}'), nil
}
