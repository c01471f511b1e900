package helpwave_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/apitest"
	"github.com/ticketd/ticketd/httpapi/helpwave"
)

// start is where the test clock begins; it steps one second per reading, so
// "defaults to now" is a time after start and before start+1h.
var start = apitest.ClockStart

func newEnv(t testing.TB) *apitest.Env {
	return apitest.NewWith(t, apitest.Options{ServiceOptions: []ticketd.Option{apitest.SteppingClock()}})
}

// call sends a request the way the seed's integrations do, with x-api-key.
func call(e *apitest.Env, key, method, path string, body any) *apitest.Response {
	e.T.Helper()
	return e.Do(method, path, body, "x-api-key", key)
}

// succeeded checks the status and the success flag and returns the body.
func succeeded(t *testing.T, r *apitest.Response, status int) map[string]any {
	t.Helper()
	r.Expect(status)
	o := r.Object()
	if o["success"] != true {
		t.Fatalf("success is %v, want true: %s", o["success"], r.Body)
	}
	return o
}

// failed checks an error answer: the status and exactly
// {"success": false, "error": "<message>"}; it returns the message.
func failed(t *testing.T, r *apitest.Response, status int) string {
	t.Helper()
	r.Expect(status)
	o := r.Object()
	msg, _ := o["error"].(string)
	if o["success"] != false || msg == "" || len(o) != 2 {
		t.Fatalf("want {\"success\": false, \"error\": \"...\"}, got %s", r.Body)
	}
	return msg
}

// unauthorized checks a 401: exactly {"error": "<message>"}, as
// developers.helpwave.ai/reference/authentication shows it.
func unauthorized(t *testing.T, r *apitest.Response) string {
	t.Helper()
	r.Expect(401)
	o := r.Object()
	msg, _ := o["error"].(string)
	if msg == "" || len(o) != 1 {
		t.Fatalf(`want {"error": "..."}, got %s`, r.Body)
	}
	return msg
}

// isNow checks that an ISO time of a response is the test clock's "now",
// rendered as the seed renders times.
func isNow(t *testing.T, field string, v any) time.Time {
	t.Helper()
	s, _ := v.(string)
	tm, err := time.Parse("2006-01-02T15:04:05.000Z", s)
	if err != nil {
		t.Fatalf("%s %v is not an ISO time with milliseconds and Z", field, v)
	}
	if tm.Before(start) || tm.After(start.Add(time.Hour)) {
		t.Fatalf("%s %v is not now", field, v)
	}
	return tm
}

func num(n int64) string { return strconv.FormatInt(n, 10) }

// fixture is a shop with a customer, a second agent and that agent's key.
type fixture struct {
	e        *apitest.Env
	key      string // the owner's key
	customer *ticketd.Customer
	agent    *ticketd.User
	agentKey string
}

func newFixture(t *testing.T) *fixture {
	e := newEnv(t)
	f := &fixture{e: e, key: e.WS.Key}
	f.customer = e.Customer(e.WS, "dev@example.com", "Ada", "Lovelace")
	var err error
	f.agent, err = e.Service.CreateUser(context.Background(), e.WS.Principal, ticketd.NewUser{Email: "sam@acme.test", Name: "Sam Agent"})
	if err != nil {
		t.Fatal(err)
	}
	_, f.agentKey, err = e.Service.CreateAPIKey(context.Background(), e.WS.Principal, ticketd.NewAPIKeyInput{
		Name: "sam", Scopes: ticketd.AllScopes, UserID: &f.agent.ID})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// ticket creates a ticket through the shop API and returns its id.
func (f *fixture) ticket(t *testing.T, body map[string]any) string {
	t.Helper()
	b := map[string]any{"customerId": f.customer.Number, "Channel": "Mail"}
	for k, v := range body {
		b[k] = v
	}
	tk := succeeded(t, call(f.e, f.key, "POST", "/api/v1/tickets", b), 201)["ticket"].(map[string]any)
	return tk["id"].(string)
}

func (f *fixture) getTicket(t *testing.T, id string) map[string]any {
	t.Helper()
	return succeeded(t, call(f.e, f.key, "GET", "/api/v1/tickets/"+id, nil), 200)["ticket"].(map[string]any)
}

func (f *fixture) comments(t *testing.T, id string) []map[string]any {
	t.Helper()
	o := succeeded(t, call(f.e, f.key, "GET", "/api/v1/tickets/"+id+"/comments", nil), 200)
	list, _ := o["comments"].([]any)
	if o["totalCount"] != float64(len(list)) {
		t.Fatalf("totalCount %v for %d comments", o["totalCount"], len(list))
	}
	out := make([]map[string]any, len(list))
	for i, c := range list {
		out[i] = c.(map[string]any)
	}
	return out
}

func (f *fixture) post(t *testing.T, id string, body map[string]any) map[string]any {
	t.Helper()
	return succeeded(t, call(f.e, f.key, "POST", "/api/v1/tickets/"+id+"/comments", body), 201)["comment"].(map[string]any)
}

// counts is what a failed request must leave unchanged.
type counts struct{ tickets, messages, customers int }

func (f *fixture) counts(t *testing.T) counts {
	t.Helper()
	ctx, p := context.Background(), f.e.WS.Principal
	ts, err := f.e.Service.Tickets(ctx, p, ticketd.TicketFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	c := counts{tickets: len(ts)}
	for _, tk := range ts {
		conv, err := f.e.Service.Messages(ctx, p, ticketd.ByID(tk.ID), ticketd.MessageFilter{IncludeInternal: true})
		if err != nil {
			t.Fatal(err)
		}
		c.messages += conv.Total
	}
	cs, err := f.e.Service.Customers(ctx, p, ticketd.Page{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	c.customers = len(cs)
	return c
}

// ---- POST /api/v1/tickets (seed 002) ------------------------------------------

// The seed's example body, every field, answers the seed's example shape.
func TestCreateTicketSeedExample(t *testing.T) {
	f := newFixture(t)
	r := call(f.e, f.key, "POST", "/api/v1/tickets", map[string]any{
		"customerId": f.customer.Number, "Channel": "Mail", "name": "Refund request", "threadId": "thread-001",
		"emailUsed": "support@example.com", "lastMessage": "Hello, I need a refund.", "contact_reason": "refund",
		"assigned_to": f.agent.Number, "isOpenedTicket": true, "unReadChatCount": 1, "tags": []string{"refund", "vip"},
		"language_code": "en", "via": "api",
	})
	tk := succeeded(t, r, 201)["ticket"].(map[string]any)
	id, ok := tk["id"].(string)
	if _, err := strconv.ParseInt(id, 10, 64); !ok || err != nil {
		t.Fatalf("id %v is not a BigInt-as-string", tk["id"])
	}
	want := map[string]any{
		"customerID": float64(f.customer.Number), "Channel": "Mail", "name": "Refund request", "threadId": "thread-001",
		"emailUsed": "support@example.com", "lastMessage": "Hello, I need a refund.", "contact_reason": "refund",
		"assigned_to": float64(f.agent.Number), "isOpenedTicket": true, "language_code": "en", "via": "api",
		"unReadChatCount": float64(1),
	}
	for k, v := range want {
		if tk[k] != v {
			t.Errorf("%s = %#v, want %#v", k, tk[k], v)
		}
	}
	if fmt.Sprint(tk["tags"]) != "[refund vip]" {
		t.Errorf("tags %v", tk["tags"])
	}
	// A human ticket is open on it.
	got := f.getTicket(t, id)
	if h, _ := got["HumanTicket"].(map[string]any); h == nil || h["HumanTicketStatus"] != "OPEN" || h["closedAt"] != nil || fmt.Sprint(h["id"]) != id {
		t.Fatalf("HumanTicket %v", got["HumanTicket"])
	}
	isNow(t, "HumanTicket.openedAt", apitest.Get(got, "HumanTicket.openedAt"))
}

func TestCreateTicketRequiredFields(t *testing.T) {
	f := newFixture(t)
	before := f.counts(t)
	for _, c := range []struct {
		name  string
		body  any
		field string
	}{
		{"customerId missing", map[string]any{"Channel": "Mail"}, "customerId"},
		{"customerId null", map[string]any{"customerId": nil, "Channel": "Mail"}, "customerId"},
		{"Channel missing", map[string]any{"customerId": f.customer.Number}, "Channel"},
		{"Channel null", map[string]any{"customerId": f.customer.Number, "Channel": nil}, "Channel"},
		{"Channel empty", map[string]any{"customerId": f.customer.Number, "Channel": ""}, "Channel"},
		{"Channel blank", map[string]any{"customerId": f.customer.Number, "Channel": "  "}, "Channel"},
		{"Channel a number", map[string]any{"customerId": f.customer.Number, "Channel": 3}, "Channel"},
		// Keys match exactly, as in JavaScript: "channel" is not "Channel".
		{"channel lower case", map[string]any{"customerId": f.customer.Number, "channel": "Mail"}, "Channel"},
	} {
		t.Run(c.name, func(t *testing.T) {
			msg := failed(t, call(f.e, f.key, "POST", "/api/v1/tickets", c.body), 400)
			if !strings.HasPrefix(msg, c.field) {
				t.Fatalf("error %q does not name %s", msg, c.field)
			}
		})
	}
	if after := f.counts(t); after != before {
		t.Fatalf("failed requests wrote: %+v -> %+v", before, after)
	}
}

// customerId and assigned_to are parsed as integers: numbers or numeric
// strings; anything else is 400.
func TestCreateTicketIntegerParsing(t *testing.T) {
	f := newFixture(t)
	cn, an := f.customer.Number, f.agent.Number
	for _, c := range []struct {
		name               string
		customer, assignee any
		status             int
		wantAssignee       any
	}{
		{"numbers", cn, an, 201, float64(an)},
		{"numeric strings", num(cn), num(an), 201, float64(an)},
		{"numeric strings with spaces", " " + num(cn) + " ", " " + num(an), 201, float64(an)},
		{"no assignee", cn, nil, 201, nil},
		{"empty assigned_to is no one", cn, "", 201, nil},
		{"customerId a word", "abc", nil, 400, nil},
		{"customerId digits then letters", num(cn) + "abc", nil, 400, nil},
		{"customerId a fraction", 1.5, nil, 400, nil},
		{"customerId a boolean", true, nil, 400, nil},
		{"customerId an array", []int64{cn}, nil, 400, nil},
		{"customerId an object", map[string]any{"id": cn}, nil, 400, nil},
		{"customerId zero", 0, nil, 400, nil},
		{"customerId negative", -cn, nil, 400, nil},
		{"customerId empty string", "", nil, 400, nil},
		{"assigned_to a word", cn, "sam", 400, nil},
		{"assigned_to a boolean", cn, true, 400, nil},
		{"assigned_to a fraction", cn, "1.5", 400, nil},
		{"customerId beyond int64", "99999999999999999999999", nil, 404, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := f.counts(t)
			body := map[string]any{"customerId": c.customer, "Channel": "Mail"}
			if c.assignee != nil {
				body["assigned_to"] = c.assignee
			}
			r := call(f.e, f.key, "POST", "/api/v1/tickets", body)
			if c.status != 201 {
				failed(t, r, c.status)
				if after := f.counts(t); after != before {
					t.Fatalf("a %d wrote: %+v -> %+v", c.status, before, after)
				}
				return
			}
			tk := succeeded(t, r, 201)["ticket"].(map[string]any)
			if tk["customerID"] != float64(cn) || tk["assigned_to"] != c.wantAssignee {
				t.Fatalf("customerID %v assigned_to %v", tk["customerID"], tk["assigned_to"])
			}
		})
	}
}

// The customer and the assignee must belong to the authenticated shop.
func TestCreateTicketReferencesInShop(t *testing.T) {
	f := newFixture(t)
	other := f.e.NewWorkspace("Other")
	theirs := f.e.Customer(other, "them@other.test", "Them", "")
	before := f.counts(t)
	for _, c := range []struct {
		name string
		body map[string]any
	}{
		{"customer of another shop", map[string]any{"customerId": theirs.Number, "Channel": "Mail"}},
		{"no such customer", map[string]any{"customerId": 9999, "Channel": "Mail"}},
		{"agent of another shop", map[string]any{"customerId": f.customer.Number, "Channel": "Mail", "assigned_to": other.Owner.Number}},
		{"no such agent", map[string]any{"customerId": f.customer.Number, "Channel": "Mail", "assigned_to": 9999}},
	} {
		t.Run(c.name, func(t *testing.T) {
			failed(t, call(f.e, f.key, "POST", "/api/v1/tickets", c.body), 404)
		})
	}
	if after := f.counts(t); after != before {
		t.Fatalf("404s wrote: %+v -> %+v", before, after)
	}
}

// isOpenedTicket is true only for the boolean true or the string 'true'.
func TestCreateTicketIsOpenedTicket(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		name  string
		value any // absent when "absent"
		want  bool
	}{
		{"true", true, true},
		{"'true'", "true", true},
		{"false", false, false},
		{"'false'", "false", false},
		{"'TRUE'", "TRUE", false},
		{"'yes'", "yes", false},
		{"null", nil, false},
		{"absent", "absent", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := map[string]any{"isOpenedTicket": c.value}
			if c.value == "absent" {
				body = nil
			}
			id := f.ticket(t, body)
			got := f.getTicket(t, id)
			if got["isOpenedTicket"] != c.want || (got["HumanTicket"] != nil) != c.want {
				t.Fatalf("isOpenedTicket %v, HumanTicket %v; want opened=%v", got["isOpenedTicket"], got["HumanTicket"], c.want)
			}
		})
	}
	// Anything but true or "true" is false, never an error (seed 002).
	for _, v := range []string{`1`, `[true]`, `{}`} {
		o := succeeded(t, call(f.e, f.key, "POST", "/api/v1/tickets",
			fmt.Sprintf(`{"customerId": %d, "Channel": "Mail", "isOpenedTicket": %s}`, f.customer.Number, v)), 201)
		if apitest.Get(o, "ticket.isOpenedTicket") != false {
			t.Fatalf("isOpenedTicket %s: %v", v, o)
		}
	}
}

// date and lastMessageTime default to now; given, they are ISO strings.
func TestCreateTicketDates(t *testing.T) {
	f := newFixture(t)
	tk := f.getTicket(t, f.ticket(t, nil))
	d := isNow(t, "date", tk["date"])
	if lm := isNow(t, "lastMessageTime", tk["lastMessageTime"]); !lm.Equal(d) {
		t.Fatalf("defaults differ: date %v, lastMessageTime %v", d, lm)
	}

	tk = f.getTicket(t, f.ticket(t, map[string]any{"date": "2025-01-02T03:04:05.678Z", "lastMessageTime": "2025-01-02T05:00:00+02:00"}))
	if tk["date"] != "2025-01-02T03:04:05.678Z" || tk["lastMessageTime"] != "2025-01-02T03:00:00.000Z" {
		t.Fatalf("date %v lastMessageTime %v", tk["date"], tk["lastMessageTime"])
	}
	tk = f.getTicket(t, f.ticket(t, map[string]any{"date": "2025-01-02"}))
	if tk["date"] != "2025-01-02T00:00:00.000Z" {
		t.Fatalf("date-only: %v", tk["date"])
	}

	before := f.counts(t)
	for _, v := range []any{"yesterday", "2026-02-30T00:00:00Z", "", 1714262400000, true, "10000-01-01T00:00:00Z"} {
		for _, field := range []string{"date", "lastMessageTime"} {
			msg := failed(t, call(f.e, f.key, "POST", "/api/v1/tickets",
				map[string]any{"customerId": f.customer.Number, "Channel": "Mail", field: v}), 400)
			if !strings.HasPrefix(msg, field) {
				t.Errorf("%s=%v: error %q", field, v, msg)
			}
		}
	}
	if after := f.counts(t); after != before {
		t.Fatalf("400s wrote: %+v -> %+v", before, after)
	}
}

func TestCreateTicketTagsAndCounts(t *testing.T) {
	f := newFixture(t)
	tk := f.getTicket(t, f.ticket(t, map[string]any{"tags": []string{"refund", "vip"}, "unReadChatCount": "3"}))
	if fmt.Sprint(tk["tags"]) != "[refund vip]" || tk["unReadChatCount"] != float64(3) {
		t.Fatalf("tags %v unReadChatCount %v", tk["tags"], tk["unReadChatCount"])
	}
	tk = f.getTicket(t, f.ticket(t, nil))
	if fmt.Sprint(tk["tags"]) != "[]" || tk["unReadChatCount"] != float64(0) || tk["name"] != nil || tk["lastMessage"] != nil {
		t.Fatalf("defaults: %v", tk)
	}
	before := f.counts(t)
	for field, v := range map[string]string{
		"tags": `"refund"`, "unReadChatCount": `-1`, "name": `5`, "threadId": `{}`, "via": `["api"]`,
	} {
		msg := failed(t, call(f.e, f.key, "POST", "/api/v1/tickets",
			fmt.Sprintf(`{"customerId": %d, "Channel": "Mail", %q: %s}`, f.customer.Number, field, v)), 400)
		if !strings.HasPrefix(msg, field) {
			t.Errorf("%s=%s: error %q does not name the field", field, v, msg)
		}
	}
	failed(t, call(f.e, f.key, "POST", "/api/v1/tickets",
		fmt.Sprintf(`{"customerId": %d, "Channel": "Mail", "tags": [1]}`, f.customer.Number)), 400)
	if after := f.counts(t); after != before {
		t.Fatalf("400s wrote: %+v -> %+v", before, after)
	}
}

// ---- GET /api/v1/tickets/{ticketId} -------------------------------------------

func TestGetTicket(t *testing.T) {
	f := newFixture(t)
	id := f.ticket(t, map[string]any{"name": "Refund request", "assigned_to": f.agent.Number, "isOpenedTicket": "true"})
	tk := f.getTicket(t, id)
	if tk["id"] != id || tk["name"] != "Refund request" || tk["Channel"] != "Mail" {
		t.Fatalf("ticket: %v", tk)
	}
	wantCustomer := fmt.Sprint(map[string]any{"id": float64(f.customer.Number), "email": "dev@example.com",
		"first_name": "Ada", "last_name": "Lovelace", "full_name": "Ada Lovelace", "phone_number": nil, "shopify_id": nil})
	if fmt.Sprint(tk["Customer"]) != wantCustomer {
		t.Errorf("Customer %v, want %v", tk["Customer"], wantCustomer)
	}
	wantUser := fmt.Sprint(map[string]any{"id": float64(f.agent.Number), "email": "sam@acme.test",
		"first_name": "Sam", "last_name": "Agent", "full_name": "Sam Agent"})
	if fmt.Sprint(tk["User"]) != wantUser {
		t.Errorf("User %v, want %v", tk["User"], wantUser)
	}

	// Solving the ticket (on /v1) closes its human ticket.
	v1 := f.e.As(f.key, "GET", "/v1/tickets?number="+id, nil).Expect(200).Array()
	f.e.As(f.key, "PATCH", "/v1/tickets/"+v1[0]["id"].(string), map[string]any{"status": "solved"}).Expect(200)
	h := f.getTicket(t, id)["HumanTicket"].(map[string]any)
	if h["HumanTicketStatus"] != "CLOSED" {
		t.Fatalf("HumanTicket after solving: %v", h)
	}
	isNow(t, "closedAt", h["closedAt"])

	// Unassigned, never opened: User and HumanTicket are null.
	plain := f.getTicket(t, f.ticket(t, nil))
	if plain["User"] != nil || plain["HumanTicket"] != nil || plain["assigned_to"] != nil || plain["isOpenedTicket"] != false {
		t.Fatalf("plain ticket: %v", plain)
	}
}

// A path id that is not a positive integer is 400, never 500; one that names
// no ticket of this shop is 404.
func TestTicketPathIDs(t *testing.T) {
	f := newFixture(t)
	for _, id := range []string{"abc", "0", "-1", "1.5", "1e3", "%20", "0x10"} {
		for _, p := range []string{"/api/v1/tickets/" + id, "/api/v1/tickets/" + id + "/comments"} {
			failed(t, call(f.e, f.key, "GET", p, nil), 400)
		}
		failed(t, call(f.e, f.key, "POST", "/api/v1/tickets/"+id+"/comments", map[string]any{"text": "hi"}), 400)
		failed(t, call(f.e, f.key, "GET", "/api/v1/customers/"+id, nil), 400)
	}
	for _, id := range []string{"9999", "99999999999999999999999"} {
		for _, p := range []string{"/api/v1/tickets/" + id, "/api/v1/tickets/" + id + "/comments"} {
			failed(t, call(f.e, f.key, "GET", p, nil), 404)
		}
		failed(t, call(f.e, f.key, "POST", "/api/v1/tickets/"+id+"/comments", map[string]any{"text": "hi"}), 404)
		failed(t, call(f.e, f.key, "GET", "/api/v1/customers/"+id, nil), 404)
	}
	failed(t, call(f.e, f.key, "GET", "/api/v1/nope", nil), 404)
}

// ---- GET /api/v1/tickets/{ticketId}/comments (seed 000) -------------------------

// The seed's example: each message with its Customer or User, wrapped in
// comments with totalCount.
func TestListCommentsSeedShape(t *testing.T) {
	f := newFixture(t)
	id := f.ticket(t, nil)
	f.post(t, id, map[string]any{"text": "Hello, I need a refund.", "isFromShop": false, "time": "2026-04-28T00:00:00.000Z"})
	call(f.e, f.agentKey, "POST", "/api/v1/tickets/"+id+"/comments", map[string]any{"text": "On it.", "time": "2026-04-28T00:05:00Z"}).Expect(201)
	list := f.comments(t, id)
	if len(list) != 2 {
		t.Fatalf("%d comments", len(list))
	}
	fields := []string{"id", "text", "time", "Channel", "isFromShop", "subject", "fromEmail", "toEmails", "tags",
		"attachments", "Customer", "User"}
	for _, c := range list {
		if len(c) != len(fields) {
			t.Errorf("comment has %d fields, want %d: %v", len(c), len(fields), c)
		}
		for _, k := range fields {
			if _, ok := c[k]; !ok {
				t.Errorf("comment lacks %s: %v", k, c)
			}
		}
	}
	c := list[0]
	if c["text"] != "Hello, I need a refund." || c["time"] != "2026-04-28T00:00:00.000Z" || c["Channel"] != "Mail" ||
		c["isFromShop"] != false || c["User"] != nil {
		t.Fatalf("customer message: %v", c)
	}
	wantCustomer := fmt.Sprint(map[string]any{"id": float64(f.customer.Number), "email": "dev@example.com",
		"first_name": "Ada", "last_name": "Lovelace", "full_name": "Ada Lovelace"})
	if fmt.Sprint(c["Customer"]) != wantCustomer {
		t.Errorf("Customer %v, want %v", c["Customer"], wantCustomer)
	}
	a := list[1]
	if a["isFromShop"] != true || a["Customer"] != nil ||
		fmt.Sprint(a["User"]) != fmt.Sprint(map[string]any{"id": float64(f.agent.Number), "email": "sam@acme.test",
			"first_name": "Sam", "last_name": "Agent", "full_name": "Sam Agent"}) {
		t.Fatalf("agent message: %v", a)
	}
	if _, err := strconv.ParseInt(a["id"].(string), 10, 64); err != nil {
		t.Fatalf("comment id %v is not a BigInt-as-string", a["id"])
	}
	// A system message without an agent has neither.
	tk, _ := f.e.Service.Ticket(context.Background(), f.e.WS.Principal, ticketd.ByNumber(mustInt(t, id)))
	f.e.Post(f.e.WS, tk, ticketd.NewMessage{Body: "auto", Author: ticketd.Author{Kind: ticketd.AuthorSystem}})
	if s := byText(f.comments(t, id), "auto"); s["User"] != nil || s["Customer"] != nil || s["isFromShop"] != true {
		t.Fatalf("system message: %v", s)
	}
}

func byText(list []map[string]any, text string) map[string]any {
	for _, c := range list {
		if c["text"] == text {
			return c
		}
	}
	return nil
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Messages are ordered by time ascending, ties in creation order, whatever
// order the explicit times were posted in.
func TestListCommentsOrderedByTime(t *testing.T) {
	f := newFixture(t)
	id := f.ticket(t, nil)
	for _, c := range []struct{ text, time string }{
		{"third", "2026-04-28T10:00:00Z"},
		{"first", "2026-04-28T08:00:00Z"},
		{"fourth", "2026-04-28T11:00:00Z"},
		{"second (a)", "2026-04-28T09:00:00Z"},
		{"second (b)", "2026-04-28T09:00:00.000Z"},
	} {
		f.post(t, id, map[string]any{"text": c.text, "time": c.time})
	}
	var got []string
	for _, c := range f.comments(t, id) {
		got = append(got, c["text"].(string))
	}
	if strings.Join(got, ",") != "first,second (a),second (b),third,fourth" {
		t.Fatalf("order: %v", got)
	}
	// The ticket's last message is the newest by time, not the last posted.
	if tk := f.getTicket(t, id); tk["lastMessage"] != "fourth" || tk["lastMessageTime"] != "2026-04-28T11:00:00.000Z" {
		t.Fatalf("lastMessage %v at %v", tk["lastMessage"], tk["lastMessageTime"])
	}
}

// Internal notes (written on /v1) never reach this surface.
func TestListCommentsHidesInternalNotes(t *testing.T) {
	f := newFixture(t)
	id := f.ticket(t, nil)
	f.post(t, id, map[string]any{"text": "public"})
	uuid := f.e.As(f.key, "GET", "/v1/tickets?number="+id, nil).Expect(200).Array()[0]["id"].(string)
	f.e.As(f.key, "POST", "/v1/tickets/"+uuid+"/comments", map[string]any{"content": "secret note", "is_internal": true}).Expect(201)
	list := f.comments(t, id)
	if len(list) != 1 || list[0]["text"] != "public" {
		t.Fatalf("comments: %v", list)
	}
}

// ---- POST /api/v1/tickets/{ticketId}/comments (seed 000) ------------------------

func TestCreateCommentSeedExample(t *testing.T) {
	f := newFixture(t)
	id := f.ticket(t, nil)
	c := f.post(t, id, map[string]any{
		"text": "We have started reviewing your refund request.", "subject": "Refund request update",
		"fromEmail": "support@example.com", "toEmails": []string{"dev@example.com"}, "tags": []string{"refund"},
		"Channel": "Mail", "isFromShop": true,
	})
	if _, err := strconv.ParseInt(c["id"].(string), 10, 64); err != nil {
		t.Fatalf("id %v", c["id"])
	}
	want := map[string]any{"text": "We have started reviewing your refund request.", "Channel": "Mail", "isFromShop": true,
		"subject": "Refund request update", "fromEmail": "support@example.com"}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("%s = %v, want %v", k, c[k], v)
		}
	}
	if fmt.Sprint(c["toEmails"]) != "[dev@example.com]" || fmt.Sprint(c["tags"]) != "[refund]" {
		t.Errorf("toEmails %v tags %v", c["toEmails"], c["tags"])
	}
	isNow(t, "time", c["time"])
	// The same fields come back from the list.
	listed := f.comments(t, id)[0]
	for k := range c {
		if fmt.Sprint(listed[k]) != fmt.Sprint(c[k]) {
			t.Errorf("listed %s = %v, posted %v", k, listed[k], c[k])
		}
	}
}

// text is required and must not be empty after trimming; nothing is written.
func TestCreateCommentText(t *testing.T) {
	f := newFixture(t)
	id := f.ticket(t, nil)
	before := f.counts(t)
	for _, body := range []string{`{}`, `{"text": null}`, `{"text": ""}`, `{"text": "   "}`, `{"text": " \n\t "}`,
		`{"text": 12}`, `{"text": ["a"]}`, `{"text": "a\u0000b"}`} {
		msg := failed(t, call(f.e, f.key, "POST", "/api/v1/tickets/"+id+"/comments", body), 400)
		if !strings.HasPrefix(msg, "text") {
			t.Errorf("%s: error %q does not name text", body, msg)
		}
	}
	if after := f.counts(t); after != before {
		t.Fatalf("400s wrote: %+v -> %+v", before, after)
	}
	if c := f.post(t, id, map[string]any{"text": "  padded  "}); c["text"] != "  padded  " {
		t.Fatalf("text %q", c["text"])
	}
}

// isFromShop defaults to true; the string 'false' is false. A shop message is
// written by the key's agent, a customer message by the ticket's customer.
func TestCreateCommentIsFromShop(t *testing.T) {
	f := newFixture(t)
	id := f.ticket(t, nil)
	uuid := f.e.As(f.key, "GET", "/v1/tickets?number="+id, nil).Expect(200).Array()[0]["id"].(string)
	for _, c := range []struct {
		name string
		body string
		want bool
	}{
		{"absent", `{"text": "x"}`, true},
		{"null", `{"text": "x", "isFromShop": null}`, true},
		{"true", `{"text": "x", "isFromShop": true}`, true},
		{"'true'", `{"text": "x", "isFromShop": "true"}`, true},
		{"false", `{"text": "x", "isFromShop": false}`, false},
		{"'false'", `{"text": "x", "isFromShop": "false"}`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := call(f.e, f.agentKey, "POST", "/api/v1/tickets/"+id+"/comments", c.body)
			got := succeeded(t, r, 201)["comment"].(map[string]any)
			if got["isFromShop"] != c.want {
				t.Fatalf("isFromShop %v, want %v", got["isFromShop"], c.want)
			}
			// The comments resource shows who wrote it.
			list := f.e.As(f.key, "GET", "/v1/tickets/"+uuid+"/comments", nil).Expect(200).Array()
			last := list[len(list)-1]
			if c.want && (last["author_type"] != "AGENT" || last["author_user_id"] != f.agent.ID.String()) {
				t.Fatalf("shop message authored %v/%v, want the key's agent", last["author_type"], last["author_user_id"])
			}
			if !c.want && (last["author_type"] != "CUSTOMER" || last["author_customer_id"] != f.customer.ID.String()) {
				t.Fatalf("customer message authored %v/%v, want the ticket's customer", last["author_type"], last["author_customer_id"])
			}
		})
	}
	before := f.counts(t)
	for _, v := range []string{`"no"`, `"False"`, `0`, `1`, `[]`, `{}`} {
		failed(t, call(f.e, f.key, "POST", "/api/v1/tickets/"+id+"/comments", `{"text": "x", "isFromShop": `+v+`}`), 400)
	}
	if after := f.counts(t); after != before {
		t.Fatalf("400s wrote: %+v -> %+v", before, after)
	}
}

// Channel defaults to the ticket's channel.
func TestCreateCommentChannel(t *testing.T) {
	f := newFixture(t)
	id := f.ticket(t, map[string]any{"Channel": "Website"})
	if c := f.post(t, id, map[string]any{"text": "x"}); c["Channel"] != "Website" {
		t.Fatalf("default Channel %v", c["Channel"])
	}
	if c := f.post(t, id, map[string]any{"text": "x", "Channel": "Mail"}); c["Channel"] != "Mail" {
		t.Fatalf("given Channel %v", c["Channel"])
	}
	failed(t, call(f.e, f.key, "POST", "/api/v1/tickets/"+id+"/comments", `{"text": "x", "Channel": 1}`), 400)
}

// toEmails is [] unless an array is given.
func TestCreateCommentToEmails(t *testing.T) {
	f := newFixture(t)
	id := f.ticket(t, nil)
	for _, c := range []struct{ value, want string }{
		{``, `[]`},
		{`, "toEmails": null`, `[]`},
		{`, "toEmails": "dev@example.com"`, `[]`},
		{`, "toEmails": {"to": "dev@example.com"}`, `[]`},
		{`, "toEmails": 5`, `[]`},
		{`, "toEmails": []`, `[]`},
		{`, "toEmails": ["dev@example.com", "ops@example.com"]`, `[dev@example.com ops@example.com]`},
	} {
		r := call(f.e, f.key, "POST", "/api/v1/tickets/"+id+"/comments", `{"text": "x"`+c.value+`}`)
		c2 := succeeded(t, r, 201)["comment"].(map[string]any)
		if fmt.Sprint(c2["toEmails"]) != c.want {
			t.Errorf("toEmails%s: %v, want %s", c.value, c2["toEmails"], c.want)
		}
	}
	failed(t, call(f.e, f.key, "POST", "/api/v1/tickets/"+id+"/comments", `{"text": "x", "toEmails": [1]}`), 400)
}

// time defaults to now; given, it is an ISO string; anything else is 400.
func TestCreateCommentTime(t *testing.T) {
	f := newFixture(t)
	id := f.ticket(t, nil)
	isNow(t, "time", f.post(t, id, map[string]any{"text": "x"})["time"])
	if c := f.post(t, id, map[string]any{"text": "x", "time": "2020-05-06T07:08:09.123+01:00"}); c["time"] != "2020-05-06T06:08:09.123Z" {
		t.Fatalf("time %v", c["time"])
	}
	before := f.counts(t)
	for _, v := range []string{`"soon"`, `""`, `12345`, `true`, `"2026-13-01T00:00:00Z"`} {
		msg := failed(t, call(f.e, f.key, "POST", "/api/v1/tickets/"+id+"/comments", `{"text": "x", "time": `+v+`}`), 400)
		if !strings.HasPrefix(msg, "time") {
			t.Errorf("time %s: error %q", v, msg)
		}
	}
	if after := f.counts(t); after != before {
		t.Fatalf("400s wrote: %+v -> %+v", before, after)
	}
}

// subject, fromEmail, attachments (any JSON) and tags are stored and returned.
func TestCreateCommentStoresFields(t *testing.T) {
	f := newFixture(t)
	id := f.ticket(t, nil)
	for _, att := range []string{`[{"name": "a.pdf", "url": "https://x.test/a.pdf", "size": 12}]`, `{"k": [1, 2.5, null]}`, `"one"`, `7`, `null`} {
		body := `{"text": "x", "subject": "S", "fromEmail": "me@shop.test", "tags": ["a", "b"], "attachments": ` + att + `}`
		c := succeeded(t, call(f.e, f.key, "POST", "/api/v1/tickets/"+id+"/comments", body), 201)["comment"].(map[string]any)
		listed := f.comments(t, id)
		l := listed[len(listed)-1]
		for _, got := range []map[string]any{c, l} {
			if got["subject"] != "S" || got["fromEmail"] != "me@shop.test" || fmt.Sprint(got["tags"]) != "[a b]" {
				t.Fatalf("fields: %v", got)
			}
			if want := (&apitest.Response{T: t, Body: []byte(att)}).JSON(); fmt.Sprint(got["attachments"]) != fmt.Sprint(want) {
				t.Fatalf("attachments %v, want %v", got["attachments"], want)
			}
		}
	}
	for _, body := range []string{`{"text": "x", "tags": "a"}`, `{"text": "x", "tags": [1]}`, `{"text": "x", "subject": 1}`,
		`{"text": "x", "fromEmail": false}`} {
		failed(t, call(f.e, f.key, "POST", "/api/v1/tickets/"+id+"/comments", body), 400)
	}
}

// Afterwards the ticket's lastMessage and lastMessageTime are updated, and a
// customer message (isFromShop false) sets unReadChatCount to 1.
func TestCreateCommentUpdatesTicket(t *testing.T) {
	f := newFixture(t)
	id := f.ticket(t, map[string]any{"lastMessage": "imported", "lastMessageTime": "2026-01-01T00:00:00Z", "unReadChatCount": 5})
	f.post(t, id, map[string]any{"text": "from the shop", "time": "2026-04-28T01:00:00Z"})
	tk := f.getTicket(t, id)
	if tk["lastMessage"] != "from the shop" || tk["lastMessageTime"] != "2026-04-28T01:00:00.000Z" || tk["unReadChatCount"] != float64(5) {
		t.Fatalf("after a shop message: lastMessage %v at %v, unread %v", tk["lastMessage"], tk["lastMessageTime"], tk["unReadChatCount"])
	}
	f.post(t, id, map[string]any{"text": "from the customer", "isFromShop": "false", "time": "2026-04-28T02:00:00Z"})
	tk = f.getTicket(t, id)
	if tk["lastMessage"] != "from the customer" || tk["lastMessageTime"] != "2026-04-28T02:00:00.000Z" || tk["unReadChatCount"] != float64(1) {
		t.Fatalf("after a customer message: lastMessage %v at %v, unread %v", tk["lastMessage"], tk["lastMessageTime"], tk["unReadChatCount"])
	}
	// A second customer message resets the count to 1; it does not add.
	f.post(t, id, map[string]any{"text": "again", "isFromShop": false, "time": "2026-04-28T03:00:00Z"})
	if tk = f.getTicket(t, id); tk["unReadChatCount"] != float64(1) || tk["lastMessage"] != "again" {
		t.Fatalf("after a second customer message: unread %v, lastMessage %v", tk["unReadChatCount"], tk["lastMessage"])
	}
}

// The comments of a ticket are verified to be in this shop.
func TestCommentsOfAnotherShop(t *testing.T) {
	f := newFixture(t)
	other := f.e.NewWorkspace("Other")
	theirs := f.e.Ticket(other, "Mail")
	f.e.Post(other, theirs, ticketd.NewMessage{Body: "theirs"})
	before := f.counts(t)
	failed(t, call(f.e, f.key, "GET", "/api/v1/tickets/"+num(theirs.Number)+"/comments", nil), 404)
	failed(t, call(f.e, f.key, "POST", "/api/v1/tickets/"+num(theirs.Number)+"/comments", map[string]any{"text": "x"}), 404)
	failed(t, call(f.e, f.key, "POST", "/api/v1/tickets/"+num(theirs.Number)+"/comments", map[string]any{"text": "x", "isFromShop": false}), 404)
	if after := f.counts(t); after != before {
		t.Fatalf("404s wrote: %+v -> %+v", before, after)
	}
}

// ---- customers -------------------------------------------------------------------

func TestCustomers(t *testing.T) {
	f := newFixture(t)
	r := call(f.e, f.key, "POST", "/api/v1/customers", map[string]any{"email": "Grace@Example.com", "first_name": "Grace", "last_name": "Hopper"})
	o := succeeded(t, r, 201)
	if _, has := o["existing"]; has || len(o) != 2 {
		t.Fatalf("new customer: %s", r.Body)
	}
	c := o["customer"].(map[string]any)
	if c["email"] != "grace@example.com" || c["full_name"] != "Grace Hopper" || c["phone_number"] != nil {
		t.Fatalf("customer: %v", c)
	}
	n, ok := c["id"].(float64)
	if !ok || n < 1 {
		t.Fatalf("customer id %v is not a JSON integer", c["id"])
	}
	// The same email (in any case) is the existing customer, not a duplicate.
	before := f.counts(t)
	again := succeeded(t, call(f.e, f.key, "POST", "/api/v1/customers", map[string]any{"email": "grace@EXAMPLE.com", "first_name": "G"}), 200)
	if again["existing"] != true || apitest.Get(again, "customer.id") != n || apitest.Get(again, "customer.first_name") != "Grace" {
		t.Fatalf("existing: %v", again)
	}
	if after := f.counts(t); after != before {
		t.Fatalf("an existing customer was created again: %+v -> %+v", before, after)
	}
	// By phone, without an email.
	p := succeeded(t, call(f.e, f.key, "POST", "/api/v1/customers", map[string]any{"phone_number": "+33 1 23 45 67 89"}), 201)
	pn := apitest.Get(p, "customer.id")
	if again := succeeded(t, call(f.e, f.key, "POST", "/api/v1/customers", map[string]any{"phone_number": "+33 1 23 45 67 89"}), 200); again["existing"] != true ||
		apitest.Get(again, "customer.id") != pn {
		t.Fatalf("existing by phone: %v", again)
	}
	// Validation.
	before = f.counts(t)
	for _, body := range []any{map[string]any{"first_name": "Nobody"}, map[string]any{"email": "not an email"},
		map[string]any{"email": 5}, `{"email": "a@b.test", "last_name": []}`} {
		failed(t, call(f.e, f.key, "POST", "/api/v1/customers", body), 400)
	}
	if after := f.counts(t); after != before {
		t.Fatalf("400s wrote: %+v -> %+v", before, after)
	}
	// Read back by id, and use it to open a ticket.
	got := succeeded(t, call(f.e, f.key, "GET", fmt.Sprintf("/api/v1/customers/%v", n), nil), 200)
	if apitest.Get(got, "customer.email") != "grace@example.com" {
		t.Fatalf("get: %v", got)
	}
	f.ticket(t, map[string]any{"customerId": n})
}

// ---- authentication, scopes, tenancy ----------------------------------------------

func TestAuthentication(t *testing.T) {
	f := newFixture(t)
	path := "/api/v1/customers/" + num(f.customer.Number)
	bad := "tkd_" + strings.Repeat("a", 48)
	if msg := unauthorized(t, f.e.Do("GET", path, nil)); msg != "Missing API key" {
		t.Fatalf("no key: %q", msg)
	}
	for _, h := range [][]string{{"x-api-key", bad}, {"x-api-key", "nonsense"}, {"Authorization", "Bearer " + bad}} {
		if msg := unauthorized(t, f.e.Do("GET", path, nil, h...)); msg != "Unauthorized - Invalid API key" {
			t.Fatalf("%v: %q", h, msg)
		}
	}
	succeeded(t, f.e.Do("GET", path, nil, "Authorization", "Bearer "+f.key), 200)
	succeeded(t, f.e.Do("GET", path, nil, "X-API-KEY", f.key), 200)
	// x-api-key is read first.
	succeeded(t, f.e.Do("GET", path, nil, "x-api-key", f.key, "Authorization", "Bearer "+bad), 200)
	unauthorized(t, f.e.Do("GET", path, nil, "x-api-key", bad, "Authorization", "Bearer "+f.key))
}

type route struct {
	method, path string
	scope        ticketd.Scope
	body         any
}

// routes lists every route of this surface over objects of shop ws.
func routes(e *apitest.Env, ws *apitest.Workspace) []route {
	tk := e.Ticket(ws, "Mail")
	e.Post(ws, tk, ticketd.NewMessage{Body: "hello"})
	c := e.Customer(ws, ticketd.NewID().String()[24:]+"@x.test", "Bo", "Bo")
	tp := "/api/v1/tickets/" + num(tk.Number)
	return []route{
		{"POST", "/api/v1/tickets", "tickets:write", map[string]any{"customerId": c.Number, "Channel": "Mail"}},
		{"GET", tp, "tickets:read", nil},
		{"GET", tp + "/comments", "comments:read", nil},
		{"POST", tp + "/comments", "comments:write", map[string]any{"text": "hi"}},
		{"POST", "/api/v1/customers", "customers:write", map[string]any{"email": ticketd.NewID().String()[24:] + "@new.test"}},
		{"GET", "/api/v1/customers/" + num(c.Number), "customers:read", nil},
	}
}

// Every route: no key or an unknown key is 401; a key lacking the route's
// scope is 403 naming it and writes nothing; a key with only that scope gets
// through.
func TestScopes(t *testing.T) {
	f := newFixture(t)
	for _, r := range routes(f.e, f.e.WS) {
		name := r.method + " " + r.path
		before := f.counts(t)
		unauthorized(t, f.e.Do(r.method, r.path, r.body))
		unauthorized(t, f.e.Do(r.method, r.path, r.body, "x-api-key", "tkd_"+strings.Repeat("b", 48)))
		msg := failed(t, call(f.e, f.e.KeyWith(f.e.WS, apitest.AllBut(r.scope)...), r.method, r.path, r.body), 403)
		if !strings.Contains(msg, string(r.scope)) {
			t.Errorf("%s: 403 %q does not name %s", name, msg, r.scope)
		}
		if after := f.counts(t); after != before {
			t.Errorf("%s: 401/403 wrote: %+v -> %+v", name, before, after)
		}
		if got := call(f.e, f.e.KeyWith(f.e.WS, r.scope), r.method, r.path, r.body); got.Status >= 300 {
			t.Errorf("%s with only %s: %d %s", name, r.scope, got.Status, got.Body)
		}
	}
}

// Every route: shop B gets 404 for shop A's objects and changes nothing of A.
func TestTenantIsolation(t *testing.T) {
	f := newFixture(t)
	b := f.e.NewWorkspace("Other")
	// Give B objects of its own so that numbers exist on both sides.
	f.e.Ticket(b, "Mail")
	for _, r := range routes(f.e, f.e.WS) {
		if r.path == "/api/v1/tickets" || r.path == "/api/v1/customers" {
			continue // collections; covered below
		}
		before := f.counts(t)
		got := call(f.e, b.Key, r.method, r.path, r.body)
		if got.Status != 404 {
			t.Errorf("%s %s as shop B: %d %s, want 404", r.method, r.path, got.Status, got.Body)
		}
		failed(t, got, 404)
		if after := f.counts(t); after != before {
			t.Errorf("%s %s by shop B changed shop A: %+v -> %+v", r.method, r.path, before, after)
		}
	}
	// B cannot open a ticket for A's customer or assign A's agent, nor post
	// as A's customer on A's ticket.
	failed(t, call(f.e, b.Key, "POST", "/api/v1/tickets", map[string]any{"customerId": f.customer.Number, "Channel": "Mail"}), 404)
	bc := f.e.Customer(b, "b@b.test", "B", "B")
	failed(t, call(f.e, b.Key, "POST", "/api/v1/tickets", map[string]any{"customerId": bc.Number, "Channel": "Mail", "assigned_to": f.agent.Number}), 404)
	// B's customer lookup by A's email does not find A's customer.
	r := succeeded(t, call(f.e, b.Key, "POST", "/api/v1/customers", map[string]any{"email": "dev@example.com"}), 201)
	if apitest.Get(r, "customer.id") == float64(f.customer.Number) && r["existing"] == true {
		t.Fatalf("shop B found shop A's customer: %v", r)
	}
}

// Malformed JSON and bodies of the wrong shape are 400 (413 when too large)
// with success false, and write nothing.
func TestMalformedBodies(t *testing.T) {
	e := apitest.NewWith(t, apitest.Options{MaxBodyBytes: 2048, ServiceOptions: []ticketd.Option{apitest.SteppingClock()}})
	f := &fixture{e: e, key: e.WS.Key, customer: e.Customer(e.WS, "dev@example.com", "Ada", "Lovelace")}
	id := f.ticket(t, nil)
	before := f.counts(t)
	for _, path := range []string{"/api/v1/tickets", "/api/v1/tickets/" + id + "/comments", "/api/v1/customers"} {
		for _, c := range []struct {
			body   string
			status int
		}{
			{`{"text": "x"`, 400},
			{`{"text": "x"} {}`, 400},
			{`["text"]`, 400},
			{`null`, 400},
			{`"text"`, 400},
			{`12`, 400},
			{``, 400},
			{`{"text": "x",}`, 400},
			{`{"text": "` + strings.Repeat("a", 3000) + `"}`, 413},
		} {
			failed(t, call(e, f.key, "POST", path, c.body), c.status)
		}
	}
	if after := f.counts(t); after != before {
		t.Fatalf("bad bodies wrote: %+v -> %+v", before, after)
	}
}

// An error that is not the caller's is 500 in this dialect, without its cause.
func TestInternalErrorBody(t *testing.T) {
	rec := httptest.NewRecorder()
	helpwave.WriteError(rec, httptest.NewRequest("GET", "/", nil), 500, errors.New("db password is hunter2"))
	if rec.Code != 500 || strings.TrimSpace(rec.Body.String()) != `{"success":false,"error":"internal error"}` {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

// ---- one dataset ---------------------------------------------------------------------

// A ticket and its comments are the same objects on /api/v1 and /v1, both ways.
func TestOneDataset(t *testing.T) {
	f := newFixture(t)
	// Shop → native.
	id := f.ticket(t, map[string]any{"name": "Refund request", "threadId": "thread-001", "assigned_to": f.agent.Number,
		"isOpenedTicket": true, "tags": []string{"refund"}})
	list := f.e.As(f.key, "GET", "/v1/tickets?number="+id, nil).Expect(200).Array()
	if len(list) != 1 {
		t.Fatalf("/v1 finds %d tickets numbered %s", len(list), id)
	}
	v1 := list[0]
	if v1["subject"] != "Refund request" || v1["channel"] != "Mail" || v1["channel_thread"] != "thread-001" ||
		v1["customer_id"] != f.customer.ID.String() || v1["assignee_id"] != f.agent.ID.String() ||
		v1["handed_off_at"] == nil || fmt.Sprint(v1["tags"]) != "[refund]" {
		t.Fatalf("the ticket on /v1: %v", v1)
	}
	uuid := v1["id"].(string)
	f.post(t, id, map[string]any{"text": "agent via shop"})
	f.post(t, id, map[string]any{"text": "customer via shop", "isFromShop": "false"})
	comments := f.e.As(f.key, "GET", "/v1/tickets/"+uuid+"/comments", nil).Expect(200).Array()
	if len(comments) != 2 || comments[0]["content"] != "agent via shop" || comments[0]["author_type"] != "AGENT" ||
		comments[1]["content"] != "customer via shop" || comments[1]["author_type"] != "CUSTOMER" {
		t.Fatalf("shop comments on /v1: %v", comments)
	}
	// Native → shop.
	f.e.As(f.agentKey, "POST", "/v1/tickets/"+uuid+"/comments", map[string]any{"content": "agent via v1"}).Expect(201)
	shopList := f.comments(t, id)
	last := shopList[len(shopList)-1]
	if last["text"] != "agent via v1" || last["isFromShop"] != true || apitest.Get(last, "User.id") != float64(f.agent.Number) {
		t.Fatalf("/v1 comment on the shop API: %v", last)
	}
	if tk := f.getTicket(t, id); tk["lastMessage"] != "agent via v1" {
		t.Fatalf("lastMessage %v", tk["lastMessage"])
	}
	nt := f.e.As(f.key, "POST", "/v1/tickets", map[string]any{"customer_id": f.customer.ID.String(), "subject": "From v1", "channel": "Website"}).Expect(201).Object()
	got := f.getTicket(t, fmt.Sprint(int64(nt["number"].(float64))))
	if got["name"] != "From v1" || got["Channel"] != "Website" || got["customerID"] != float64(f.customer.Number) {
		t.Fatalf("/v1 ticket on the shop API: %v", got)
	}
}
