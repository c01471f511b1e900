package ticketd_test

import (
	"context"
	"slices"
	"testing"

	ticketd "github.com/ticketd/ticketd"
)

// TestPostMessageCc checks the Cc rule of PostMessage: a team message's Cc
// are addresses ticketd may send to, so each must be an email address; a
// customer's message keeps what its email said.
func TestPostMessageCc(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	svc, p, c, tk := w.svc, w.p, w.customer, w.ticket
	agent := ticketd.Author{Kind: ticketd.AuthorAgent, UserID: &p.UserID}

	for _, bad := range [][]string{{"not an address"}, {"Bob <bob@x.test>"}, {""}, {"ok@x.test", "a@"}} {
		_, err := svc.PostMessage(ctx, p, ticketd.ByID(tk.ID), ticketd.NewMessage{Author: agent, Body: "hi", Cc: bad})
		if ticketd.ErrorCode(err) != ticketd.EINVALID || len(ticketd.ErrorFields(err)) != 1 || ticketd.ErrorFields(err)[0].Field != "cc" {
			t.Errorf("cc %q: err %v, want EINVALID on cc", bad, err)
		}
	}
	many := make([]string, 51)
	for i := range many {
		many[i] = string(rune('a'+i%26)) + string(rune('a'+i/26)) + "@x.test"
	}
	if _, err := svc.PostMessage(ctx, p, ticketd.ByID(tk.ID), ticketd.NewMessage{Author: agent, Body: "hi", Cc: many}); ticketd.ErrorCode(err) != ticketd.EINVALID {
		t.Errorf("51 cc: err %v, want EINVALID", err)
	}
	conv, err := svc.Messages(ctx, p, ticketd.ByID(tk.ID), ticketd.MessageFilter{IncludeInternal: true})
	if err != nil || conv.Total != 0 {
		t.Fatalf("refused messages were stored: %v, %v", conv, err)
	}

	m, err := svc.PostMessage(ctx, p, ticketd.ByID(tk.ID), ticketd.NewMessage{Author: agent, Body: "hi",
		Cc: []string{"Boss@X.test", "boss@x.test", "other@y.test"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"boss@x.test", "other@y.test"}; !slices.Equal(m.Cc, want) {
		t.Errorf("cc %q, want %q", m.Cc, want)
	}
	// A customer's message records the Cc its email had.
	m, err = svc.PostMessage(ctx, p, ticketd.ByID(tk.ID), ticketd.NewMessage{Author: ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &c.ID},
		Body: "thanks", Cc: []string{"Team <team@acme.test>"}})
	if err != nil || !slices.Equal(m.Cc, []string{"Team <team@acme.test>"}) {
		t.Errorf("customer message: %v, cc %q", err, m.Cc)
	}
}
