package ticket0_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// TestSlowRelaySendsOnce: two nodes share the outbox and the relay is slow
// (each of node A's sends takes 100 s of the pinned clock). Node B runs in
// the middle of A's second send, 200 s after A started. When A claimed a
// batch, the leases of the entries at its end had run out by then, B sent
// them, and A sent them again; now A holds one entry at a time, with a lease
// longer than its send deadline, and every reply leaves once.
func TestSlowRelaySendsOnce(t *testing.T) {
	e := newEnv(t)
	inbox := e.sendingSetup(e.WS, "acme.test", "Acme", "")
	_, tk := e.emailTicket(e.WS, "jane@example.com", "Jane", "Smith", "Order")
	var want []string
	for _, text := range []string{"one", "two", "three"} {
		m := e.As(e.WS.Key, "POST", msgPath(tk), reply(inbox, e.WS.Owner, text)).Expect(201).Object()["message"].(map[string]any)
		want = append(want, m["externalId"].(string))
	}

	nodeB := ticketd.NewService(sqlstoretest.OpenDSN(t, e.DSN), ticketd.WithClock(e.Clock.Now),
		ticketd.WithDomainAuthority(e.Authority))
	e.SMTP.OnData(func(n int) {
		if n > 2 {
			return // B's sends, and A's after them, are quick
		}
		e.Clock.Advance(100 * time.Second)
		if n == 2 {
			if _, err := nodeB.DeliverDue(context.Background(), e.Mailer, 20); err != nil {
				t.Errorf("node B: %v", err)
			}
		}
	})
	if _, err := e.Service.DeliverDue(context.Background(), e.Mailer, 20); err != nil {
		t.Fatal(err)
	}
	// Whatever is left (nothing, when it works) is delivered after the leases.
	e.Clock.Advance(10 * time.Minute)
	if _, err := nodeB.DeliverDue(context.Background(), e.Mailer, 20); err != nil {
		t.Fatal(err)
	}

	var got []string
	for _, r := range e.SMTP.Messages() {
		got = append(got, parseReceived(t, r.Data).GetHeader("Message-ID"))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("the relay received %d emails %q, want each of the %d replies once", len(got), got, len(want))
	}
}

// TestSomeRecipientsRefused: the relay refuses one Cc and takes the
// customer. The reply is sent to the customer, counts as sent, is never sent
// again, and the refusal shows on the message.
func TestSomeRecipientsRefused(t *testing.T) {
	e := newEnv(t)
	inbox := e.sendingSetup(e.WS, "acme.test", "Acme", "")
	_, tk := e.emailTicket(e.WS, "jane@example.com", "Jane", "Smith", "Order")
	e.SMTP.RejectRecipient("gone@example.org", 550, "5.1.1 No such user")
	m := e.As(e.WS.Key, "POST", msgPath(tk), with(reply(inbox, e.WS.Owner, "hello"),
		"ccAddresses", []string{"gone@example.org"})).Expect(201).Object()["message"].(map[string]any)
	if n := e.deliver(); n != 1 {
		t.Fatalf("delivered %d entries, want 1", n)
	}
	got := e.SMTP.Messages()
	if len(got) != 1 || !slices.Equal(got[0].To, []string{"jane@example.com"}) {
		t.Fatalf("the relay received %+v, want one email to jane", got)
	}
	n := e.As(e.WS.Key, "GET", "/v1/messages/"+m["id"].(string), nil).Expect(200).Object()
	errText, _ := n["delivery_error"].(string)
	if n["delivery_status"] != "sent" || !strings.Contains(errText, "gone@example.org") || !strings.Contains(errText, "No such user") {
		t.Fatalf("delivery_status %v, delivery_error %q: want sent, with the refusal of gone@example.org", n["delivery_status"], errText)
	}
	e.Clock.Advance(48 * time.Hour)
	if n := e.deliver(); n != 0 || len(e.SMTP.Messages()) != 1 {
		t.Fatalf("sent again: %d entries, %d emails", n, len(e.SMTP.Messages()))
	}
}
