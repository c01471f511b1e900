package outbound_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/ticketd/ticketd/mail/domainauth"
	"github.com/ticketd/ticketd/mail/mailtest"
	"github.com/ticketd/ticketd/mail/outbound"
)

const domain = "acme.example"

var (
	keysOnce sync.Once
	keys     domainauth.Keys
	keysErr  error
)

// sendingDomain returns keys for domain, made once because RSA key
// generation is the slowest thing these tests do.
func sendingDomain(t *testing.T) domainauth.Keys {
	t.Helper()
	keysOnce.Do(func() { keys, keysErr = domainauth.NewDomainKeys(domain, 0) })
	if keysErr != nil {
		t.Fatal(keysErr)
	}
	return keys
}

// publishedDNS runs a DNS server holding exactly the records domainauth
// tells the user to publish, so the DKIM check below proves that what we
// sign verifies against what we ask people to put in DNS.
func publishedDNS(t *testing.T, k domainauth.Keys) *domainauth.Resolver {
	t.Helper()
	srv := mailtest.NewDNSServer(t)
	for _, rec := range domainauth.Records(domain, k) {
		srv.SetTXT(rec.Name, rec.Value)
	}
	return domainauth.NewResolver(srv.Addr())
}

func reply() outbound.Message {
	return outbound.Message{
		FromAddress: "support@" + domain,
		FromName:    "Acme Support — Zoë",
		To:          []outbound.Address{{Name: "Jane Smith", Email: "jane@example.com"}},
		Cc: []outbound.Address{
			{Name: "Ünïcode Person, Jr.", Email: "u@example.org"},
			{Email: "plain@example.org"},
		},
		Subject:    "Re: Where's my order? Ça arrive demain, merci pour votre patience et votre compréhension",
		MessageID:  outbound.NewMessageID(domain),
		InReplyTo:  "<msg@mail.example.com>",
		References: []string{"<first@mail.example.com>", "msg@mail.example.com"},
		Text:       "Hi Jane,\n\nYour order ships tomorrow.\n.\nA line that is long enough to need a soft line break in quoted-printable encoding, é.\n",
		HTML:       "<p>Hi Jane,</p><p>Your order ships <b>tomorrow</b>. é</p>",
		Date:       time.Date(2026, 4, 22, 10, 30, 0, 0, time.UTC),
		Headers:    map[string]string{"X-Ticket-ID": "T-42"},
	}
}

func newRelay(t *testing.T, cfg outbound.RelayConfig) *outbound.Relay {
	t.Helper()
	if cfg.TLS == "" {
		cfg.TLS = outbound.TLSNone
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	r, err := outbound.NewRelay(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func composeAndSign(t *testing.T, m outbound.Message) []byte {
	t.Helper()
	k := sendingDomain(t)
	raw, err := outbound.Compose(m)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := outbound.Sign(raw, domain, k.Selector, k.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

func TestSendSignedReply(t *testing.T) {
	k := sendingDomain(t)
	resolver := publishedDNS(t, k)
	smtpSrv := mailtest.NewSMTPServer(t)
	m := reply()
	signed := composeAndSign(t, m)

	relay := newRelay(t, outbound.RelayConfig{Addr: smtpSrv.Addr(), HeloName: "ticketd.test"})
	if err := relay.Send(context.Background(), "bounces@"+domain, m.Recipients(), signed); err != nil {
		t.Fatal(err)
	}
	got := smtpSrv.WaitFor(1, 5*time.Second)[0]

	if got.From != "bounces@"+domain {
		t.Errorf("MAIL FROM %q", got.From)
	}
	if want := []string{"jane@example.com", "u@example.org", "plain@example.org"}; strings.Join(got.To, ",") != strings.Join(want, ",") {
		t.Errorf("RCPT TO %q, want %q", got.To, want)
	}
	if !bytes.Equal(got.Data, signed) {
		t.Error("the relay received different bytes from those signed")
	}

	// The signature must verify against the record domainauth publishes.
	verifs, err := dkim.VerifyWithOptions(bytes.NewReader(got.Data), &dkim.VerifyOptions{
		LookupTXT: func(name string) ([]string, error) {
			return resolver.LookupTXT(context.Background(), name)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(verifs) != 1 {
		t.Fatalf("%d DKIM signatures, want 1", len(verifs))
	}
	if v := verifs[0]; v.Err != nil || v.Domain != domain {
		t.Fatalf("DKIM: domain %q, err %v", v.Domain, v.Err)
	}
	signedKeys := strings.ToLower(strings.Join(verifs[0].HeaderKeys, ":"))
	for _, h := range outbound.SignedHeaders {
		if !strings.Contains(signedKeys, strings.ToLower(h)) {
			t.Errorf("signature does not cover %s (h=%s)", h, signedKeys)
		}
	}

	msg, err := mail.ReadMessage(bytes.NewReader(got.Data))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	from, err := mail.ParseAddress(h.Get("From"))
	if err != nil || from.Name != m.FromName || from.Address != m.FromAddress {
		t.Errorf("From %q parsed as %+v (%v)", h.Get("From"), from, err)
	}
	checkAddresses(t, h, "To", m.To)
	checkAddresses(t, h, "Cc", m.Cc)
	dec := new(mime.WordDecoder)
	if subj, err := dec.DecodeHeader(h.Get("Subject")); err != nil || subj != m.Subject {
		t.Errorf("Subject decodes to %q (%v), want %q", subj, err, m.Subject)
	}
	if !strings.Contains(h.Get("Subject"), "=?utf-8?q?") {
		t.Errorf("non-ASCII Subject not RFC 2047 encoded: %q", h.Get("Subject"))
	}
	wantHeaders := map[string]string{
		"Message-ID":     m.MessageID,
		"In-Reply-To":    "<msg@mail.example.com>",
		"References":     "<first@mail.example.com> <msg@mail.example.com>",
		"Date":           "Wed, 22 Apr 2026 10:30:00 +0000",
		"MIME-Version":   "1.0",
		"X-Ticket-ID":    "T-42",
		"Auto-Submitted": "",
	}
	for name, want := range wantHeaders {
		if got := h.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}

	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v)", h.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var parts []string
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if p.Header.Get("Content-Transfer-Encoding") != "quoted-printable" {
			t.Errorf("part %s is not quoted-printable", p.Header.Get("Content-Type"))
		}
		body, err := io.ReadAll(quotedprintable.NewReader(p))
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, p.Header.Get("Content-Type"), string(body))
	}
	wantText := strings.ReplaceAll(m.Text, "\n", "\r\n")
	wantParts := []string{"text/plain; charset=utf-8", wantText, "text/html; charset=utf-8", m.HTML}
	if len(parts) != len(wantParts) {
		t.Fatalf("parts %q", parts)
	}
	for i := range wantParts {
		if parts[i] != wantParts[i] {
			t.Errorf("part field %d = %q, want %q", i, parts[i], wantParts[i])
		}
	}
}

func checkAddresses(t *testing.T, h mail.Header, field string, want []outbound.Address) {
	t.Helper()
	list, err := h.AddressList(field)
	if err != nil {
		t.Errorf("%s %q: %v", field, h.Get(field), err)
		return
	}
	if len(list) != len(want) {
		t.Errorf("%s = %v, want %v", field, list, want)
		return
	}
	for i, a := range list {
		if a.Name != want[i].Name || a.Address != want[i].Email {
			t.Errorf("%s[%d] = %+v, want %+v", field, i, a, want[i])
		}
	}
}

func TestSignedMessageFailsVerificationWhenAltered(t *testing.T) {
	k := sendingDomain(t)
	resolver := publishedDNS(t, k)
	signed := composeAndSign(t, reply())
	lookup := &dkim.VerifyOptions{LookupTXT: func(name string) ([]string, error) {
		return resolver.LookupTXT(context.Background(), name)
	}}
	for name, alter := range map[string]func([]byte) []byte{
		"body":    func(b []byte) []byte { return bytes.Replace(b, []byte("tomorrow"), []byte("next week"), 1) },
		"subject": func(b []byte) []byte { return bytes.Replace(b, []byte("Subject: "), []byte("Subject: FW "), 1) },
		"In-Reply-To": func(b []byte) []byte {
			return bytes.Replace(b, []byte("\r\n\r\n"), []byte("\r\nIn-Reply-To: <x@y>\r\n\r\n"), 1)
		},
	} {
		t.Run(name, func(t *testing.T) {
			verifs, err := dkim.VerifyWithOptions(bytes.NewReader(alter(bytes.Clone(signed))), lookup)
			if err != nil {
				t.Fatal(err)
			}
			if len(verifs) != 1 || verifs[0].Err == nil {
				t.Errorf("altered %s still verifies", name)
			}
		})
	}
}

func TestRelayReplies(t *testing.T) {
	smtpSrv := mailtest.NewSMTPServer(t)
	relay := newRelay(t, outbound.RelayConfig{Addr: smtpSrv.Addr()})
	m := reply()
	raw := composeAndSign(t, m)
	send := func() error {
		return relay.Send(context.Background(), m.FromAddress, m.Recipients(), raw)
	}

	t.Run("4xx is temporary", func(t *testing.T) {
		smtpSrv.RejectNext(1, 451, "Try again later")
		err := send()
		se := sendError(t, err)
		if outbound.IsPermanent(err) || se.Code != 451 || se.Op != "DATA" || !strings.Contains(err.Error(), "Try again later") {
			t.Errorf("err = %v (code %d, op %s, permanent %v)", err, se.Code, se.Op, outbound.IsPermanent(err))
		}
	})
	t.Run("5xx is permanent", func(t *testing.T) {
		smtpSrv.RejectNext(1, 550, "Message rejected as spam")
		err := send()
		se := sendError(t, err)
		if !outbound.IsPermanent(err) || se.Code != 550 || !strings.Contains(err.Error(), "Message rejected as spam") {
			t.Errorf("err = %v (code %d, permanent %v)", err, se.Code, outbound.IsPermanent(err))
		}
	})
	t.Run("relay down is temporary, and back up delivers", func(t *testing.T) {
		before := len(smtpSrv.Messages())
		smtpSrv.Close()
		err := send()
		se := sendError(t, err)
		if outbound.IsPermanent(err) || se.Op != "connect" || se.Code != 0 {
			t.Errorf("err = %v (op %s, code %d, permanent %v)", err, se.Op, se.Code, outbound.IsPermanent(err))
		}
		smtpSrv.Restart()
		if err := send(); err != nil {
			t.Fatalf("after restart: %v", err)
		}
		smtpSrv.WaitFor(before+1, 5*time.Second)
	})
	t.Run("one recipient refused: delivered to the rest, not to be retried", func(t *testing.T) {
		before := len(smtpSrv.Messages())
		smtpSrv.RejectRecipient("u@example.org", 550, "No such user")
		err := send()
		se := sendError(t, err)
		if !outbound.IsPermanent(err) || se.Op != "RCPT TO" || len(se.Rejected) != 1 || se.Rejected[0] != "u@example.org" {
			t.Errorf("err = %v (op %s, rejected %q)", err, se.Op, se.Rejected)
		}
		if !strings.Contains(err.Error(), "No such user") || !strings.Contains(err.Error(), "delivered to 2 of 3") {
			t.Errorf("reason does not tell what happened: %v", err)
		}
		got := smtpSrv.WaitFor(before+1, 5*time.Second)[before]
		if strings.Join(got.To, ",") != "jane@example.com,plain@example.org" {
			t.Errorf("delivered to %q", got.To)
		}
	})
	t.Run("every recipient refused, some only for now: temporary", func(t *testing.T) {
		smtpSrv.RejectRecipient("jane@example.com", 450, "Mailbox busy")
		smtpSrv.RejectRecipient("plain@example.org", 550, "No such user")
		err := send()
		se := sendError(t, err)
		if outbound.IsPermanent(err) || len(se.Rejected) != 3 {
			t.Errorf("err = %v (rejected %q, permanent %v)", err, se.Rejected, outbound.IsPermanent(err))
		}
	})
	t.Run("no recipients", func(t *testing.T) {
		err := relay.Send(context.Background(), m.FromAddress, nil, raw)
		if err == nil || !outbound.IsPermanent(err) {
			t.Errorf("err = %v, want a permanent error", err)
		}
	})
}

func sendError(t *testing.T, err error) *outbound.SendError {
	t.Helper()
	var se *outbound.SendError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v (%T), want *outbound.SendError", err, err)
	}
	return se
}

func TestRelayStartTLSAndAuth(t *testing.T) {
	smtpSrv := mailtest.NewSMTPServer(t, mailtest.WithSTARTTLS(), mailtest.WithAuth("ticketd", "s3cret"))
	m := reply()
	raw := composeAndSign(t, m)
	cfg := outbound.RelayConfig{
		Addr: smtpSrv.Addr(), TLS: outbound.TLSStartTLS, Username: "ticketd", Password: "s3cret",
		InsecureSkipVerify: true,
	}
	if err := newRelay(t, cfg).Send(context.Background(), m.FromAddress, m.Recipients(), raw); err != nil {
		t.Fatal(err)
	}
	got := smtpSrv.WaitFor(1, 5*time.Second)[0]
	if !got.TLS || got.User != "ticketd" {
		t.Errorf("received with TLS=%v user=%q, want TLS as ticketd", got.TLS, got.User)
	}

	t.Run("wrong password is not the message's fault", func(t *testing.T) {
		bad := cfg
		bad.Password = "wrong"
		err := newRelay(t, bad).Send(context.Background(), m.FromAddress, m.Recipients(), raw)
		se := sendError(t, err)
		if outbound.IsPermanent(err) || se.Op != "AUTH" || se.Code != 535 {
			t.Errorf("err = %v (op %s, code %d, permanent %v)", err, se.Op, se.Code, outbound.IsPermanent(err))
		}
	})
	t.Run("untrusted certificate is refused", func(t *testing.T) {
		strict := cfg
		strict.InsecureSkipVerify = false
		err := newRelay(t, strict).Send(context.Background(), m.FromAddress, m.Recipients(), raw)
		if err == nil || outbound.IsPermanent(err) {
			t.Errorf("err = %v, want a temporary TLS error", err)
		}
	})
	t.Run("no AUTH without credentials", func(t *testing.T) {
		anon := cfg
		anon.Username, anon.Password = "", ""
		err := newRelay(t, anon).Send(context.Background(), m.FromAddress, m.Recipients(), raw)
		if se := sendError(t, err); se.Op != "MAIL FROM" {
			t.Errorf("err = %v, want the relay to demand authentication", err)
		}
	})
}

func TestRelayStartTLSRequired(t *testing.T) {
	smtpSrv := mailtest.NewSMTPServer(t) // no STARTTLS on offer
	m := reply()
	err := newRelay(t, outbound.RelayConfig{Addr: smtpSrv.Addr(), TLS: outbound.TLSStartTLS, InsecureSkipVerify: true}).
		Send(context.Background(), m.FromAddress, m.Recipients(), composeAndSign(t, m))
	if se := sendError(t, err); se.Op != "STARTTLS" || outbound.IsPermanent(err) {
		t.Errorf("err = %v, want a temporary STARTTLS error", err)
	}
	if n := len(smtpSrv.Messages()); n != 0 {
		t.Errorf("%d messages went out in clear", n)
	}
}

func TestRelayImplicitTLS(t *testing.T) {
	smtpSrv := mailtest.NewSMTPServer(t, mailtest.WithImplicitTLS(), mailtest.WithAuth("u", "p"))
	m := reply()
	cfg := outbound.RelayConfig{Addr: smtpSrv.Addr(), TLS: outbound.TLSImplicit, Username: "u", Password: "p", InsecureSkipVerify: true}
	if err := newRelay(t, cfg).Send(context.Background(), m.FromAddress, m.Recipients(), composeAndSign(t, m)); err != nil {
		t.Fatal(err)
	}
	if got := smtpSrv.WaitFor(1, 5*time.Second)[0]; !got.TLS || got.User != "u" {
		t.Errorf("received with TLS=%v user=%q", got.TLS, got.User)
	}
}

func TestRelayGivesUpOnASilentServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		// Accept and say nothing, like a relay stuck behind a firewall
		// that lets the handshake through.
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	relay := newRelay(t, outbound.RelayConfig{Addr: ln.Addr().String(), Timeout: 200 * time.Millisecond})
	m := reply()
	err = relay.Send(context.Background(), m.FromAddress, m.Recipients(), []byte("Subject: x\r\n\r\nx\r\n"))
	if err == nil || outbound.IsPermanent(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want a temporary deadline error", err)
	}
}

func TestNewRelayRejectsBadConfig(t *testing.T) {
	for name, cfg := range map[string]outbound.RelayConfig{
		"no port":                  {Addr: "smtp.example.com"},
		"unknown TLS mode":         {Addr: "smtp.example.com:587", TLS: "ssl"},
		"password in clear remote": {Addr: "smtp.example.com:25", TLS: outbound.TLSNone, Username: "u", Password: "p"},
	} {
		if _, err := outbound.NewRelay(cfg); err == nil {
			t.Errorf("%s: NewRelay accepted %+v", name, cfg)
		}
	}
	if _, err := outbound.NewRelay(outbound.RelayConfig{Addr: "127.0.0.1:25", TLS: outbound.TLSNone, Username: "u"}); err != nil {
		t.Errorf("plain AUTH to loopback refused: %v", err)
	}
}

func TestIsPermanentOnPlainErrors(t *testing.T) {
	if outbound.IsPermanent(nil) || outbound.IsPermanent(errors.New("boom")) || outbound.IsPermanent(context.Canceled) {
		t.Error("IsPermanent true for an error without an SMTP reply")
	}
}
