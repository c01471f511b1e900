package ticket0_test

import (
	"bytes"
	"context"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/jhillyerd/enmime/v2"
	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/typeid"
	tdmail "github.com/ticketd/ticketd/mail"
	"github.com/ticketd/ticketd/mail/domainauth"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// customerEmail is the customer's first email, as their mail client sent it.
const customerEmail = "From: Jane Smith <jane@example.com>\r\n" +
	"To: Acme Support <support@acme.test>\r\n" +
	"Subject: Where's my order?\r\n" +
	"Message-ID: <order-1@mail.example.com>\r\n" +
	"Date: Wed, 22 Apr 2026 10:00:00 +0000\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"Hi, my order hasn't arrived yet.\r\n"

// received parses what the relay received.
func parseReceived(t *testing.T, data []byte) *enmime.Envelope {
	t.Helper()
	env, err := enmime.ReadEnvelope(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the relay received an unreadable email: %v\n%s", err, data)
	}
	return env
}

func address(t *testing.T, env *enmime.Envelope, header string) []*mail.Address {
	t.Helper()
	list, err := env.AddressList(header)
	if err != nil {
		t.Fatalf("%s: %v", header, err)
	}
	return list
}

// TestReplyByEmailEndToEnd is the "How it is checked": a domain set
// up through the native API and verified against a real DNS server, a
// reply posted through this resource, delivered by the outbox worker to a
// real SMTP server, and the email read back and its DKIM signature checked
// against the record the DNS server publishes.
func TestReplyByEmailEndToEnd(t *testing.T) {
	e := newEnv(t)
	ws := e.WS
	key := ws.Key

	// A domain: the records to publish, and verification before and after.
	d := e.As(key, "POST", "/v1/domains", map[string]any{"name": "acme.test"}).Expect(201).Object()
	records := d["dns_records"].([]any)
	purposes := map[string]map[string]any{}
	for _, r := range records {
		rec := r.(map[string]any)
		purposes[rec["purpose"].(string)] = rec
		if rec["type"] != "TXT" || !strings.HasSuffix(rec["name"].(string), "acme.test") {
			t.Errorf("record %v", rec)
		}
	}
	if purposes["ownership"] == nil || purposes["dkim"] == nil || purposes["spf"] == nil {
		t.Fatalf("records %v", records)
	}
	verify := "/v1/domains/" + d["id"].(string) + "/verify"
	if v := e.As(key, "POST", verify, nil).Expect(200).Object(); v["verified"] != false {
		t.Fatalf("verified before anything was published: %v", v)
	}
	// Creating an inbox on an unverified domain is refused.
	e.As(key, "POST", "/v1/inboxes", map[string]any{"address": "support@acme.test", "name": "Acme Support"}).Expect(422)
	// A DKIM record with the wrong key does not verify.
	e.publish(records)
	dkimRec := purposes["dkim"]
	e.DNS.SetTXT(dkimRec["name"].(string), "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwrong")
	if v := e.As(key, "POST", verify, nil).Expect(200).Object(); v["verified"] != false {
		t.Fatalf("verified with a wrong DKIM key: %v", v)
	}
	// Exactly the records as listed verify.
	e.DNS.SetTXT(dkimRec["name"].(string), dkimRec["value"].(string))
	if v := e.As(key, "POST", verify, nil).Expect(200).Object(); v["verified"] != true {
		t.Fatalf("not verified with the published records: %v", v)
	}
	e.As(key, "POST", "/v1/inboxes", map[string]any{"address": "support@acme.test", "name": "Acme Support",
		"signature": "Acme Support\nhttps://acme.test/help"}).Expect(201)
	// Inboxes list in pages like every native list: after the cursor, with a
	// Link only while there is more.
	e.As(key, "POST", "/v1/inboxes", map[string]any{"address": "sales@acme.test", "name": "Acme Sales"}).Expect(201)
	page1 := e.As(key, "GET", "/v1/inboxes?limit=1", nil).Expect(200)
	link := page1.Header.Get("Link")
	if len(page1.Array()) != 1 || link == "" {
		t.Fatalf("inboxes page 1: %s, Link %q", page1.Body, link)
	}
	page2 := e.As(key, "GET", link[1:strings.Index(link, ">")], nil).Expect(200)
	if a, b := page1.Array(), page2.Array(); len(b) != 1 || a[0]["address"] == b[0]["address"] || page2.Header.Get("Link") != "" {
		t.Fatalf("inboxes page 2: %s, Link %q", page2.Body, page2.Header.Get("Link"))
	}
	e.As(key, "GET", "/v1/inboxes?after="+ticketd.NewID().String(), nil).Expect(422)

	// The outbox worker runs as in ticketd serve.
	w := &tdmail.Worker{Service: e.Service, Mailer: e.Mailer, Interval: 50 * time.Millisecond}
	w.Start()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	// The customer writes in.
	in := e.As(key, "POST", "/v1/inbound/email", customerEmail, "Content-Type", "message/rfc822").Expect(201).Object()
	ticketID, _ := ticketd.ParseID(in["ticket_id"].(string))
	path := "/v1/tickets/" + typeid.Format(typeid.Conversation, ticketID) + "/messages"
	first := e.As(key, "GET", path, nil).Expect(200).Object()["messages"].([]any)[0].(map[string]any)
	if first["externalId"] != "<order-1@mail.example.com>" || first["direction"] != "inbound" || first["fromName"] != "Jane Smith" {
		t.Fatalf("the customer's email: %v", first)
	}

	// The agent replies through this resource.
	html := "<p>Your order ships <b>tomorrow</b>.</p>"
	posted := e.As(key, "POST", path, map[string]any{"fromAddress": "support@acme.test", "userId": userID(ws.Owner),
		"bodyText": "Your order ships tomorrow.", "bodyHtml": html, "ccAddresses": []string{"boss@example.com"}}).Expect(201)
	msg := posted.Object()["message"].(map[string]any)
	got := e.SMTP.WaitFor(1, 10*time.Second)[0]

	// The envelope: from the inbox, to the customer and the Cc.
	if got.From != "support@acme.test" {
		t.Errorf("MAIL FROM %q", got.From)
	}
	if !slices.Equal(got.To, []string{"jane@example.com", "boss@example.com"}) {
		t.Errorf("RCPT TO %q", got.To)
	}
	email := parseReceived(t, got.Data)
	if from := address(t, email, "From"); len(from) != 1 || from[0].Address != "support@acme.test" || from[0].Name != "Acme Support" {
		t.Errorf("From %v", from)
	}
	if to := address(t, email, "To"); len(to) != 1 || to[0].Address != "jane@example.com" || to[0].Name != "Jane Smith" {
		t.Errorf("To %v", to)
	}
	if cc := address(t, email, "Cc"); len(cc) != 1 || cc[0].Address != "boss@example.com" {
		t.Errorf("Cc %v", cc)
	}
	if s := email.GetHeader("Subject"); s != "Re: Where's my order?" || s != msg["subject"] {
		t.Errorf("Subject %q (message says %v)", s, msg["subject"])
	}
	if id := email.GetHeader("Message-ID"); id == "" || id != msg["externalId"] {
		t.Errorf("Message-ID %q, externalId %v", id, msg["externalId"])
	}
	if irt := email.GetHeader("In-Reply-To"); irt != "<order-1@mail.example.com>" || irt != msg["inReplyTo"] {
		t.Errorf("In-Reply-To %q (inReplyTo %v)", irt, msg["inReplyTo"])
	}
	if refs := email.GetHeader("References"); refs != "<order-1@mail.example.com>" {
		t.Errorf("References %q", refs)
	}
	// Both parts, the signature under the text.
	if text := strings.ReplaceAll(email.Text, "\r\n", "\n"); !strings.HasPrefix(text, "Your order ships tomorrow.\n") ||
		!strings.HasSuffix(strings.TrimSpace(text), "\n-- \nAcme Support\nhttps://acme.test/help") {
		t.Errorf("text part %q", email.Text)
	}
	if !strings.Contains(email.HTML, html) {
		t.Errorf("HTML part %q", email.HTML)
	}
	// The signature verifies against the DKIM record in DNS.
	resolver := domainauth.NewResolver(e.DNS.Addr())
	verifs, err := dkim.VerifyWithOptions(bytes.NewReader(got.Data), &dkim.VerifyOptions{
		LookupTXT: func(name string) ([]string, error) { return resolver.LookupTXT(context.Background(), name) },
	})
	if err != nil || len(verifs) != 1 || verifs[0].Err != nil || verifs[0].Domain != "acme.test" {
		t.Fatalf("DKIM: %v %+v", err, verifs)
	}

	// The message shows as sent, once.
	waitStatus(t, e, msg["id"].(string), "sent")
	// A second reply threads onto the whole conversation.
	second := e.As(key, "POST", path, reply("support@acme.test", ws.Owner, "Tracking: 123")).Expect(201).Object()["message"].(map[string]any)
	got2 := parseReceived(t, e.SMTP.WaitFor(2, 10*time.Second)[1].Data)
	if irt := got2.GetHeader("In-Reply-To"); irt != msg["externalId"] || second["inReplyTo"] != irt {
		t.Errorf("second In-Reply-To %q, want the first reply's %v", irt, msg["externalId"])
	}
	if refs := strings.Fields(got2.GetHeader("References")); !slices.Equal(refs, []string{"<order-1@mail.example.com>", msg["externalId"].(string)}) {
		t.Errorf("second References %q", refs)
	}
	if got2.HTML != "" {
		t.Errorf("a reply without bodyHtml has an HTML part: %q", got2.HTML)
	}
	if n := len(e.SMTP.Messages()); n != 2 {
		t.Fatalf("relay received %d emails, want 2", n)
	}
}

// status reads a message's delivery through the native API.
func status(t *testing.T, e *env, msgID string) map[string]any {
	t.Helper()
	return e.As(e.WS.Key, "GET", "/v1/messages/"+msgID, nil).Expect(200).Object()
}

func waitStatus(t *testing.T, e *env, msgID, want string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m := status(t, e, msgID)
		if m["delivery_status"] == want {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery status %v, want %s: %v", m["delivery_status"], want, m)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRelayDownThenBack: a reply is accepted while the relay is down, is
// retried with backoff, and is delivered exactly once when the relay is back.
func TestRelayDownThenBack(t *testing.T) {
	e := newEnv(t)
	inbox := e.sendingSetup(e.WS, "acme.test", "Acme", "")
	_, tk := e.emailTicket(e.WS, "jane@example.com", "Jane", "Smith", "Order")
	e.SMTP.Close()

	m := e.As(e.WS.Key, "POST", msgPath(tk), reply(inbox, e.WS.Owner, "on its way")).Expect(201).Object()["message"].(map[string]any)
	id := m["id"].(string)
	if n := e.deliver(); n != 1 {
		t.Fatalf("handled %d entries, want 1", n)
	}
	s := status(t, e, id)
	if s["delivery_status"] != "queued" || s["delivery_attempts"] != float64(1) || !strings.Contains(s["delivery_error"].(string), "connect") {
		t.Fatalf("after a failed attempt: %v", s)
	}
	// Not due again before the backoff has passed.
	if n := e.deliver(); n != 0 {
		t.Fatalf("retried at once: %d", n)
	}
	e.Clock.Advance(time.Minute) // past the first retry delay (30 s ± 20%)
	if n := e.deliver(); n != 1 {
		t.Fatalf("second attempt handled %d", n)
	}
	if s := status(t, e, id); s["delivery_status"] != "queued" || s["delivery_attempts"] != float64(2) {
		t.Fatalf("after the second failed attempt: %v", s)
	}

	e.SMTP.Restart()
	e.Clock.Advance(2 * time.Minute)
	if n := e.deliver(); n != 1 {
		t.Fatalf("delivery after the relay came back handled %d", n)
	}
	if s := status(t, e, id); s["delivery_status"] != "sent" || s["delivery_attempts"] != float64(3) || s["delivery_error"] != "" {
		t.Fatalf("after the relay came back: %v", s)
	}
	// Nothing is left to send, however much time passes.
	e.Clock.Advance(48 * time.Hour)
	if n := e.deliver(); n != 0 {
		t.Fatalf("delivered again: %d", n)
	}
	got := e.SMTP.Messages()
	if len(got) != 1 || parseReceived(t, got[0].Data).GetHeader("Message-ID") != m["externalId"] {
		t.Fatalf("relay received %d emails, want exactly the reply once", len(got))
	}
}

// TestRelayRefusesPermanently: a 5xx answer marks the reply failed with the
// relay's reason and it is not retried.
func TestRelayRefusesPermanently(t *testing.T) {
	e := newEnv(t)
	inbox := e.sendingSetup(e.WS, "acme.test", "Acme", "")
	_, tk := e.emailTicket(e.WS, "jane@example.com", "Jane", "Smith", "Order")
	e.SMTP.RejectNext(1, 550, "5.7.1 Message rejected as spam")

	m := e.As(e.WS.Key, "POST", msgPath(tk), reply(inbox, e.WS.Owner, "hello")).Expect(201).Object()["message"].(map[string]any)
	e.deliver()
	s := status(t, e, m["id"].(string))
	if s["delivery_status"] != "failed" || s["delivery_attempts"] != float64(1) ||
		!strings.Contains(s["delivery_error"].(string), "550") || !strings.Contains(s["delivery_error"].(string), "rejected as spam") {
		t.Fatalf("after a 550: %v", s)
	}
	e.Clock.Advance(48 * time.Hour)
	if n := e.deliver(); n != 0 || len(e.SMTP.Messages()) != 0 {
		t.Fatalf("a permanently refused reply was retried")
	}
}

// panicMailer stands in for a process that dies in the middle of a
// delivery: after the entry was claimed, before the outcome was recorded.
type panicMailer struct{}

func (panicMailer) Send(context.Context, *ticketd.OutgoingEmail) error { panic("killed") }

// TestRestartLosesNothing: what one process accepted and left in the outbox,
// whether it never tried or died while sending, another process over the
// same database delivers, once.
func TestRestartLosesNothing(t *testing.T) {
	e := newEnv(t)
	inbox := e.sendingSetup(e.WS, "acme.test", "Acme", "")
	_, tk := e.emailTicket(e.WS, "jane@example.com", "Jane", "Smith", "Order")

	// Accepted by the first process, which stops before its worker runs.
	a := e.As(e.WS.Key, "POST", msgPath(tk), reply(inbox, e.WS.Owner, "first")).Expect(201).Object()["message"].(map[string]any)
	// Accepted, claimed, and the process dies while sending.
	b := e.As(e.WS.Key, "POST", msgPath(tk), reply(inbox, e.WS.Owner, "second")).Expect(201).Object()["message"].(map[string]any)
	func() {
		defer func() { _ = recover() }()
		_, _ = e.Service.DeliverDue(context.Background(), panicMailer{}, 1)
	}()

	// A second process: a new connection to the same database, a new service.
	db2 := sqlstoretest.OpenDSN(t, e.DSN)
	svc2 := ticketd.NewService(db2, ticketd.WithClock(e.Clock.Now), ticketd.WithDomainAuthority(e.Authority))
	n, err := svc2.DeliverDue(context.Background(), e.Mailer, 10)
	if err != nil || n != 1 {
		t.Fatalf("the restarted process delivered %d (%v), want the one never tried", n, err)
	}
	// The entry the dead process held is free again once its lease ends.
	e.Clock.Advance(3 * time.Minute)
	if n, err := svc2.DeliverDue(context.Background(), e.Mailer, 10); err != nil || n != 1 {
		t.Fatalf("after the lease: %d (%v)", n, err)
	}
	e.Clock.Advance(48 * time.Hour)
	if n, _ := svc2.DeliverDue(context.Background(), e.Mailer, 10); n != 0 {
		t.Fatalf("delivered again: %d", n)
	}
	var ids []string
	for _, r := range e.SMTP.Messages() {
		ids = append(ids, parseReceived(t, r.Data).GetHeader("Message-ID"))
	}
	slices.Sort(ids)
	want := []string{a["externalId"].(string), b["externalId"].(string)}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("relay received %q, want each reply once: %q", ids, want)
	}
	for _, m := range []map[string]any{a, b} {
		if s := status(t, e, m["id"].(string)); s["delivery_status"] != "sent" {
			t.Errorf("%v: %v", m["id"], s)
		}
	}
}

// TestNotesAndCustomerMessagesAreNeverSent: whatever surface writes them,
// internal notes and the customer's own messages never reach the relay.
func TestNotesAndCustomerMessagesAreNeverSent(t *testing.T) {
	e := newEnv(t)
	inbox := e.sendingSetup(e.WS, "acme.test", "Acme", "")
	cust, tk := e.emailTicket(e.WS, "jane@example.com", "Jane", "Smith", "Order")

	e.As(e.WS.Key, "POST", "/v1/tickets/"+tk.ID.String()+"/comments", map[string]any{"content": "VIP, careful", "is_internal": true}).Expect(201)
	for _, intent := range []ticketd.EmailIntent{ticketd.EmailAlways, ticketd.EmailIfEmailTicket} {
		e.Post(e.WS, tk, ticketd.NewMessage{Body: "note", Internal: true, Email: intent, FromInbox: inbox})
		e.Post(e.WS, tk, ticketd.NewMessage{Body: "from the customer", Email: intent, FromInbox: inbox,
			Author: ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &cust.ID}})
	}
	// This resource refuses to make a note rather than send it.
	e.As(e.WS.Key, "POST", msgPath(tk), with(reply(inbox, e.WS.Owner, "note?"), "isInternal", true)).Expect(400)
	e.As(e.WS.Key, "POST", "/v1/inbound/email", customerEmail,
		"Content-Type", "message/rfc822").Expect(201)

	e.Clock.Advance(time.Hour)
	if n := e.deliver(); n != 0 {
		t.Fatalf("%d entries in the outbox", n)
	}
	time.Sleep(50 * time.Millisecond)
	if got := e.SMTP.Messages(); len(got) != 0 {
		t.Fatalf("the relay received %d emails", len(got))
	}
	// The notes are stored, and not listed here.
	list := e.As(e.WS.Key, "GET", msgPath(tk), nil).Expect(200).Object()
	for _, v := range list["messages"].([]any) {
		if b := v.(map[string]any)["bodyText"]; b == "note" || b == "VIP, careful" {
			t.Fatalf("a note is listed: %v", v)
		}
	}
	if e.total(e.WS, tk) != int(list["total"].(float64))+3 {
		t.Fatalf("total %v does not leave out exactly the 3 notes", list["total"])
	}
}
