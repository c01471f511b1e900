package messages_test

import "testing"

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
