package ticketd_test

import (
	"context"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

type world struct {
	svc      *ticketd.Service
	p        *ticketd.Principal
	customer *ticketd.Customer
	ticket   *ticketd.Ticket
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	svc := ticketd.NewService(sqlstoretest.Open(t))
	_, _, key, err := svc.CreateWorkspace(ctx, ticketd.NewWorkspace{Name: "Acme", OwnerEmail: "owner@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Authenticate(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	// The world's principal is the team's own tool.
	p.Audience = ticketd.AudienceTeam
	c, err := svc.CreateCustomer(ctx, p, ticketd.NewCustomer{Email: "ada@customer.test", FirstName: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := svc.CreateTicket(ctx, p, ticketd.NewTicket{Customer: ticketd.ByID(c.ID), Subject: "Help", Channel: "chat"})
	if err != nil {
		t.Fatal(err)
	}
	return &world{svc: svc, p: p, customer: c, ticket: tk}
}

func (w *world) post(t *testing.T, in ticketd.NewMessage) (*ticketd.Message, *ticketd.Ticket) {
	t.Helper()
	ctx := context.Background()
	m, err := w.svc.PostMessage(ctx, w.p, ticketd.ByID(w.ticket.ID), in)
	if err != nil {
		t.Fatal(err)
	}
	tk, err := w.svc.Ticket(ctx, w.p, ticketd.ByID(w.ticket.ID))
	if err != nil {
		t.Fatal(err)
	}
	return m, tk
}

func TestPostMessageRules(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	customer := ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &w.customer.ID}

	m, tk := w.post(t, ticketd.NewMessage{Body: "Where is my order?", Author: customer})
	if m.Direction() != ticketd.Inbound || m.FromShop() || tk.UnreadCount != 1 || tk.LastMessage != "Where is my order?" {
		t.Fatalf("customer message: direction %s, ticket unread %d, last %q", m.Direction(), tk.UnreadCount, tk.LastMessage)
	}
	if m.Channel != "chat" {
		t.Fatalf("channel %q, want the ticket's", m.Channel)
	}
	// An agent reply is outbound and moves the last message; a note does not.
	m, tk = w.post(t, ticketd.NewMessage{Body: "It ships tomorrow."})
	if m.Direction() != ticketd.Outbound || !m.FromShop() || *m.Author.UserID != w.p.UserID || tk.LastMessage != "It ships tomorrow." {
		t.Fatalf("agent reply: %+v, ticket last %q", m.Author, tk.LastMessage)
	}
	_, tk = w.post(t, ticketd.NewMessage{Body: "internal only", Internal: true})
	if tk.LastMessage != "It ships tomorrow." {
		t.Fatalf("an internal note became the last message %q", tk.LastMessage)
	}
	// A back-dated message does not replace a newer last message.
	old := time.Now().Add(-48 * time.Hour)
	_, tk = w.post(t, ticketd.NewMessage{Body: "imported old message", Time: &old})
	if tk.LastMessage != "It ships tomorrow." {
		t.Fatalf("a back-dated message became the last message %q", tk.LastMessage)
	}
	// A customer message reopens a solved ticket and sets unread to 1 again.
	solved := ticketd.StatusSolved
	if _, err := w.svc.UpdateTicket(ctx, w.p, ticketd.ByID(w.ticket.ID), ticketd.TicketUpdate{Status: &solved}); err != nil {
		t.Fatal(err)
	}
	_, tk = w.post(t, ticketd.NewMessage{Body: "It did not arrive.", Author: customer})
	if tk.Status != ticketd.StatusOpen || tk.ClosedAt != nil || tk.UnreadCount != 1 {
		t.Fatalf("after the customer wrote on a solved ticket: status %s, closed_at %v, unread %d", tk.Status, tk.ClosedAt, tk.UnreadCount)
	}
}

func TestPostMessageRejects(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	other := ticketd.NewID()
	cases := map[string]struct {
		in   ticketd.NewMessage
		code string
	}{
		"blank body":            {ticketd.NewMessage{Body: " \n\t"}, ticketd.EINVALID},
		"NUL in body":           {ticketd.NewMessage{Body: "a\x00b"}, ticketd.EINVALID},
		"invalid UTF-8":         {ticketd.NewMessage{Body: "a\xffb"}, ticketd.EINVALID},
		"NUL in a tag":          {ticketd.NewMessage{Body: "a", Tags: []string{"x\x00"}}, ticketd.EINVALID},
		"customer note":         {ticketd.NewMessage{Body: "a", Internal: true, Author: ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &w.customer.ID}}, ticketd.EINVALID},
		"unknown customer":      {ticketd.NewMessage{Body: "a", Author: ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &other}}, ticketd.ENOTFOUND},
		"unknown agent":         {ticketd.NewMessage{Body: "a", Author: ticketd.Author{Kind: ticketd.AuthorAgent, UserID: &other}}, ticketd.ENOTFOUND},
		"agent without an user": {ticketd.NewMessage{Body: "a", Author: ticketd.Author{Kind: ticketd.AuthorAgent}}, ticketd.EINVALID},
	}
	for name, c := range cases {
		_, err := w.svc.PostMessage(ctx, w.p, ticketd.ByID(w.ticket.ID), c.in)
		if ticketd.ErrorCode(err) != c.code {
			t.Errorf("%s: got %v, want %s", name, err, c.code)
		}
	}
	conv, err := w.svc.Messages(ctx, w.p, ticketd.ByID(w.ticket.ID), ticketd.MessageFilter{IncludeInternal: true})
	if err != nil {
		t.Fatal(err)
	}
	if conv.Total != 0 {
		t.Fatalf("rejected posts stored %d messages", conv.Total)
	}
}

func TestAuthenticate(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	_, raw, err := w.svc.CreateAPIKey(ctx, w.p, ticketd.NewAPIKeyInput{Name: "k", Scopes: []ticketd.Scope{"tickets:read"}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := w.svc.Authenticate(ctx, raw)
	if err != nil || !p.Can("tickets:read") || p.Can("tickets:write") {
		t.Fatalf("principal %+v, err %v", p, err)
	}
	// Same prefix, different secret: the prefix finds the key, the hash refuses it.
	forged := raw[:len(raw)-1] + map[bool]string{true: "b", false: "a"}[raw[len(raw)-1] == 'a']
	for _, bad := range []string{"", "tkd_", raw + "x", forged, "Bearer " + raw} {
		if _, err := w.svc.Authenticate(ctx, bad); ticketd.ErrorCode(err) != ticketd.EUNAUTHORIZED {
			t.Errorf("%q: got %v, want EUNAUTHORIZED", bad, err)
		}
	}
}

// TestAudienceDecidesWhoSeesNotes: a principal whose surface faces customers
// (the zero audience) never sees an internal note, by list or by id, and can
// neither write one nor turn a message into one, whatever it asks; the team
// sees and writes notes. The rule is the service's alone.
func TestAudienceDecidesWhoSeesNotes(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	note, _ := w.post(t, ticketd.NewMessage{Body: "team only", Internal: true})
	public, _ := w.post(t, ticketd.NewMessage{Body: "hello"})
	blind := *w.p
	blind.Audience = ticketd.AudienceCustomer

	conv, err := w.svc.Messages(ctx, &blind, ticketd.ByID(w.ticket.ID), ticketd.MessageFilter{IncludeInternal: true})
	if err != nil || len(conv.Messages) != 1 || conv.Messages[0].ID != public.ID || conv.Total != 1 {
		t.Fatalf("customer-facing list: %v %+v", err, conv)
	}
	conv, err = w.svc.Messages(ctx, w.p, ticketd.ByID(w.ticket.ID), ticketd.MessageFilter{})
	if err != nil || len(conv.Messages) != 2 {
		t.Fatalf("team list: %v, %d messages", err, len(conv.Messages))
	}
	if _, err := w.svc.Message(ctx, &blind, ticketd.ByID(w.ticket.ID), ticketd.ByID(note.ID)); ticketd.ErrorCode(err) != ticketd.ENOTFOUND {
		t.Fatalf("note by id: %v, want ENOTFOUND", err)
	}
	if _, err := w.svc.MessageByID(ctx, &blind, note.ID); ticketd.ErrorCode(err) != ticketd.ENOTFOUND {
		t.Fatalf("note by MessageByID: %v, want ENOTFOUND", err)
	}
	if _, err := w.svc.PostMessage(ctx, &blind, ticketd.ByID(w.ticket.ID), ticketd.NewMessage{Body: "x", Internal: true}); ticketd.ErrorCode(err) != ticketd.EINVALID {
		t.Fatalf("note written: %v, want EINVALID", err)
	}
	yes := true
	if _, err := w.svc.UpdateMessage(ctx, &blind, ticketd.ByID(w.ticket.ID), ticketd.ByID(public.ID), ticketd.MessageUpdate{Internal: &yes}); ticketd.ErrorCode(err) != ticketd.EINVALID {
		t.Fatalf("message turned into a note: %v, want EINVALID", err)
	}
	if err := w.svc.DeleteMessage(ctx, &blind, ticketd.ByID(w.ticket.ID), ticketd.ByID(note.ID)); ticketd.ErrorCode(err) != ticketd.ENOTFOUND {
		t.Fatalf("note deleted: %v, want ENOTFOUND", err)
	}
	if _, err := w.svc.Message(ctx, w.p, ticketd.ByID(w.ticket.ID), ticketd.ByID(note.ID)); err != nil {
		t.Fatalf("the team lost its note: %v", err)
	}
	// Search and the console ask the same question.
	if blind.ReadsNotes() || !w.p.ReadsNotes() {
		t.Fatalf("ReadsNotes: customer-facing %v, team %v", blind.ReadsNotes(), w.p.ReadsNotes())
	}
}

// A customer's message that names no customer is the ticket's customer's:
// a surface that posts for "the customer of this ticket" needs no read of
// the ticket first. It is still no internal note.
func TestCustomerMessageWithoutCustomerIsTheTicketsCustomer(t *testing.T) {
	w := newWorld(t)
	m, tk := w.post(t, ticketd.NewMessage{Body: "It broke again", Author: ticketd.Author{Kind: ticketd.AuthorCustomer}})
	if m.Author.CustomerID == nil || *m.Author.CustomerID != w.customer.ID || m.Direction() != ticketd.Inbound {
		t.Fatalf("author %+v, want the ticket's customer %s", m.Author, w.customer.ID)
	}
	if tk.LastMessage != "It broke again" {
		t.Fatalf("ticket after the message: %+v", tk)
	}
	_, err := w.svc.PostMessage(context.Background(), w.p, ticketd.ByID(w.ticket.ID),
		ticketd.NewMessage{Body: "psst", Internal: true, Author: ticketd.Author{Kind: ticketd.AuthorCustomer}})
	if ticketd.ErrorCode(err) != ticketd.EINVALID {
		t.Fatalf("a customer's note: %v", err)
	}
}
