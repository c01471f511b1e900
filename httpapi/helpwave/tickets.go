package helpwave

import (
	"encoding/json"
	"net/http"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
)

// ticketFields names the domain's ticket fields as seed 002 does.
var ticketFields = map[string]string{
	"subject":         "name",
	"channel":         "Channel",
	"unread_count":    "unReadChatCount",
	"tags":            "tags",
	"channel_thread":  "threadId",
	"contact_address": "emailUsed",
	"reason":          "contact_reason",
	"language":        "language_code",
	"source":          "via",
}

// createTicket is seed 002's POST /api/v1/tickets.
func (h *Handler) createTicket(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	b, err := readBody(r)
	if err != nil {
		return err
	}
	in, customer, assignee, err := readNewTicket(b)
	if err != nil {
		return err
	}
	t, err := h.svc.CreateTicket(r.Context(), p, in)
	if err != nil {
		return renamed(err, ticketFields)
	}
	// The lookups by number succeeded, so the numbers given are the ones of
	// the ticket's customer and assignee.
	httpapi.WriteJSON(w, http.StatusCreated, struct {
		ok
		Ticket ticketJSON `json:"ticket"`
	}{success, renderTicket(t, customer, assignee)})
	return nil
}

// readNewTicket applies seed 002's reading of each body field. It returns the
// customer's and the assignee's numbers (0: no assignee) besides the input.
func readNewTicket(b body) (in ticketd.NewTicket, customer, assignee int64, err error) {
	customer, given, err := b.number("customerId", "customer")
	if err != nil {
		return in, 0, 0, err
	}
	if !given {
		return in, 0, 0, invalid("customerId", ticketd.KindMissing, "field required")
	}
	in.Customer = ticketd.ByNumber(customer)
	channel, given, err := b.str("Channel")
	if err != nil {
		return in, 0, 0, err
	}
	if !given {
		return in, 0, 0, invalid("Channel", ticketd.KindMissing, "field required")
	}
	in.Channel = channel
	// An empty assigned_to is "no one", as the seed's falsy check read it.
	if string(b.raw("assigned_to")) != `""` {
		n, given, err := b.number("assigned_to", "assignee")
		if err != nil {
			return in, 0, 0, err
		}
		if given {
			assignee = n
			ref := ticketd.ByNumber(n)
			in.Assignee = &ref
		}
	}
	if in.HandOff, err = readOpened(b); err != nil {
		return in, 0, 0, err
	}
	for _, f := range []struct {
		key string
		dst *string
	}{
		{"name", &in.Subject}, {"threadId", &in.ChannelThread}, {"emailUsed", &in.ContactAddress},
		{"lastMessage", &in.LastMessage}, {"contact_reason", &in.Reason},
		{"language_code", &in.Language}, {"via", &in.Source},
	} {
		if *f.dst, err = b.text(f.key); err != nil {
			return in, 0, 0, err
		}
	}
	if in.Date, err = b.time("date"); err != nil {
		return in, 0, 0, err
	}
	if in.LastMessageAt, err = b.time("lastMessageTime"); err != nil {
		return in, 0, 0, err
	}
	if in.UnreadCount, err = b.count("unReadChatCount"); err != nil {
		return in, 0, 0, err
	}
	if in.Tags, _, err = b.strings("tags"); err != nil {
		return in, 0, 0, err
	}
	return in, customer, assignee, nil
}

// readOpened reads isOpenedTicket: "true when the value is the boolean true
// or the string 'true'" (seed 002), so anything else — false, 1, "yes", an
// array — is false, never an error.
func readOpened(b body) (bool, error) {
	v := b.raw("isOpenedTicket")
	if v == nil {
		return false, nil
	}
	if string(v) == "true" {
		return true, nil
	}
	var s string
	return v[0] == '"' && json.Unmarshal(v, &s) == nil && s == "true", nil
}

// getTicket returns one ticket with its customer, assigned agent and human
// ticket, so an integration can read back what it wrote.
func (h *Handler) getTicket(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	n, err := pathNumber(r, "ticketId", "ticket")
	if err != nil {
		return err
	}
	t, err := h.svc.Ticket(r.Context(), p, ticketd.ByNumber(n))
	if err != nil {
		return err
	}
	c, err := h.svc.Customer(r.Context(), p, ticketd.ByID(t.CustomerID))
	if err != nil {
		return err
	}
	var u *ticketd.User
	var assignee int64
	if t.AssigneeID != nil {
		if u, err = h.svc.User(r.Context(), p, ticketd.ByID(*t.AssigneeID)); err != nil {
			return err
		}
		assignee = u.Number
	}
	ws, err := h.svc.Workspace(r.Context(), p)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, struct {
		ok
		Ticket ticketDetailJSON `json:"ticket"`
	}{success, ticketDetailJSON{ticketJSON: renderTicket(t, c.Number, assignee), ShopDomain: nullable(ws.Settings.Website),
		Customer: renderTicketCustomer(c), User: renderUser(u), HumanTicket: renderHumanTicket(t)}})
	return nil
}
