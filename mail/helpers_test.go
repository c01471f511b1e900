package mail_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/blob"
	"github.com/ticketd/ticketd/httpapi/apitest"
	"github.com/ticketd/ticketd/httpapi/typeid"
	"github.com/ticketd/ticketd/mail"
	"github.com/ticketd/ticketd/mail/domainauth"
	"github.com/ticketd/ticketd/mail/mailtest"
	"github.com/ticketd/ticketd/triage"
)

// The inboxes every env monitors: the fixtures write to the shop's address,
// the bounce fixtures come back to the support domain's.
const (
	shopInbox    = "support@shop.example.com"
	supportInbox = "support@support.example.com"
)

// The triage models are large, so the package loads them once and every
// env shares them; the analyzer holds no per-message state. The language
// models are loaded here rather than on the first message: under the fuzzer's
// coverage instrumentation on a busy two-core machine that first load can
// pass the 10 s after which Go's fuzz worker declares itself deadlocked.
var (
	analyzerOnce sync.Once
	analyzer     *triage.Analyzer
	analyzerErr  error
)

func sharedAnalyzer(t testing.TB) *triage.Analyzer {
	t.Helper()
	analyzerOnce.Do(func() {
		analyzer, analyzerErr = triage.New(nil)
		if analyzerErr == nil {
			analyzer.Lang.Preload()
		}
	})
	if analyzerErr != nil {
		t.Fatal(analyzerErr)
	}
	return analyzer
}

// env is the real HTTP handler over a real database, with the real triage,
// attachments kept in a temporary blob directory, and sending domains
// verified against a DNS server on loopback. Its first workspace monitors
// shopInbox and supportInbox.
type env struct {
	*apitest.Env
	DNS *mailtest.DNSServer
	// Blobs is the attachment directory.
	Blobs string
}

func newEnv(t testing.TB) *env { return newEnvWith(t, apitest.Options{}) }

func newEnvWith(t testing.TB, o apitest.Options) *env {
	t.Helper()
	dns := mailtest.NewDNSServer(t)
	// 1024-bit keys: the tests sign nothing they verify, and a 2048-bit key
	// per domain would dominate the package's run time.
	auth := &mail.Authority{Resolver: domainauth.NewResolver(dns.Addr()), KeyBits: 1024}
	blobs := t.TempDir()
	o.ServiceOptions = append(o.ServiceOptions, ticketd.WithDomainAuthority(auth),
		ticketd.WithAnalyzer(sharedAnalyzer(t)), ticketd.WithBlobStore(&blob.Dir{Path: blobs}))
	e := &env{Env: apitest.NewWith(t, o), DNS: dns, Blobs: blobs}
	e.inbox(e.WS, shopInbox)
	e.inbox(e.WS, supportInbox)
	return e
}

// inbox adds address's domain to ws, publishes its records in the DNS
// server, verifies it and opens the inbox: the path a team takes, with
// nothing faked but the DNS zone.
func (e *env) inbox(ws *apitest.Workspace, address string) *ticketd.Inbox {
	e.T.Helper()
	ctx := context.Background()
	_, domain, _ := strings.Cut(address, "@")
	d, err := e.Service.CreateSendingDomain(ctx, ws.Principal, domain)
	if err != nil {
		e.T.Fatal(err)
	}
	for _, r := range e.Service.DomainRecords(d) {
		e.DNS.SetTXT(r.Name, r.Value)
	}
	if _, v, err := e.Service.VerifyDomain(ctx, ws.Principal, ticketd.ByID(d.ID)); err != nil {
		e.T.Fatal(err)
	} else if !v.Verified {
		e.T.Fatalf("%s not verified: %+v", domain, v.Records)
	}
	ib, err := e.Service.CreateInbox(ctx, ws.Principal, ticketd.NewInbox{Address: address, Name: "ACME Support"})
	if err != nil {
		e.T.Fatal(err)
	}
	return ib
}

// post sends a raw email to POST /v1/inbound/email with ws's owner key.
func (e *env) post(ws *apitest.Workspace, raw []byte) *apitest.Response {
	e.T.Helper()
	return e.As(ws.Key, "POST", "/v1/inbound/email", raw, "Content-Type", "message/rfc822")
}

// ingest posts raw and expects a new message; it returns the ticket and
// message ids.
func (e *env) ingest(ws *apitest.Workspace, raw []byte) (ticketID, messageID string) {
	e.T.Helper()
	r := e.post(ws, raw).Expect(201).Object()
	if r["duplicate"] != false {
		e.T.Fatalf("a new email answered %v", r)
	}
	return r["ticket_id"].(string), r["message_id"].(string)
}

// messages lists a ticket's public messages through the messages resource.
func (e *env) messages(ws *apitest.Workspace, ticketID string) []map[string]any {
	e.T.Helper()
	id, err := ticketd.ParseID(ticketID)
	if err != nil {
		e.T.Fatal(err)
	}
	conv := typeid.Format(typeid.Conversation, id)
	body := e.As(ws.Key, "GET", "/v1/tickets/"+conv+"/messages", nil).Expect(200).Object()
	var out []map[string]any
	for _, m := range body["messages"].([]any) {
		out = append(out, m.(map[string]any))
	}
	return out
}

// ticketCount counts the tickets of ws.
func (e *env) ticketCount(ws *apitest.Workspace) int {
	e.T.Helper()
	ts, err := e.Service.Tickets(context.Background(), ws.Principal, ticketd.TicketFilter{})
	if err != nil {
		e.T.Fatal(err)
	}
	return len(ts)
}

// reply posts a public agent comment on an email ticket, which the domain
// queues for delivery, and returns the stored message with the Message-ID
// it will go out with.
func (e *env) reply(ws *apitest.Workspace, ticketID, text string) map[string]any {
	e.T.Helper()
	c := e.As(ws.Key, "POST", "/v1/tickets/"+ticketID+"/comments", map[string]any{"content": text}).Expect(201).Object()
	m := e.As(ws.Key, "GET", "/v1/messages/"+c["id"].(string), nil).Expect(200).Object()
	if m["delivery_status"] != "queued" || !strings.HasPrefix(m["external_id"].(string), "<") {
		e.T.Fatalf("the reply is not queued for email: %v", m)
	}
	return m
}

// fixture reads one testdata email of package mail/inbound.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("inbound", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// fixtures lists the testdata emails.
func fixtures(t testing.TB) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("inbound", "testdata", "*.eml"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	return names
}

// blobFiles counts the files in the attachment directory.
func (e *env) blobFiles() int {
	e.T.Helper()
	n := 0
	err := filepath.WalkDir(e.Blobs, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		e.T.Fatal(err)
	}
	return n
}
