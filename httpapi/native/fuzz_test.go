package native_test

import (
	"testing"

	"github.com/ticketd/ticketd/httpapi/apitest"
)

// fuzzBodies posts random bodies to one route of the real handler: the answer
// is never a 5xx, and an answer that is not a success writes nothing.
func fuzzBodies(f *testing.F, seeds []string, route func(e *apitest.Env) (method, path, countPath string)) {
	for _, s := range seeds {
		f.Add(s)
	}
	e := apitest.New(f)
	method, path, countPath := route(e)
	f.Fuzz(func(t *testing.T, body string) {
		e.T = t
		before := len(e.As(e.WS.Key, "GET", countPath, nil).Expect(200).Array())
		r := e.As(e.WS.Key, method, path, body)
		if r.Status >= 500 {
			t.Fatalf("%d for %q: %s", r.Status, body, r.Body)
		}
		after := len(e.As(e.WS.Key, "GET", countPath, nil).Expect(200).Array())
		if r.Status >= 400 && after != before {
			t.Fatalf("a %d answer to %q wrote something (%d → %d)", r.Status, body, before, after)
		}
	})
}

func FuzzCommentBody(f *testing.F) {
	fuzzBodies(f, []string{`{"content": "hi"}`, `{"content": "x", "is_internal": true}`, `{"content": 1}`, `{`, `[]`, `null`, `{"content": "\u0000"}`},
		func(e *apitest.Env) (string, string, string) {
			tk := e.Ticket(e.WS, "chat")
			p := "/v1/tickets/" + tk.ID.String() + "/comments?limit=500"
			return "POST", "/v1/tickets/" + tk.ID.String() + "/comments", p
		})
}

func FuzzTicketBody(f *testing.F) {
	fuzzBodies(f, []string{`{"customer_id": "x"}`, `{"subject": "s", "tags": ["a"], "status": "open"}`, `{"assignee_id": null}`, `{"date": "2026-01-01T00:00:00Z"}`},
		func(e *apitest.Env) (string, string, string) {
			return "POST", "/v1/tickets", "/v1/tickets?limit=500"
		})
}

func FuzzCustomerBody(f *testing.F) {
	fuzzBodies(f, []string{`{"email": "a@b.c"}`, `{"phone_number": "+1"}`, `{"email": "<a@b.c>"}`, `{"first_name": 5}`},
		func(e *apitest.Env) (string, string, string) {
			return "POST", "/v1/customers", "/v1/customers?limit=500"
		})
}

func FuzzUserBody(f *testing.F) {
	fuzzBodies(f, []string{`{"email": "a@b.c", "name": "A"}`, `{"email": "a@b.c", "name": "A", "role": "admin"}`, `{"role": 1}`},
		func(e *apitest.Env) (string, string, string) {
			return "POST", "/v1/users", "/v1/users?limit=500"
		})
}

func FuzzAPIKeyBody(f *testing.F) {
	fuzzBodies(f, []string{`{"name": "k", "scopes": ["tickets:read"]}`, `{"name": "k", "scopes": ["nope"]}`, `{"name": "k", "scopes": "tickets:read"}`, `{"user_id": "x"}`},
		func(e *apitest.Env) (string, string, string) {
			return "POST", "/v1/api-keys", "/v1/api-keys?limit=500"
		})
}
