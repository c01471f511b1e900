package console_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/apitest"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// noRedirects is a client that shows redirects instead of following them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// signInAt signs in at a node over HTTP and returns the session cookie.
func signInAt(t *testing.T, base, email string) string {
	t.Helper()
	resp, err := noRedirects.PostForm(base+"/login", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "ticketd_session" && c.Value != "" {
			return c.Value
		}
	}
	t.Fatalf("sign in as %s: %d, no session", email, resp.StatusCode)
	return ""
}

func getWith(t *testing.T, u, cookie string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.AddCookie(&http.Cookie{Name: "ticketd_session", Value: cookie})
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func liveStream(t *testing.T, u, cookie, lastID string) (<-chan apitest.SSE, func()) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.AddCookie(&http.Cookie{Name: "ticketd_session", Value: cookie})
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	return apitest.Stream(t, req)
}

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

var liveAttr = regexp.MustCompile(`data-live="(/console/events\?after=\d+)"`)

// The pages' live updates: a ticket page names its stream (from the hub's
// cursor before the page was read) and its ticket; the stream, on any node
// of the cluster, brings the ticket events of the agent's workspace only,
// written through any node, and resumes from Last-Event-ID. A page too far
// behind is told to redraw; an ended session ends the stream, and without
// one it is a 401.
func TestLiveStream(t *testing.T) {
	dsn := sqlstoretest.DSN(t)
	a, b := apitest.StartNode(t, dsn), apitest.StartNode(t, dsn)
	svc := a.Service
	_, owner, key, err := svc.CreateWorkspace(ctx, ticketd.NewWorkspace{Name: "Acme", OwnerEmail: "owner@acme.test"})
	must(t, err)
	p, err := svc.Authenticate(ctx, key)
	must(t, err)
	p.Audience = ticketd.AudienceTeam
	_, _, otherKey, err := svc.CreateWorkspace(ctx, ticketd.NewWorkspace{Name: "Other", OwnerEmail: "owner@other.test"})
	must(t, err)
	op, err := svc.Authenticate(ctx, otherKey)
	must(t, err)
	op.Audience = ticketd.AudienceTeam
	_, err = svc.SetPasswordByEmail(ctx, owner.Email, password)
	must(t, err)
	cookie := signInAt(t, a.URL, owner.Email)
	ticket := func(p *ticketd.Principal) *ticketd.Ticket {
		c, err := svc.CreateCustomer(ctx, p, ticketd.NewCustomer{Email: ticketd.NewID().String()[24:] + "@customer.test"})
		must(t, err)
		tk, err := svc.CreateTicket(ctx, p, ticketd.NewTicket{Customer: ticketd.ByID(c.ID), Subject: "Help", Channel: "chat"})
		must(t, err)
		return tk
	}
	tk, theirs := ticket(p), ticket(op)

	// The ticket page, drawn by node b, names its stream and its ticket.
	resp, body := getWith(t, b.URL+"/console/tickets/"+itoa(tk.Number), cookie)
	m := liveAttr.FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil || !strings.Contains(body, `data-ticket="`+tk.ID.String()+`"`) {
		t.Fatalf("the ticket page names no live stream: %d %s", resp.StatusCode, body)
	}
	live := strings.ReplaceAll(m[1], "&amp;", "&")

	// Another workspace's note, then ours, both written through node a: the
	// stream on node b brings ours only.
	events, stop := liveStream(t, b.URL+live, cookie, "")
	_, err = svc.PostMessage(ctx, op, ticketd.ByID(theirs.ID), ticketd.NewMessage{Body: "not yours", Internal: true})
	must(t, err)
	_, err = svc.PostMessage(ctx, p, ticketd.ByID(tk.ID), ticketd.NewMessage{Body: "a note", Internal: true})
	must(t, err)
	// (The stream starts where the page's read did, so it may first bring
	// what the page already shows, such as the ticket's creation.)
	var e apitest.SSE
	for !strings.Contains(e.Data, "note.created") {
		if e = apitest.NextSSE(t, events); e.Event != "ticket" || e.ID == "" || !strings.HasPrefix(e.Data, `{"ticket_id":"`+tk.ID.String()+`","type":"`) {
			t.Fatalf("live event: %+v", e)
		}
	}
	stop()

	// While away, a reply: resuming from the last id brings it first.
	_, err = svc.PostMessage(ctx, p, ticketd.ByID(tk.ID), ticketd.NewMessage{Body: "a reply"})
	must(t, err)
	events, stop = liveStream(t, a.URL+"/console/events", cookie, e.ID)
	if got := apitest.NextSSE(t, events); got.Event != "ticket" || atoi(got.ID) <= atoi(e.ID) || !strings.Contains(got.Data, `"message.created"`) {
		t.Fatalf("after resuming from %s: %+v", e.ID, got)
	}
	stop()

	// A page far behind (more than 100 events) is told to redraw, with the
	// id to go on from, and then follows live events.
	for range 101 {
		_, err = svc.PostMessage(ctx, p, ticketd.ByID(tk.ID), ticketd.NewMessage{Body: "busy", Internal: true})
		must(t, err)
	}
	events, stop = liveStream(t, a.URL+"/console/events?after=0", cookie, "")
	if got := apitest.NextSSE(t, events); got.Event != "resync" || got.ID == "" {
		t.Fatalf("far behind: %+v", got)
	}
	newer := ticket(p)
	// (Events the hub had not yet read at the resync may come first.)
	for got := (apitest.SSE{}); !strings.Contains(got.Data, newer.ID.String()); {
		if got = apitest.NextSSE(t, events); got.Event != "ticket" {
			t.Fatalf("after the resync: %+v", got)
		}
	}

	// Signing out ends the stream (at its next heartbeat) ...
	req, _ := http.NewRequest("POST", a.URL+"/logout", nil)
	req.AddCookie(&http.Cookie{Name: "ticketd_session", Value: cookie})
	resp, err = noRedirects.Do(req)
	must(t, err)
	resp.Body.Close()
	ended := time.After(10 * time.Second)
	for open := true; open; {
		select {
		case _, open = <-events:
		case <-ended:
			t.Fatal("the stream of an ended session is still open")
		}
	}
	stop()
	// ... and without a session, or with a bad resume point, there is none.
	if resp, _ := getWith(t, b.URL+"/console/events", cookie); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without a session: %d", resp.StatusCode)
	}
	cookie = signInAt(t, a.URL, owner.Email)
	if resp, _ := getWith(t, b.URL+"/console/events?after=soon", cookie); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("after=soon: %d", resp.StatusCode)
	}
	if resp, _ := getWith(t, b.URL+"/console/events", cookie, "Last-Event-ID", "-1"); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("Last-Event-ID -1: %d", resp.StatusCode)
	}
}
