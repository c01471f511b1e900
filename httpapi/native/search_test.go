package native_test

import (
	"net/url"
	"testing"

	ticketd "github.com/ticketd/ticketd"
)

// GET /v1/search ranks tickets by subject, message body and customer; it
// needs tickets:read; internal notes are searched only for a key that reads
// notes; another workspace's tickets never appear; bad input is a 422.
func TestSearchRoute(t *testing.T) {
	e := newEnv(t)
	tk := e.Ticket(e.WS, "email")
	e.Post(e.WS, tk, ticketd.NewMessage{Body: "The invoice for order 7781 is wrong"})
	e.Post(e.WS, tk, ticketd.NewMessage{Body: "escalated to finance quietly", Internal: true})
	other := e.NewWorkspace("Other")
	e.Post(other, e.Ticket(other, "email"), ticketd.NewMessage{Body: "invoice elsewhere"})

	search := func(key, q string, want int) {
		t.Helper()
		got := e.As(key, "GET", "/v1/search?q="+url.QueryEscape(q), nil).Expect(200).Array()
		if len(got) != want {
			t.Fatalf("q=%q: %d tickets, want %d: %v", q, len(got), want, got)
		}
		if want > 0 && got[0]["id"] != tk.ID.String() {
			t.Fatalf("q=%q found %v", q, got[0]["id"])
		}
	}
	search(e.WS.Key, "invoice 7781", 1)
	search(e.WS.Key, "invo*", 1)
	search(e.WS.Key, "invo", 0)
	search(e.WS.Key, "lovelace", 1) // the customer
	search(e.WS.Key, "finance", 1)  // a note, for a key that reads notes
	ticketsOnly := e.KeyWith(e.WS, "tickets:read")
	search(ticketsOnly, "invoice", 1)
	search(ticketsOnly, "finance", 0)

	e.As(e.KeyWith(e.WS, "customers:read"), "GET", "/v1/search?q=invoice", nil).Expect(403)
	e.As(e.WS.Key, "GET", "/v1/search?q=", nil).Expect(422)
	e.As(e.WS.Key, "GET", "/v1/search?q=%22%28%29", nil).Expect(422)
	e.As(e.WS.Key, "GET", "/v1/search?q=invoice&status=nope", nil).Expect(422)
	e.As(e.WS.Key, "GET", "/v1/search?q=invoice&limit=1000", nil).Expect(422)
	if got := e.As(e.WS.Key, "GET", "/v1/search?q=invoice&status=solved", nil).Expect(200).Array(); len(got) != 0 {
		t.Fatalf("status filter: %v", got)
	}
}
