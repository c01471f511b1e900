package helpwave

import (
	"net/http"
	"strconv"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
)

// commentFields names the domain's message fields as seed 000 does.
var commentFields = map[string]string{
	"body":    "text",
	"channel": "Channel",
	"subject": "subject",
	"tags":    "tags",
}

// listComments is seed 000's GET: every public message of the ticket by time,
// ties in the order they were stored. Internal notes are left out: this
// surface has no way to mark one, and a note must never reach a
// customer-facing integration by accident.
func (h *Handler) listComments(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	n, err := pathNumber(r, "ticketId", "ticket")
	if err != nil {
		return err
	}
	// Streamed as read, so memory stays flat however long the
	// conversation; totalCount is the ticket's counter of public messages,
	// read in the same snapshot.
	var stream *httpapi.JSONStream
	var total int
	// A comment renders from itself and its authors alone, so the
	// conversation's rendering is kept with it in the conversation cache.
	err = h.svc.StreamRendered(r.Context(), p, ticketd.ByNumber(n), ticketd.MessageFilter{Order: ticketd.ByTime}, "helpwave.comment",
		func(t *ticketd.Ticket) error {
			total = t.PublicCount
			stream = httpapi.StartJSONStream(w, http.StatusOK, `{"success":true,"comments":[`)
			return nil
		}, func(b []byte, m *ticketd.Message, people *ticketd.Participants) ([]byte, error) {
			out := commentDetailJSON{commentJSON: renderComment(m)}
			if id := m.Author.CustomerID; id != nil {
				out.Customer = renderCustomerRef(people.Customers[*id])
			}
			if id := m.Author.UserID; id != nil {
				out.User = renderUser(people.Users[*id])
			}
			return httpapi.AppendItem(b, out)
		}, func(items []byte, n int) error { return stream.Items(items, n) }) // stream is set by start
	if err != nil {
		return err
	}
	return stream.End(`],"totalCount":` + strconv.Itoa(total) + `}`)
}

// createComment is seed 000's POST. A message from the shop is written by the
// key's agent; one with isFromShop false by the ticket's customer.
func (h *Handler) createComment(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	n, err := pathNumber(r, "ticketId", "ticket")
	if err != nil {
		return err
	}
	b, err := readBody(r)
	if err != nil {
		return err
	}
	// "The route first verifies that the ticket exists in the
	// authenticated shop" (seed 000): a 404 before any complaint about
	// the body, which TicketFirst looks for only when there is one.
	ticket := ticketd.ByNumber(n)
	in, fromShop, err := readNewComment(b)
	if err != nil {
		return httpapi.TicketFirst(r.Context(), h.svc, p, ticket, err)
	}
	if !fromShop {
		in.Author = ticketd.Author{Kind: ticketd.AuthorCustomer} // the ticket's customer
	}
	m, err := h.svc.PostMessage(r.Context(), p, ticket, in)
	if err != nil {
		return renamed(httpapi.TicketFirst(r.Context(), h.svc, p, ticket, err), commentFields)
	}
	httpapi.WriteJSON(w, http.StatusCreated, struct {
		ok
		Comment commentJSON `json:"comment"`
	}{success, renderComment(m)})
	return nil
}

// readNewComment applies seed 000's reading of each body field.
func readNewComment(b body) (in ticketd.NewMessage, fromShop bool, err error) {
	text, given, err := b.str("text")
	if err != nil {
		return in, false, err
	}
	if !given {
		return in, false, invalid("text", ticketd.KindMissing, "field required")
	}
	in.Body = text // the domain refuses a blank one
	if fromShop, err = readFromShop(b); err != nil {
		return in, false, err
	}
	if in.Channel, err = b.text("Channel"); err != nil {
		return in, false, err
	}
	if in.Subject, err = b.text("subject"); err != nil {
		return in, false, err
	}
	if in.FromAddress, err = b.text("fromEmail"); err != nil {
		return in, false, err
	}
	if in.Time, err = b.time("time"); err != nil {
		return in, false, err
	}
	// toEmails is [] unless an array is given (seed 000); an array must hold
	// addresses, which are strings.
	if v := b.raw("toEmails"); v != nil && v[0] == '[' {
		if in.To, _, err = b.strings("toEmails"); err != nil {
			return in, false, err
		}
	}
	if in.Tags, _, err = b.strings("tags"); err != nil {
		return in, false, err
	}
	if in.ExternalAttachments, err = b.json("attachments"); err != nil {
		return in, false, err
	}
	return in, fromShop, nil
}

// readFromShop reads isFromShop: true when absent, false for false or the
// string "false" (seed 000), true for true or "true". Anything else is a
// wrong type rather than a guess about who wrote the message.
func readFromShop(b body) (bool, error) {
	v := b.raw("isFromShop")
	switch string(v) {
	case "", "true", `"true"`:
		return true, nil
	case "false", `"false"`:
		return false, nil
	}
	return false, invalid("isFromShop", ticketd.KindType, "must be a boolean or the string 'false'")
}
