package ticket0_test

import (
	"context"
	"testing"

	ticketd "github.com/ticketd/ticketd"
)

// A reply sent twice with one Idempotency-Key is sent (and emailed) once;
// the key reused for another reply is refused in this resource's format.
func TestSendIsIdempotent(t *testing.T) {
	e := newEnv(t)
	ws := e.WS
	inbox := e.sendingSetup(ws, "acme.test", "Acme", "")
	_, tk := e.emailTicket(ws, "ada@customer.test", "Ada", "L", "Order")
	body := reply(inbox, ws.Owner, "Your order shipped.")
	first := e.As(ws.Key, "POST", msgPath(tk), body, "Idempotency-Key", "reply-1").Expect(201)
	again := e.As(ws.Key, "POST", msgPath(tk), body, "Idempotency-Key", "reply-1").Expect(201)
	if string(again.Body) != string(first.Body) {
		t.Fatalf("replay differs:\n%s\n%s", first.Body, again.Body)
	}
	if n := e.total(ws, tk); n != 1 {
		t.Fatalf("%d messages after a replayed send", n)
	}
	r := e.As(ws.Key, "POST", msgPath(tk), reply(inbox, ws.Owner, "Something else."), "Idempotency-Key", "reply-1")
	expectError(t, r, 422, "VALIDATION_ERROR", "Idempotency-Key")
	if n := e.deliver(); n != 1 {
		t.Fatalf("%d emails queued, want 1", n)
	}
}

// TestDeliveryRecordsAnEvent: the outbox sending a reply records
// message.delivery_status_changed from queued to sent.
func TestDeliveryRecordsAnEvent(t *testing.T) {
	e := newEnv(t)
	ws := e.WS
	inbox := e.sendingSetup(ws, "acme.test", "Acme", "")
	_, tk := e.emailTicket(ws, "ada@customer.test", "Ada", "L", "Order")
	e.As(ws.Key, "POST", msgPath(tk), reply(inbox, ws.Owner, "Shipped.")).Expect(201)
	last, err := e.Service.LastEventID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := e.deliver(); n != 1 {
		t.Fatalf("delivered %d", n)
	}
	page, err := e.Service.Events(context.Background(), ws.Principal, last, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 1 || page.Events[0].Type != ticketd.EventMessageDeliveryChanged ||
		page.Events[0].Data.PreviousDelivery != ticketd.DeliveryQueued || page.Events[0].Data.Message.Delivery != ticketd.DeliverySent {
		t.Fatalf("after delivery: %+v", page.Events)
	}
}
