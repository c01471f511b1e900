package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/httpapi/apitest"
)

// A line break in a value that becomes an email header (a subject, a display
// name, an address) is refused on every surface with that surface's 4xx, and
// changes nothing: accepted, it would make every reply on the ticket fail at
// the relay, or add header fields of the writer's choosing.
func TestLineBreaksInHeaderFieldsRefused(t *testing.T) {
	e := apitest.New(t)
	key := e.WS.Key
	tk := e.Ticket(e.WS, "email")
	c := e.Customer(e.WS, "grace@example.com", "Grace", "Hopper")
	for _, bad := range []string{"Refund\r\nBcc: victim@example.com", "two\nlines", "carriage\rreturn"} {
		for _, tc := range []struct {
			name, method, path string
			body               map[string]any
			status             int
			header             string // the auth header: Authorization (Bearer) or x-api-key
		}{
			{"native ticket subject", "POST", "/v1/tickets", map[string]any{"customer_id": c.ID.String(), "subject": bad, "channel": "email"}, 422, ""},
			{"native ticket subject patch", "PATCH", "/v1/tickets/" + tk.ID.String(), map[string]any{"subject": bad}, 422, ""},
			{"native customer name", "POST", "/v1/customers", map[string]any{"email": "new@example.com", "first_name": bad}, 422, ""},
			{"native customer name patch", "PATCH", "/v1/customers/" + c.ID.String(), map[string]any{"last_name": bad}, 422, ""},
			{"native customer address", "POST", "/v1/customers", map[string]any{"email": "a@example.com\r\nBcc: b@example.com"}, 422, ""},
			{"native agent name", "POST", "/v1/users", map[string]any{"email": "agent@acme.test", "name": bad, "role": "agent"}, 422, ""},
			{"native inbox name", "POST", "/v1/inboxes", map[string]any{"address": "support@acme.test", "name": bad}, 422, ""},
			{"native workspace name", "PATCH", "/v1/workspace", map[string]any{"name": bad}, 422, ""},
			{"messages reply subject", "POST", "/v1/tickets/" + tk.ID.String() + "/messages", map[string]any{"fromAddress": "support@acme.test",
				"bodyText": "hello", "userId": e.WS.Owner.ID.String(), "subject": bad}, 400, ""},
			{"shop ticket name", "POST", "/api/v1/tickets", map[string]any{"customerId": c.Number, "Channel": "Mail", "name": bad}, 400, "x-api-key"},
			{"shop customer name", "POST", "/api/v1/customers", map[string]any{"email": "other@example.com", "first_name": bad}, 400, "x-api-key"},
		} {
			t.Run(fmt.Sprintf("%s %q", tc.name, bad), func(t *testing.T) {
				var r *apitest.Response
				if tc.header == "x-api-key" {
					r = e.Do(tc.method, tc.path, tc.body, "x-api-key", key)
				} else {
					r = e.As(key, tc.method, tc.path, tc.body)
				}
				if r.Status != tc.status {
					t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
				}
				want := "line break"
				if strings.Contains(tc.name, "address") {
					want = "not a valid email address"
				}
				if !strings.Contains(string(r.Body), want) {
					t.Errorf("the error does not say what is wrong: %s", r.Body)
				}
			})
		}
	}
	// Nothing changed.
	got := e.As(key, "GET", "/v1/tickets/"+tk.ID.String(), nil).Expect(200).Object()
	if got["subject"] != "Help" {
		t.Errorf("subject is now %q", got["subject"])
	}
	cust := e.As(key, "GET", "/v1/customers/"+c.ID.String(), nil).Expect(200).Object()
	if cust["first_name"] != "Grace" || cust["last_name"] != "Hopper" {
		t.Errorf("customer is now %v", cust)
	}
}
