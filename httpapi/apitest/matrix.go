package apitest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
	"github.com/ticketd/ticketd/httpapi/server"
)

// RouteMatrix checks every registered route of every mount (server.Mounts)
// for the three answers no route may get wrong, each in the mount's own
// error format:
//
//   - no API key → 401;
//   - a key holding every scope but the route's → 403;
//   - a key holding only admin (Ticket0's full-access scope) → past the
//     scope check: neither 401 nor 403 (and 404 for another workspace's
//     object: admin is full access to its own workspace only);
//   - a path naming another workspace's object → 404.
//
// The routes come from the mounts' route tables, so a route is covered by
// being registered. The tenancy check fills each path parameter with an
// object of a second workspace, of the kind the path segment before the
// parameter names ("tickets", "customers", ...), written as the mount writes
// ids (Mount.PathID); a kind without a fixture gets a fresh id, which must
// be as unknown.
func RouteMatrix(t *testing.T, e *Env) {
	mounts := server.Mounts(e.Service, server.Config{})
	other := e.NewWorkspace("Elsewhere")
	fix := e.fixtures(other)
	admin := e.KeyWith(e.WS, ticketd.ScopeAdmin)
	for _, m := range mounts {
		for _, r := range m.Routes() {
			path := m.Base + strings.ReplaceAll(r.Path, "{$}", "")
			name := m.Name + " " + r.Method + " " + r.Path
			body := "{}"
			t.Run(name+" no key", func(t *testing.T) {
				res := e.Do(r.Method, fill(path, m, fix), body)
				expectError(t, res, m, 401)
			})
			// A route without a scope is one any valid key may call
			// (TopTickets' POST /test): there is no 403 to check.
			if r.Scope != "" {
				t.Run(name+" lacks "+string(r.Scope), func(t *testing.T) {
					key := e.KeyWith(e.WS, AllBut(r.Scope)...)
					res := e.As(key, r.Method, fill(path, m, fix), body)
					expectError(t, res, m, 403)
					if !strings.Contains(string(res.Body), string(r.Scope)) {
						t.Errorf("the 403 does not name the scope %s: %s", r.Scope, res.Body)
					}
				})
			}
			if r.Scope != "" {
				t.Run(name+" admin", func(t *testing.T) {
					res := e.As(admin, r.Method, fill(path, m, fix), body)
					if strings.Contains(path, "{") {
						expectError(t, res, m, 404)
					} else if res.Status == 401 || res.Status == 403 {
						t.Errorf("an admin key is refused with %d: %s", res.Status, res.Body)
					}
				})
			}
			if !strings.Contains(path, "{") {
				continue
			}
			t.Run(name+" other workspace", func(t *testing.T) {
				res := e.As(e.WS.Key, r.Method, fill(path, m, fix), body, "x-api-key", e.WS.Key)
				expectError(t, res, m, 404)
			})
		}
	}
}

// objects of one workspace, by the path segment that names their kind.
type fixtures map[string]ticketd.Ref

func (e *Env) fixtures(ws *Workspace) fixtures {
	e.T.Helper()
	if f, ok := e.fix[ws.ID]; ok {
		return f
	}
	ctx := context.Background()
	tk := e.Ticket(ws, "email")
	m := e.Post(ws, tk, ticketd.NewMessage{Body: "theirs"})
	c := e.Customer(ws, "someone@elsewhere.test", "Some", "One")
	u, err := e.Service.CreateUser(ctx, ws.Principal, ticketd.NewUser{Email: "agent@elsewhere.test", Name: "Their Agent"})
	if err != nil {
		e.T.Fatal(err)
	}
	k, _, err := e.Service.CreateAPIKey(ctx, ws.Principal, ticketd.NewAPIKeyInput{Name: "theirs", Scopes: []ticketd.Scope{"tickets:read"}})
	if err != nil {
		e.T.Fatal(err)
	}
	a, err := e.Service.CreateArticle(ctx, ws.Principal, ticketd.NewArticle{Title: "Their article"})
	if err != nil {
		e.T.Fatal(err)
	}
	ref := func(id ticketd.ID, n int64) ticketd.Ref { return ticketd.Ref{ID: id, Number: n} }
	if e.fix == nil {
		e.fix = map[ticketd.ID]fixtures{}
	}
	e.fix[ws.ID] = fixtures{
		"tickets": ref(tk.ID, tk.Number), "comments": ref(m.ID, m.Number), "messages": ref(m.ID, m.Number),
		"customers": ref(c.ID, c.Number), "users": ref(u.ID, u.Number), "api-keys": ref(k.ID, k.Number),
		"articles": ref(a.ID, a.Number), "knowledge-base": ref(a.ID, a.Number),
	}
	return e.fix[ws.ID]
}

var param = regexp.MustCompile(`\{[^}]+\}`)

// fill writes, for each parameter of path, the other workspace's object of
// the kind the segment before it names.
func fill(path string, m *httpapi.Mount, fix fixtures) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if !param.MatchString(s) {
			continue
		}
		kind := ""
		if i > 0 {
			kind = segs[i-1]
		}
		ref, ok := fix[kind]
		if !ok {
			ref = ticketd.Ref{ID: ticketd.NewID(), Number: 1 << 40}
		}
		segs[i] = m.PathID(kind, ref.ID, ref.Number)
	}
	return strings.Join(segs, "/")
}

// expectError checks the status and that the body has the shape of the
// mount's own error body for that status.
func expectError(t *testing.T, r *Response, m *httpapi.Mount, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	rec := httptest.NewRecorder()
	m.Surface.WriteError(rec, httptest.NewRequest("GET", "/", nil), status, ticketd.Errorf(codeOf(status), "x"))
	if got, want := shape(r.Body), shape(rec.Body.Bytes()); got != want {
		t.Fatalf("error body %s has the shape %s, not the mount's %s", r.Body, got, want)
	}
}

func codeOf(status int) string {
	switch status {
	case 401:
		return ticketd.EUNAUTHORIZED
	case 403:
		return ticketd.EFORBIDDEN
	}
	return ticketd.ENOTFOUND
}

// shape names a JSON body's keys, two levels deep: {"error": {"code",
// "message"}} is "{error:{code,message}}".
func shape(b []byte) string {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return "not JSON"
	}
	return shapeOf(v, 2)
}

func shapeOf(v any, depth int) string {
	o, ok := v.(map[string]any)
	if !ok || depth == 0 {
		return fmt.Sprintf("%T", v)
	}
	keys := make([]string, 0, len(o))
	for k, x := range o {
		keys = append(keys, k+":"+shapeOf(x, depth-1))
	}
	sort.Strings(keys)
	return "{" + strings.Join(keys, ",") + "}"
}

// Fill writes ws's own objects into a route's path parameters (see
// RouteMatrix), for tests that walk a route table over one workspace.
func (e *Env) Fill(path string, m *httpapi.Mount, ws *Workspace) string {
	e.T.Helper()
	return fill(path, m, e.fixtures(ws))
}
