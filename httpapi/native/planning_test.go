package native_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"strings"
	"testing"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/blob"
	"github.com/ticketd/ticketd/httpapi/apitest"
)

// The native API's own names for the concepts that came with TopTickets
// (CONTRACT.md, "Planning, teams, profiles, deletes, ticket attachments").

func TestNativeTicketPlanningFields(t *testing.T) {
	e := newEnv(t)
	k := e.WS.Key
	c := e.Customer(e.WS, "p@example.test", "P", "Q")
	team := e.As(k, "POST", "/v1/teams", map[string]any{"name": "Tier 2"}).Expect(201).Object()
	tk := e.As(k, "POST", "/v1/tickets", map[string]any{"customer_id": c.ID.String(), "subject": "S", "priority": "urgent",
		"category": "Billing", "description": "long text", "due_at": "2030-01-02T03:04:05Z", "team_id": team["id"]}).Expect(201).Object()
	for f, v := range map[string]any{"priority": "urgent", "category": "Billing", "description": "long text",
		"due_at": "2030-01-02T03:04:05Z", "team_id": team["id"], "resolved_at": nil, "status": "open"} {
		if tk[f] != v {
			t.Errorf("%s = %v, want %v", f, tk[f], v)
		}
	}
	if tk["tracking_token"] == nil {
		t.Error("no tracking_token")
	}
	id := tk["id"].(string)
	p := e.As(k, "PATCH", "/v1/tickets/"+id, map[string]any{"status": "solved", "team_id": nil}).Expect(200).Object()
	if p["resolved_at"] == nil || p["team_id"] != nil || p["priority"] != "urgent" {
		t.Fatalf("patch: %v", p)
	}
	e.As(k, "PATCH", "/v1/tickets/"+id, map[string]any{"status": "new"}).Expect(200)
	if l := e.As(k, "GET", "/v1/tickets?priority=urgent&status=new&category=Billing&unassigned=true", nil).Expect(200).Array(); len(l) != 1 {
		t.Fatalf("filters: %v", l)
	}
	e.As(k, "GET", "/v1/tickets?priority=p9", nil).Expect(422)
	e.As(k, "DELETE", "/v1/tickets/"+id, nil).Expect(204)
	e.As(k, "GET", "/v1/tickets/"+id, nil).Expect(404)
}

func TestNativeTeamsAndMembers(t *testing.T) {
	e := newEnv(t)
	k := e.WS.Key
	tm := e.As(k, "POST", "/v1/teams", map[string]any{"name": "Billing", "description": "Money"}).Expect(201).Object()
	id := tm["id"].(string)
	owner := e.WS.Owner.ID.String()
	e.As(k, "PUT", "/v1/teams/"+id+"/members/"+owner, nil).Expect(204)
	e.As(k, "PUT", "/v1/teams/"+id+"/members/"+owner, nil).Expect(204)
	if m := e.As(k, "GET", "/v1/teams/"+id+"/members", nil).Expect(200).Array(); len(m) != 1 || m[0]["id"] != owner {
		t.Fatalf("members: %v", m)
	}
	e.As(k, "PATCH", "/v1/teams/"+id, map[string]any{"name": "Billing EU"}).Expect(200)
	if l := e.As(k, "GET", "/v1/teams?limit=1", nil).Expect(200).Array(); len(l) != 1 || l[0]["name"] != "Billing EU" {
		t.Fatalf("list: %v", l)
	}
	e.As(k, "DELETE", "/v1/teams/"+id+"/members/"+owner, nil).Expect(204)
	e.As(k, "DELETE", "/v1/teams/"+id+"/members/"+owner, nil).Expect(404)
	e.As(k, "DELETE", "/v1/teams/"+id, nil).Expect(204)
	e.As(k, "GET", "/v1/teams/"+id, nil).Expect(404)
}

func TestNativeProfilesKeysAndDeletes(t *testing.T) {
	e := newEnv(t)
	k := e.WS.Key
	c := e.As(k, "POST", "/v1/customers", map[string]any{"email": "v@example.test", "first_name": "V",
		"profile": map[string]any{"company": "Acme", "tier": "tier_2", "vip": true}}).Expect(201).Object()
	if apitest.Get(c, "profile.company") != "Acme" || apitest.Get(c, "profile.vip") != true || apitest.Get(c, "profile.notes") != "" {
		t.Fatalf("customer profile: %v", c["profile"])
	}
	p := e.As(k, "PATCH", "/v1/customers/"+c["id"].(string), map[string]any{"profile": map[string]any{"notes": "n"}}).Expect(200).Object()
	if apitest.Get(p, "profile.company") != "Acme" || apitest.Get(p, "profile.notes") != "n" {
		t.Fatalf("patched profile: %v", p["profile"])
	}
	e.As(k, "PATCH", "/v1/customers/"+c["id"].(string), map[string]any{"profile": map[string]any{"tier": "gold"}}).Expect(422)
	u := e.As(k, "POST", "/v1/users", map[string]any{"email": "b@acme.test", "name": "Bot", "role": "read_only_agent",
		"employee_type": "bot"}).Expect(201).Object()
	if u["employee_type"] != "bot" || u["is_active"] != true || u["role"] != "read_only_agent" {
		t.Fatalf("user: %v", u)
	}
	key := e.As(k, "POST", "/v1/api-keys", map[string]any{"name": "ro", "scopes": []string{"tickets:read"}, "user_id": u["id"],
		"expires_at": "2099-01-01T00:00:00Z"}).Expect(201).Object()
	if key["role"] != "read_only_agent" || key["expires_at"] != "2099-01-01T00:00:00Z" {
		t.Fatalf("key: %v", key)
	}
	e.As(k, "POST", "/v1/api-keys", map[string]any{"name": "rw", "scopes": []string{"tickets:write"}, "user_id": u["id"]}).Expect(403)
	e.As(k, "DELETE", "/v1/users/"+u["id"].(string), nil).Expect(204)
	e.As(key["key"].(string), "GET", "/v1/tickets", nil).Expect(401)
	e.As(k, "DELETE", "/v1/customers/"+c["id"].(string), nil).Expect(204)
	e.As(k, "GET", "/v1/customers/"+c["id"].(string), nil).Expect(404)
}

func TestNativeTicketAttachments(t *testing.T) {
	e := apitest.NewWith(t, apitest.Options{ServiceOptions: []ticketd.Option{apitest.SteppingClock(),
		ticketd.WithBlobStore(&blob.Dir{Path: t.TempDir()})}})
	tk := e.Ticket(e.WS, "chat")
	p := "/v1/tickets/" + tk.ID.String() + "/attachments"
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "notes.txt")
	fmt.Fprint(fw, "hello, file")
	mw.Close()
	a := e.As(e.WS.Key, "POST", p, buf.Bytes(), "Content-Type", mw.FormDataContentType()).Expect(201).Object()
	if a["filename"] != "notes.txt" || a["content_type"] != "text/plain; charset=utf-8" && a["content_type"] != "text/plain" || a["size"] != float64(11) {
		t.Fatalf("file: %v", a)
	}
	if l := e.As(e.WS.Key, "GET", p, nil).Expect(200).Array(); len(l) != 1 {
		t.Fatalf("list: %v", l)
	}
	r := e.As(e.WS.Key, "GET", p+"/"+a["id"].(string), nil).Expect(200)
	if string(r.Body) != "hello, file" || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %q %v", r.Body, r.Header)
	}
	other := e.NewWorkspace("Other")
	e.As(other.Key, "GET", p+"/"+a["id"].(string), nil).Expect(404)
	e.As(e.KeyWith(e.WS, apitest.AllBut("attachments:delete")...), "DELETE", p+"/"+a["id"].(string), nil).Expect(403)
	e.As(e.WS.Key, "DELETE", p+"/"+a["id"].(string), nil).Expect(204)
	e.As(e.WS.Key, "GET", p+"/"+a["id"].(string), nil).Expect(404)
}

// GET /v1/ticket-stats (CONTRACT.md, TopTickets' dashboard under the native
// names): counts by status from the kept counts, the active ones (not solved
// or closed), the unassigned active ones, and each agent's active tickets;
// a list-like route, it refuses unknown query parameters.
func TestNativeTicketStats(t *testing.T) {
	e := newEnv(t)
	k := e.WS.Key
	c := e.Customer(e.WS, "s@example.test", "S", "T").ID.String()
	owner := e.WS.Owner.ID.String()
	for _, b := range []map[string]any{{"status": "open", "assignee_id": owner}, {"status": "open"}, {"status": "solved"}} {
		b["customer_id"], b["subject"] = c, "s"
		e.As(k, "POST", "/v1/tickets", b).Expect(201)
	}
	e.Run(t, []apitest.Scenario{
		{Name: "counts", Method: "GET", Path: "/v1/ticket-stats", Key: k, Status: 200, JSON: map[string]any{
			"total": 3.0, "active": 2.0, "unassigned": 1.0,
			"by_status": map[string]any{"new": 0.0, "open": 2.0, "pending": 0.0, "solved": 1.0, "closed": 0.0},
			"workload":  []any{map[string]any{"assignee_id": owner, "active": 1.0}}}},
		{Name: "unknown parameter", Method: "GET", Path: "/v1/ticket-stats?status=open", Key: k, Status: 422},
	})
}
