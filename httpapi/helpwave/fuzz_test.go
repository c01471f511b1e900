package helpwave_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/apitest"
)

// fuzzAnswer checks what every answer to a fuzzed body must be: never 5xx,
// JSON with the success flag matching the status. It reports whether the
// request failed.
func fuzzAnswer(t *testing.T, r *apitest.Response) bool {
	t.Helper()
	if r.Status >= 500 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var o struct {
		Success *bool   `json:"success"`
		Error   *string `json:"error"`
	}
	if err := json.Unmarshal(r.Body, &o); err != nil || o.Success == nil {
		t.Fatalf("status %d with a body that is not this surface's JSON: %s", r.Status, r.Body)
	}
	failed := r.Status >= 400
	if *o.Success == failed || (failed && (o.Error == nil || *o.Error == "")) {
		t.Fatalf("status %d with %s", r.Status, r.Body)
	}
	return failed
}

// FuzzCreateTicketBody posts arbitrary bodies to POST /api/v1/tickets: never
// a 5xx, and a 4xx creates no ticket.
func FuzzCreateTicketBody(f *testing.F) {
	e := newEnv(f)
	ctx, p := context.Background(), e.WS.Principal
	c := e.Customer(e.WS, "dev@example.com", "Ada", "Lovelace")
	cn, an := c.Number, e.WS.Owner.Number
	for _, s := range []string{
		fmt.Sprintf(`{"customerId": %d, "Channel": "Mail", "name": "Refund request", "threadId": "thread-001",
			"emailUsed": "support@example.com", "lastMessage": "Hello, I need a refund.", "contact_reason": "refund",
			"assigned_to": %d, "isOpenedTicket": true, "unReadChatCount": 1, "tags": ["refund", "vip"],
			"language_code": "en", "via": "api"}`, cn, an),
		fmt.Sprintf(`{"customerId": "%d", "Channel": "Mail", "assigned_to": "%d", "isOpenedTicket": "true"}`, cn, an),
		fmt.Sprintf(`{"customerId": %d, "Channel": "Mail", "date": "2026-04-28T00:00:00.000Z", "lastMessageTime": "2026-04-28"}`, cn),
		fmt.Sprintf(`{"customerId": %d, "Channel": "Mail", "date": "0001-01-01T00:00:00+01:00"}`, cn),
		fmt.Sprintf(`{"customerId": %d, "Channel": "Mail", "name": "a\u0000b"}`, cn),
		fmt.Sprintf(`{"customerId": %d, "Channel": "Mail", "unReadChatCount": "99999999999"}`, cn),
		fmt.Sprintf(`{"customerId": %d, "Channel": "Mail", "tags": ["a", 1], "assigned_to": ""}`, cn),
		fmt.Sprintf(`{"customerId": %d.0, "Channel": "Mail"}`, cn),
		`{"customerId": "99999999999999999999", "Channel": "Mail"}`,
		`{"customerId": -1, "Channel": "Mail"}`,
		`{"customerId": 1, "Channel": "` + "\xff" + `"}`,
		`{"customerId": [1], "Channel": {}}`,
		`{"customerId": 1`,
		`null`, `[]`, `""`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		e.T = t
		newest := func() int64 {
			ts, err := e.Service.Tickets(ctx, p, ticketd.TicketFilter{Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(ts) == 0 {
				return 0
			}
			return ts[0].Number
		}
		before := newest()
		r := call(e, e.WS.Key, "POST", "/api/v1/tickets", body)
		if fuzzAnswer(t, r) {
			if after := newest(); after != before {
				t.Fatalf("%d created ticket %d", r.Status, after)
			}
		}
	})
}

// FuzzCreateCommentBody posts arbitrary bodies to POST
// /api/v1/tickets/{ticketId}/comments: never a 5xx, and a 4xx adds no message
// and leaves the ticket as it was.
func FuzzCreateCommentBody(f *testing.F) {
	e := newEnv(f)
	ctx, p := context.Background(), e.WS.Principal
	tk := e.Ticket(e.WS, "Mail")
	path := "/api/v1/tickets/" + num(tk.Number) + "/comments"
	for _, s := range []string{
		`{"text": "We have started reviewing your refund request.", "subject": "Refund request update",
			"fromEmail": "support@example.com", "toEmails": ["dev@example.com"], "tags": ["refund"], "Channel": "Mail",
			"isFromShop": true}`,
		`{"text": "Hello", "isFromShop": "false", "time": "2026-04-28T00:00:00.000Z", "toEmails": "dev@example.com"}`,
		`{"text": "x", "attachments": [{"name": "a.pdf", "note": "\u0000"}], "time": "9999-12-31T23:59:59-01:00"}`,
		`{"text": "x", "attachments": "` + "\xff\xfe" + `"}`,
		`{"text": "a\u0000b"}`,
		`{"text": "   "}`,
		`{"text": 1, "isFromShop": 0}`,
		`{"text": "x", "isFromShop": "False", "toEmails": [1]}`,
		`{"text": "x", "Channel": "` + "\xff" + `", "subject": "\ud800"}`,
		`{"text": "x", "tags": "a"}`,
		`{"text": "x", "time": "2026-02-30"}`,
		`{"text"`,
		`null`, `[]`, `0`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		e.T = t
		state := func() string {
			conv, err := e.Service.Messages(ctx, p, ticketd.ByID(tk.ID), ticketd.MessageFilter{IncludeInternal: true, Page: ticketd.Page{Limit: 1}})
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprint(conv.Total, conv.Ticket.LastMessage, conv.Ticket.LastMessageAt, conv.Ticket.UnreadCount, conv.Ticket.Status)
		}
		before := state()
		r := call(e, e.WS.Key, "POST", path, body)
		if fuzzAnswer(t, r) {
			if after := state(); after != before {
				t.Fatalf("%d changed the conversation: %s -> %s", r.Status, before, after)
			}
		}
	})
}
