package native_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/apitest"
)

func newEnv(t *testing.T) *apitest.Env {
	return apitest.NewWith(t, apitest.Options{ServiceOptions: []ticketd.Option{apitest.SteppingClock()}})
}

var commentFields = []string{"id", "ticket_id", "author_type", "author_user_id", "author_customer_id", "content",
	"is_internal", "created_at", "updated_at"}

func checkCommentShape(t *testing.T, c map[string]any) {
	t.Helper()
	if len(c) != len(commentFields) {
		t.Errorf("comment has %d fields, want the seed's %d: %v", len(c), len(commentFields), c)
	}
	for _, f := range commentFields {
		if _, ok := c[f]; !ok {
			t.Errorf("comment lacks %q: %v", f, c)
		}
	}
}

func TestCommentLifecycle(t *testing.T) {
	e := newEnv(t)
	key := e.WS.Key
	tk := e.Ticket(e.WS, "chat")
	base := "/v1/tickets/" + tk.ID.String() + "/comments"

	// Create: 201, AGENT authored by the key's user, is_internal defaults to false.
	c := e.As(key, "POST", base, map[string]any{"content": "Thank you for contacting support."}).Expect(201).Object()
	checkCommentShape(t, c)
	if c["author_type"] != "AGENT" || c["author_user_id"] != e.WS.Owner.ID.String() || c["author_customer_id"] != nil ||
		c["is_internal"] != false || c["ticket_id"] != tk.ID.String() || c["content"] != "Thank you for contacting support." {
		t.Fatalf("created comment: %v", c)
	}
	if c["created_at"] != c["updated_at"] {
		t.Errorf("a new comment's updated_at %v differs from created_at %v", c["updated_at"], c["created_at"])
	}
	if _, err := time.Parse(time.RFC3339, c["created_at"].(string)); err != nil {
		t.Errorf("created_at is not RFC 3339: %v", c["created_at"])
	}
	id := c["id"].(string)

	// Internal note.
	note := e.As(key, "POST", base, map[string]any{"content": "Customer called, handle with care.", "is_internal": true}).Expect(201).Object()
	if note["is_internal"] != true {
		t.Fatalf("note: %v", note)
	}

	// Get one.
	got := e.As(key, "GET", base+"/"+id, nil).Expect(200).Object()
	checkCommentShape(t, got)
	if got["content"] != c["content"] {
		t.Fatalf("get: %v", got)
	}

	// List: bare array in creation order, notes included.
	list := e.As(key, "GET", base, nil).Expect(200).Array()
	if len(list) != 2 || list[0]["id"] != id || list[1]["id"] != note["id"] {
		t.Fatalf("list: %v", list)
	}
	checkCommentShape(t, list[1])

	// Patch changes only the given fields and moves updated_at.
	patched := e.As(key, "PATCH", base+"/"+id, map[string]any{"content": "Updated comment content with more details."}).Expect(200).Object()
	if patched["content"] != "Updated comment content with more details." || patched["is_internal"] != false ||
		patched["created_at"] != c["created_at"] || patched["updated_at"] == c["updated_at"] {
		t.Fatalf("patched: %v (was %v)", patched, c)
	}
	patched = e.As(key, "PATCH", base+"/"+id, map[string]any{"is_internal": true}).Expect(200).Object()
	if patched["content"] != "Updated comment content with more details." || patched["is_internal"] != true {
		t.Fatalf("patch of is_internal alone: %v", patched)
	}

	// Delete: 204 with no body; gone from every read.
	del := e.As(key, "DELETE", base+"/"+id, nil).Expect(204)
	if len(del.Body) != 0 {
		t.Fatalf("204 with a body: %q", del.Body)
	}
	e.As(key, "GET", base+"/"+id, nil).Expect(404)
	e.As(key, "PATCH", base+"/"+id, map[string]any{"content": "x"}).Expect(404)
	e.As(key, "DELETE", base+"/"+id, nil).Expect(404)
	list = e.As(key, "GET", base, nil).Expect(200).Array()
	if len(list) != 1 || list[0]["id"] != note["id"] {
		t.Fatalf("list after delete: %v", list)
	}
}

func TestCommentAuthorTypes(t *testing.T) {
	e := newEnv(t)
	tk := e.Ticket(e.WS, "email")
	cust := tk.CustomerID
	e.Post(e.WS, tk, ticketd.NewMessage{Body: "from the customer", Author: ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &cust}})
	owner := e.WS.Owner.ID
	e.Post(e.WS, tk, ticketd.NewMessage{Body: "auto-closed", Author: ticketd.Author{Kind: ticketd.AuthorSystem, UserID: &owner}})
	e.Post(e.WS, tk, ticketd.NewMessage{Body: "AI reply", Author: ticketd.Author{Kind: ticketd.AuthorAI, UserID: &owner}})
	list := e.As(e.WS.Key, "GET", "/v1/tickets/"+tk.ID.String()+"/comments", nil).Expect(200).Array()
	want := []struct {
		typ, user, customer any
	}{
		{"CUSTOMER", nil, cust.String()},
		{"SYSTEM", owner.String(), nil},
		{"SYSTEM", owner.String(), nil},
	}
	for i, w := range want {
		c := list[i]
		if c["author_type"] != w.typ || c["author_user_id"] != w.user || c["author_customer_id"] != w.customer {
			t.Errorf("[%d] author %v/%v/%v, want %v/%v/%v", i, c["author_type"], c["author_user_id"], c["author_customer_id"], w.typ, w.user, w.customer)
		}
	}
}

func TestCommentValidation(t *testing.T) {
	e := apitest.NewWith(t, apitest.Options{MaxBodyBytes: 1024})
	tk := e.Ticket(e.WS, "chat")
	base := "/v1/tickets/" + tk.ID.String() + "/comments"
	cases := []struct {
		name   string
		body   any
		status int
		loc    string // "" for a single-detail error
	}{
		{"content missing", map[string]any{"is_internal": true}, 422, "content"},
		{"content empty", map[string]any{"content": ""}, 422, "content"},
		{"content blank", map[string]any{"content": "  \n\t "}, 422, "content"},
		{"content null", map[string]any{"content": nil}, 422, "content"},
		{"content a number", `{"content": 12}`, 422, "content"},
		{"is_internal a string", `{"content": "x", "is_internal": "yes"}`, 422, "is_internal"},
		{"malformed JSON", `{"content": "x"`, 400, ""},
		{"two JSON values", `{"content": "x"} {}`, 400, ""},
		{"not an object", `["content"]`, 400, ""},
		{"too large", `{"content": "` + strings.Repeat("a", 2000) + `"}`, 413, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.As(e.WS.Key, "POST", base, c.body).Expect(c.status)
			body := r.Object()
			if c.loc != "" {
				if apitest.Get(body, "detail.0.loc.0") != "body" || apitest.Get(body, "detail.0.loc.1") != c.loc ||
					apitest.Get(body, "detail.0.msg") == nil || apitest.Get(body, "detail.0.type") == nil {
					t.Fatalf("want a 422 detail list at body.%s, got %s", c.loc, r.Body)
				}
			} else if _, ok := body["detail"].(string); !ok {
				t.Fatalf("want {\"detail\": \"...\"}, got %s", r.Body)
			}
		})
	}
	// Nothing was written by any of them.
	if list := e.As(e.WS.Key, "GET", base, nil).Expect(200).Array(); len(list) != 0 {
		t.Fatalf("failed requests wrote %d comments", len(list))
	}
	// Unknown fields are ignored.
	e.As(e.WS.Key, "POST", base, map[string]any{"content": "ok", "color": "blue"}).Expect(201)
}

func TestCommentNotFound(t *testing.T) {
	e := newEnv(t)
	a := e.Ticket(e.WS, "chat")
	b := e.Ticket(e.WS, "chat")
	m := e.Post(e.WS, a, ticketd.NewMessage{Body: "on a"})
	for _, path := range []string{
		"/v1/tickets/" + ticketd.NewID().String() + "/comments",
		"/v1/tickets/not-a-uuid/comments",
		"/v1/tickets/" + b.ID.String() + "/comments/" + m.ID.String(), // a comment of another ticket
		"/v1/tickets/" + a.ID.String() + "/comments/" + ticketd.NewID().String(),
		"/v1/tickets/" + a.ID.String() + "/comments/42",
	} {
		r := e.As(e.WS.Key, "GET", path, nil).Expect(404)
		if _, ok := r.Object()["detail"].(string); !ok {
			t.Errorf("%s: %s", path, r.Body)
		}
	}
}

// Every native list pages the same way: following Link headers from limit=1
// visits each object once and never lands on an empty page.
func TestListsLinkOnlyToPagesThatExist(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < 3; i++ {
		e.Ticket(e.WS, "chat") // a ticket and its customer
		e.As(e.WS.Key, "POST", "/v1/users", map[string]any{"email": fmt.Sprintf("agent%d@shop.test", i), "name": "Agent"}).Expect(201)
		e.As(e.WS.Key, "POST", "/v1/api-keys", map[string]any{"name": fmt.Sprint("key ", i), "scopes": []string{"tickets:read"}}).Expect(201)
	}
	for _, list := range []string{"/v1/tickets", "/v1/customers", "/v1/users", "/v1/api-keys"} {
		whole := e.As(e.WS.Key, "GET", list, nil).Expect(200)
		if whole.Header.Get("Link") != "" {
			t.Fatalf("%s: one page holds the whole list, yet it links on", list)
		}
		want := len(whole.Array())
		seen := map[any]bool{}
		path := list + "?limit=1"
		for pages := 0; path != ""; pages++ {
			if pages > want {
				t.Fatalf("%s: paging does not end", list)
			}
			r := e.As(e.WS.Key, "GET", path, nil).Expect(200)
			items := r.Array()
			if len(items) == 0 {
				t.Fatalf("%s: a Link led to an empty page (%s)", list, path)
			}
			for _, it := range items {
				seen[it["id"]] = true
			}
			path = ""
			if link := r.Header.Get("Link"); link != "" {
				path = link[1:strings.Index(link, ">")]
			}
		}
		if len(seen) != want || want < 3 {
			t.Fatalf("%s: pages visited %d objects, the whole list has %d", list, len(seen), want)
		}
	}
}

func TestCommentPaging(t *testing.T) {
	e := newEnv(t)
	tk := e.Ticket(e.WS, "chat")
	for i := 0; i < 7; i++ {
		e.Post(e.WS, tk, ticketd.NewMessage{Body: fmt.Sprint("comment ", i)})
	}
	path := "/v1/tickets/" + tk.ID.String() + "/comments?limit=3"
	var seen []string
	for pages := 0; path != ""; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		r := e.As(e.WS.Key, "GET", path, nil).Expect(200)
		for _, c := range r.Array() {
			seen = append(seen, c["content"].(string))
		}
		path = ""
		if link := r.Header.Get("Link"); link != "" {
			path = link[1:strings.Index(link, ">")]
			if !strings.HasSuffix(link, `rel="next"`) {
				t.Fatalf("Link: %s", link)
			}
		}
	}
	if strings.Join(seen, ",") != "comment 0,comment 1,comment 2,comment 3,comment 4,comment 5,comment 6" {
		t.Fatalf("pages gave %v", seen)
	}
	// Without limit, the default page is 50 and a short conversation has no Link.
	r := e.As(e.WS.Key, "GET", "/v1/tickets/"+tk.ID.String()+"/comments", nil).Expect(200)
	if len(r.Array()) != 7 || r.Header.Get("Link") != "" {
		t.Fatalf("unpaged: %d items, Link %q", len(r.Array()), r.Header.Get("Link"))
	}
	for _, q := range []string{"limit=0", "limit=501", "limit=x", "after=nope", "after=" + ticketd.NewID().String()} {
		e.As(e.WS.Key, "GET", "/v1/tickets/"+tk.ID.String()+"/comments?"+q, nil).Expect(422)
	}
}

// A comment, posted or deleted, moves the ticket's last message: the comment
// resource and the ticket are one dataset.
func TestCommentsMoveTicketLastMessage(t *testing.T) {
	e := newEnv(t)
	tk := e.Ticket(e.WS, "chat")
	base := "/v1/tickets/" + tk.ID.String()
	first := e.As(e.WS.Key, "POST", base+"/comments", map[string]any{"content": "first"}).Expect(201).Object()
	e.As(e.WS.Key, "POST", base+"/comments", map[string]any{"content": "a note", "is_internal": true}).Expect(201)
	if got := e.As(e.WS.Key, "GET", base, nil).Expect(200).Object()["last_message"]; got != "first" {
		t.Fatalf("last_message %v: an internal note must not become the preview", got)
	}
	second := e.As(e.WS.Key, "POST", base+"/comments", map[string]any{"content": "second"}).Expect(201).Object()
	if got := e.As(e.WS.Key, "GET", base, nil).Object()["last_message"]; got != "second" {
		t.Fatalf("last_message %v, want second", got)
	}
	e.As(e.WS.Key, "DELETE", base+"/comments/"+second["id"].(string), nil).Expect(204)
	if got := e.As(e.WS.Key, "GET", base, nil).Object()["last_message"]; got != "first" {
		t.Fatalf("after deleting the last comment, last_message %v, want first", got)
	}
	e.As(e.WS.Key, "PATCH", base+"/comments/"+first["id"].(string), map[string]any{"content": "first, edited"}).Expect(200)
	if got := e.As(e.WS.Key, "GET", base, nil).Object()["last_message"]; got != "first, edited" {
		t.Fatalf("after editing, last_message %v", got)
	}
}

type route struct {
	method, path string
	scope        ticketd.Scope
	body         any
}

// routes lists every native route with the scope it needs, over objects of
// workspace ws.
func routes(e *apitest.Env, ws *apitest.Workspace) []route {
	tk := e.Ticket(ws, "chat")
	m := e.Post(ws, tk, ticketd.NewMessage{Body: "hello"})
	c := e.Customer(ws, ticketd.NewID().String()[24:]+"@x.test", "Bo", "Bo")
	key, _, err := e.Service.CreateAPIKey(context.Background(), ws.Principal, ticketd.NewAPIKeyInput{Name: "k", Scopes: []ticketd.Scope{"tickets:read"}})
	if err != nil {
		e.T.Fatal(err)
	}
	tp := "/v1/tickets/" + tk.ID.String()
	cp := tp + "/comments/" + m.ID.String()
	return []route{
		{"POST", "/v1/customers", "customers:write", map[string]any{"email": ticketd.NewID().String()[24:] + "@new.test"}},
		{"GET", "/v1/customers", "customers:read", nil},
		{"GET", "/v1/customers/" + c.ID.String(), "customers:read", nil},
		{"PATCH", "/v1/customers/" + c.ID.String(), "customers:write", map[string]any{"first_name": "Changed"}},
		{"POST", "/v1/users", "users:write", map[string]any{"email": ticketd.NewID().String()[24:] + "@agents.test", "name": "New"}},
		{"GET", "/v1/users", "users:read", nil},
		{"GET", "/v1/users/" + ws.Owner.ID.String(), "users:read", nil},
		{"PATCH", "/v1/users/" + ws.Owner.ID.String(), "users:write", map[string]any{"name": "Changed"}},
		{"POST", "/v1/api-keys", "settings:write", map[string]any{"name": "n", "scopes": []string{"settings:write"}}},
		{"GET", "/v1/api-keys", "settings:write", nil},
		{"DELETE", "/v1/api-keys/" + key.ID.String(), "settings:write", nil},
		{"POST", "/v1/tickets", "tickets:write", map[string]any{"customer_id": c.ID.String(), "subject": "s"}},
		{"GET", "/v1/tickets", "tickets:read", nil},
		{"GET", tp, "tickets:read", nil},
		{"PATCH", tp, "tickets:write", map[string]any{"status": "pending"}},
		{"GET", tp + "/comments", "comments:read", nil},
		{"POST", tp + "/comments", "comments:write", map[string]any{"content": "hi"}},
		{"GET", cp, "comments:read", nil},
		{"PATCH", cp, "comments:write", map[string]any{"content": "changed"}},
		{"DELETE", cp, "comments:delete", nil},
		{"GET", "/v1/workspace", "settings:read", nil},
		{"PATCH", "/v1/workspace", "settings:write", map[string]any{"settings": map[string]any{"auto_triage": true}}},
	}
}

// Every route: no key or an unknown key is 401; a key lacking the route's
// scope is 403 and says which; a key with only that scope gets through.
func TestScopeMatrix(t *testing.T) {
	e := newEnv(t)
	for _, r := range routes(e, e.WS) {
		name := r.method + " " + r.path
		e.Do(r.method, r.path, r.body).Expect(401)
		e.Do(r.method, r.path, r.body, "Authorization", "Bearer tkd_"+strings.Repeat("a", 48)).Expect(401)
		e.Do(r.method, r.path, r.body, "Authorization", "Basic abc").Expect(401)
		denied := e.As(e.KeyWith(e.WS, apitest.AllBut(r.scope)...), r.method, r.path, r.body).Expect(403)
		if !strings.Contains(string(denied.Body), string(r.scope)) {
			t.Errorf("%s: 403 does not name the scope %s: %s", name, r.scope, denied.Body)
		}
		allowed := e.As(e.KeyWith(e.WS, r.scope), r.method, r.path, r.body)
		if allowed.Status >= 400 {
			t.Errorf("%s with only %s: %d %s", name, r.scope, allowed.Status, allowed.Body)
		}
	}
}

// Every route: workspace B's owner gets 404 for A's objects, and nothing of
// A changes.
func TestTenantIsolation(t *testing.T) {
	e := newEnv(t)
	b := e.NewWorkspace("Other")
	for _, r := range routes(e, e.WS) {
		if !strings.Contains(r.path, "/v1/") || strings.Count(r.path, "/") < 3 {
			continue // collection routes have no object of A in them
		}
		var before *apitest.Response
		if readPath(r.path) != "" {
			before = e.As(e.WS.Key, "GET", readPath(r.path), nil)
		}
		got := e.As(b.Key, r.method, r.path, r.body)
		if got.Status != 404 {
			t.Errorf("%s %s as workspace B: %d %s, want 404", r.method, r.path, got.Status, got.Body)
		}
		if before != nil && before.Status == 200 {
			after := e.As(e.WS.Key, "GET", readPath(r.path), nil)
			if string(after.Body) != string(before.Body) {
				t.Errorf("%s %s by workspace B changed A's object:\n%s\n%s", r.method, r.path, before.Body, after.Body)
			}
		}
	}
	// Lists of B do not show A's objects.
	for _, p := range []string{"/v1/tickets", "/v1/customers", "/v1/api-keys"} {
		for _, item := range e.As(b.Key, "GET", p, nil).Expect(200).Array() {
			if item["id"] == nil {
				t.Errorf("%s: item without id", p)
			}
		}
		if p == "/v1/tickets" || p == "/v1/customers" {
			if n := len(e.As(b.Key, "GET", p, nil).Array()); n != 0 {
				t.Errorf("workspace B lists %d of A's %s", n, p)
			}
		}
	}
}

// readPath is the GET route that shows the object a route acts on.
func readPath(p string) string {
	if strings.HasPrefix(p, "/v1/api-keys/") {
		return ""
	}
	return p
}

func TestTicketsAPI(t *testing.T) {
	e := newEnv(t)
	key := e.WS.Key
	c := e.Customer(e.WS, "grace@example.com", "Grace", "Hopper")
	agent := e.As(key, "POST", "/v1/users", map[string]any{"email": "sam@acme.test", "name": "Sam", "role": "agent"}).Expect(201).Object()
	t1 := e.As(key, "POST", "/v1/tickets", map[string]any{"customer_id": c.ID.String(), "subject": "Where is my order?",
		"channel": "email", "tags": []string{"shipping", "shipping", " vip "}}).Expect(201).Object()
	if t1["status"] != "open" || t1["customer_id"] != c.ID.String() || t1["number"].(float64) < 1 ||
		fmt.Sprint(t1["tags"]) != "[shipping vip]" || t1["assignee_id"] != nil {
		t.Fatalf("created ticket: %v", t1)
	}
	t2 := e.As(key, "POST", "/v1/tickets", map[string]any{"customer_id": c.ID.String(), "subject": "Second",
		"assignee_id": agent["id"]}).Expect(201).Object()

	// Validation and references.
	e.As(key, "POST", "/v1/tickets", map[string]any{"subject": "no customer"}).Expect(422)
	e.As(key, "POST", "/v1/tickets", map[string]any{"customer_id": "nope"}).Expect(422)
	e.As(key, "POST", "/v1/tickets", map[string]any{"customer_id": ticketd.NewID().String()}).Expect(404)
	e.As(key, "POST", "/v1/tickets", map[string]any{"customer_id": c.ID.String(), "status": "weird"}).Expect(422)
	e.As(key, "POST", "/v1/tickets", map[string]any{"customer_id": c.ID.String(), "assignee_id": ticketd.NewID().String()}).Expect(404)

	// List newest first, filters, number lookup, paging.
	list := e.As(key, "GET", "/v1/tickets", nil).Expect(200).Array()
	if len(list) != 2 || list[0]["id"] != t2["id"] || list[1]["id"] != t1["id"] {
		t.Fatalf("list: %v", list)
	}
	byNumber := e.As(key, "GET", fmt.Sprintf("/v1/tickets?number=%v", t1["number"]), nil).Expect(200).Array()
	if len(byNumber) != 1 || byNumber[0]["id"] != t1["id"] {
		t.Fatalf("number filter: %v", byNumber)
	}
	if l := e.As(key, "GET", "/v1/tickets?assignee_id="+agent["id"].(string), nil).Array(); len(l) != 1 || l[0]["id"] != t2["id"] {
		t.Fatalf("assignee filter: %v", l)
	}
	if l := e.As(key, "GET", "/v1/tickets?customer_id="+c.ID.String()+"&status=open", nil).Array(); len(l) != 2 {
		t.Fatalf("customer+status filter: %v", l)
	}
	page1 := e.As(key, "GET", "/v1/tickets?limit=1", nil).Expect(200)
	if len(page1.Array()) != 1 || page1.Header.Get("Link") == "" {
		t.Fatalf("page 1: %s %v", page1.Body, page1.Header)
	}
	page2r := e.As(key, "GET", "/v1/tickets?limit=1&after="+t2["id"].(string), nil).Expect(200)
	if page2 := page2r.Array(); len(page2) != 1 || page2[0]["id"] != t1["id"] {
		t.Fatalf("page 2: %v", page2)
	}
	if link := page2r.Header.Get("Link"); link != "" {
		t.Fatalf("the last page is full but there is nothing after it, yet it links on: %s", link)
	}
	for _, q := range []string{"status=nope", "number=x", "assignee_id=x", "limit=-1"} {
		e.As(key, "GET", "/v1/tickets?"+q, nil).Expect(422)
	}

	// Patch: status, assignee, unassign with null, closed_at.
	p := e.As(key, "PATCH", "/v1/tickets/"+t1["id"].(string), map[string]any{"status": "solved", "assignee_id": agent["id"]}).Expect(200).Object()
	if p["status"] != "solved" || p["assignee_id"] != agent["id"] || p["closed_at"] == nil || p["subject"] != "Where is my order?" {
		t.Fatalf("patched: %v", p)
	}
	p = e.As(key, "PATCH", "/v1/tickets/"+t1["id"].(string), map[string]any{"assignee_id": nil, "status": "open"}).Expect(200).Object()
	if p["assignee_id"] != nil || p["closed_at"] != nil {
		t.Fatalf("unassigned and reopened: %v", p)
	}
	if l := e.As(key, "GET", "/v1/tickets?status=solved", nil).Array(); len(l) != 0 {
		t.Fatalf("status filter after reopening: %v", l)
	}
}

func TestCustomersUsersAndKeys(t *testing.T) {
	e := newEnv(t)
	key := e.WS.Key
	c := e.As(key, "POST", "/v1/customers", map[string]any{"email": "Ada@Example.com", "first_name": "Ada", "last_name": "Lovelace"}).Expect(201).Object()
	if c["full_name"] != "Ada Lovelace" || c["email"] != "ada@example.com" {
		t.Fatalf("customer: %v", c)
	}
	e.As(key, "POST", "/v1/customers", map[string]any{"email": "ada@example.com"}).Expect(409)
	e.As(key, "POST", "/v1/customers", map[string]any{"email": "not an email"}).Expect(422)
	e.As(key, "POST", "/v1/customers", map[string]any{"first_name": "Nobody"}).Expect(422)
	p := e.As(key, "PATCH", "/v1/customers/"+c["id"].(string), map[string]any{"last_name": "King"}).Expect(200).Object()
	if p["full_name"] != "Ada King" || p["first_name"] != "Ada" {
		t.Fatalf("patched customer: %v", p)
	}

	u := e.As(key, "POST", "/v1/users", map[string]any{"email": "sam@acme.test", "name": "Sam"}).Expect(201).Object()
	if u["role"] != "agent" {
		t.Fatalf("user: %v", u)
	}
	e.As(key, "POST", "/v1/users", map[string]any{"email": "x@acme.test", "name": "X", "role": "boss"}).Expect(422)
	e.As(key, "POST", "/v1/users", map[string]any{"email": "sam@acme.test", "name": "Sam again"}).Expect(409)

	// A key acting as Sam writes as Sam; the key is shown once.
	k := e.As(key, "POST", "/v1/api-keys", map[string]any{"name": "sam's", "scopes": []string{"comments:write", "comments:read"}, "user_id": u["id"]}).Expect(201).Object()
	raw, _ := k["key"].(string)
	if !strings.HasPrefix(raw, "tkd_") || !strings.HasPrefix(raw, k["prefix"].(string)) {
		t.Fatalf("key: %v", k)
	}
	for _, listed := range e.As(key, "GET", "/v1/api-keys", nil).Expect(200).Array() {
		if _, shown := listed["key"]; shown {
			t.Fatalf("a listed key shows its secret: %v", listed)
		}
	}
	tk := e.Ticket(e.WS, "chat")
	cm := e.As(raw, "POST", "/v1/tickets/"+tk.ID.String()+"/comments", map[string]any{"content": "from Sam"}).Expect(201).Object()
	if cm["author_user_id"] != u["id"] {
		t.Fatalf("comment by Sam's key authored by %v", cm["author_user_id"])
	}
	// No key can mint a stronger one.
	e.As(raw, "POST", "/v1/api-keys", map[string]any{"name": "x", "scopes": []string{"comments:write"}}).Expect(403)
	e.As(key, "POST", "/v1/api-keys", map[string]any{"name": "x", "scopes": []string{"root"}}).Expect(422)
	e.As(key, "POST", "/v1/api-keys", map[string]any{"name": "x", "scopes": []string{}}).Expect(422)
	// Revoked keys stop working at once.
	e.As(key, "DELETE", "/v1/api-keys/"+k["id"].(string), nil).Expect(204)
	e.As(raw, "GET", "/v1/tickets/"+tk.ID.String()+"/comments", nil).Expect(401)
}

func TestHealthAndRequestID(t *testing.T) {
	e := newEnv(t)
	r := e.Do("GET", "/healthz", nil).Expect(200)
	if r.Header.Get("X-Request-Id") == "" {
		t.Fatal("no X-Request-Id")
	}
	e.Do("GET", "/readyz", nil).Expect(200)
	r = e.Do("GET", "/healthz", nil, "X-Request-Id", "abc-123")
	if r.Header.Get("X-Request-Id") != "abc-123" {
		t.Fatalf("X-Request-Id %q, want the caller's", r.Header.Get("X-Request-Id"))
	}
	r = e.Do("GET", "/healthz", nil, "X-Request-Id", "bad id\nwith newline")
	if strings.ContainsAny(r.Header.Get("X-Request-Id"), " \n") {
		t.Fatalf("unsafe request id echoed: %q", r.Header.Get("X-Request-Id"))
	}
	if e.Do("GET", "/v1/nope", nil).Status != http.StatusNotFound {
		t.Fatal("unknown route")
	}
}

func TestWorkspaceSettings(t *testing.T) {
	e := newEnv(t)
	ws := e.As(e.WS.Key, "GET", "/v1/workspace", nil).Expect(200).Object()
	if apitest.Get(ws, "settings.auto_triage") != true || apitest.Get(ws, "settings.email_agent_comments") != true || ws["id"] != e.WS.ID.String() {
		t.Fatalf("a new workspace: %v", ws)
	}
	ws = e.As(e.WS.Key, "PATCH", "/v1/workspace", map[string]any{"settings": map[string]any{"email_agent_comments": false}}).Expect(200).Object()
	if apitest.Get(ws, "settings.auto_triage") != true || apitest.Get(ws, "settings.email_agent_comments") != false || ws["name"] != "Acme" {
		t.Fatalf("after turning email_agent_comments off: %v", ws)
	}
	e.As(e.WS.Key, "PATCH", "/v1/workspace", map[string]any{"name": " "}).Expect(422)
	e.As(e.WS.Key, "PATCH", "/v1/workspace", map[string]any{"settings": map[string]any{"auto_triage": "yes"}}).Expect(422)
	// Another workspace is untouched.
	b := e.NewWorkspace("Other")
	if got := e.As(b.Key, "GET", "/v1/workspace", nil).Object(); apitest.Get(got, "settings.email_agent_comments") != true {
		t.Fatalf("workspace B changed: %v", got)
	}
}
