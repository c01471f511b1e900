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

func TestPrefixedIDRoundTrip(t *testing.T) {
	for i := 0; i < 1000; i++ {
		id := ticketd.NewID()
		s := ticketd.PrefixedID(ticketd.PrefixMessage, id)
		if len(s) != len("msg_")+26 {
			t.Fatalf("%s: length %d", s, len(s))
		}
		back, err := ticketd.ParsePrefixedID(ticketd.PrefixMessage, s)
		if err != nil || back != id {
			t.Fatalf("%s → %v (%v), want %v", s, back, err, id)
		}
		if up, err := ticketd.ParsePrefixedID(ticketd.PrefixMessage, "msg_"+stringsToUpper(s[4:])); err != nil || up != id {
			t.Fatalf("upper-case %s did not parse", s)
		}
	}
	// A known vector: the ULID spec's maximum is 7ZZZZZZZZZZZZZZZZZZZZZZZZZ.
	maxID, err := ticketd.ParsePrefixedID("conv", "conv_7zzzzzzzzzzzzzzzzzzzzzzzzz")
	if err != nil || maxID.String() != "ffffffff-ffff-ffff-ffff-ffffffffffff" {
		t.Fatalf("max: %v %v", maxID, err)
	}
	for _, bad := range []string{"msg_8zzzzzzzzzzzzzzzzzzzzzzzzz", "conv_01arz3ndektsv4rrffq69g5fav", "msg_01arz3ndektsv4rrffq69g5fa", "msg_01arz3ndektsv4rrffq69g5fa!"} {
		if _, err := ticketd.ParsePrefixedID(ticketd.PrefixMessage, bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func stringsToUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}
