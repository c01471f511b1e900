package mail_test

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/apitest"
	tdmail "github.com/ticketd/ticketd/mail"
	"github.com/ticketd/ticketd/mail/domainauth"
	"github.com/ticketd/ticketd/mail/inbound"
	"github.com/ticketd/ticketd/mail/outbound"
)

// findMessage returns the native view of the message with Message-ID id.
func (e *env) findMessage(id string) map[string]any {
	e.T.Helper()
	ts, err := e.Service.Tickets(context.Background(), e.WS.Principal, ticketd.TicketFilter{})
	if err != nil {
		e.T.Fatal(err)
	}
	for _, t := range ts {
		for _, m := range e.messages(e.WS, t.ID.String()) {
			if m["externalId"] == id {
				return e.As(e.WS.Key, "GET", "/v1/messages/"+m["id"].(string), nil).Expect(200).Object()
			}
		}
	}
	e.T.Fatalf("no message %s", id)
	return nil
}

// Each inbound email's SPF, DKIM and DMARC are verified against the
// sender's DNS (the loopback server), stored, and shown by GET
// /v1/messages/{id}; a DMARC failure for the From domain is tagged.
func TestInboundAuthentication(t *testing.T) {
	intake := tdmail.NewIntake(64<<20, 64<<20, 25<<20, t.TempDir())
	e := newEnvWith(t, apitest.Options{EmailIntake: intake})
	intake.Verifier = &tdmail.Verifier{Resolver: domainauth.NewResolver(e.DNS.Addr())}

	// sender.test signs with DKIM, allows 127.0.0.1 by SPF and asks DMARC
	// to reject what fails.
	keys, err := domainauth.NewDomainKeys("sender.test", 1024)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range domainauth.Records("sender.test", domainauth.Keys{Selector: keys.Selector, Token: keys.Token, PublicKey: keys.PublicKey}) {
		if r.Purpose == domainauth.PurposeDKIM {
			e.DNS.SetTXT(r.Name, r.Value)
		}
	}
	e.DNS.SetTXT("sender.test", "v=spf1 ip4:127.0.0.1 -all")
	e.DNS.SetTXT("_dmarc.sender.test", "v=DMARC1; p=reject")

	email := func(id string) []byte {
		return []byte("From: Jane <jane@sender.test>\r\nTo: " + shopInbox + "\r\nSubject: auth " + id + "\r\n" +
			"Message-ID: <" + id + "@sender.test>\r\nDate: Wed, 22 Apr 2026 10:00:00 +0000\r\n\r\nMy order is late.\r\n")
	}
	deliver := func(raw []byte, ip, mailFrom string) {
		t.Helper()
		h := &tdmail.InboundHandler{Service: e.Service, MaxBytes: 25 << 20, Intake: intake}
		err := h.Deliver(context.Background(), inbound.Envelope{From: mailFrom, To: []string{shopInbox},
			RemoteAddr: ip + ":40000", HeloName: "mx.sender.test"}, inbound.NewSpool(raw))
		if err != nil {
			t.Fatal(err)
		}
	}
	check := func(name string, m map[string]any, spf, dkim, dmarc string, flagged bool) {
		t.Helper()
		a, _ := m["authentication"].(map[string]any)
		if a == nil || a["spf"] != spf || a["dkim"] != dkim || a["dmarc"] != dmarc || a["from_domain"] != "sender.test" {
			t.Errorf("%s: authentication %v, want spf %s dkim %s dmarc %s", name, m["authentication"], spf, dkim, dmarc)
		}
		if got := slices.Contains(strs(m["tags"]), ticketd.TagDMARCFail); got != flagged {
			t.Errorf("%s: tags %v, want %s=%v", name, m["tags"], ticketd.TagDMARCFail, flagged)
		}
	}

	// Signed, from an allowed address: everything passes.
	signed, err := outbound.Sign(email("signed"), "sender.test", keys.Selector, keys.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	deliver(signed, "127.0.0.1", "jane@sender.test")
	check("signed", e.findMessage("<signed@sender.test>"), "pass", "pass", "pass", false)

	// Unsigned, from an address SPF refuses: a forgery of From; it is
	// kept, attributed to the address it claims, and flagged.
	deliver(email("forged"), "127.0.0.9", "jane@sender.test")
	check("forged", e.findMessage("<forged@sender.test>"), "fail", "none", "fail", true)

	// Signed but altered on the way: the signature fails, and over HTTP
	// there is no SMTP client for SPF, so DMARC fails too.
	altered := strings.Replace(string(signed), "My order is late.", "Send the refund elsewhere.", 1)
	altered = strings.Replace(altered, "<signed@sender.test>", "<altrd@sender.test>", 1)
	e.post(e.WS, []byte(altered)).Expect(201)
	check("altered", e.findMessage("<altrd@sender.test>"), "none", "fail", "fail", true)
}

// A DNS server that never answers delays an email by the verifier's
// Timeout, not by the resolver's timeouts one after the other: the email is
// stored, with "temperror" for what could not be checked, well before a
// sender that waits two seconds gives up. (Before the bound, every look-up
// waited 5 s and the email was lost with a 500 once the sender hung up.)
func TestInboundAuthenticationSilentDNS(t *testing.T) {
	silent, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() { // read every query, answer none
		b := make([]byte, 2048)
		for {
			if _, _, err := silent.ReadFrom(b); err != nil {
				return
			}
		}
	}()
	intake := tdmail.NewIntake(64<<20, 64<<20, 25<<20, t.TempDir())
	e := newEnvWith(t, apitest.Options{EmailIntake: intake})
	intake.Verifier = &tdmail.Verifier{Resolver: domainauth.NewResolver(silent.LocalAddr().String()), Timeout: 200 * time.Millisecond}

	raw := []byte("From: Jane <jane@sender.test>\r\nTo: " + shopInbox + "\r\nSubject: silent dns\r\n" +
		"Message-ID: <silent@sender.test>\r\nDate: Wed, 22 Apr 2026 10:00:00 +0000\r\n\r\nMy order is late.\r\n")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	h := &tdmail.InboundHandler{Service: e.Service, MaxBytes: 25 << 20, Intake: intake}
	if err := h.Deliver(ctx, inbound.Envelope{From: "jane@sender.test", To: []string{shopInbox},
		RemoteAddr: "127.0.0.1:40000", HeloName: "mx.sender.test"}, inbound.NewSpool(raw)); err != nil {
		t.Fatalf("the email was refused while DNS was silent: %v", err)
	}
	a, _ := e.findMessage("<silent@sender.test>")["authentication"].(map[string]any)
	if a == nil || a["spf"] != "temperror" || a["dmarc"] != "temperror" {
		t.Errorf("authentication %v, want spf and dmarc temperror", a)
	}
}

// The checks' TXT answers are shared: a burst of emails from one domain
// asks DNS once per name, not once per email; a failed look-up is not
// remembered, so the next email asks again and gets the answer.
func TestInboundAuthenticationCachesDNS(t *testing.T) {
	intake := tdmail.NewIntake(64<<20, 64<<20, 25<<20, t.TempDir())
	e := newEnvWith(t, apitest.Options{EmailIntake: intake})
	intake.Verifier = &tdmail.Verifier{Resolver: domainauth.NewResolver(e.DNS.Addr())}
	email := func(id string) []byte {
		return []byte("From: Jane <jane@sender.test>\r\nTo: " + shopInbox + "\r\nSubject: burst " + id + "\r\n" +
			"Message-ID: <" + id + "@sender.test>\r\nDate: Wed, 22 Apr 2026 10:00:00 +0000\r\n\r\nMy order is late.\r\n")
	}

	// A failure first: SERVFAIL is a temperror, and is not cached.
	e.DNS.ServFail("_dmarc.sender.test")
	e.post(e.WS, email("servfail")).Expect(201)
	if a := e.findMessage("<servfail@sender.test>")["authentication"].(map[string]any); a["dmarc"] != "temperror" {
		t.Errorf("with SERVFAIL: dmarc %v, want temperror", a["dmarc"])
	}
	e.DNS.SetTXT("_dmarc.sender.test", "v=DMARC1; p=reject")

	// Over HTTP an unsigned email needs one name: the DMARC policy.
	before := e.DNS.Queries()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.post(e.WS, email(fmt.Sprintf("burst%d", i))).Expect(201)
		}()
	}
	wg.Wait()
	if n := e.DNS.Queries() - before; n != 1 {
		t.Errorf("8 emails from one domain made %d DNS queries, want 1", n)
	}
	for i := range 8 {
		a := e.findMessage(fmt.Sprintf("<burst%d@sender.test>", i))["authentication"].(map[string]any)
		if a["dmarc"] != "fail" || a["dmarc_policy"] != "reject" {
			t.Errorf("burst%d: authentication %v, want dmarc fail under p=reject", i, a)
		}
	}
}
