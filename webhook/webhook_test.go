package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/apitest"
	"github.com/ticketd/ticketd/httpapi/server"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
	"github.com/ticketd/ticketd/webhook"
)

// clock is a service clock the test moves by hand, so that retry schedules
// of minutes and days run without waiting.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// received is one request the receiver accepted.
type received struct {
	id, typ  string
	ticketID string
	body     map[string]any
	header   http.Header
}

// receiver is a webhook endpoint on loopback that verifies every request
// with the Standard Webhooks algorithm (or Ticket0's), written here from the
// specification rather than with the code under test.
type receiver struct {
	t       *testing.T
	srv     *httptest.Server
	mu      sync.Mutex
	status  int           // what to answer; 200 by default
	delay   time.Duration // how long to take
	secrets []string      // any of them may have signed
	got     []received    // accepted (2xx) requests, in arrival order
	calls   int
	badSigs int
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t, status: 200}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) set(status int, delay time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status, r.delay = status, delay
}

func (r *receiver) setSecrets(s ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = s
}

func verifyStandard(secret string, h http.Header, body []byte) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(h.Get("webhook-id") + "." + h.Get("webhook-timestamp") + "." + string(body)))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for _, sig := range strings.Fields(h.Get("webhook-signature")) {
		if v, ok := strings.CutPrefix(sig, "v1,"); ok && hmac.Equal([]byte(v), []byte(want)) {
			return true
		}
	}
	return false
}

func verifyTicket0(secret string, h http.Header, body []byte) bool {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	for _, sig := range strings.Split(h.Get("Ticket0-Signature"), ",") {
		if hmac.Equal([]byte(strings.TrimSpace(sig)), []byte(want)) {
			return true
		}
	}
	return false
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	status, delay, secrets := r.status, r.delay, r.secrets
	r.calls++
	r.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	ok := false
	for _, s := range secrets {
		if req.Header.Get("Ticket0-Signature") != "" {
			ok = ok || verifyTicket0(s, req.Header, body)
		} else {
			ok = ok || verifyStandard(s, req.Header, body)
		}
	}
	if !ok {
		r.mu.Lock()
		r.badSigs++
		r.mu.Unlock()
		http.Error(w, "bad signature", 401)
		return
	}
	if status >= 300 {
		http.Error(w, strings.Repeat("x", 10000), status)
		return
	}
	var payload map[string]any
	if err := json.Unmarshal(body, &payload); err != nil {
		r.t.Errorf("payload is not JSON: %s", body)
	}
	rec := received{typ: fmt.Sprint(payload["type"]), body: payload, header: req.Header.Clone()}
	rec.id = req.Header.Get("webhook-id")
	if rec.id == "" {
		rec.id = fmt.Sprint(payload["id"])
	}
	if data, _ := payload["data"].(map[string]any); data != nil {
		if tk, _ := data["ticket"].(map[string]any); tk != nil {
			rec.ticketID = fmt.Sprint(tk["id"])
		} else if c, _ := data["comment"].(map[string]any); c != nil {
			rec.ticketID = fmt.Sprint(c["ticket_id"])
		}
	}
	r.mu.Lock()
	r.got = append(r.got, rec)
	r.mu.Unlock()
	w.WriteHeader(status)
}

func (r *receiver) accepted() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

type world struct {
	env    *apitest.Env
	clock  *clock
	sender *webhook.Sender
}

func newWorld(t *testing.T, timeout time.Duration) *world {
	c := &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	env := apitest.NewWith(t, apitest.Options{ServiceOptions: []ticketd.Option{ticketd.WithClock(c.Now)}})
	return &world{env: env, clock: c,
		sender: webhook.NewSender(server.WebhookPayload, webhook.Options{Timeout: timeout, AllowPrivate: true})}
}

// drain delivers until nothing more is due now.
func (w *world) drain(t *testing.T) int {
	t.Helper()
	total := 0
	for range 100 {
		n, err := w.env.Service.DeliverWebhooksDue(context.Background(), w.sender, 10)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return total
		}
		total += n
	}
	t.Fatal("deliveries never ran out")
	return 0
}

func (w *world) createWebhook(t *testing.T, url, format string, events ...string) (id, secret string) {
	t.Helper()
	res := w.env.As(w.env.WS.Key, "POST", "/v1/webhooks", map[string]any{"url": url, "events": events,
		"description": "test", "format": format}).Expect(201).Object()
	secret, _ = res["secret"].(string)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret %q", secret)
	}
	return res["id"].(string), secret
}

func TestStandardWebhookSurvivesAnOutageInOrderPerTicket(t *testing.T) {
	w := newWorld(t, 5*time.Second)
	rcv := newReceiver(t)
	id, secret := w.createWebhook(t, rcv.srv.URL, "standard", "ticket.created", "message.created", "ticket.status_changed", "note.created")
	rcv.setSecrets(secret)
	if got := w.env.As(w.env.WS.Key, "GET", "/v1/webhooks/"+id, nil).Expect(200).Object(); got["secret"] != nil || got["enabled"] != true {
		t.Fatalf("GET shows %v", got)
	}

	// The receiver is down while two tickets get three events each.
	rcv.set(503, 0)
	ctx := context.Background()
	p := w.env.WS.Principal
	var tickets []*ticketd.Ticket
	for range 2 {
		tk := w.env.Ticket(w.env.WS, "chat")
		tickets = append(tickets, tk)
		w.env.Post(w.env.WS, tk, ticketd.NewMessage{Body: "on it"})
		solved := ticketd.StatusSolved
		if _, err := w.env.Service.UpdateTicket(ctx, p, ticketd.ByID(tk.ID), ticketd.TicketUpdate{Status: &solved}); err != nil {
			t.Fatal(err)
		}
	}
	if n := w.drain(t); n != 2 {
		t.Fatalf("while down, %d attempts; want one per ticket (the rest wait their turn)", n)
	}
	// The retry is not due yet.
	if n := w.drain(t); n != 0 {
		t.Fatalf("retried before its time: %d", n)
	}

	// It comes back; once the retries are due, everything arrives.
	rcv.set(200, 0)
	w.clock.Advance(time.Hour)
	w.drain(t)
	got := rcv.accepted()
	if len(got) != 6 {
		t.Fatalf("received %d events, want 6: %+v", len(got), got)
	}
	for _, tk := range tickets {
		var order []string
		for _, r := range got {
			if r.ticketID == tk.ID.String() {
				order = append(order, r.typ)
			}
		}
		if want := "ticket.created message.created ticket.status_changed"; strings.Join(order, " ") != want {
			t.Fatalf("ticket %s got %v, want %s", tk.ID, order, want)
		}
	}
	seen := map[string]bool{}
	for _, r := range got {
		if seen[r.id] || !strings.HasPrefix(r.id, "evt_") {
			t.Fatalf("webhook-id %q repeated or malformed", r.id)
		}
		seen[r.id] = true
		if r.body["timestamp"] == nil || r.body["data"] == nil {
			t.Fatalf("payload lacks timestamp or data: %v", r.body)
		}
	}

	// The delivery log tells the story of the first ticket's first event.
	log := w.env.As(w.env.WS.Key, "GET", "/v1/webhooks/"+id+"/deliveries?limit=100", nil).Expect(200).Array()
	var first map[string]any
	for _, d := range log {
		if d["event_type"] == "ticket.created" && d["attempt_count"] == float64(2) {
			first = d
		}
	}
	if first == nil {
		t.Fatalf("no delivery with two attempts: %v", log)
	}
	attempts := first["attempts"].([]any)
	a1, a2 := attempts[0].(map[string]any), attempts[1].(map[string]any)
	if first["state"] != "succeeded" || first["next_attempt_at"] != nil || a1["status"] != float64(503) ||
		a2["status"] != float64(200) || len(a1["response_body"].(string)) != ticketd.WebhookBodyKept || a1["latency_ms"] == nil {
		t.Fatalf("delivery log: %v", first)
	}

	// Redelivery sends the same event again, with the same webhook-id.
	w.env.As(w.env.WS.Key, "POST", "/v1/webhooks/"+id+"/deliveries/"+first["id"].(string)+"/redeliver", nil).Expect(202)
	w.drain(t)
	again := rcv.accepted()
	if len(again) != 7 || again[6].id != first["message_id"] {
		t.Fatalf("redelivery: %d received, last %+v, want id %v", len(again), again[len(again)-1], first["message_id"])
	}

	// After a rotation both secrets sign for a day: a receiver that still
	// has the old one, or already the new one, accepts.
	rot := w.env.As(w.env.WS.Key, "POST", "/v1/webhooks/"+id+"/rotate-secret", nil).Expect(200).Object()
	newSecret := rot["secret"].(string)
	if newSecret == secret || rot["previous_secret_expires_at"] == nil {
		t.Fatalf("rotate: %v", rot)
	}
	w.env.As(w.env.WS.Key, "POST", "/v1/webhooks/"+id+"/test", nil).Expect(202)
	w.drain(t)
	last := rcv.accepted()[len(rcv.accepted())-1]
	// The receiver still holds only the old secret, and accepted it.
	if last.typ != "webhook.ping" || len(strings.Fields(last.header.Get("webhook-signature"))) != 2 {
		t.Fatalf("ping after rotation: %+v", last)
	}
	rcv.setSecrets(newSecret)
	w.clock.Advance(25 * time.Hour)
	w.env.As(w.env.WS.Key, "POST", "/v1/webhooks/"+id+"/test", nil).Expect(202)
	w.drain(t)
	last = rcv.accepted()[len(rcv.accepted())-1]
	if last.typ != "webhook.ping" || len(strings.Fields(last.header.Get("webhook-signature"))) != 1 {
		t.Fatalf("after the overlap: %+v", last.header)
	}
	if rcv.badSigs != 0 {
		t.Fatalf("%d requests failed verification", rcv.badSigs)
	}
}

func TestTicket0WebhookShapeSignatureAndSchedule(t *testing.T) {
	w := newWorld(t, 5*time.Second)
	rcv := newReceiver(t)
	id, secret := w.createWebhook(t, rcv.srv.URL, "ticket0", "ticket.created", "ticket.resolved", "message.sent", "customer.created")
	rcv.setSecrets(secret)
	// Native names are not Ticket0's.
	w.env.As(w.env.WS.Key, "POST", "/v1/webhooks", map[string]any{"url": rcv.srv.URL, "events": []string{"ticket.updated"},
		"format": "ticket0"}).Expect(422)

	tk := w.env.Ticket(w.env.WS, "chat") // customer.created, ticket.created
	w.env.Post(w.env.WS, tk, ticketd.NewMessage{Body: "an agent's reply"})
	customer := ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &tk.CustomerID}
	w.env.Post(w.env.WS, tk, ticketd.NewMessage{Body: "the customer's message is not message.sent", Author: customer})
	solved := ticketd.StatusSolved
	if _, err := w.env.Service.UpdateTicket(context.Background(), w.env.WS.Principal, ticketd.ByID(tk.ID), ticketd.TicketUpdate{Status: &solved}); err != nil {
		t.Fatal(err)
	}
	w.drain(t)
	var types []string
	for _, r := range rcv.accepted() {
		types = append(types, r.typ)
		if r.header.Get("webhook-signature") != "" || !strings.HasPrefix(r.id, "evt_") ||
			!strings.HasPrefix(fmt.Sprint(r.body["workspaceId"]), "ws_") || r.body["createdAt"] == nil {
			t.Fatalf("not Ticket0's envelope: %v %v", r.header, r.body)
		}
	}
	// The customer's event and the ticket's are of different order keys,
	// so they may arrive in either order; the ticket's are in order.
	slices.Sort(types[:2])
	if got := strings.Join(types, " "); got != "customer.created ticket.created message.sent ticket.resolved" {
		t.Fatalf("ticket0 events: %s", got)
	}
	byType := map[string]map[string]any{}
	for _, r := range rcv.accepted() {
		byType[r.typ] = r.body
	}
	tkt := apitest.Get(byType["ticket.created"], "data.ticket")
	if m := tkt.(map[string]any); !strings.HasPrefix(m["id"].(string), "tkt_") || !strings.HasPrefix(m["customerId"].(string), "cus_") {
		t.Fatalf("ticket shape: %v", tkt)
	}
	if s := apitest.Get(byType["ticket.resolved"], "data.ticket.status"); s != "resolved" {
		t.Fatalf("resolved ticket status %v", s)
	}
	if m := apitest.Get(byType["message.sent"], "data.message.id"); !strings.HasPrefix(fmt.Sprint(m), "msg_") {
		t.Fatalf("message.sent: %v", byType["message.sent"])
	}

	// Retried after 1 m, 5 m, 30 m, 2 h and 6 h, then failed.
	rcv.set(500, 0)
	w.env.Ticket(w.env.WS, "chat")
	if n := w.drain(t); n != 2 { // customer.created and ticket.created (different order keys)
		t.Fatalf("first attempts: %d", n)
	}
	for _, step := range []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour} {
		w.clock.Advance(step - time.Second)
		if n := w.drain(t); n != 0 {
			t.Fatalf("retried before %s", step)
		}
		w.clock.Advance(time.Second)
		if n := w.drain(t); n != 2 {
			t.Fatalf("retry after %s: %d attempts", step, n)
		}
	}
	w.clock.Advance(24 * time.Hour)
	if n := w.drain(t); n != 0 {
		t.Fatalf("attempted after the schedule ran out: %d", n)
	}
	log := w.env.As(w.env.WS.Key, "GET", "/v1/webhooks/"+id+"/deliveries?limit=1", nil).Expect(200)
	d := log.Array()[0]
	if d["state"] != "failed" || d["attempt_count"] != float64(6) || len(d["attempts"].([]any)) != 6 {
		t.Fatalf("after the schedule: %v", d)
	}
	if !strings.Contains(log.Header.Get("Link"), "after=") {
		t.Fatalf("no next link: %v", log.Header)
	}
}

func TestSlowReceiverTimesOutAndIsRetried(t *testing.T) {
	w := newWorld(t, 200*time.Millisecond)
	rcv := newReceiver(t)
	id, secret := w.createWebhook(t, rcv.srv.URL, "standard", "customer.created")
	rcv.setSecrets(secret)
	rcv.set(200, 2*time.Second)
	w.env.Customer(w.env.WS, "slow@x.test", "S", "Low")
	w.drain(t)
	rcv.set(200, 0)
	w.clock.Advance(time.Hour)
	w.drain(t)
	d := w.env.As(w.env.WS.Key, "GET", "/v1/webhooks/"+id+"/deliveries", nil).Expect(200).Array()[0]
	a := d["attempts"].([]any)
	first := a[0].(map[string]any)
	if d["state"] != "succeeded" || len(a) != 2 || first["status"] != nil || !strings.Contains(first["error"].(string), "Timeout") {
		t.Fatalf("slow receiver: %v", d)
	}
}

func TestFailingEndpointIsDisabledAfterFiveDays(t *testing.T) {
	w := newWorld(t, 5*time.Second)
	rcv := newReceiver(t)
	id, secret := w.createWebhook(t, rcv.srv.URL, "standard", "customer.created")
	rcv.setSecrets(secret)
	rcv.set(500, 0)
	w.env.Customer(w.env.WS, "a@x.test", "A", "A")
	w.drain(t)
	w.clock.Advance(5*24*time.Hour + time.Minute)
	w.env.Customer(w.env.WS, "b@x.test", "B", "B")
	w.drain(t)
	hook := w.env.As(w.env.WS.Key, "GET", "/v1/webhooks/"+id, nil).Expect(200).Object()
	if hook["enabled"] != false || !strings.Contains(hook["disabled_reason"].(string), "answered 500") {
		t.Fatalf("after five days of failures: %v", hook)
	}
	// Disabled, it gets nothing; enabled again, it does.
	w.env.Customer(w.env.WS, "c@x.test", "C", "C")
	rcv.set(200, 0)
	w.clock.Advance(24 * time.Hour)
	if n := w.drain(t); n != 0 {
		t.Fatalf("a disabled webhook was attempted %d times", n)
	}
	w.env.As(w.env.WS.Key, "PATCH", "/v1/webhooks/"+id, map[string]any{"enabled": true}).Expect(200)
	w.env.Customer(w.env.WS, "d@x.test", "D", "D")
	w.drain(t)
	// What was waiting resumes (b); what happened while disabled was not
	// queued (c); what happens now is delivered (d).
	var emails []string
	for _, r := range rcv.accepted() {
		emails = append(emails, fmt.Sprint(apitest.Get(r.body, "data.customer.email")))
	}
	slices.Sort(emails)
	if strings.Join(emails, " ") != "b@x.test d@x.test" {
		t.Fatalf("after enabling: %v", emails)
	}
}

func TestPrivateAddressesAreRefused(t *testing.T) {
	c := &clock{now: time.Now()}
	env := apitest.NewWith(t, apitest.Options{ServiceOptions: []ticketd.Option{ticketd.WithClock(c.Now),
		ticketd.WithWebhookURLCheck(webhook.CheckURL(false))}})
	for _, u := range []string{"http://127.0.0.1:9/x", "http://localhost/x", "http://10.1.2.3/", "http://169.254.169.254/latest/meta-data",
		"http://[::1]/", "http://[::ffff:192.168.0.1]/", "ftp://example.com/", "not a url"} {
		env.As(env.WS.Key, "POST", "/v1/webhooks", map[string]any{"url": u, "events": []string{"ticket.created"}}).Expect(422)
	}
	env.As(env.WS.Key, "POST", "/v1/webhooks", map[string]any{"url": "https://hooks.example.com/x", "events": []string{"ticket.created"}}).Expect(201)

	// A name is checked at connect time, on the address it resolved to: a
	// name resolving to loopback (here localhost, as a rebinding name
	// would) is refused even when it passed at creation.
	rcv := newReceiver(t)
	sender := webhook.NewSender(server.WebhookPayload, webhook.Options{Timeout: 5 * time.Second})
	port := rcv.srv.URL[strings.LastIndex(rcv.srv.URL, ":"):]
	hook := &ticketd.Webhook{URL: "http://localhost" + port + "/", Format: ticketd.FormatStandard, Secret: "whsec_AAAA"}
	res := sender.Send(context.Background(), &ticketd.WebhookRequest{Webhook: hook, EventType: "webhook.ping",
		Event: &ticketd.Event{ID: 1, Type: ticketd.EventWebhookPing}, MessageID: "evt_1", Secrets: []string{hook.Secret}, Timestamp: time.Now()})
	if !errors.Is(res.Err, webhook.ErrPrivateAddress) || rcv.calls != 0 {
		t.Fatalf("loopback by name: %+v, %d calls", res, rcv.calls)
	}
	// Redirects are answers, not followed.
	redirect := httptest.NewServer(http.RedirectHandler(rcv.srv.URL, http.StatusFound))
	defer redirect.Close()
	open := webhook.NewSender(server.WebhookPayload, webhook.Options{Timeout: 5 * time.Second, AllowPrivate: true})
	hook.URL = redirect.URL
	res = open.Send(context.Background(), &ticketd.WebhookRequest{Webhook: hook, EventType: "webhook.ping",
		Event: &ticketd.Event{ID: 1, Type: ticketd.EventWebhookPing}, MessageID: "evt_1", Secrets: []string{hook.Secret}, Timestamp: time.Now()})
	if res.StatusCode != 302 || res.OK() || rcv.calls != 0 {
		t.Fatalf("redirect: %+v, %d calls", res, rcv.calls)
	}
}

func TestWebhookScopesAndValidation(t *testing.T) {
	w := newWorld(t, time.Second)
	key := w.env.KeyWith(w.env.WS, "webhooks:write", "webhooks:read", "tickets:read")
	w.env.As(key, "POST", "/v1/webhooks", map[string]any{"url": "https://x.example/", "events": []string{"customer.created"}}).Expect(403)
	w.env.As(key, "POST", "/v1/webhooks", map[string]any{"url": "https://x.example/", "events": []string{"nope"}}).Expect(422)
	w.env.As(key, "POST", "/v1/webhooks", map[string]any{"url": "https://x.example/", "events": []string{}}).Expect(422)
	w.env.As(key, "POST", "/v1/webhooks", map[string]any{"url": "https://x.example/", "events": []string{"ticket.created"}, "format": "xml"}).Expect(422)
	created := w.env.As(key, "POST", "/v1/webhooks", map[string]any{"url": "https://x.example/", "events": []string{"ticket.created"}}).Expect(201).Object()
	reader := w.env.KeyWith(w.env.WS, "tickets:read")
	w.env.As(reader, "GET", "/v1/webhooks", nil).Expect(403)
	if list := w.env.As(key, "GET", "/v1/webhooks", nil).Expect(200).Array(); len(list) != 1 || list[0]["secret"] != nil {
		t.Fatalf("list: %v", list)
	}
	other := w.env.NewWorkspace("Other")
	w.env.As(other.Key, "GET", "/v1/webhooks/"+created["id"].(string), nil).Expect(404)
	patched := w.env.As(key, "PATCH", "/v1/webhooks/"+created["id"].(string), map[string]any{"description": "renamed"}).Expect(200).Object()
	if patched["description"] != "renamed" || patched["url"] != "https://x.example/" {
		t.Fatalf("patch: %v", patched)
	}
	w.env.As(key, "DELETE", "/v1/webhooks/"+created["id"].(string), nil).Expect(204)
	w.env.As(key, "GET", "/v1/webhooks/"+created["id"].(string), nil).Expect(404)
}

// TestTwoNodesDeliverEachAttemptOnce runs two services, each with its own
// connection pool as two nodes have, claiming from one database at once:
// every event reaches the receiver exactly once (it always answers 200, so
// one attempt each), and each ticket's events arrive in order.
func TestTwoNodesDeliverEachAttemptOnce(t *testing.T) {
	env := apitest.New(t)
	rcv := newReceiver(t)
	res := env.As(env.WS.Key, "POST", "/v1/webhooks", map[string]any{"url": rcv.srv.URL,
		"events": []string{"ticket.created", "message.created", "note.created"}}).Expect(201).Object()
	rcv.setSecrets(res["secret"].(string))
	nodes := []*ticketd.Service{env.Service, ticketd.NewService(sqlstoretest.OpenDSN(t, env.DSN))}
	sender := webhook.NewSender(server.WebhookPayload, webhook.Options{Timeout: 5 * time.Second, AllowPrivate: true})

	const tickets, messages = 4, 6
	var ids []string
	for i := range tickets {
		tk := env.Ticket(env.WS, "chat")
		ids = append(ids, tk.ID.String())
		for j := range messages {
			if _, err := nodes[(i+j)%2].PostMessage(context.Background(), env.WS.Principal, ticketd.ByID(tk.ID),
				ticketd.NewMessage{Body: fmt.Sprintf("message %d", j), Internal: j%3 == 0}); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := tickets * (1 + messages)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && len(rcv.accepted()) < want {
				if _, err := n.DeliverWebhooksDue(ctx, sender, 3); err != nil && ctx.Err() == nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, n := range nodes { // nothing left that either could still send
		if k, err := n.DeliverWebhooksDue(context.Background(), sender, 10); err != nil || k != 0 {
			t.Fatalf("left over: %d, %v", k, err)
		}
	}
	got := rcv.accepted()
	if len(got) != want || rcv.calls != want {
		t.Fatalf("received %d (%d calls), want %d", len(got), rcv.calls, want)
	}
	seen := map[string]bool{}
	for _, r := range got {
		if seen[r.id] {
			t.Fatalf("%s delivered twice", r.id)
		}
		seen[r.id] = true
	}
	for _, tid := range ids {
		var last int
		for _, r := range got {
			if r.ticketID != tid {
				continue
			}
			var n int
			fmt.Sscanf(r.id, "evt_%d", &n)
			if n < last {
				t.Fatalf("ticket %s: event %d arrived after %d", tid, n, last)
			}
			last = n
		}
	}
}

func TestPublicAddresses(t *testing.T) {
	for addr, want := range map[string]bool{
		"93.184.216.34": true, "2606:4700::1111": true,
		"127.0.0.1": false, "10.0.0.1": false, "172.16.5.4": false, "192.168.1.1": false,
		"169.254.169.254": false, "100.100.100.200": false, "0.0.0.0": false, "::1": false, "fe80::1": false,
		"fd00:ec2::254": false, "::ffff:127.0.0.1": false, "224.0.0.1": false, "::": false,
	} {
		if got := webhook.Public(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Public(%s) = %v, want %v", addr, got, want)
		}
	}
}
