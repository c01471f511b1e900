package native_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/apitest"
	"github.com/ticketd/ticketd/httpapi/native"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// node is one ticketd node: a service on the shared database, its hub and
// its HTTP server on loopback.
type node struct {
	svc *ticketd.Service
	hub *ticketd.EventHub
	url string
}

func startNode(t *testing.T, dsn string) *node {
	t.Helper()
	n := apitest.StartNode(t, dsn)
	return &node{svc: n.Service, hub: n.Hub, url: n.URL}
}

// owner creates a workspace and returns its owner's key and principal.
func (n *node) owner(t *testing.T) (string, *ticketd.Principal) {
	t.Helper()
	ctx := context.Background()
	_, _, key, err := n.svc.CreateWorkspace(ctx, ticketd.NewWorkspace{Name: "Acme", OwnerEmail: "o@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := n.svc.Authenticate(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	p.Audience = ticketd.AudienceTeam // as the native mount sets it
	return key, p
}

// stream opens GET /v1/events with key and returns its events as they
// come; the stream is open (subscribed) when it returns.
func stream(t *testing.T, url, key, lastID string) (<-chan apitest.SSE, func()) {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	return apitest.Stream(t, req)
}

// next returns the next event that is not a heartbeat.
func next(t *testing.T, c <-chan apitest.SSE) apitest.SSE { t.Helper(); return apitest.NextSSE(t, c) }

func TestEventStreamAcrossNodesResumes(t *testing.T) {
	dsn := sqlstoretest.CopyDSN(t)
	a := startNode(t, dsn)
	b := startNode(t, dsn)
	ctx := context.Background()
	key, p := a.owner(t)

	// A stream on node b sees what is written through node a.
	events, stop := stream(t, b.url, key, "")
	c, err := a.svc.CreateCustomer(ctx, p, ticketd.NewCustomer{Email: "ada@x.test"})
	if err != nil {
		t.Fatal(err)
	}
	e := next(t, events)
	if e.Event != "customer.created" || e.ID == "" {
		t.Fatalf("first event: %+v", e)
	}
	var body native.EventJSON
	if err := json.Unmarshal([]byte(e.Data), &body); err != nil {
		t.Fatal(err)
	}
	if body.Type != "customer.created" || fmt.Sprint(body.ID) != e.ID || body.Data["customer"].(map[string]any)["email"] != "ada@x.test" {
		t.Fatalf("event data: %s", e.Data)
	}
	stop()

	// While disconnected, more happens; resuming from the last id gets all
	// of it, in order, and nothing twice.
	tk, err := a.svc.CreateTicket(ctx, p, ticketd.NewTicket{Customer: ticketd.ByID(c.ID), Subject: "Help", Channel: "chat"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.PostMessage(ctx, p, ticketd.ByID(tk.ID), ticketd.NewMessage{Body: "note", Internal: true}); err != nil {
		t.Fatal(err)
	}
	events, stop = stream(t, a.url, key, e.ID)
	defer stop()
	if got := next(t, events); got.Event != "ticket.created" {
		t.Fatalf("after resume: %+v", got)
	}
	if got := next(t, events); got.Event != "note.created" {
		t.Fatalf("after resume: %+v", got)
	}
	// And live events follow the catch-up.
	if _, err := a.svc.PostMessage(ctx, p, ticketd.ByID(tk.ID), ticketd.NewMessage{Body: "reply"}); err != nil {
		t.Fatal(err)
	}
	if got := next(t, events); got.Event != "message.created" {
		t.Fatalf("live after resume: %+v", got)
	}
}

func TestEventStreamShowsOnlyReadableEventsAndHeartbeats(t *testing.T) {
	n := startNode(t, sqlstoretest.CopyDSN(t))
	ctx := context.Background()
	_, p := n.owner(t)
	_, limited, err := n.svc.CreateAPIKey(ctx, p, ticketd.NewAPIKeyInput{Name: "tickets", Scopes: []ticketd.Scope{"tickets:read"}})
	if err != nil {
		t.Fatal(err)
	}
	events, stop := stream(t, n.url, limited, "")
	defer stop()
	c, err := n.svc.CreateCustomer(ctx, p, ticketd.NewCustomer{Email: "ada@x.test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.svc.CreateTicket(ctx, p, ticketd.NewTicket{Customer: ticketd.ByID(c.ID), Subject: "Help", Channel: "chat"}); err != nil {
		t.Fatal(err)
	}
	if got := next(t, events); got.Event != "ticket.created" {
		t.Fatalf("a tickets:read key got %+v before ticket.created", got)
	}
	// An idle stream sends heartbeats.
	timeout := time.After(10 * time.Second)
	for beat := false; !beat; {
		select {
		case e := <-events:
			beat = e.Event == "comment: heartbeat"
		case <-timeout:
			t.Fatal("no heartbeat")
		}
	}
	// Revoking the key ends its stream (at the next heartbeat).
	keys, err := n.svc.APIKeys(ctx, p, ticketd.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.Name == "tickets" {
			if err := n.svc.DeleteAPIKey(ctx, p, k.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	ended := time.After(10 * time.Second)
	for open := true; open; {
		select {
		case _, open = <-events:
		case <-ended:
			t.Fatal("the stream of a revoked key is still open")
		}
	}
	// A key that can read no events is refused, in the native error format.
	_, none, _ := n.svc.CreateAPIKey(ctx, p, ticketd.NewAPIKeyInput{Name: "none", Scopes: []ticketd.Scope{"tickets:write"}})
	req, _ := http.NewRequest("GET", n.url+"/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+none)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(b), `"detail"`) {
		t.Fatalf("no readable events: %d %s", resp.StatusCode, b)
	}
}

func getJSON(t *testing.T, url, key string, dst any) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(dst); err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestEventFeedAsJSON(t *testing.T) {
	n := startNode(t, sqlstoretest.CopyDSN(t))
	ctx := context.Background()
	key, p := n.owner(t)
	for _, email := range []string{"a@x.test", "b@x.test", "c@x.test"} {
		if _, err := n.svc.CreateCustomer(ctx, p, ticketd.NewCustomer{Email: email}); err != nil {
			t.Fatal(err)
		}
	}
	var page []native.EventJSON
	resp := getJSON(t, n.url+"/v1/events?limit=2", key, &page)
	if resp.StatusCode != 200 || len(page) != 2 || page[0].Type != "customer.created" {
		t.Fatalf("first page: %d %+v", resp.StatusCode, page)
	}
	link := resp.Header.Get("Link")
	if !strings.Contains(link, fmt.Sprintf("after=%d", page[1].ID)) {
		t.Fatalf("Link: %q", link)
	}
	var rest []native.EventJSON
	resp = getJSON(t, n.url+fmt.Sprintf("/v1/events?format=json&after=%d", page[1].ID), key, &rest)
	if len(rest) != 1 || rest[0].Data["customer"].(map[string]any)["email"] != "c@x.test" || resp.Header.Get("Link") != "" {
		t.Fatalf("second page: %+v, Link %q", rest, resp.Header.Get("Link"))
	}
	var bad map[string]any
	if resp := getJSON(t, n.url+"/v1/events?format=json&after=abc", key, &bad); resp.StatusCode != 422 || bad["detail"] == nil {
		t.Fatalf("bad after: %d %v", resp.StatusCode, bad)
	}
}
