package ticket0_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/apitest"
	"github.com/ticketd/ticketd/httpapi/typeid"
	"github.com/ticketd/ticketd/mail"
	"github.com/ticketd/ticketd/mail/domainauth"
	"github.com/ticketd/ticketd/mail/mailtest"
	"github.com/ticketd/ticketd/mail/outbound"
)

// clock is a pinned clock that a test moves forward, so that retries with
// backoff come due without waiting.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 4, 22, 10, 30, 0, 0, time.UTC)} }

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

// env is an apitest.Env whose service verifies sending domains against a
// real DNS server on loopback, with a real SMTP server on loopback as the
// relay and a clock the test moves.
type env struct {
	*apitest.Env
	DNS   *mailtest.DNSServer
	SMTP  *mailtest.SMTPServer
	Clock *clock
	// Authority is the domain authority the service uses, for a second
	// service over the same database.
	Authority *mail.Authority
	Mailer    *mail.Sender
}

func newEnv(t testing.TB) *env { return newEnvWith(t, apitest.Options{}) }

func newEnvWith(t testing.TB, o apitest.Options) *env {
	t.Helper()
	dns := mailtest.NewDNSServer(t)
	smtpSrv := mailtest.NewSMTPServer(t)
	c := newClock()
	auth := &mail.Authority{Resolver: domainauth.NewResolver(dns.Addr())}
	o.ServiceOptions = append(o.ServiceOptions, ticketd.WithDomainAuthority(auth), ticketd.WithClock(c.Now))
	relay, err := outbound.NewRelay(outbound.RelayConfig{Addr: smtpSrv.Addr(), TLS: outbound.TLSNone,
		HeloName: "ticketd.test", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &env{Env: apitest.NewWith(t, o), DNS: dns, SMTP: smtpSrv, Clock: c, Authority: auth,
		Mailer: &mail.Sender{Relay: relay}}
}

// publish puts records, as POST /v1/domains listed them, in the DNS server.
func (e *env) publish(records []any) {
	for _, r := range records {
		rec := r.(map[string]any)
		e.DNS.SetTXT(rec["name"].(string), rec["value"].(string))
	}
}

// sendingSetup creates and verifies domain for ws through the native API
// and opens the inbox support@domain on it; it returns the inbox address.
func (e *env) sendingSetup(ws *apitest.Workspace, domain, inboxName, signature string) string {
	e.T.Helper()
	d := e.As(ws.Key, "POST", "/v1/domains", map[string]any{"name": domain}).Expect(201).Object()
	e.publish(d["dns_records"].([]any))
	v := e.As(ws.Key, "POST", "/v1/domains/"+d["id"].(string)+"/verify", nil).Expect(200).Object()
	if v["verified"] != true {
		e.T.Fatalf("domain not verified: %v", v)
	}
	address := "support@" + domain
	e.As(ws.Key, "POST", "/v1/inboxes", map[string]any{"address": address, "name": inboxName, "signature": signature}).Expect(201)
	return address
}

// deliver runs the outbox once, as the worker does, and returns how many
// entries it handled.
func (e *env) deliver() int {
	e.T.Helper()
	n, err := e.Service.DeliverDue(context.Background(), e.Mailer, 50)
	if err != nil {
		e.T.Fatal(err)
	}
	return n
}

// total counts the public and internal messages of a ticket.
func (e *env) total(ws *apitest.Workspace, t *ticketd.Ticket) int {
	e.T.Helper()
	c, err := e.Service.Messages(context.Background(), ws.Principal, ticketd.ByID(t.ID), ticketd.MessageFilter{IncludeInternal: true})
	if err != nil {
		e.T.Fatal(err)
	}
	return c.Total
}

// emailTicket creates an email ticket with subject for a new customer.
func (e *env) emailTicket(ws *apitest.Workspace, email, first, last, subject string) (*ticketd.Customer, *ticketd.Ticket) {
	e.T.Helper()
	c := e.Customer(ws, email, first, last)
	t, err := e.Service.CreateTicket(context.Background(), ws.Principal, ticketd.NewTicket{Customer: ticketd.ByID(c.ID), Subject: subject, Channel: "email"})
	if err != nil {
		e.T.Fatal(err)
	}
	return c, t
}

func conv(t *ticketd.Ticket) string { return typeid.Format(typeid.Conversation, t.ID) }
func userID(u *ticketd.User) string { return typeid.Format(typeid.User, u.ID) }

func msgPath(t *ticketd.Ticket) string { return "/v1/tickets/" + conv(t) + "/messages" }

// expectError checks the resource's error format and code.
func expectError(t *testing.T, r *apitest.Response, status int, code, contains string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
	body := r.Object()
	errObj, ok := body["error"].(map[string]any)
	if !ok || len(body) != 1 || len(errObj) != 2 {
		t.Fatalf(`want {"error": {"code", "message"}}, got %s`, r.Body)
	}
	msg, _ := errObj["message"].(string)
	if errObj["code"] != code || msg == "" {
		t.Fatalf("error %v, want code %s and a message", errObj, code)
	}
	if !strings.Contains(msg, contains) {
		t.Fatalf("message %q does not mention %q", msg, contains)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
}

// reply is a valid reply body.
func reply(from string, u *ticketd.User, text string) map[string]any {
	return map[string]any{"fromAddress": from, "bodyText": text, "userId": userID(u)}
}

func with(m map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string)
		if kv[i+1] == deleteKey {
			delete(out, k)
			continue
		}
		out[k] = kv[i+1]
	}
	return out
}

// deleteKey removes a key in with.
var deleteKey = &struct{}{}
