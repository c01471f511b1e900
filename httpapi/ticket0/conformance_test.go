package ticket0_test

// The Ticket0 conformance suite: one test per behaviour the product
// documents, each naming the page it checks (docs.ticket0.ai/docs/api-reference/…,
// and seed 003 for the messages page). Requests go to the product's own
// base, /ticket0/api/v1, as a migrated client's would.

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/apitest"
	"github.com/ticketd/ticketd/httpapi/server"
	"github.com/ticketd/ticketd/httpapi/typeid"
)

const base = "/ticket0/api/v1"

func tkt(id ticketd.ID) string { return typeid.Format(typeid.Ticket, id) }
func cus(id ticketd.ID) string { return typeid.Format(typeid.CustomerAlt, id) }
func usr(id ticketd.ID) string { return typeid.Format(typeid.UserAlt, id) }

// t0 is a workspace with the owner's key for the conformance tests.
type t0 struct {
	e   *env
	key string
}

func newT0(t *testing.T) *t0 {
	e := newEnv(t)
	return &t0{e: e, key: e.WS.Key}
}

func (x *t0) run(t *testing.T, s apitest.Scenario) *apitest.Response {
	t.Helper()
	if s.Key == "" && s.Headers == nil {
		s.Key = x.key
	}
	return x.e.RunOne(t, s)
}

func (x *t0) ticket(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	return x.run(t, apitest.Scenario{Method: "POST", Path: base + "/tickets", Body: body, Status: 201}).Object()
}

// ---- authentication and errors (docs.ticket0.ai/docs/api-reference/authentication) ----

// "Include your key in the Authorization header"; a missing or invalid key
// is 401 UNAUTHORIZED, in {"error": {"code", "message"}}.
func TestAuthUnauthorized(t *testing.T) {
	x := newT0(t)
	for _, h := range []map[string]string{{}, {"Authorization": "Bearer t0_nonsense"}} {
		x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets", Headers: h, Status: 401,
			JSON: map[string]any{"error.code": "UNAUTHORIZED", "error.message": apitest.Present}})
	}
}

// "403 FORBIDDEN: API key lacks the required scope" (scopes table:
// tickets:read reads tickets).
func TestAuthForbiddenWithoutScope(t *testing.T) {
	x := newT0(t)
	key := x.e.KeyWith(x.e.WS, apitest.AllBut("tickets:read")...)
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets", Key: key, Status: 403,
		JSON: map[string]any{"error.code": "FORBIDDEN"}, Contains: []string{"tickets:read"}})
}

// "admin: Full access to all resources and settings" (scopes table): a key
// holding only admin reads and writes every resource of this API, and the
// rest of ticketd (settings too); it is full access to its own workspace
// only.
func TestAuthAdminScopeIsFullAccess(t *testing.T) {
	x := newT0(t)
	r := x.run(t, apitest.Scenario{Method: "POST", Path: "/v1/api-keys", Status: 201,
		Body: map[string]any{"name": "integration", "scopes": []string{"admin"}}, JSON: map[string]any{"scopes": []any{"admin"}}})
	admin := r.Object()["key"].(string)
	tk := x.e.Ticket(x.e.WS, "email")
	theirs := x.e.Ticket(x.e.NewWorkspace("Other"), "email")
	x.e.Run(t, []apitest.Scenario{
		{Name: "tickets:read", Method: "GET", Path: base + "/tickets", Key: admin, Status: 200},
		{Name: "tickets:write", Method: "PATCH", Path: base + "/tickets/" + tkt(tk.ID), Key: admin, Body: map[string]any{"tags": []string{"vip"}},
			Status: 200, JSON: map[string]any{"tags": []any{"vip"}}},
		{Name: "messages:read", Method: "GET", Path: base + "/tickets/" + tkt(tk.ID) + "/messages", Key: admin, Status: 200},
		{Name: "customers:write", Method: "POST", Path: base + "/customers", Key: admin, Body: map[string]any{"email": "a@example.com"}, Status: 201},
		{Name: "customers:read", Method: "GET", Path: base + "/customers", Key: admin, Status: 200},
		{Name: "knowledge base", Method: "GET", Path: base + "/knowledge-base", Key: admin, Status: 200},
		{Name: "settings", Method: "GET", Path: "/v1/workspace", Key: admin, Status: 200},
		{Name: "own workspace only", Method: "GET", Path: base + "/tickets/" + tkt(theirs.ID), Key: admin, Status: 404,
			JSON: map[string]any{"error.code": "NOT_FOUND"}},
	})
}

// admin is granted by name: a key holding every other scope does not hold
// it and cannot grant it, and a read-only agent's key cannot hold it
// (ticketd's rule; Ticket0's page says only Owners and Admins make keys).
func TestAuthAdminScopeIsGrantedByName(t *testing.T) {
	x := newT0(t)
	all := x.e.KeyWith(x.e.WS, apitest.AllBut(ticketd.ScopeAdmin)...)
	x.run(t, apitest.Scenario{Method: "POST", Path: "/v1/api-keys", Key: all, Status: 403,
		Body: map[string]any{"name": "escalate", "scopes": []string{"admin"}}, Contains: []string{"admin"}})
	ro, err := x.e.Service.CreateUser(context.Background(), x.e.WS.Principal,
		ticketd.NewUser{Email: "ro@example.com", Name: "Read Only", Role: ticketd.RoleReadOnlyAgent})
	if err != nil {
		t.Fatal(err)
	}
	x.run(t, apitest.Scenario{Method: "POST", Path: "/v1/api-keys", Status: 403,
		Body: map[string]any{"name": "ro admin", "scopes": []string{"admin"}, "user_id": ro.ID.String()}, Contains: []string{"admin"}})
}

// authentication page, "Only workspace Owners and Admins can create or
// revoke keys": a key acting as an agent may hold admin, and still neither
// makes nor revokes keys; an admin's key does both.
func TestAuthOnlyAdminsManageKeys(t *testing.T) {
	x := newT0(t)
	ctx := context.Background()
	agent, err := x.e.Service.CreateUser(ctx, x.e.WS.Principal, ticketd.NewUser{Email: "agent@example.com", Name: "Agent"})
	if err != nil {
		t.Fatal(err)
	}
	r := x.run(t, apitest.Scenario{Method: "POST", Path: "/v1/api-keys", Status: 201,
		Body: map[string]any{"name": "agent's", "scopes": []string{"admin"}, "user_id": agent.ID.String()}})
	agentKey, agentKeyID := r.Object()["key"].(string), r.Object()["id"].(string)
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets", Key: agentKey, Status: 200})
	x.run(t, apitest.Scenario{Method: "POST", Path: "/v1/api-keys", Key: agentKey, Status: 403,
		Body: map[string]any{"name": "more", "scopes": []string{"tickets:read"}}, Contains: []string{"cannot create"}})
	x.run(t, apitest.Scenario{Method: "DELETE", Path: "/v1/api-keys/" + agentKeyID, Key: agentKey, Status: 403,
		Contains: []string{"cannot revoke"}})
	x.run(t, apitest.Scenario{Method: "DELETE", Path: "/v1/api-keys/" + agentKeyID, Status: 204})
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets", Key: agentKey, Status: 401,
		JSON: map[string]any{"error.code": "UNAUTHORIZED"}})
}

// "Error code values are uppercase, underscore-separated constants":
// 400 VALIDATION_ERROR and 404 NOT_FOUND ("wrong ID, or not in this workspace").
func TestErrorCodes(t *testing.T) {
	x := newT0(t)
	other := x.e.NewWorkspace("Other")
	theirs := x.e.Ticket(other, "email")
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets?status=closedish", Status: 400,
		JSON: map[string]any{"error.code": "VALIDATION_ERROR"}, Contains: []string{"status"}})
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets/" + tkt(theirs.ID), Status: 404, JSON: map[string]any{"error.code": "NOT_FOUND"}})
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets/tkt_nonsense", Status: 404, JSON: map[string]any{"error.code": "NOT_FOUND"}})
}

// ---- rate limiting (docs.ticket0.ai/docs/api-reference/rate-limiting) ----

// "Every API response includes headers indicating your current usage":
// X-RateLimit-Limit (1,000 per minute per key), -Remaining, -Reset.
func TestRateLimitHeaders(t *testing.T) {
	x := newT0(t)
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets", Status: 200,
		Header: map[string]any{"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "999", "X-RateLimit-Reset": apitest.Present}})
}

// The other version of the rate-limiting page: "60 requests per minute per
// workspace ... shared across every API key in a workspace — adding more
// keys doesn't raise it", and past it 429 RATE_LIMITED with Retry-After in
// whole seconds. ticketd counts both limits (per key and per workspace,
// --ratelimit-ticket0-workspace); a second key does not get a fresh quota.
func TestRateLimitPerWorkspaceAcrossKeys(t *testing.T) {
	pinned := func() time.Time { return time.Date(2026, 4, 28, 10, 30, 18, 0, time.UTC) }
	e := newEnvWith(t, apitest.Options{RateClock: pinned, RateLimits: &server.RateLimits{Ticket0Key: 1000, Ticket0Workspace: 2}})
	x := &t0{e: e, key: e.WS.Key}
	second := e.KeyWith(e.WS, "tickets:read")
	other := e.NewWorkspace("Other")
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets", Status: 200,
		Header: map[string]any{"X-RateLimit-Limit": "2", "X-RateLimit-Remaining": "1"}})
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets", Key: second, Status: 200,
		Header: map[string]any{"X-RateLimit-Remaining": "0"}})
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets", Key: second, Status: 429,
		Header: map[string]any{"Retry-After": "42"},
		JSON:   map[string]any{"error.code": "RATE_LIMITED", "error.message": "Too many requests. Please slow down.", "error.retryAfter": "2026-04-28T10:31:00Z"}})
	// Another workspace has its own quota.
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets", Key: other.Key, Status: 200})
}

// ---- tickets (docs.ticket0.ai/docs/api-reference/tickets) ----

// "Create a ticket": POST /tickets {subject, customerEmail, inboxId, body}
// answers the created ticket object, with tkt_, cus_ and inb_ ids; the
// body is the customer's first message.
func TestTicketCreate(t *testing.T) {
	x := newT0(t)
	address := x.e.sendingSetup(x.e.WS, "yourcompany.com", "Support", "")
	inbox := x.run(t, apitest.Scenario{Method: "GET", Path: "/v1/inboxes", Status: 200}).Array()[0]
	inbID, _ := ticketd.ParseID(inbox["id"].(string))
	_ = address
	tk := x.ticket(t, map[string]any{"subject": "Question about billing", "customerEmail": "jane@example.com",
		"inboxId": typeid.Format(typeid.Inbox, inbID), "body": "Hi, I was charged twice this month..."})
	if !strings.HasPrefix(tk["id"].(string), "tkt_") || !strings.HasPrefix(tk["customerId"].(string), "cus_") ||
		tk["inboxId"] != typeid.Format(typeid.Inbox, inbID) || tk["status"] != "open" || tk["subject"] != "Question about billing" {
		t.Fatalf("created ticket: %v", tk)
	}
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets/" + tk["id"].(string) + "/messages", Status: 200,
		JSON: map[string]any{"total": 1, "messages.0.bodyText": "Hi, I was charged twice this month...",
			"messages.0.direction": "inbound", "messages.0.authorType": "customer"}})
	x.run(t, apitest.Scenario{Method: "POST", Path: base + "/tickets", Status: 400, Body: map[string]any{"subject": "x"},
		JSON: map[string]any{"error.code": "VALIDATION_ERROR"}, Contains: []string{"customerEmail"}})
	x.run(t, apitest.Scenario{Method: "POST", Path: base + "/tickets", Status: 400,
		Body:     map[string]any{"subject": "x", "customerEmail": "a@b.test", "inboxId": "inb_01arz3ndektsv4rrffq69g5fav"},
		Contains: []string{"inboxId"}})
}

// POST /tickets is one transaction: a body the handler lets through but the
// domain refuses when posting the message (a NUL character) is a 400 that
// leaves neither the customer nor the ticket behind (they were, when the
// three steps ran separately).
func TestTicketCreateAtomic(t *testing.T) {
	x := newT0(t)
	before := len(x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets", Status: 200}).Object()["tickets"].([]any))
	x.run(t, apitest.Scenario{Method: "POST", Path: base + "/tickets", Status: 400,
		Body: map[string]any{"subject": "Help", "customerEmail": "nul@example.com", "body": "Hello\u0000there"},
		JSON: map[string]any{"error.code": "VALIDATION_ERROR"}, Contains: []string{"body"}})
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/customers?email=nul@example.com", Status: 200,
		JSON: map[string]any{"customers": []any{}}})
	if after := len(x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets", Status: 200}).Object()["tickets"].([]any)); after != before {
		t.Fatalf("a refused POST /tickets left %d tickets behind", after-before)
	}
	// The same email again finds the customer the first success created.
	a := x.ticket(t, map[string]any{"subject": "Help", "customerEmail": "nul@example.com", "body": "Hello"})
	b := x.ticket(t, map[string]any{"subject": "Again", "customerEmail": "NUL@example.com", "body": "Me again"})
	if a["customerId"] != b["customerId"] {
		t.Fatalf("two customers for one email: %v, %v", a["customerId"], b["customerId"])
	}
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/customers?email=nul@example.com", Status: 200,
		JSON: map[string]any{"customers.0.ticketCount": 2}})
}

// "Get a ticket": GET /tickets/:id, by either spelling of the id.
func TestTicketGetBothSpellings(t *testing.T) {
	x := newT0(t)
	tk := x.e.Ticket(x.e.WS, "email")
	for _, id := range []string{tkt(tk.ID), typeid.Format(typeid.Conversation, tk.ID), tk.ID.String()} {
		x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets/" + id, Status: 200,
			JSON: map[string]any{"id": tkt(tk.ID), "customerId": cus(tk.CustomerID), "status": "open", "tags": []any{}}})
	}
}

// A ticket opened on TopTickets starts "new", a status Ticket0's docs do not
// have: Ticket0 shows it as open, one of its four.
func TestNewTicketIsOpenOnTicket0(t *testing.T) {
	x := newT0(t)
	c := x.e.Customer(x.e.WS, "new@customer.test", "New", "Customer")
	tk, err := x.e.Service.CreateTicket(context.Background(), x.e.WS.Principal, ticketd.NewTicket{
		Customer: ticketd.ByID(c.ID), Subject: "Help", Channel: "email", Status: ticketd.StatusNew})
	if err != nil {
		t.Fatal(err)
	}
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets/" + tkt(tk.ID), Status: 200,
		JSON: map[string]any{"id": tkt(tk.ID), "status": "open"}})
}

// "List tickets": status open, pending, resolved, snoozed; assigneeId,
// inboxId and tag filters.
func TestTicketListFilters(t *testing.T) {
	x := newT0(t)
	ctx := context.Background()
	p := x.e.WS.Principal
	a, b, c, d := x.e.Ticket(x.e.WS, "email"), x.e.Ticket(x.e.WS, "email"), x.e.Ticket(x.e.WS, "email"), x.e.Ticket(x.e.WS, "email")
	pending, solved := ticketd.StatusPending, ticketd.StatusSolved
	tags := []string{"shipping"}
	me := ticketd.ByID(x.e.WS.Owner.ID)
	must := func(_ *ticketd.Ticket, err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(x.e.Service.UpdateTicket(ctx, p, ticketd.ByID(b.ID), ticketd.TicketUpdate{Status: &pending, Tags: &tags, Assignee: &me}))
	must(x.e.Service.UpdateTicket(ctx, p, ticketd.ByID(c.ID), ticketd.TicketUpdate{Status: &solved}))
	x.run(t, apitest.Scenario{Method: "PATCH", Path: base + "/tickets/" + tkt(d.ID), Body: map[string]any{"status": "snoozed"}, Status: 200,
		JSON: map[string]any{"status": "snoozed", "snoozedUntil": apitest.Present}})
	// A new ticket (TopTickets' status, shown by Ticket0 as open) is in the
	// open list, in number order with the open ones.
	nc := x.e.Customer(x.e.WS, "new@customer.test", "Nea", "New")
	n, err := x.e.Service.CreateTicket(ctx, p, ticketd.NewTicket{Customer: ticketd.ByID(nc.ID), Subject: "New", Channel: "email", Status: ticketd.StatusNew})
	must(n, err)
	for _, c := range []struct {
		query string
		want  []ticketd.ID
	}{
		{"status=open", []ticketd.ID{n.ID, a.ID}},
		{"status=open&limit=1", []ticketd.ID{n.ID}},
		{"status=pending", []ticketd.ID{b.ID}},
		{"status=resolved", []ticketd.ID{c.ID}},
		{"status=snoozed", []ticketd.ID{d.ID}},
		{"tag=shipping", []ticketd.ID{b.ID}},
		{"assigneeId=" + usr(x.e.WS.Owner.ID), []ticketd.ID{b.ID}},
		{"assigneeId=" + typeid.Format(typeid.User, x.e.WS.Owner.ID), []ticketd.ID{b.ID}},
		{"", []ticketd.ID{n.ID, d.ID, c.ID, b.ID, a.ID}},
	} {
		r := x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets?" + c.query, Status: 200})
		got := apitest.Get(r.JSON(), "tickets").([]any)
		if len(got) != len(c.want) {
			t.Fatalf("%s: %d tickets, want %d: %s", c.query, len(got), len(c.want), r.Body)
		}
		for i, id := range c.want {
			if got[i].(map[string]any)["id"] != tkt(id) {
				t.Fatalf("%s: ticket %d is %v, want %s", c.query, i, got[i], tkt(id))
			}
		}
	}
	// The open list pages across the two statuses by its cursor.
	r := x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets?status=open&limit=1", Status: 200})
	cursor, _ := apitest.Get(r.JSON(), "nextCursor").(string)
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets?status=open&limit=1&cursor=" + cursor, Status: 200,
		JSON: map[string]any{"tickets.0.id": tkt(a.ID), "nextCursor": nil}})
}

// "limit: Results per page (default: 20, max: 100)"; "cursor: Pagination
// cursor from previous response"; nextCursor null on the last page.
func TestTicketListCursorPaging(t *testing.T) {
	x := newT0(t)
	for i := 0; i < 23; i++ {
		x.e.Ticket(x.e.WS, "email")
	}
	r := x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets", Status: 200})
	if n := len(apitest.Get(r.JSON(), "tickets").([]any)); n != 20 {
		t.Fatalf("default page of %d", n)
	}
	cursor, _ := apitest.Get(r.JSON(), "nextCursor").(string)
	if !strings.HasPrefix(cursor, "cur_") {
		t.Fatalf("nextCursor %q", cursor)
	}
	r = x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets?cursor=" + cursor, Status: 200, JSON: map[string]any{"nextCursor": nil}})
	if n := len(apitest.Get(r.JSON(), "tickets").([]any)); n != 3 {
		t.Fatalf("second page of %d", n)
	}
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets?limit=100", Status: 200})
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets?limit=101", Status: 400, JSON: map[string]any{"error.code": "VALIDATION_ERROR"}})
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets?cursor=cur_bogus", Status: 400, JSON: map[string]any{"error.code": "VALIDATION_ERROR"}})
	// A well-formed cursor that names no ticket of the workspace (the list
	// resolves it inside its own read).
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets?cursor=" + typeid.Format("cur", ticketd.NewID()), Status: 400,
		JSON: map[string]any{"error.code": "VALIDATION_ERROR"}})
}

// "Update a ticket": PATCH {status, assigneeId, tags}, all optional.
func TestTicketUpdate(t *testing.T) {
	x := newT0(t)
	tk := x.e.Ticket(x.e.WS, "email")
	path := base + "/tickets/" + tkt(tk.ID)
	x.run(t, apitest.Scenario{Method: "PATCH", Path: path, Status: 200,
		Body: map[string]any{"status": "resolved", "assigneeId": usr(x.e.WS.Owner.ID), "tags": []string{"billing", "resolved-by-api"}},
		JSON: map[string]any{"status": "resolved", "assigneeId": usr(x.e.WS.Owner.ID), "tags": []string{"billing", "resolved-by-api"}}})
	x.run(t, apitest.Scenario{Method: "PATCH", Path: path, Status: 200, Body: map[string]any{"assigneeId": nil},
		JSON: map[string]any{"assigneeId": nil, "status": "resolved"}})
	x.run(t, apitest.Scenario{Method: "PATCH", Path: path, Status: 400, Body: map[string]any{"status": "closed"},
		JSON: map[string]any{"error.code": "VALIDATION_ERROR"}})
	x.run(t, apitest.Scenario{Method: "PATCH", Path: path, Status: 400, Body: map[string]any{"assigneeId": usr(ticketd.NewID())},
		Contains: []string{"assigneeId"}})
}

// "status: snoozed": a snoozed ticket is listed as snoozed until its time
// passes, and a customer message wakes it (ticketd's snooze, CONTRACT.md).
func TestTicketSnoozeWakes(t *testing.T) {
	x := newT0(t)
	tk := x.e.Ticket(x.e.WS, "email")
	path := base + "/tickets/" + tkt(tk.ID)
	until := x.e.Clock.Now().Add(2 * time.Hour).Format(time.RFC3339)
	x.run(t, apitest.Scenario{Method: "PATCH", Path: path, Body: map[string]any{"status": "snoozed", "snoozedUntil": until}, Status: 200,
		JSON: map[string]any{"status": "snoozed", "snoozedUntil": until}})
	x.e.Clock.Advance(3 * time.Hour)
	x.run(t, apitest.Scenario{Method: "GET", Path: path, Status: 200, JSON: map[string]any{"status": "open"}})
	x.run(t, apitest.Scenario{Method: "PATCH", Path: path, Body: map[string]any{"status": "snoozed"}, Status: 200, JSON: map[string]any{"status": "snoozed"}})
	x.e.Post(x.e.WS, tk, ticketd.NewMessage{Body: "any news?", Author: ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &tk.CustomerID}})
	x.run(t, apitest.Scenario{Method: "GET", Path: path, Status: 200, JSON: map[string]any{"status": "open", "snoozedUntil": nil}})
}

// ---- customers (docs.ticket0.ai/docs/api-reference/customers) ----

// "Create a customer": {email, name, externalId, metadata}; "If you provide
// an externalId that already exists, the existing customer is returned".
func TestCustomerCreateUpsertsOnExternalID(t *testing.T) {
	x := newT0(t)
	body := map[string]any{"email": "john@example.com", "name": "John Doe", "externalId": "usr_99999",
		"metadata": map[string]any{"plan": "enterprise", "accountAge": "24 months"}}
	r := x.run(t, apitest.Scenario{Method: "POST", Path: base + "/customers", Body: body, Status: 201,
		JSON: map[string]any{"email": "john@example.com", "name": "John Doe", "externalId": "usr_99999",
			"metadata": map[string]any{"plan": "enterprise", "accountAge": "24 months"}, "ticketCount": 0}})
	id := r.Object()["id"].(string)
	if !strings.HasPrefix(id, "cus_") {
		t.Fatalf("id %s", id)
	}
	x.run(t, apitest.Scenario{Method: "POST", Path: base + "/customers", Status: 200,
		Body: map[string]any{"email": "other@example.com", "name": "Someone Else", "externalId": "usr_99999"},
		JSON: map[string]any{"id": id, "name": "John Doe", "email": "john@example.com"}})
	x.run(t, apitest.Scenario{Method: "POST", Path: base + "/customers", Status: 400,
		Body: map[string]any{"email": "x@example.com", "metadata": map[string]any{"plan": 3}}, JSON: map[string]any{"error.code": "VALIDATION_ERROR"}})
}

// "List customers": filter by email or externalId, each with ticketCount.
func TestCustomerListFilters(t *testing.T) {
	x := newT0(t)
	x.run(t, apitest.Scenario{Method: "POST", Path: base + "/customers", Status: 201,
		Body: map[string]any{"email": "jane@example.com", "name": "Jane Smith", "externalId": "usr_12345"}})
	x.run(t, apitest.Scenario{Method: "POST", Path: base + "/customers", Status: 201, Body: map[string]any{"email": "bob@example.com"}})
	x.ticket(t, map[string]any{"subject": "a", "customerEmail": "jane@example.com"})
	x.ticket(t, map[string]any{"subject": "b", "customerEmail": "jane@example.com"})
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/customers?externalId=usr_12345", Status: 200,
		JSON: map[string]any{"customers.0.email": "jane@example.com", "customers.0.ticketCount": 2, "customers.1": apitest.Absent, "nextCursor": nil}})
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/customers?email=BOB@example.com", Status: 200,
		JSON: map[string]any{"customers.0.email": "bob@example.com", "customers.0.ticketCount": 0, "customers.1": apitest.Absent}})
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/customers?limit=1", Status: 200,
		JSON: map[string]any{"customers.1": apitest.Absent, "nextCursor": apitest.Present}})
}

// "Update a customer": "metadata ... is merged with existing metadata — to
// remove a key, set it to null."
func TestCustomerUpdateMergesMetadata(t *testing.T) {
	x := newT0(t)
	r := x.run(t, apitest.Scenario{Method: "POST", Path: base + "/customers", Status: 201,
		Body: map[string]any{"email": "jane@example.com", "metadata": map[string]any{"plan": "pro", "seats": "3", "region": "eu"}}})
	path := base + "/customers/" + r.Object()["id"].(string)
	x.run(t, apitest.Scenario{Method: "PATCH", Path: path, Status: 200,
		Body: map[string]any{"name": "Jane Doe", "metadata": map[string]any{"plan": "enterprise", "seats": nil}},
		JSON: map[string]any{"name": "Jane Doe", "metadata": map[string]any{"plan": "enterprise", "region": "eu"}}})
	x.run(t, apitest.Scenario{Method: "GET", Path: path, Status: 200,
		JSON: map[string]any{"metadata": map[string]any{"plan": "enterprise", "region": "eu"}}})
	// The messages page's spelling names the same customer.
	id := strings.TrimPrefix(r.Object()["id"].(string), "cus_")
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/customers/cust_" + id, Status: 200, JSON: map[string]any{"name": "Jane Doe"}})
}

// ---- knowledge base (docs.ticket0.ai/docs/api-reference/knowledge-base) ----

func (x *t0) article(t *testing.T, title, status, body string) string {
	t.Helper()
	r := x.run(t, apitest.Scenario{Method: "POST", Path: "/v1/articles", Status: 201,
		Body: map[string]any{"title": title, "status": status, "body": body}})
	id, _ := ticketd.ParseID(r.Object()["id"].(string))
	return typeid.Format(typeid.Article, id)
}

// "List articles": query (full-text search) and status (published, draft);
// the list carries excerpts, not bodies.
func TestKnowledgeBaseList(t *testing.T) {
	x := newT0(t)
	track := x.article(t, "How to track your order", "published", "## Tracking your order\n\nAfter your order ships, use the **tracking number**.")
	x.article(t, "Refund policy", "draft", "Refunds take 5 days.")
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/knowledge-base?query=tracking", Status: 200,
		JSON: map[string]any{"articles.0.id": track, "articles.0.slug": "how-to-track-your-order", "articles.0.status": "published",
			"articles.0.excerpt": "Tracking your order After your order ships, use the tracking number.", "articles.0.body": apitest.Absent,
			"articles.1": apitest.Absent, "nextCursor": nil}})
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/knowledge-base?status=draft", Status: 200,
		JSON: map[string]any{"articles.0.title": "Refund policy", "articles.1": apitest.Absent}})
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/knowledge-base?status=gone", Status: 400, JSON: map[string]any{"error.code": "VALIDATION_ERROR"}})
}

// "Get an article": the full article; "body is returned as Markdown".
func TestKnowledgeBaseGetMarkdown(t *testing.T) {
	x := newT0(t)
	md := "## Tracking your order\n\nAfter your order ships..."
	id := x.article(t, "How to track your order", "published", md)
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/knowledge-base/" + id, Status: 200,
		JSON: map[string]any{"id": id, "body": md, "title": "How to track your order"}})
}

// "The knowledge base API is read-only": writing is 405 there, with Allow.
func TestKnowledgeBaseReadOnly(t *testing.T) {
	x := newT0(t)
	x.run(t, apitest.Scenario{Method: "POST", Path: base + "/knowledge-base", Body: map[string]any{"title": "x"}, Status: 405,
		Header: map[string]any{"Allow": "GET, HEAD"}, JSON: map[string]any{"error.code": "METHOD_NOT_ALLOWED"}})
}

// ---- messages (seed 003, docs.ticket0.ai/docs/api-reference/conversations) ----

// "GET /tickets/:id/messages" at the product's base, with the tickets
// page's tkt_ id as well as the messages page's conv_.
func TestMessagesAtBaseWithEitherTicketID(t *testing.T) {
	x := newT0(t)
	tk := x.e.Ticket(x.e.WS, "email")
	x.e.Post(x.e.WS, tk, ticketd.NewMessage{Body: "hello"})
	for _, id := range []string{tkt(tk.ID), conv(tk)} {
		x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets/" + id + "/messages", Status: 200,
			JSON: map[string]any{"total": 1, "messages.0.conversationId": conv(tk)}})
	}
}

// seed 003: "Internal notes ... are not currently exposed on the public v1
// API": a note is never listed, and one cannot be created here.
func TestMessagesNeverShowNotes(t *testing.T) {
	x := newT0(t)
	tk := x.e.Ticket(x.e.WS, "email")
	x.e.Post(x.e.WS, tk, ticketd.NewMessage{Body: "team only", Internal: true})
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets/" + tkt(tk.ID) + "/messages", Status: 200,
		JSON: map[string]any{"total": 0}, Lacks: []string{"team only"}})
}

// ---- audit additions: each documented behaviour not covered above ----

// authentication page, "All errors return a consistent JSON body": an
// unknown path is 404 NOT_FOUND and a method a path does not have is 405
// (METHOD_NOT_ALLOWED, ticketd's code: the page lists none) with Allow,
// both in {"error": {"code", "message"}}; a body that is not JSON is 400
// VALIDATION_ERROR ("Invalid request body").
func TestErrorsAreOneJSONShape(t *testing.T) {
	x := newT0(t)
	tk := x.e.Ticket(x.e.WS, "email")
	x.e.Run(t, []apitest.Scenario{
		{Name: "unknown path", Method: "GET", Path: base + "/nope", Key: x.key, Status: 404,
			JSON: map[string]any{"error.code": "NOT_FOUND", "error.message": apitest.Present}},
		{Name: "unknown method", Method: "DELETE", Path: base + "/tickets/" + tkt(tk.ID), Key: x.key, Status: 405,
			Header: map[string]any{"Allow": "GET, HEAD, PATCH"}, JSON: map[string]any{"error.code": "METHOD_NOT_ALLOWED"}},
		{Name: "not JSON", Method: "POST", Path: base + "/tickets", Key: x.key, Body: "{", Status: 400,
			JSON: map[string]any{"error.code": "VALIDATION_ERROR"}},
		{Name: "bad enum", Method: "GET", Path: base + "/knowledge-base?status=secret", Key: x.key, Status: 400,
			JSON: map[string]any{"error.code": "VALIDATION_ERROR"}},
	})
}

// rate-limiting page, "Every API response includes headers indicating your
// current usage": an error answer after authentication carries them too,
// and X-RateLimit-Reset is the Unix time the window resets.
func TestRateLimitHeadersOnErrors(t *testing.T) {
	x := newT0(t)
	r := x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets/tkt_nonsense", Status: 404,
		Header: map[string]any{"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": apitest.Present}})
	reset, err := strconv.ParseInt(r.Header.Get("X-RateLimit-Reset"), 10, 64)
	if err != nil || reset <= time.Now().Unix()-5 || reset > time.Now().Add(61*time.Second).Unix() {
		t.Fatalf("X-RateLimit-Reset %q is not the Unix time of this window's end", r.Header.Get("X-RateLimit-Reset"))
	}
}

// tickets page, "Create a ticket": inboxId and body may be left out (ticketd
// reads them as optional: the page's example has both, its text requires
// neither); the answer is the created ticket object, no message without a
// body.
func TestTicketCreateMinimal(t *testing.T) {
	x := newT0(t)
	tk := x.ticket(t, map[string]any{"subject": "Just a subject", "customerEmail": "min@example.com"})
	for _, k := range []string{"id", "subject", "status", "assigneeId", "customerId", "inboxId", "tags", "createdAt", "updatedAt"} {
		if _, ok := tk[k]; !ok {
			t.Errorf("the created ticket lacks %s: %v", k, tk)
		}
	}
	if tk["inboxId"] != nil || tk["assigneeId"] != nil {
		t.Errorf("created ticket: %v", tk)
	}
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets/" + tk["id"].(string) + "/messages", Status: 200,
		JSON: map[string]any{"total": 0}})
}

// tickets page, "List tickets": inboxId filters by inbox, in the inb_ form.
func TestTicketListByInbox(t *testing.T) {
	x := newT0(t)
	x.e.sendingSetup(x.e.WS, "yourcompany.com", "Support", "")
	inbox := x.run(t, apitest.Scenario{Method: "GET", Path: "/v1/inboxes", Status: 200}).Array()[0]
	inbID, _ := ticketd.ParseID(inbox["id"].(string))
	inb := typeid.Format(typeid.Inbox, inbID)
	in := x.ticket(t, map[string]any{"subject": "in the inbox", "customerEmail": "a@example.com", "inboxId": inb})
	x.ticket(t, map[string]any{"subject": "elsewhere", "customerEmail": "b@example.com"})
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets?inboxId=" + inb, Status: 200,
		JSON: map[string]any{"tickets.0.id": in["id"], "tickets.0.inboxId": inb, "tickets.1": apitest.Absent}})
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets?inboxId=nonsense", Status: 400,
		JSON: map[string]any{"error.code": "VALIDATION_ERROR"}, Contains: []string{"inboxId"}})
}

// tickets page, "Update a ticket": "all fields optional": an empty body
// changes nothing; tags given replace the ticket's tags.
func TestTicketUpdateFieldsOptional(t *testing.T) {
	x := newT0(t)
	tk := x.ticket(t, map[string]any{"subject": "s", "customerEmail": "c@example.com"})
	path := base + "/tickets/" + tk["id"].(string)
	x.run(t, apitest.Scenario{Method: "PATCH", Path: path, Body: map[string]any{"tags": []string{"a", "b"}}, Status: 200,
		JSON: map[string]any{"tags": []any{"a", "b"}}})
	x.run(t, apitest.Scenario{Method: "PATCH", Path: path, Body: map[string]any{}, Status: 200,
		JSON: map[string]any{"tags": []any{"a", "b"}, "status": "open", "subject": "s"}})
	x.run(t, apitest.Scenario{Method: "PATCH", Path: path, Body: map[string]any{"tags": []string{"c"}}, Status: 200,
		JSON: map[string]any{"tags": []any{"c"}}})
}

// customers page, "Get a customer": GET /customers/:id is the customer
// object of the list, ticketCount included.
func TestCustomerGet(t *testing.T) {
	x := newT0(t)
	c := x.run(t, apitest.Scenario{Method: "POST", Path: base + "/customers", Status: 201,
		Body: map[string]any{"email": "jane@example.com", "name": "Jane Smith", "externalId": "usr_12345", "metadata": map[string]any{"plan": "pro"}}}).Object()
	x.ticket(t, map[string]any{"subject": "a", "customerEmail": "jane@example.com"})
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/customers/" + c["id"].(string), Status: 200,
		JSON: map[string]any{"id": c["id"], "email": "jane@example.com", "name": "Jane Smith", "externalId": "usr_12345",
			"metadata": map[string]any{"plan": "pro"}, "ticketCount": 1, "createdAt": apitest.Present}})
}

// customers page, "List customers" and knowledge-base page, "List
// articles": limit and cursor page both lists as the tickets list does,
// nextCursor null on the last page.
func TestCustomerAndArticleListsPageByCursor(t *testing.T) {
	x := newT0(t)
	for i := 0; i < 3; i++ {
		x.run(t, apitest.Scenario{Method: "POST", Path: base + "/customers", Status: 201, Body: map[string]any{"email": "c" + strconv.Itoa(i) + "@example.com"}})
		x.article(t, "Article "+strconv.Itoa(i), "published", "body")
	}
	for _, l := range []struct{ path, list string }{{"/customers", "customers"}, {"/knowledge-base", "articles"}} {
		seen := map[any]bool{}
		cursor := ""
		for page := 0; ; page++ {
			path := base + l.path + "?limit=2"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			r := x.run(t, apitest.Scenario{Method: "GET", Path: path, Status: 200})
			for _, it := range apitest.Get(r.JSON(), l.list).([]any) {
				seen[it.(map[string]any)["id"]] = true
			}
			next, _ := apitest.Get(r.JSON(), "nextCursor").(string)
			if next == "" {
				break
			}
			if page > 3 {
				t.Fatalf("%s: the cursor does not move", l.path)
			}
			cursor = next
		}
		// The pages together are the whole list, each item once.
		all := apitest.Get(x.run(t, apitest.Scenario{Method: "GET", Path: base + l.path + "?limit=100", Status: 200}).JSON(), l.list).([]any)
		if len(all) < 3 || len(seen) != len(all) {
			t.Errorf("%s: %d items over the pages, %d in one page", l.path, len(seen), len(all))
		}
	}
}

// customers page, "Create a customer": externalId is "your internal ID for
// this customer". A customer ticketd already has by email (one who wrote in
// before the integration knew them) is returned, 200, and gets the
// externalId when it had none, so the next lookup by it finds them
// (ticketd's choice: the page names only the externalId match).
func TestCustomerCreateLinksExternalIDToAnEmailMatch(t *testing.T) {
	x := newT0(t)
	x.ticket(t, map[string]any{"subject": "first contact", "customerEmail": "early@example.com"})
	r := x.run(t, apitest.Scenario{Method: "POST", Path: base + "/customers", Status: 200,
		Body: map[string]any{"email": "EARLY@example.com", "name": "Early Bird", "externalId": "crm_1"},
		JSON: map[string]any{"email": "early@example.com", "externalId": "crm_1", "ticketCount": 1}})
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/customers?externalId=crm_1", Status: 200,
		JSON: map[string]any{"customers.0.id": r.Object()["id"], "customers.1": apitest.Absent}})
	// One that has another externalId keeps it.
	x.run(t, apitest.Scenario{Method: "POST", Path: base + "/customers", Status: 200,
		Body: map[string]any{"email": "early@example.com", "externalId": "crm_2"}, JSON: map[string]any{"externalId": "crm_1"}})
}

// An externalId names one customer of the workspace (the upsert relies on
// it): giving another customer the same one over PATCH is refused with 409
// CONFLICT (ticketd's code: the page lists none) and changes nothing.
func TestCustomerExternalIDIsUnique(t *testing.T) {
	x := newT0(t)
	x.run(t, apitest.Scenario{Method: "POST", Path: base + "/customers", Status: 201, Body: map[string]any{"email": "a@example.com", "externalId": "crm_1"}})
	b := x.run(t, apitest.Scenario{Method: "POST", Path: base + "/customers", Status: 201, Body: map[string]any{"email": "b@example.com", "name": "B"}}).Object()
	x.run(t, apitest.Scenario{Method: "PATCH", Path: base + "/customers/" + b["id"].(string), Status: 409,
		Body: map[string]any{"externalId": "crm_1", "name": "Not B", "email": "not-b@example.com"}, JSON: map[string]any{"error.code": "CONFLICT"}})
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/customers/" + b["id"].(string), Status: 200,
		JSON: map[string]any{"externalId": nil, "name": "B", "email": "b@example.com"}})
}

// authentication page, 400 VALIDATION_ERROR "missing required field, bad
// enum value, etc.": the message names the field as the tickets page spells
// it, and the refused request creates no customer.
func TestTicketCreateNamesTheBadField(t *testing.T) {
	x := newT0(t)
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"subject": "s", "customerEmail": "not an address"}, "customerEmail"},
		{map[string]any{"subject": "line\r\nBcc: x@example.com", "customerEmail": "ok@example.com"}, "subject"},
		{map[string]any{"subject": "s", "customerEmail": "ok@example.com", "body": "  "}, "body"},
		{map[string]any{"subject": "s", "customerEmail": "ok@example.com", "inboxId": "inb_nonsense"}, "inboxId"},
	} {
		x.run(t, apitest.Scenario{Method: "POST", Path: base + "/tickets", Body: c.body, Status: 400,
			JSON: map[string]any{"error.code": "VALIDATION_ERROR"}, Contains: []string{c.field}})
	}
	x.run(t, apitest.Scenario{Method: "GET", Path: base + "/customers?email=ok@example.com", Status: 200,
		JSON: map[string]any{"customers": []any{}}})
}

// seed 003 "Send a reply" with the ids of the other pages: userId in the
// tickets page's usr_ form, on a ticket named tkt_, is the operator the
// messages page calls user_; the reply is attributed to them.
func TestMessagesSendAcceptsEitherSpelling(t *testing.T) {
	x := newT0(t)
	address := x.e.sendingSetup(x.e.WS, "yourcompany.com", "Support", "")
	tk := x.e.Ticket(x.e.WS, "email")
	x.run(t, apitest.Scenario{Method: "POST", Path: base + "/tickets/" + tkt(tk.ID) + "/messages", Status: 201,
		Body: map[string]any{"fromAddress": address, "bodyText": "On its way.", "userId": usr(x.e.WS.Owner.ID)},
		JSON: map[string]any{"message.direction": "outbound", "message.authorType": "user",
			"message.authorId": typeid.Format(typeid.User, x.e.WS.Owner.ID), "message.conversationId": conv(tk)}})
}
