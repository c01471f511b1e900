package toptickets_test

// The TopTickets conformance suite: one test per documented behaviour of the
// product's public API (toptickets.pages.dev), each citing the page it
// checks, run against the real server over a real database.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/blob"
	"github.com/ticketd/ticketd/httpapi/apitest"
	"github.com/ticketd/ticketd/httpapi/ratelimit"
	"github.com/ticketd/ticketd/httpapi/server"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

const base = "/toptickets/v1"

type env struct {
	*apitest.Env
	blobs string
}

func newEnv(t *testing.T, opts ...func(*apitest.Options)) *env {
	blobs := t.TempDir()
	o := apitest.Options{ServiceOptions: []ticketd.Option{apitest.SteppingClock(),
		ticketd.WithBlobStore(&blob.Dir{Path: blobs})}}
	for _, f := range opts {
		f(&o)
	}
	return &env{Env: apitest.NewWith(t, o), blobs: blobs}
}

func (e *env) customer(ws *apitest.Workspace) string {
	e.T.Helper()
	return e.Customer(ws, ticketd.NewID().String()[24:]+"@example.test", "John", "Doe").ID.String()
}

func (e *env) ticket(key string, body map[string]any) map[string]any {
	e.T.Helper()
	return e.As(key, "POST", base+"/tickets", body).Expect(201).Object()
}

func ids(list []map[string]any) []string {
	out := make([]string, len(list))
	for i, m := range list {
		out[i] = fmt.Sprint(m["id"])
	}
	return out
}

// multipartBody builds an upload with one file part.
func multipartBody(t testing.TB, filename, contentType string, data []byte) (string, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, filename))
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	pw, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	pw.Write(data)
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

func (e *env) upload(key, ticket, filename, contentType string, data []byte) *apitest.Response {
	e.T.Helper()
	ct, body := multipartBody(e.T, filename, contentType, data)
	return e.As(key, "POST", base+"/tickets/"+ticket+"/attachments", body, "Content-Type", ct)
}

var pngBytes = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 600)...)

// ---- overview, errors -------------------------------------------------------

// https://toptickets.pages.dev/api-reference/overview ("Error Response",
// "HTTP Status Codes") and https://toptickets.pages.dev/guides/error-handling:
// every error is {"detail": "..."}, validation a list of {loc, msg, type}.
func TestErrorFormat(t *testing.T) {
	e := newEnv(t)
	readOnly := e.KeyWith(e.WS, "tickets:read")
	e.Run(t, []apitest.Scenario{
		{Name: "401 missing key", Method: "GET", Path: base + "/tickets", Status: 401, JSON: map[string]any{"detail": apitest.Present}},
		{Name: "401 invalid key", Method: "GET", Path: base + "/tickets", Key: "tkd_" + strings.Repeat("a", 48), Status: 401,
			JSON: map[string]any{"detail": "Invalid API key"}},
		{Name: "403 names the scope", Method: "POST", Path: base + "/tickets", Key: readOnly, Body: map[string]any{}, Status: 403,
			JSON: map[string]any{"detail": "Insufficient permissions. Required scope: tickets:write"}},
		{Name: "404 Ticket not found", Method: "GET", Path: base + "/tickets/" + ticketd.NewID().String(), Key: e.WS.Key, Status: 404,
			JSON: map[string]any{"detail": "Ticket not found"}},
		{Name: "400 malformed JSON", Method: "POST", Path: base + "/tickets", Key: e.WS.Key, Body: "{", Status: 400,
			JSON: map[string]any{"detail": apitest.Present}},
		{Name: "422 priority enum", Method: "POST", Path: base + "/tickets", Key: e.WS.Key,
			Body: map[string]any{"customer_id": e.customer(e.WS), "subject": "x", "priority": "critical"}, Status: 422,
			JSON: map[string]any{"detail.0.loc": []any{"body", "priority"}, "detail.0.type": "type_error.enum",
				"detail.0.msg": "value is not a valid enumeration member; permitted: 'low', 'medium', 'high', 'urgent'"}},
		{Name: "422 subject min length", Method: "POST", Path: base + "/tickets", Key: e.WS.Key,
			Body: map[string]any{"customer_id": e.customer(e.WS), "subject": ""}, Status: 422,
			JSON: map[string]any{"detail.0.loc": []any{"body", "subject"}}},
		{Name: "404 unknown route in JSON", Method: "GET", Path: base + "/nothing", Key: e.WS.Key, Status: 404,
			JSON: map[string]any{"detail": apitest.Present}},
		{Name: "405 unknown method in JSON", Method: "PUT", Path: base + "/tickets", Key: e.WS.Key, Status: 405,
			JSON: map[string]any{"detail": apitest.Present}, Header: map[string]any{"Allow": "GET, HEAD, POST"}},
	})
	if n := len(e.As(e.WS.Key, "GET", base+"/tickets", nil).Expect(200).Array()); n != 0 {
		t.Fatalf("failed requests created %d tickets", n)
	}
}

// ---- tickets ----------------------------------------------------------------

// https://toptickets.pages.dev/api-reference/tickets ("The Ticket Object"):
// every documented field, written fields read back, ticket_display_id from
// the ticket number, a tracking token, and new/medium by default.
func TestTicketObject(t *testing.T) {
	e := newEnv(t)
	cust := e.customer(e.WS)
	team := e.As(e.WS.Key, "POST", base+"/teams", map[string]any{"name": "Technical Support"}).Expect(201).Object()
	due := "2025-01-20T17:00:00Z"
	tk := e.ticket(e.WS.Key, map[string]any{"customer_id": cust, "subject": "Unable to login to my account",
		"description": "When I try to login, I get an error...", "priority": "high", "category": "Technical",
		"assigned_user_id": e.WS.Owner.ID.String(), "assigned_team_id": team["id"], "due_date": due})
	for _, f := range []string{"id", "ticket_number", "tracking_token", "ticket_display_id", "customer_id", "subject",
		"description", "status", "priority", "category", "assigned_user_id", "assigned_team_id", "due_date",
		"created_at", "updated_at", "resolved_at", "closed_at"} {
		if _, ok := tk[f]; !ok {
			t.Errorf("ticket lacks %q: %v", f, tk)
		}
	}
	want := map[string]any{"customer_id": cust, "subject": "Unable to login to my account",
		"description": "When I try to login, I get an error...", "status": "new", "priority": "high", "category": "Technical",
		"assigned_user_id": e.WS.Owner.ID.String(), "assigned_team_id": team["id"], "due_date": due,
		"resolved_at": nil, "closed_at": nil}
	got := e.As(e.WS.Key, "GET", base+"/tickets/"+tk["id"].(string), nil).Expect(200).Object()
	for k, v := range want {
		if fmt.Sprint(tk[k]) != fmt.Sprint(v) || fmt.Sprint(got[k]) != fmt.Sprint(v) {
			t.Errorf("%s: created %v, read %v, want %v", k, tk[k], got[k], v)
		}
	}
	n := int64(tk["ticket_number"].(float64))
	if tk["ticket_display_id"] != fmt.Sprintf("TKT-%d", n) || n < 1 {
		t.Errorf("display id %v for number %v", tk["ticket_display_id"], n)
	}
	if _, err := ticketd.ParseID(fmt.Sprint(tk["tracking_token"])); err != nil || tk["tracking_token"] == tk["id"] {
		t.Errorf("tracking_token %v", tk["tracking_token"])
	}
	// Defaults: status new, priority medium.
	plain := e.ticket(e.WS.Key, map[string]any{"customer_id": cust, "subject": "Plain"})
	if plain["status"] != "new" || plain["priority"] != "medium" || plain["assigned_team_id"] != nil || plain["due_date"] != nil {
		t.Errorf("defaults: %v", plain)
	}
}

// https://toptickets.pages.dev/api-reference/tickets ("Update Ticket") and
// https://toptickets.pages.dev/guides/filtering-search ("Status Values"):
// resolved sets resolved_at, closed sets closed_at, reopening clears both; a
// PATCH changes only what it names.
func TestTicketStatusesAndPatch(t *testing.T) {
	e := newEnv(t)
	tk := e.ticket(e.WS.Key, map[string]any{"customer_id": e.customer(e.WS), "subject": "S", "category": "Billing", "priority": "low"})
	path := base + "/tickets/" + tk["id"].(string)
	r := e.As(e.WS.Key, "PATCH", path, map[string]any{"status": "resolved"}).Expect(200).Object()
	if r["status"] != "resolved" || r["resolved_at"] == nil || r["closed_at"] != nil || r["category"] != "Billing" || r["priority"] != "low" {
		t.Fatalf("resolved: %v", r)
	}
	// One dataset: the native API shows the domain's solved.
	if n := e.As(e.WS.Key, "GET", "/v1/tickets/"+tk["id"].(string), nil).Expect(200).Object(); n["status"] != "solved" {
		t.Errorf("native status %v", n["status"])
	}
	c := e.As(e.WS.Key, "PATCH", path, map[string]any{"status": "closed"}).Expect(200).Object()
	if c["closed_at"] == nil || c["resolved_at"] != r["resolved_at"] {
		t.Fatalf("closed after resolved: %v (resolved %v)", c, r["resolved_at"])
	}
	o := e.As(e.WS.Key, "PATCH", path, map[string]any{"status": "open"}).Expect(200).Object()
	if o["resolved_at"] != nil || o["closed_at"] != nil {
		t.Fatalf("reopened: %v", o)
	}
	p := e.As(e.WS.Key, "PATCH", path, map[string]any{"priority": "urgent", "due_date": "2030-01-01T00:00:00Z"}).Expect(200).Object()
	if p["priority"] != "urgent" || p["category"] != "Billing" || p["subject"] != "S" || p["due_date"] != "2030-01-01T00:00:00Z" {
		t.Fatalf("patch: %v", p)
	}
	p = e.As(e.WS.Key, "PATCH", path, map[string]any{"due_date": nil, "assigned_user_id": nil}).Expect(200).Object()
	if p["due_date"] != nil || p["priority"] != "urgent" {
		t.Fatalf("clearing due_date: %v", p)
	}
	e.As(e.WS.Key, "PATCH", path, map[string]any{"status": "solved"}).Expect(422)

	// A customer writing again reopens a resolved ticket: resolved_at is cleared.
	e.As(e.WS.Key, "PATCH", path, map[string]any{"status": "resolved"}).Expect(200)
	tid, _ := ticketd.ParseID(tk["id"].(string))
	cid, _ := ticketd.ParseID(tk["customer_id"].(string))
	t0, _ := e.Service.Ticket(context.Background(), e.WS.Principal, ticketd.ByID(tid))
	e.Post(e.WS, t0, ticketd.NewMessage{Body: "still broken", Author: ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &cid}})
	if g := e.As(e.WS.Key, "GET", path, nil).Expect(200).Object(); g["status"] != "open" || g["resolved_at"] != nil {
		t.Fatalf("after the customer wrote again: %v", g)
	}
	// ("new - Newly created, not yet opened"): the team's first public
	// comment opens a new ticket; an internal note does not.
	fresh := e.ticket(e.WS.Key, map[string]any{"customer_id": tk["customer_id"], "subject": "Fresh"})
	fp := base + "/tickets/" + fresh["id"].(string)
	e.As(e.WS.Key, "POST", fp+"/comments", map[string]any{"content": "note", "is_internal": true}).Expect(201)
	if g := e.As(e.WS.Key, "GET", fp, nil).Expect(200).Object(); g["status"] != "new" {
		t.Fatalf("a note opened the ticket: %v", g["status"])
	}
	e.As(e.WS.Key, "POST", fp+"/comments", map[string]any{"content": "On it"}).Expect(201)
	if g := e.As(e.WS.Key, "GET", fp, nil).Expect(200).Object(); g["status"] != "open" {
		t.Fatalf("a reply left the ticket %v", g["status"])
	}
	e.As(e.WS.Key, "PATCH", path, map[string]any{"assigned_team_id": ticketd.NewID().String()}).Expect(404)
}

// https://toptickets.pages.dev/guides/pagination and
// https://toptickets.pages.dev/api-reference/overview ("Pagination"):
// offset and limit, default 100, max 500; skip (the users and teams pages)
// and page/page_size are accepted as the same window.
func TestTicketPaging(t *testing.T) {
	e := newEnv(t)
	c := e.Customer(e.WS, "many@example.test", "Many", "Tickets")
	for i := 0; i < 103; i++ {
		if _, err := e.Service.CreateTicket(context.Background(), e.WS.Principal, ticketd.NewTicket{Customer: ticketd.ByID(c.ID),
			Subject: fmt.Sprint("t", i), Channel: "api"}); err != nil {
			t.Fatal(err)
		}
	}
	all := e.As(e.WS.Key, "GET", base+"/tickets", nil).Expect(200).Array()
	if len(all) != 100 {
		t.Fatalf("default page has %d tickets, want 100", len(all))
	}
	page := func(q string) []string {
		return ids(e.As(e.WS.Key, "GET", base+"/tickets?"+q, nil).Expect(200).Array())
	}
	window := strings.Join(ids(all[50:60]), ",")
	for _, q := range []string{"offset=50&limit=10", "skip=50&limit=10", "page=6&page_size=10", "page=6&limit=10"} {
		if got := strings.Join(page(q), ","); got != window {
			t.Errorf("%s: %s, want %s", q, got, window)
		}
	}
	if n := len(page("offset=100")); n != 3 {
		t.Errorf("last page has %d", n)
	}
	if n := len(page("limit=500")); n != 103 {
		t.Errorf("limit=500 gave %d", n)
	}
	for _, q := range []string{"limit=501", "limit=0", "offset=-1", "skip=x", "page=0", "offset=1&skip=2"} {
		e.As(e.WS.Key, "GET", base+"/tickets?"+q, nil).Expect(422)
	}
}

// https://toptickets.pages.dev/guides/filtering-search ("Filter Parameters"):
// status (resolved too), priority, assigned_user_id, assigned_team_id,
// customer_id, category, unassigned and search.
func TestTicketFilters(t *testing.T) {
	e := newEnv(t)
	k := e.WS.Key
	team := e.As(k, "POST", base+"/teams", map[string]any{"name": "Billing Support"}).Expect(201).Object()["id"]
	c1, c2 := e.customer(e.WS), e.customer(e.WS)
	a := e.ticket(k, map[string]any{"customer_id": c1, "subject": "Login error on mobile", "priority": "high", "category": "Technical",
		"assigned_user_id": e.WS.Owner.ID.String()})
	b := e.ticket(k, map[string]any{"customer_id": c2, "subject": "Refund please", "priority": "low", "category": "Billing",
		"assigned_team_id": team})
	cc := e.ticket(k, map[string]any{"customer_id": c2, "subject": "100%_sure it broke", "description": "the LOGIN page", "status": "pending"})
	e.As(k, "PATCH", base+"/tickets/"+b["id"].(string), map[string]any{"status": "resolved"}).Expect(200)
	cases := map[string][]any{
		"status=resolved": {b["id"]},
		"status=pending":  {cc["id"]},
		"status=new":      {a["id"]},
		"priority=high":   {a["id"]},
		"assigned_user_id=" + e.WS.Owner.ID.String():      {a["id"]},
		"assigned_team_id=" + team.(string):               {b["id"]},
		"customer_id=" + c2:                               {cc["id"], b["id"]},
		"category=Billing":                                {b["id"]},
		"unassigned=true":                                 {cc["id"]},
		"unassigned=false":                                {b["id"], a["id"]},
		"search=login":                                    {cc["id"], a["id"]},
		"search=100":                                      {cc["id"]},
		"status=new&priority=high&category=Technical":     {a["id"]},
		"customer_id=" + c2 + "&priority=low&search=ref*": {b["id"]},
	}
	for q, want := range cases {
		got := ids(e.As(k, "GET", base+"/tickets?"+q, nil).Expect(200).Array())
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %v, want %v", q, got, want)
		}
	}
	for _, q := range []string{"status=solved", "priority=critical", "assigned_user_id=nope", "unassigned=maybe", "search=%25"} {
		e.As(k, "GET", base+"/tickets?"+q, nil).Expect(422)
	}
}

// https://toptickets.pages.dev/guides/filtering-search ("Filter Parameters":
// search, "Full-text search", example "login error"). The docs say no more,
// so ticketd's choice, written in CONTRACT.md: the store's search (whole
// words, all of them in one place — subject or description, one comment,
// or the customer's name or email; a trailing * makes the last a prefix),
// as a filter of the list: the list's order (newest first), its other
// filters and its offset paging stay as they are.
func TestTicketSearchIsFullText(t *testing.T) {
	e := newEnv(t)
	k := e.WS.Key
	ada := e.Customer(e.WS, "ada@lovelace.test", "Ada", "Lovelace").ID.String()
	other := e.customer(e.WS)
	login := e.ticket(k, map[string]any{"customer_id": other, "subject": "Login error on mobile"})
	split := e.ticket(k, map[string]any{"customer_id": other, "subject": "Login", "description": "an error page"})
	inComment := e.ticket(k, map[string]any{"customer_id": other, "subject": "Help", "priority": "high"})
	e.As(k, "POST", base+"/tickets/"+inComment["id"].(string)+"/comments",
		map[string]any{"content": "The login error is back", "is_internal": false}).Expect(201)
	byCustomer := e.ticket(k, map[string]any{"customer_id": ada, "subject": "Question"})
	e.ticket(k, map[string]any{"customer_id": other, "subject": "Logins and errors"}) // other words
	cases := map[string][]any{
		// Newest first, as the list without search.
		"search=login+error":                  {inComment["id"], split["id"], login["id"]},
		"search=LOGIN%20Error":                {inComment["id"], split["id"], login["id"]},
		"search=log":                          {},
		"search=error+log*":                   {inComment["id"], split["id"], login["id"]},
		"search=lovelace":                     {byCustomer["id"]},
		"search=ada%40lovelace.test":          {byCustomer["id"]},
		"search=login+error&priority=high":    {inComment["id"]},
		"search=login+error&offset=1&limit=1": {split["id"]},
		"search=login+error&offset=3":         {},
	}
	for q, want := range cases {
		got := ids(e.As(k, "GET", base+"/tickets?"+q, nil).Expect(200).Array())
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %v, want %v", q, got, want)
		}
	}
	// No word to look for is a 422 naming the parameter, in the product's format.
	body := e.As(k, "GET", base+"/tickets?search=%21%3F", nil).Expect(422).Object()
	if !strings.Contains(fmt.Sprint(body["detail"]), "search") {
		t.Errorf("422 body %v does not name search", body)
	}
}

// https://toptickets.pages.dev/api-reference/tickets ("Delete Ticket") and
// https://toptickets.pages.dev/reference/scopes (tickets:delete, "Permanently
// delete tickets"): 204, then the ticket, its comments and attachments are gone.
func TestDeleteTicket(t *testing.T) {
	e := newEnv(t)
	tk := e.ticket(e.WS.Key, map[string]any{"customer_id": e.customer(e.WS), "subject": "Bye"})
	id := tk["id"].(string)
	e.As(e.WS.Key, "POST", base+"/tickets/"+id+"/comments", map[string]any{"content": "hello"}).Expect(201)
	att := e.upload(e.WS.Key, id, "a.png", "image/png", pngBytes).Expect(201).Object()
	e.As(e.WS.Key, "DELETE", base+"/tickets/"+id, nil).Expect(204)
	e.As(e.WS.Key, "GET", base+"/tickets/"+id, nil).Expect(404)
	e.As(e.WS.Key, "GET", base+"/tickets/"+id+"/comments", nil).Expect(404)
	e.As(e.WS.Key, "GET", base+"/tickets/"+id+"/attachments/"+att["id"].(string), nil).Expect(404)
	e.As(e.WS.Key, "DELETE", base+"/tickets/"+id, nil).Expect(404)
	var n int
	if err := e.DB.RawQueryRow(context.Background(), `SELECT COUNT(*) FROM messages WHERE ticket_id = $1`, id).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d messages left (%v)", n, err)
	}
}

// ---- comments (seed 001) ------------------------------------------------------

// Seed 001 ("List Comments": "Retrieve all comments for a ticket"): the list
// returns every comment, internal notes included and marked, at the
// product's base URL and at /v1, the seed's own path.
func TestCommentsListReturnsAll(t *testing.T) {
	e := newEnv(t)
	tk := e.Ticket(e.WS, "chat")
	for i := 0; i < 60; i++ {
		e.Post(e.WS, tk, ticketd.NewMessage{Body: fmt.Sprint("c", i), Internal: i == 59})
	}
	for _, p := range []string{base, "/v1"} {
		list := e.As(e.WS.Key, "GET", p+"/tickets/"+tk.ID.String()+"/comments", nil).Expect(200).Array()
		if len(list) != 60 || list[0]["content"] != "c0" || list[59]["is_internal"] != true {
			t.Fatalf("%s: %d comments", p, len(list))
		}
	}
}

// Seed 001 ("Create Comment", "Update Comment", "Delete Comment", "The
// Comment Object") on the product's base URL.
func TestCommentLifecycle(t *testing.T) {
	e := newEnv(t)
	tk := e.Ticket(e.WS, "chat")
	p := base + "/tickets/" + tk.ID.String() + "/comments"
	c := e.As(e.WS.Key, "POST", p, map[string]any{"content": "Thank you", "is_internal": true}).Expect(201).Object()
	if c["author_type"] != "AGENT" || c["author_user_id"] != e.WS.Owner.ID.String() || c["is_internal"] != true || len(c) != 9 {
		t.Fatalf("created: %v", c)
	}
	u := e.As(e.WS.Key, "PATCH", p+"/"+c["id"].(string), map[string]any{"content": "Updated"}).Expect(200).Object()
	if u["content"] != "Updated" || u["is_internal"] != true {
		t.Fatalf("updated: %v", u)
	}
	e.As(e.WS.Key, "DELETE", p+"/"+c["id"].(string), nil).Expect(204)
	e.As(e.WS.Key, "GET", p+"/"+c["id"].(string), nil).Expect(404)
	e.As(e.WS.Key, "POST", p, map[string]any{"is_internal": false}).Expect(422)
}

// ---- attachments ------------------------------------------------------------

// https://toptickets.pages.dev/api-reference/attachments ("The Attachment
// Object", "Upload Attachment", "List", "Get", "Get download URL", "Delete").
func TestAttachmentLifecycle(t *testing.T) {
	e := newEnv(t)
	tk := e.Ticket(e.WS, "chat")
	tp := base + "/tickets/" + tk.ID.String() + "/attachments"
	a := e.upload(e.WS.Key, tk.ID.String(), "screenshot.png", "image/png", pngBytes).Expect(201).Object()
	want := map[string]any{"ticket_id": tk.ID.String(), "filename": "screenshot.png", "content_type": "image/png",
		"size_bytes": float64(len(pngBytes)), "uploaded_by_user_id": e.WS.Owner.ID.String()}
	for k, v := range want {
		if a[k] != v {
			t.Errorf("%s = %v, want %v", k, a[k], v)
		}
	}
	if a["created_at"] == nil || len(a) != 7 {
		t.Errorf("attachment object: %v", a)
	}
	id := a["id"].(string)
	if list := e.As(e.WS.Key, "GET", tp, nil).Expect(200).Array(); len(list) != 1 || list[0]["id"] != id {
		t.Fatalf("list: %v", list)
	}
	e.As(e.WS.Key, "GET", tp+"/"+id, nil).Expect(200)
	d := e.As(e.WS.Key, "GET", tp+"/"+id+"/download", nil).Expect(200).Object()
	url := d["download_url"].(string)
	if !strings.HasPrefix(url, "http://example.com"+base+"/downloads/") {
		t.Fatalf("download_url %s", url)
	}
	// The signed URL (TestDownloadURLIsSignedAndExpires) and, with the key,
	// the file's own content route serve the same bytes.
	e.Do("GET", url[strings.Index(url, base):], nil).Expect(200)
	r := e.As(e.WS.Key, "GET", tp+"/"+id+"/content", nil).Expect(200)
	if !bytes.Equal(r.Body, pngBytes) || r.Header.Get("Content-Type") != "image/png" ||
		!strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") || r.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("download: %d bytes, headers %v", len(r.Body), r.Header)
	}
	e.As(e.WS.Key, "DELETE", tp+"/"+id, nil).Expect(204)
	e.As(e.WS.Key, "GET", tp+"/"+id, nil).Expect(404)
	if list := e.As(e.WS.Key, "GET", tp, nil).Expect(200).Array(); len(list) != 0 {
		t.Fatalf("after delete: %v", list)
	}
	// A part without a type is typed by its bytes.
	s := e.upload(e.WS.Key, tk.ID.String(), "noext", "", pngBytes).Expect(201).Object()
	if s["content_type"] != "image/png" {
		t.Errorf("sniffed %v", s["content_type"])
	}
}

// https://toptickets.pages.dev/api-reference/attachments ("File
// Restrictions", "Allowed File Types"): a type outside the list is refused
// and nothing is stored; so is a body that is not a multipart upload.
func TestAttachmentTypeAllowList(t *testing.T) {
	e := newEnv(t)
	tk := e.Ticket(e.WS, "chat").ID.String()
	for _, ct := range []string{"text/plain", "text/html", "application/pdf", "image/png", "image/jpeg", "image/gif",
		"image/webp", "video/mp4", "video/webm", "video/ogg", "video/quicktime", "application/zip",
		"application/x-7z-compressed", "application/gzip", "IMAGE/PNG; charset=binary"} {
		e.upload(e.WS.Key, tk, "f", ct, []byte("data")).Expect(201)
	}
	for _, ct := range []string{"application/x-msdownload", "application/javascript", "image/svg+xml", "text/x-shellscript"} {
		r := e.upload(e.WS.Key, tk, "evil", ct, []byte("MZ...")).Expect(422)
		if !strings.Contains(string(r.Body), "not allowed") {
			t.Errorf("%s: %s", ct, r.Body)
		}
	}
	// An executable sent as octet-stream is typed by its bytes, and refused.
	e.upload(e.WS.Key, tk, "x.exe", "application/octet-stream", []byte("MZ\x90\x00\x03\x00\x00\x00")).Expect(422)
	e.As(e.WS.Key, "POST", base+"/tickets/"+tk+"/attachments", map[string]any{"file": "x"}).Expect(400)
	if n := len(e.As(e.WS.Key, "GET", base+"/tickets/"+tk+"/attachments", nil).Expect(200).Array()); n != 15 {
		t.Fatalf("%d attachments, want the 15 allowed", n)
	}
	// Upload to a ticket that does not exist: 404, nothing stored.
	e.upload(e.WS.Key, ticketd.NewID().String(), "a.png", "image/png", pngBytes).Expect(404)
}

// zeroes yields n zero bytes without holding them.
type zeroes struct{ n int64 }

func (z *zeroes) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > z.n {
		p = p[:z.n]
	}
	clear(p)
	z.n -= int64(len(p))
	return len(p), nil
}

// streamUpload posts a file of size bytes, generated as it is sent.
func (e *env) streamUpload(ticket string, size int64) *httptest.ResponseRecorder {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="big.zip"`)
		h.Set("Content-Type", "application/zip")
		part, _ := mw.CreatePart(h)
		_, err := io.Copy(part, &zeroes{n: size})
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req := httptest.NewRequest("POST", base+"/tickets/"+ticket+"/attachments", pr)
	req.Header.Set("Authorization", "Bearer "+e.WS.Key)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, req)
	io.Copy(io.Discard, pr) // let the writer finish if the server stopped reading
	return rec
}

// https://toptickets.pages.dev/api-reference/attachments ("Maximum File
// Size: 30 MB per file"): 30 MB passes, one byte more is 413 and leaves no
// bytes behind; the upload streams, so memory stays far below its size.
func TestAttachmentSizeLimitAndMemory(t *testing.T) {
	e := newEnv(t)
	tk := e.Ticket(e.WS, "chat").ID.String()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rec := e.streamUpload(tk, ticketd.MaxTicketAttachmentBytes)
	runtime.ReadMemStats(&after)
	if rec.Code != 201 {
		t.Fatalf("30 MB upload: %d %s", rec.Code, rec.Body)
	}
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("a 30 MB upload allocated %d KiB in total", allocated>>10)
	if allocated > 8<<20 {
		t.Errorf("a 30 MB upload allocated %d bytes: not streamed", allocated)
	}
	rec = e.streamUpload(tk, ticketd.MaxTicketAttachmentBytes+1)
	if rec.Code != 413 || !strings.Contains(rec.Body.String(), `"detail"`) {
		t.Fatalf("30 MB + 1: %d %s", rec.Code, rec.Body)
	}
	if n := len(e.As(e.WS.Key, "GET", base+"/tickets/"+tk+"/attachments", nil).Expect(200).Array()); n != 1 {
		t.Fatalf("%d attachments, want 1", n)
	}
	var files int
	filepath.Walk(e.blobs, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			files++
		}
		return nil
	})
	if files != 1 {
		t.Fatalf("%d files in the blob store, want the one accepted", files)
	}
}

// ---- teams ------------------------------------------------------------------

// https://toptickets.pages.dev/api-reference/teams ("The Team Object", list,
// get, create, update, delete, add and remove member).
func TestTeams(t *testing.T) {
	e := newEnv(t)
	k := e.WS.Key
	tm := e.As(k, "POST", base+"/teams", map[string]any{"name": "Technical Support", "description": "Handles technical issues"}).Expect(201).Object()
	id := tm["id"].(string)
	if tm["name"] != "Technical Support" || tm["description"] != "Handles technical issues" || fmt.Sprint(tm["members"]) != "[]" {
		t.Fatalf("created: %v", tm)
	}
	e.As(k, "POST", base+"/teams", map[string]any{"name": "Technical Support"}).Expect(409)
	alice := e.As(k, "POST", base+"/users", map[string]any{"email": "alice@acme.test", "full_name": "Alice Johnson"}).Expect(201).Object()
	got := e.As(k, "POST", base+"/teams/"+id+"/members", map[string]any{"user_id": alice["id"]}).Expect(201).Object()
	e.As(k, "POST", base+"/teams/"+id+"/members", map[string]any{"user_id": alice["id"]}).Expect(201) // again: no change
	if m := apitest.Get(got, "members.0"); fmt.Sprint(m) != fmt.Sprint(map[string]any{"id": alice["id"], "email": "alice@acme.test", "full_name": "Alice Johnson"}) {
		t.Fatalf("members: %v", got["members"])
	}
	if got := e.As(k, "GET", base+"/teams/"+id, nil).Expect(200).Object(); len(got["members"].([]any)) != 1 {
		t.Fatalf("get: %v", got)
	}
	list := e.As(k, "GET", base+"/teams", nil).Expect(200).Array()
	if len(list) != 1 || list[0]["members"] != nil {
		t.Fatalf("list: %v", list)
	}
	up := e.As(k, "PATCH", base+"/teams/"+id, map[string]any{"description": "Bugs"}).Expect(200).Object()
	if up["name"] != "Technical Support" || up["description"] != "Bugs" || up["updated_at"] == tm["updated_at"] {
		t.Fatalf("update: %v", up)
	}
	tk := e.ticket(k, map[string]any{"customer_id": e.customer(e.WS), "subject": "S", "assigned_team_id": id})
	e.As(k, "DELETE", base+"/teams/"+id+"/members/"+alice["id"].(string), nil).Expect(204)
	e.As(k, "DELETE", base+"/teams/"+id+"/members/"+alice["id"].(string), nil).Expect(404)
	e.As(k, "POST", base+"/teams/"+id+"/members", map[string]any{"user_id": ticketd.NewID().String()}).Expect(404)
	e.As(k, "DELETE", base+"/teams/"+id, nil).Expect(204)
	e.As(k, "GET", base+"/teams/"+id, nil).Expect(404)
	if after := e.As(k, "GET", base+"/tickets/"+tk["id"].(string), nil).Expect(200).Object(); after["assigned_team_id"] != nil {
		t.Fatalf("a deleted team's ticket keeps it: %v", after)
	}
}

// ---- customers --------------------------------------------------------------

// https://toptickets.pages.dev/api-reference/customers ("The Customer
// Object"): one name and the profile fields, written and read back; a PATCH
// changes only what it names; the shop API's two names are the same person.
func TestCustomerObject(t *testing.T) {
	e := newEnv(t)
	k := e.WS.Key
	body := map[string]any{"name": "John Doe", "email": "john.doe@example.com", "company": "Acme Corp",
		"department": "Engineering", "title": "Software Engineer", "customer_tier": "tier_1", "contact_number": "+1-555-123-4567",
		"pronoun": "he/him", "location_country": "United States", "location_city": "San Francisco",
		"location_state": "California", "location_zip": "94102", "location_address": "123 Main St, Suite 500",
		"region": "amer", "timezone": "America/Los_Angeles", "account_value": "50000.00", "has_premium_support": true,
		"is_vip": false, "social_linkedin": "https://linkedin.com/in/johndoe", "social_website": "https://johndoe.dev",
		"social_github": "https://github.com/johndoe", "notes": "Key stakeholder for Q4 renewal."}
	c := e.As(k, "POST", base+"/customers", body).Expect(201).Object()
	got := e.As(k, "GET", base+"/customers/"+c["id"].(string), nil).Expect(200).Object()
	for f, v := range body {
		if c[f] != v || got[f] != v {
			t.Errorf("%s: created %v, read %v, want %v", f, c[f], got[f], v)
		}
	}
	n := e.As(k, "GET", "/v1/customers/"+c["id"].(string), nil).Expect(200).Object()
	if n["first_name"] != "John" || n["last_name"] != "Doe" {
		t.Errorf("native names: %v %v", n["first_name"], n["last_name"])
	}
	p := e.As(k, "PATCH", base+"/customers/"+c["id"].(string), map[string]any{"is_vip": true, "title": "CTO"}).Expect(200).Object()
	if p["is_vip"] != true || p["title"] != "CTO" || p["company"] != "Acme Corp" || p["has_premium_support"] != true || p["name"] != "John Doe" {
		t.Fatalf("patch: %v", p)
	}
	for f, v := range map[string]any{"customer_tier": "tier_9", "region": "mars", "account_value": "lots"} {
		r := e.As(k, "PATCH", base+"/customers/"+c["id"].(string), map[string]any{f: v}).Expect(422)
		if apitest.Get(r.JSON(), "detail.0.loc.1") != f {
			t.Errorf("%s: %s", f, r.Body)
		}
	}
	e.As(k, "POST", base+"/customers", map[string]any{"email": "x@example.com"}).Expect(422)
}

// https://toptickets.pages.dev/api-reference/customers ("Delete Customer"):
// 204; the customer is gone from get and list and its address is free, while
// its tickets and their conversation stay.
func TestDeleteCustomer(t *testing.T) {
	e := newEnv(t)
	k := e.WS.Key
	c := e.As(k, "POST", base+"/customers", map[string]any{"name": "Jo", "email": "jo@example.com"}).Expect(201).Object()
	id := c["id"].(string)
	tk := e.ticket(k, map[string]any{"customer_id": id, "subject": "Kept"})
	e.As(k, "DELETE", base+"/customers/"+id, nil).Expect(204)
	e.As(k, "GET", base+"/customers/"+id, nil).Expect(404)
	e.As(k, "DELETE", base+"/customers/"+id, nil).Expect(404)
	if list := e.As(k, "GET", base+"/customers", nil).Expect(200).Array(); len(list) != 0 {
		t.Fatalf("list: %v", list)
	}
	if got := e.As(k, "GET", base+"/tickets/"+tk["id"].(string), nil).Expect(200).Object(); got["customer_id"] != id {
		t.Fatalf("ticket: %v", got)
	}
	e.As(k, "POST", base+"/customers", map[string]any{"name": "Jo again", "email": "jo@example.com"}).Expect(201)
}

// ---- users ------------------------------------------------------------------

// https://toptickets.pages.dev/api-reference/users ("The User Object"):
// full_name, role (four roles), is_active ("whether user can access the
// system": its keys stop working while false), avatar_url, employee_type
// (bot too), region and timezone.
func TestUserObject(t *testing.T) {
	e := newEnv(t)
	k := e.WS.Key
	body := map[string]any{"email": "bot@acme.test", "full_name": "Triage Bot", "role": "read_only_agent", "is_active": true,
		"avatar_url": "https://cdn.example/bot.png", "employee_type": "bot", "region": "emea", "timezone": "Europe/Paris"}
	u := e.As(k, "POST", base+"/users", body).Expect(201).Object()
	got := e.As(k, "GET", base+"/users/"+u["id"].(string), nil).Expect(200).Object()
	for f, v := range body {
		if u[f] != v || got[f] != v {
			t.Errorf("%s: created %v, read %v, want %v", f, u[f], got[f], v)
		}
	}
	d := e.As(k, "POST", base+"/users", map[string]any{"email": "d@acme.test", "full_name": "D"}).Expect(201).Object()
	if d["is_active"] != true || d["employee_type"] != "permanent" || d["role"] != "agent" || d["avatar_url"] != nil {
		t.Errorf("defaults: %v", d)
	}
	uid, _ := ticketd.ParseID(u["id"].(string))
	_, botKey, err := e.Service.CreateAPIKey(context.Background(), e.WS.Principal, ticketd.NewAPIKeyInput{Name: "bot",
		Scopes: []ticketd.Scope{"tickets:read"}, UserID: &uid})
	if err != nil {
		t.Fatal(err)
	}
	e.As(botKey, "GET", base+"/tickets", nil).Expect(200)
	p := e.As(k, "PATCH", base+"/users/"+u["id"].(string), map[string]any{"is_active": false}).Expect(200).Object()
	if p["is_active"] != false || p["employee_type"] != "bot" || p["full_name"] != "Triage Bot" {
		t.Fatalf("patch: %v", p)
	}
	// "Whether user can access the system": an inactive user's keys stop working.
	e.As(botKey, "GET", base+"/tickets", nil).Expect(401)
	e.As(k, "PATCH", base+"/users/"+u["id"].(string), map[string]any{"is_active": true}).Expect(200)
	e.As(botKey, "GET", base+"/tickets", nil).Expect(200)
	for f, v := range map[string]any{"employee_type": "robot", "role": "owner", "region": "moon"} {
		r := e.As(k, "PATCH", base+"/users/"+u["id"].(string), map[string]any{f: v}).Expect(422)
		if apitest.Get(r.JSON(), "detail.0.loc.1") != f {
			t.Errorf("%s: %s", f, r.Body)
		}
	}
	r := e.As(k, "POST", base+"/users", map[string]any{"email": "e@acme.test", "full_name": ""}).Expect(422)
	if apitest.Get(r.JSON(), "detail.0.loc.1") != "full_name" {
		t.Errorf("empty full_name: %s", r.Body)
	}
}

// https://toptickets.pages.dev/api-reference/users ("Delete User"): 204;
// the user is gone, its keys stop working, its tickets are unassigned and
// its comments keep their author. A key cannot delete its own user.
func TestDeleteUser(t *testing.T) {
	e := newEnv(t)
	k := e.WS.Key
	u := e.As(k, "POST", base+"/users", map[string]any{"email": "sam@acme.test", "full_name": "Sam"}).Expect(201).Object()
	id := u["id"].(string)
	uid, _ := ticketd.ParseID(id)
	_, samKey, err := e.Service.CreateAPIKey(context.Background(), e.WS.Principal, ticketd.NewAPIKeyInput{Name: "sam",
		Scopes: []ticketd.Scope{"comments:write", "tickets:read"}, UserID: &uid})
	if err != nil {
		t.Fatal(err)
	}
	tk := e.ticket(k, map[string]any{"customer_id": e.customer(e.WS), "subject": "S", "assigned_user_id": id})
	cm := e.As(samKey, "POST", base+"/tickets/"+tk["id"].(string)+"/comments", map[string]any{"content": "from Sam"}).Expect(201).Object()
	e.As(k, "DELETE", base+"/users/"+id, nil).Expect(204)
	e.As(k, "GET", base+"/users/"+id, nil).Expect(404)
	e.As(samKey, "GET", base+"/tickets/"+tk["id"].(string), nil).Expect(401)
	if got := e.As(k, "GET", base+"/tickets/"+tk["id"].(string), nil).Expect(200).Object(); got["assigned_user_id"] != nil {
		t.Fatalf("ticket still assigned: %v", got)
	}
	if c := e.As(k, "GET", base+"/tickets/"+tk["id"].(string)+"/comments/"+cm["id"].(string), nil).Expect(200).Object(); c["author_user_id"] != id {
		t.Fatalf("comment author: %v", c)
	}
	for _, u := range e.As(k, "GET", base+"/users", nil).Expect(200).Array() {
		if u["id"] == id {
			t.Fatal("a deleted user is listed")
		}
	}
	e.As(k, "POST", base+"/users", map[string]any{"email": "sam@acme.test", "full_name": "Sam again"}).Expect(201)
	e.As(k, "DELETE", base+"/users/"+e.WS.Owner.ID.String(), nil).Expect(409)
}

// https://toptickets.pages.dev/api-reference/users ("List Users": skip and
// limit, default 50, max 100) and ../teams (the same).
func TestUsersAndTeamsPaging(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < 54; i++ {
		e.As(e.WS.Key, "POST", base+"/users", map[string]any{"email": fmt.Sprintf("u%d@acme.test", i), "full_name": "U"}).Expect(201)
	}
	if n := len(e.As(e.WS.Key, "GET", base+"/users", nil).Expect(200).Array()); n != 50 {
		t.Fatalf("default page %d, want 50", n)
	}
	if n := len(e.As(e.WS.Key, "GET", base+"/users?skip=50", nil).Expect(200).Array()); n != 5 {
		t.Fatalf("skip=50: %d, want 5 (54 and the owner)", n)
	}
	e.As(e.WS.Key, "GET", base+"/users?limit=101", nil).Expect(422)
	e.As(e.WS.Key, "GET", base+"/teams?limit=101", nil).Expect(422)
}

// https://toptickets.pages.dev/api-reference/users ("Upload avatar",
// "Delete avatar": POST and DELETE /v1/users/me/avatar, users:write): the
// calling key's user gets an avatar_url that serves the picture; only images
// are taken.
func TestAvatar(t *testing.T) {
	e := newEnv(t)
	k := e.WS.Key
	ct, body := multipartBody(t, "me.png", "image/png", pngBytes)
	u := e.As(k, "POST", base+"/users/me/avatar", body, "Content-Type", ct).Expect(200).Object()
	url, _ := u["avatar_url"].(string)
	if u["id"] != e.WS.Owner.ID.String() || !strings.HasSuffix(url, base+"/users/"+e.WS.Owner.ID.String()+"/avatar") {
		t.Fatalf("after upload: %v", u)
	}
	r := e.As(k, "GET", url[strings.Index(url, base):], nil).Expect(200)
	if !bytes.Equal(r.Body, pngBytes) || r.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("avatar: %d bytes, %v", len(r.Body), r.Header)
	}
	if g := e.As(k, "GET", base+"/users/"+e.WS.Owner.ID.String(), nil).Expect(200).Object(); g["avatar_url"] != url {
		t.Fatalf("user: %v", g)
	}
	ct, body = multipartBody(t, "x.pdf", "application/pdf", []byte("%PDF-1.4"))
	e.As(k, "POST", base+"/users/me/avatar", body, "Content-Type", ct).Expect(422)
	e.As(e.KeyWith(e.WS, apitest.AllBut("users:write")...), "DELETE", base+"/users/me/avatar", nil).Expect(403)
	if d := e.As(k, "DELETE", base+"/users/me/avatar", nil).Expect(200).Object(); d["avatar_url"] != nil {
		t.Fatalf("after delete: %v", d)
	}
	e.As(k, "GET", base+"/users/"+e.WS.Owner.ID.String()+"/avatar", nil).Expect(404)
}

// ---- keys, roles, rate limits -----------------------------------------------

// https://toptickets.pages.dev/getting-started/api-keys ("Test your API
// key"): POST /v1/test answers the key's name, prefix, scopes and expiry to
// any valid key, whatever its scopes.
func TestKeySelfCheck(t *testing.T) {
	e := newEnv(t)
	k := e.KeyWith(e.WS, "tickets:read", "teams:read")
	r := e.As(k, "POST", base+"/test", nil).Expect(200).Object()
	if r["success"] != true || r["message"] != "API key is valid and working correctly" || r["key_name"] != "limited" ||
		!strings.HasPrefix(k, fmt.Sprint(r["key_prefix"])) || fmt.Sprint(r["scopes"]) != "[tickets:read teams:read]" ||
		r["expires_at"] != nil || r["organization_id"] != e.WS.ID.String() || r["authenticated_at"] == nil {
		t.Fatalf("self-check: %v", r)
	}
	e.Do("POST", base+"/test", nil).Expect(401)
	// The page's Python example sends a GET: the same answer.
	if g := e.As(k, "GET", base+"/test", nil).Expect(200).Object(); g["key_prefix"] != r["key_prefix"] || g["key_name"] != "limited" {
		t.Fatalf("GET /test: %v", g)
	}
}

// https://toptickets.pages.dev/reference/roles: four roles; a read-only
// admin's keys hold read scopes only and expire after 72 hours, enforced;
// an agent cannot create keys; an expired key is refused (401).
func TestRolesAndKeyExpiry(t *testing.T) {
	ctx := context.Background()
	var now time.Time
	clock := func() time.Time { return now }
	now = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	e := newEnv(t, func(o *apitest.Options) { o.ServiceOptions = append(o.ServiceOptions, ticketd.WithClock(clock)) })
	svc := e.Service
	ro, err := svc.CreateUser(ctx, e.WS.Principal, ticketd.NewUser{Email: "ro@acme.test", Name: "RO", Role: ticketd.RoleReadOnlyAdmin})
	if err != nil {
		t.Fatal(err)
	}
	// A key acting as a read-only admin may hold read scopes only.
	if _, _, err := svc.CreateAPIKey(ctx, e.WS.Principal, ticketd.NewAPIKeyInput{Name: "w", Scopes: []ticketd.Scope{"tickets:write"},
		UserID: &ro.ID}); ticketd.ErrorCode(err) != ticketd.EFORBIDDEN {
		t.Fatalf("read-only admin with tickets:write: %v", err)
	}
	_, roRaw, err := svc.CreateAPIKey(ctx, e.WS.Principal, ticketd.NewAPIKeyInput{Name: "ro",
		Scopes: []ticketd.Scope{"tickets:read", "users:read"}, UserID: &ro.ID})
	if err != nil {
		t.Fatal(err)
	}
	roP, err := svc.Authenticate(ctx, roRaw)
	if err != nil || roP.Role != ticketd.RoleReadOnlyAdmin {
		t.Fatalf("principal %v %v", roP, err)
	}
	// Its own keys expire after 72 hours, whatever it asks.
	asked := now.Add(30 * 24 * time.Hour)
	k, raw, err := svc.CreateAPIKey(ctx, roP, ticketd.NewAPIKeyInput{Name: "short", Scopes: []ticketd.Scope{"tickets:read"}, ExpiresAt: &asked})
	if err != nil || k.ExpiresAt == nil || !k.ExpiresAt.Equal(now.Add(72*time.Hour)) {
		t.Fatalf("read-only admin's key: %v %v", k, err)
	}
	r := e.As(raw, "POST", base+"/test", nil).Expect(200).Object()
	if r["expires_at"] != now.Add(72*time.Hour).Format(time.RFC3339) {
		t.Errorf("expires_at %v", r["expires_at"])
	}
	now = now.Add(72 * time.Hour)
	if r := e.As(raw, "POST", base+"/test", nil).Expect(401).Object(); r["detail"] != "API key has expired" {
		t.Errorf("expired: %v", r)
	}
	// An agent's key cannot make keys.
	ag, _ := svc.CreateUser(ctx, e.WS.Principal, ticketd.NewUser{Email: "ag@acme.test", Name: "AG"})
	_, agRaw, _ := svc.CreateAPIKey(ctx, e.WS.Principal, ticketd.NewAPIKeyInput{Name: "ag", Scopes: ticketd.AllScopes, UserID: &ag.ID})
	agP, _ := svc.Authenticate(ctx, agRaw)
	if _, _, err := svc.CreateAPIKey(ctx, agP, ticketd.NewAPIKeyInput{Name: "x", Scopes: []ticketd.Scope{"tickets:read"}}); ticketd.ErrorCode(err) != ticketd.EFORBIDDEN {
		t.Fatalf("agent made a key: %v", err)
	}
}

// https://toptickets.pages.dev/getting-started/rate-limits: admin keys
// 2,000 a minute, other keys 200; past it 429 with Retry-After and
// {"detail": "Rate limit exceeded. Try again in N seconds."}.
func TestRateLimitsByRole(t *testing.T) {
	fixed := func() time.Time { return time.Date(2026, 4, 28, 10, 30, 20, 0, time.UTC) }
	if server.DefaultRateLimits.TopTicketsAdminKey != 2000 || server.DefaultRateLimits.TopTicketsKey != 200 {
		t.Fatalf("defaults: %+v", server.DefaultRateLimits)
	}
	e := newEnv(t, func(o *apitest.Options) {
		o.RateClock = fixed
		o.RateLimits = &server.RateLimits{TopTicketsAdminKey: 2, TopTicketsKey: 1}
	})
	ag, _ := e.Service.CreateUser(context.Background(), e.WS.Principal, ticketd.NewUser{Email: "ag@acme.test", Name: "AG"})
	_, agKey, _ := e.Service.CreateAPIKey(context.Background(), e.WS.Principal, ticketd.NewAPIKeyInput{Name: "ag",
		Scopes: []ticketd.Scope{"tickets:read"}, UserID: &ag.ID})
	limited := apitest.Scenario{Method: "GET", Path: base + "/tickets", Status: 429, Header: map[string]any{"Retry-After": "40"},
		JSON: map[string]any{"detail": "Rate limit exceeded. Try again in 40 seconds."}}
	admin3, agent2 := limited, limited
	admin3.Name, admin3.Key = "admin third", e.WS.Key
	agent2.Name, agent2.Key = "agent second", agKey
	e.Run(t, []apitest.Scenario{
		{Name: "admin first", Method: "GET", Path: base + "/tickets", Key: e.WS.Key, Status: 200},
		{Name: "admin second", Method: "GET", Path: base + "/tickets", Key: e.WS.Key, Status: 200},
		admin3,
		{Name: "agent first", Method: "GET", Path: base + "/tickets", Key: agKey, Status: 200},
		agent2,
	})
}

// ---- every route: scopes and tenancy -------------------------------------------

// https://toptickets.pages.dev/reference/scopes and
// https://toptickets.pages.dev/getting-started/authentication ("Scope
// Requirements by Endpoint"): every route of the mount refuses a key that
// holds every scope but its own with 403 and the scope's name; and every
// route with an id answers another workspace's object as not found, changing
// nothing. The routes come from the mount's own table, so a new route is
// covered by being registered.
func TestEveryRouteScopesAndTenancy(t *testing.T) {
	e := newEnv(t)
	a := e.WS
	ids := map[string]string{}
	tk := e.ticket(a.Key, map[string]any{"customer_id": e.customer(a), "subject": "A's"})
	ids["tickets"] = tk["id"].(string)
	ids["comments"] = e.As(a.Key, "POST", base+"/tickets/"+ids["tickets"]+"/comments", map[string]any{"content": "A"}).Expect(201).Object()["id"].(string)
	ids["attachments"] = e.upload(a.Key, ids["tickets"], "a.png", "image/png", pngBytes).Expect(201).Object()["id"].(string)
	ids["teams"] = e.As(a.Key, "POST", base+"/teams", map[string]any{"name": "A team"}).Expect(201).Object()["id"].(string)
	ids["customers"] = e.customer(a)
	ids["users"] = e.As(a.Key, "POST", base+"/users", map[string]any{"email": "m@acme.test", "full_name": "M"}).Expect(201).Object()["id"].(string)
	ids["members"] = ids["users"]
	e.As(a.Key, "POST", base+"/teams/"+ids["teams"]+"/members", map[string]any{"user_id": ids["users"]}).Expect(201)

	path := func(p string) string {
		segs := strings.Split(p, "/")
		for i, s := range segs {
			if strings.HasPrefix(s, "{") && i > 0 {
				segs[i] = ids[segs[i-1]]
			}
		}
		return strings.Join(segs, "/")
	}
	body := func(method, p string) (any, []string) {
		if method == "POST" && strings.HasSuffix(p, "/attachments") {
			ct, b := multipartBody(t, "b.png", "image/png", pngBytes)
			return b, []string{"Content-Type", ct}
		}
		if method == "POST" || method == "PATCH" {
			m := map[string]any{"content": "x", "name": "x", "subject": "x", "user_id": ids["users"], "full_name": "x",
				"email": "new@acme.test"}
			if method == "POST" {
				m["customer_id"] = ids["customers"]
			}
			return m, nil
		}
		return nil, nil
	}
	mount := server.Mounts(e.Service, server.Config{})
	var routes []string
	for _, m := range mount {
		if m.Name != "toptickets" {
			continue
		}
		for _, r := range m.Routes() {
			for _, prefix := range append(m.Prefixes(), r.Also...) {
				routes = append(routes, r.Method+" "+prefix+r.Path+" "+string(r.Scope))
			}
		}
	}
	if len(routes) < 30 {
		t.Fatalf("only %d routes", len(routes))
	}
	b := e.NewWorkspace("Other")
	for _, rt := range routes {
		f := strings.Fields(rt)
		method, p := f[0], f[1]
		b1, h := body(method, p)
		if len(f) == 3 {
			scope := ticketd.Scope(f[2])
			key := e.KeyWith(a, apitest.AllBut(scope)...)
			r := e.As(key, method, path(p), b1, h...)
			if r.Status != 403 || !strings.Contains(string(r.Body), "Insufficient permissions. Required scope: "+string(scope)) {
				t.Errorf("%s without %s: %d %s", rt, scope, r.Status, r.Body)
			}
		}
		if !strings.Contains(p, "{") {
			continue
		}
		b1, h = body(method, p)
		if r := e.As(b.Key, method, path(p), b1, h...); r.Status != 404 {
			t.Errorf("%s with another workspace's key: %d %s", rt, r.Status, r.Body)
		}
	}
	// Nothing of A's changed.
	e.As(a.Key, "GET", base+"/tickets/"+ids["tickets"], nil).Expect(200)
	e.As(a.Key, "GET", base+"/tickets/"+ids["tickets"]+"/comments/"+ids["comments"], nil).Expect(200)
	e.As(a.Key, "GET", base+"/tickets/"+ids["tickets"]+"/attachments/"+ids["attachments"], nil).Expect(200)
	if tm := e.As(a.Key, "GET", base+"/teams/"+ids["teams"], nil).Expect(200).Object(); len(tm["members"].([]any)) != 1 {
		t.Errorf("A's team lost its member: %v", tm)
	}
	e.As(a.Key, "GET", base+"/customers/"+ids["customers"], nil).Expect(200)
	e.As(a.Key, "GET", base+"/users/"+ids["users"], nil).Expect(200)
	// And B's lists show none of A's objects.
	for _, l := range []string{"/tickets", "/teams", "/customers", "/users"} {
		body := string(e.As(b.Key, "GET", base+l, nil).Expect(200).Body)
		for _, id := range ids {
			if strings.Contains(body, id) {
				t.Errorf("B's %s shows A's %s", l, id)
			}
		}
	}
}

// ---- download URLs, dashboard, events ------------------------------------------

// https://toptickets.pages.dev/api-reference/attachments ("Get download
// URL") and https://toptickets.pages.dev/reference/scopes (attachments:read,
// "get download URLs"): the URL works without the API key until expires_at
// (one hour, CONTRACT.md), on every node of the database (the signing key is
// the database's, not a process's); an altered or expired URL is 403 in the
// surface's {"detail"} and reads nothing; a URL of a deleted file is 404.
func TestDownloadURLIsSignedAndExpires(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	clock := ticketd.WithClock(func() time.Time { return now })
	e := newEnv(t, func(o *apitest.Options) { o.ServiceOptions = append(o.ServiceOptions, clock) })
	tk := e.Ticket(e.WS, "chat").ID.String()
	a := e.upload(e.WS.Key, tk, "shot.png", "image/png", pngBytes).Expect(201).Object()
	d := e.As(e.WS.Key, "GET", base+"/tickets/"+tk+"/attachments/"+a["id"].(string)+"/download", nil).Expect(200).Object()
	if d["expires_at"] != now.Add(time.Hour).Format(time.RFC3339) || d["filename"] != "shot.png" || d["size_bytes"] != float64(len(pngBytes)) {
		t.Fatalf("download: %v", d)
	}
	url := d["download_url"].(string)
	path := url[strings.Index(url, base):]
	if !strings.HasPrefix(path, base+"/downloads/") {
		t.Fatalf("download_url %s", url)
	}
	// No key needed, on this node...
	r := e.Do("GET", path, nil).Expect(200)
	if !bytes.Equal(r.Body, pngBytes) || r.Header.Get("Content-Type") != "image/png" ||
		!strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %d bytes, %v", len(r.Body), r.Header)
	}
	// ...and on a second node over the same database, which never made a link.
	db2 := sqlstoretest.OpenDSN(t, e.DSN)
	svc2 := ticketd.NewService(db2, clock, ticketd.WithBlobStore(&blob.Dir{Path: e.blobs}))
	node2 := server.New(svc2, server.Config{})
	rec := httptest.NewRecorder()
	node2.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), pngBytes) {
		t.Fatalf("second node: %d %s", rec.Code, rec.Body.Bytes())
	}
	// Altered anywhere: refused.
	token := strings.TrimPrefix(path, base+"/downloads/")
	for i, bad := range []string{token[:len(token)-1] + flip(token[len(token)-1]), flip(token[0]) + token[1:],
		token[:40] + flip(token[40]) + token[41:], "x", token + "A"} {
		e.Run(t, []apitest.Scenario{{Name: fmt.Sprint("tampered ", i), Method: "GET", Path: base + "/downloads/" + bad,
			Status: 403, JSON: map[string]any{"detail": "Invalid download link"}}})
	}
	// At its expiry: refused, on both nodes.
	now = now.Add(time.Hour)
	e.Run(t, []apitest.Scenario{{Name: "expired", Method: "GET", Path: path, Status: 403,
		JSON: map[string]any{"detail": "Download link has expired"}}})
	rec = httptest.NewRecorder()
	node2.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if rec.Code != 403 {
		t.Fatalf("second node, expired: %d", rec.Code)
	}
	// A fresh link to a deleted file: not found.
	d = e.As(e.WS.Key, "GET", base+"/tickets/"+tk+"/attachments/"+a["id"].(string)+"/download", nil).Expect(200).Object()
	e.As(e.WS.Key, "DELETE", base+"/tickets/"+tk+"/attachments/"+a["id"].(string), nil).Expect(204)
	url = d["download_url"].(string)
	e.Do("GET", url[strings.Index(url, base):], nil).Expect(404)
}

// flip changes one base64url character into another.
func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

// https://toptickets.pages.dev/reference/scopes ("Dashboard": dashboard:read,
// "Get statistics, metrics") and .../getting-started/authentication
// (dashboard:read, "View dashboard statistics"): the page names the scope,
// not a route; GET /dashboard/stats (CONTRACT.md) counts the tickets by the
// product's statuses, the open and the unassigned ones, and each agent's
// open tickets, following every write.
func TestDashboardStats(t *testing.T) {
	e := newEnv(t)
	c := e.customer(e.WS)
	owner := e.WS.Owner.ID.String()
	for _, b := range []map[string]any{
		{"status": "new"}, {"status": "open", "assigned_user_id": owner}, {"status": "open"},
		{"status": "pending", "assigned_user_id": owner}, {"status": "resolved", "assigned_user_id": owner}, {"status": "closed"},
	} {
		b["customer_id"], b["subject"] = c, "s"
		e.ticket(e.WS.Key, b)
	}
	e.Run(t, []apitest.Scenario{
		{Name: "counts", Method: "GET", Path: base + "/dashboard/stats", Key: e.WS.Key, Status: 200, JSON: map[string]any{
			"total_tickets": 6.0, "open_tickets": 4.0, "unassigned_tickets": 2.0,
			"tickets_by_status":        map[string]any{"new": 1.0, "open": 2.0, "pending": 1.0, "resolved": 1.0, "closed": 1.0},
			"tickets_by_assigned_user": []any{map[string]any{"assigned_user_id": owner, "open_tickets": 2.0}}}},
		{Name: "403 without dashboard:read", Method: "GET", Path: base + "/dashboard/stats", Key: e.KeyWith(e.WS, "tickets:read"),
			Status: 403, JSON: map[string]any{"detail": "Insufficient permissions. Required scope: dashboard:read"}},
	})
	// Another workspace's tickets are not counted.
	other := e.NewWorkspace("Other")
	e.Run(t, []apitest.Scenario{{Name: "other workspace", Method: "GET", Path: base + "/dashboard/stats", Key: other.Key,
		Status: 200, JSON: map[string]any{"total_tickets": 0.0, "tickets_by_assigned_user": []any{}}}})
}

// https://toptickets.pages.dev (Key Features: "Activity Tracking - Full
// audit trail of all changes"): every write of the surface records its
// event (GET /v1/events, webhooks) in the write's transaction: tickets,
// comments (edits and deletes, notes as note.*), attachments, teams and
// their members, customers and users, deletes included.
func TestEveryWriteRecordsAnEvent(t *testing.T) {
	e := newEnv(t)
	k := e.WS.Key
	c := e.customer(e.WS)
	tk := e.ticket(k, map[string]any{"customer_id": c, "subject": "S"})["id"].(string)
	e.As(k, "PATCH", base+"/tickets/"+tk, map[string]any{"priority": "urgent"}).Expect(200)
	cp := base + "/tickets/" + tk + "/comments"
	cm := e.As(k, "POST", cp, map[string]any{"content": "hi"}).Expect(201).Object()["id"].(string)
	e.As(k, "PATCH", cp+"/"+cm, map[string]any{"content": "hello"}).Expect(200)
	e.As(k, "PATCH", cp+"/"+cm, map[string]any{"is_internal": true}).Expect(200)
	e.As(k, "PATCH", cp+"/"+cm, map[string]any{"content": "note"}).Expect(200)
	e.As(k, "DELETE", cp+"/"+cm, nil).Expect(204)
	pub := e.As(k, "POST", cp, map[string]any{"content": "public"}).Expect(201).Object()["id"].(string)
	e.As(k, "DELETE", cp+"/"+pub, nil).Expect(204)
	att := e.upload(k, tk, "a.png", "image/png", pngBytes).Expect(201).Object()["id"].(string)
	e.As(k, "DELETE", base+"/tickets/"+tk+"/attachments/"+att, nil).Expect(204)
	team := e.As(k, "POST", base+"/teams", map[string]any{"name": "T"}).Expect(201).Object()["id"].(string)
	e.As(k, "PATCH", base+"/teams/"+team, map[string]any{"name": "T2"}).Expect(200)
	u := e.As(k, "POST", base+"/users", map[string]any{"email": "u@acme.test", "full_name": "U"}).Expect(201).Object()["id"].(string)
	e.As(k, "PATCH", base+"/users/"+u, map[string]any{"full_name": "U2"}).Expect(200)
	e.As(k, "POST", base+"/teams/"+team+"/members", map[string]any{"user_id": u}).Expect(201)
	e.As(k, "DELETE", base+"/teams/"+team+"/members/"+u, nil).Expect(204)
	e.As(k, "DELETE", base+"/teams/"+team, nil).Expect(204)
	e.As(k, "DELETE", base+"/users/"+u, nil).Expect(204)
	e.As(k, "PATCH", base+"/customers/"+c, map[string]any{"company": "Acme"}).Expect(200)
	e.As(k, "DELETE", base+"/tickets/"+tk, nil).Expect(204)
	e.As(k, "DELETE", base+"/customers/"+c, nil).Expect(204)

	var got []string
	data := map[string]map[string]any{}
	for _, ev := range e.As(k, "GET", "/v1/events?format=json&limit=500", nil).Expect(200).Array() {
		if typ := ev["type"].(string); !strings.HasPrefix(typ, "customer.created") {
			got = append(got, typ)
			data[typ] = ev["data"].(map[string]any)
		}
	}
	// Each carries its object in the native API's words.
	if a := data["attachment.deleted"]["attachment"].(map[string]any); a["filename"] != "a.png" || a["id"] != att {
		t.Errorf("attachment.deleted: %v", a)
	}
	if tm := data["team.member_removed"]; tm["team"].(map[string]any)["name"] != "T2" || tm["user"].(map[string]any)["id"] != u {
		t.Errorf("team.member_removed: %v", tm)
	}
	if us := data["user.updated"]["user"].(map[string]any); us["name"] != "U2" || us["email"] != "u@acme.test" {
		t.Errorf("user.updated: %v", us)
	}
	if td := data["ticket.deleted"]["ticket"].(map[string]any); td["id"] != tk || td["priority"] != "urgent" {
		t.Errorf("ticket.deleted: %v", td)
	}
	// The first agent comment opens the new ticket (ticket.updated, ticket.status_changed).
	want := []string{"ticket.created", "ticket.updated", "message.created", "ticket.updated", "ticket.status_changed", "message.updated",
		"message.deleted", "note.updated", "note.updated", "note.deleted", "message.created", "message.deleted",
		"attachment.created", "attachment.deleted", "team.created", "team.updated", "user.created", "user.updated",
		"team.member_added", "team.member_removed", "team.deleted", "user.deleted", "customer.updated",
		"ticket.deleted", "customer.deleted"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("events:\n got %v\nwant %v", got, want)
	}
	// A note's events reach only who sees notes: a messages:read key (the
	// customer-facing messages resource's scope) sees none of them.
	for _, ev := range e.As(e.KeyWith(e.WS, "messages:read"), "GET", "/v1/events?format=json&limit=500", nil).Expect(200).Array() {
		if strings.HasPrefix(ev["type"].(string), "note.") {
			t.Errorf("messages:read sees %v", ev["type"])
		}
	}
}

// https://toptickets.pages.dev/getting-started/api-keys ("IP restrictions -
// Limit access to specific IP addresses") and .../guides/error-handling (403:
// "IP address not in allowlist"): a key made with allowed_ips (POST
// /v1/api-keys) works only from those addresses or prefixes; from anywhere
// else every route answers 403 {"detail": ...}, POST /test included, and
// changes nothing. A key without a list works from anywhere.
func TestKeyIPRestrictions(t *testing.T) {
	e := newEnv(t)
	newKey := func(ips ...string) string {
		k := e.As(e.WS.Key, "POST", "/v1/api-keys", map[string]any{"name": "ip", "scopes": []string{"tickets:read", "tickets:write"},
			"allowed_ips": ips}).Expect(201).Object()
		return k["key"].(string)
	}
	// httptest requests come from 192.0.2.1.
	here, prefix, elsewhere := newKey("192.0.2.1"), newKey("198.51.100.0/24", "192.0.2.0/28"), newKey("198.51.100.7", "2001:db8::/32")
	listed := e.As(e.WS.Key, "GET", "/v1/api-keys", nil).Expect(200).Array()
	if fmt.Sprint(listed[len(listed)-1]["allowed_ips"]) != "[198.51.100.7/32 2001:db8::/32]" {
		t.Errorf("allowed_ips: %v", listed[len(listed)-1]["allowed_ips"])
	}
	c := e.customer(e.WS)
	e.Run(t, []apitest.Scenario{
		{Name: "one address", Method: "GET", Path: base + "/tickets", Key: here, Status: 200},
		{Name: "a prefix", Method: "GET", Path: base + "/tickets", Key: prefix, Status: 200},
		{Name: "elsewhere", Method: "GET", Path: base + "/tickets", Key: elsewhere, Status: 403,
			JSON: map[string]any{"detail": "IP address not in this API key's allowlist"}},
		{Name: "elsewhere, self-check", Method: "POST", Path: base + "/test", Key: elsewhere, Status: 403},
		{Name: "elsewhere, a write", Method: "POST", Path: base + "/tickets", Key: elsewhere,
			Body: map[string]any{"customer_id": c, "subject": "no"}, Status: 403},
		{Name: "no list", Method: "GET", Path: base + "/tickets", Key: e.WS.Key, Status: 200},
		// Every mount refuses the key from elsewhere, each in its own format,
		// and answers the same key from its address.
		{Name: "native, here", Method: "GET", Path: "/v1/tickets", Key: here, Status: 200},
		{Name: "native, elsewhere", Method: "GET", Path: "/v1/tickets", Key: elsewhere, Status: 403,
			JSON: map[string]any{"detail": "IP address not in this API key's allowlist"}},
		{Name: "Ticket0, here", Method: "GET", Path: "/ticket0/api/v1/tickets", Key: here, Status: 200},
		{Name: "Ticket0, elsewhere", Method: "GET", Path: "/ticket0/api/v1/tickets", Key: elsewhere, Status: 403},
		{Name: "HelpWave, here", Method: "GET", Path: "/helpwave/api/v1/tickets/getRecentConversations", Key: here, Status: 200},
		{Name: "HelpWave, elsewhere", Method: "GET", Path: "/helpwave/api/v1/tickets/getRecentConversations", Key: elsewhere, Status: 403},
		{Name: "bad entry", Method: "POST", Path: "/v1/api-keys", Key: e.WS.Key,
			Body: map[string]any{"name": "x", "scopes": []string{"tickets:read"}, "allowed_ips": []string{"not-an-ip"}}, Status: 422},
	})
	if n := len(e.As(e.WS.Key, "GET", base+"/tickets", nil).Expect(200).Array()); n != 0 {
		t.Fatalf("a refused write created %d tickets", n)
	}
}

// https://toptickets.pages.dev/reference/scopes ("Dashboard": dashboard:read,
// "Get statistics, metrics, activity feeds"): GET /dashboard/activity
// (CONTRACT.md) lists the latest changes, newest first, in the surface's
// objects (a message or a note is a comment), with offset paging; an entry
// shows only if the key could read its object (tickets:read, comments:read,
// ...), and another workspace's changes never.
func TestDashboardActivity(t *testing.T) {
	e := newEnv(t)
	k := e.WS.Key
	tk := e.ticket(k, map[string]any{"customer_id": e.customer(e.WS), "subject": "Feed"})["id"].(string)
	cm := e.As(k, "POST", base+"/tickets/"+tk+"/comments", map[string]any{"content": "note", "is_internal": true}).Expect(201).Object()
	e.As(k, "POST", base+"/teams", map[string]any{"name": "Feeders"}).Expect(201)
	all := e.As(k, "GET", base+"/dashboard/activity", nil).Expect(200).Array()
	var types []string
	for _, a := range all {
		types = append(types, a["type"].(string))
	}
	if got := strings.Join(types, " "); got != "team.created comment.created ticket.created customer.created" {
		t.Fatalf("activity: %s", got)
	}
	if c := all[1]["comment"].(map[string]any); c["id"] != cm["id"] || c["is_internal"] != true || all[1]["ticket_id"] != tk {
		t.Errorf("comment entry: %v", all[1])
	}
	if all[2]["ticket"].(map[string]any)["ticket_display_id"] == nil {
		t.Errorf("ticket entry: %v", all[2])
	}
	e.Run(t, []apitest.Scenario{
		{Name: "offset and limit", Method: "GET", Path: base + "/dashboard/activity?offset=1&limit=2", Key: k, Status: 200,
			JSON: map[string]any{"0.type": "comment.created", "1.type": "ticket.created", "2": apitest.Absent}},
		{Name: "only what the key may read", Method: "GET", Path: base + "/dashboard/activity", Key: e.KeyWith(e.WS, "dashboard:read", "teams:read"),
			Status: 200, JSON: map[string]any{"0.type": "team.created", "1": apitest.Absent}},
		{Name: "another workspace", Method: "GET", Path: base + "/dashboard/activity", Key: e.NewWorkspace("Other").Key, Status: 200,
			JSON: map[string]any{"0": apitest.Absent}},
		{Name: "bad limit", Method: "GET", Path: base + "/dashboard/activity?limit=0", Key: k, Status: 422},
	})
}

// https://toptickets.pages.dev/getting-started/rate-limits: a key's limit is
// the key's, not a node's: two nodes counting in the shared database
// (ratelimit.SQL, what `serve` uses on PostgreSQL) refuse the request past
// the limit whichever node it reaches. The page does not say how the minute
// is counted; ticketd's windows are fixed minutes (CONTRACT.md).
func TestRateLimitHoldsAcrossNodes(t *testing.T) {
	fixed := func() time.Time { return time.Date(2026, 4, 28, 10, 30, 20, 0, time.UTC) }
	e := newEnv(t)
	ag, _ := e.Service.CreateUser(context.Background(), e.WS.Principal, ticketd.NewUser{Email: "ag@acme.test", Name: "AG"})
	_, key, _ := e.Service.CreateAPIKey(context.Background(), e.WS.Principal, ticketd.NewAPIKeyInput{Name: "ag",
		Scopes: []ticketd.Scope{"tickets:read"}, UserID: &ag.ID})
	var nodes []http.Handler
	for range 2 {
		db := sqlstoretest.OpenDSN(t, e.DSN)
		svc := ticketd.NewService(db)
		nodes = append(nodes, server.New(svc, server.Config{RateClock: fixed, RateCounter: ratelimit.SQL{Store: db},
			RateLimits: &server.RateLimits{TopTicketsAdminKey: 100, TopTicketsKey: 3}}))
	}
	for i, want := range []int{200, 200, 200, 429, 429} {
		req := httptest.NewRequest("GET", base+"/tickets", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		rec := httptest.NewRecorder()
		nodes[i%2].ServeHTTP(rec, req)
		if rec.Code != want {
			t.Fatalf("request %d on node %d: %d, want %d", i+1, i%2, rec.Code, want)
		}
		if want == 429 && (rec.Header().Get("Retry-After") != "40" || !strings.Contains(rec.Body.String(), `"detail":"Rate limit exceeded. Try again in 40 seconds."`)) {
			t.Fatalf("429: %v %s", rec.Header(), rec.Body)
		}
	}
}
