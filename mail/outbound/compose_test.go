package outbound_test

import (
	"bytes"
	"errors"
	"mime"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/mail/outbound"
)

func TestComposeSinglePart(t *testing.T) {
	for _, tc := range []struct {
		name, text, html, wantType, wantBody string
	}{
		{"text only", "Hello\nthere", "", "text/plain; charset=utf-8", "Hello\r\nthere"},
		{"html only", "", "<p>Hi</p>", "text/html; charset=utf-8", "<p>Hi</p>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := outbound.Message{
				FromAddress: "support@acme.example",
				To:          []outbound.Address{{Email: "jane@example.com"}},
				Subject:     "Plain ASCII subject",
				Text:        tc.text,
				HTML:        tc.html,
			}
			raw, err := outbound.Compose(m)
			if err != nil {
				t.Fatal(err)
			}
			msg, err := mail.ReadMessage(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			if ct := msg.Header.Get("Content-Type"); ct != tc.wantType {
				t.Errorf("Content-Type %q, want %q", ct, tc.wantType)
			}
			if s := msg.Header.Get("Subject"); s != "Plain ASCII subject" {
				t.Errorf("ASCII subject was altered: %q", s)
			}
			if !regexp.MustCompile(`^<[a-z2-7]{26}@acme\.example>$`).MatchString(msg.Header.Get("Message-ID")) {
				t.Errorf("generated Message-ID %q", msg.Header.Get("Message-ID"))
			}
			if msg.Header.Get("Date") == "" {
				t.Error("no Date")
			}
			if msg.Header.Get("In-Reply-To") != "" || msg.Header.Get("References") != "" || msg.Header.Get("Cc") != "" {
				t.Error("empty threading or Cc fields were written")
			}
			body := raw[bytes.Index(raw, []byte("\r\n\r\n"))+4:]
			if got := strings.TrimSuffix(string(body), "\r\n"); got != tc.wantBody {
				t.Errorf("body %q, want %q", got, tc.wantBody)
			}
			checkWireFormat(t, raw)
		})
	}
}

// checkWireFormat asserts what every composed message must be on the wire:
// CRLF only, 7-bit, and lines within RFC 5322's limit.
func checkWireFormat(t *testing.T, raw []byte) {
	t.Helper()
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) ||
		bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\r")) {
		t.Error("bare CR or LF in output")
	}
	for i, line := range bytes.Split(raw, []byte("\r\n")) {
		if len(line) > 998 {
			t.Errorf("line %d is %d bytes long", i, len(line))
		}
		for _, c := range line {
			if c >= 0x80 {
				t.Errorf("line %d is not 7-bit: %q", i, line)
				break
			}
		}
	}
	if !bytes.HasSuffix(raw, []byte("\r\n")) {
		t.Error("output does not end with CRLF")
	}
}

func TestComposeRefusesHeaderInjection(t *testing.T) {
	base := func() outbound.Message {
		return outbound.Message{
			FromAddress: "support@acme.example",
			To:          []outbound.Address{{Email: "jane@example.com"}},
			Text:        "x",
		}
	}
	for name, mutate := range map[string]func(*outbound.Message){
		"subject CRLF":      func(m *outbound.Message) { m.Subject = "Hi\r\nBcc: victim@example.com" },
		"subject LF":        func(m *outbound.Message) { m.Subject = "Hi\nBcc: victim@example.com" },
		"subject CR":        func(m *outbound.Message) { m.Subject = "Hi\rBcc: victim@example.com" },
		"subject NUL":       func(m *outbound.Message) { m.Subject = "Hi\x00" },
		"from name":         func(m *outbound.Message) { m.FromName = "Acme\r\nBcc: victim@example.com" },
		"to name":           func(m *outbound.Message) { m.To[0].Name = "Jane\nX: y" },
		"to email":          func(m *outbound.Message) { m.To[0].Email = "jane@example.com\r\nBcc: v@example.com" },
		"cc email":          func(m *outbound.Message) { m.Cc = []outbound.Address{{Email: "a@b.c\n"}} },
		"reply-to":          func(m *outbound.Message) { m.ReplyTo = outbound.Address{Email: "a@b.c\r\n"} },
		"message-id":        func(m *outbound.Message) { m.MessageID = "<a@b>\r\nBcc: v@example.com" },
		"in-reply-to":       func(m *outbound.Message) { m.InReplyTo = "<a@b>\nX: y" },
		"references":        func(m *outbound.Message) { m.References = []string{"<a@b>", "<c@d>\r\nX: y"} },
		"extra header text": func(m *outbound.Message) { m.Headers = map[string]string{"X-A": "1\r\nBcc: v@example.com"} },
	} {
		t.Run(name, func(t *testing.T) {
			m := base()
			mutate(&m)
			raw, err := outbound.Compose(m)
			if !errors.Is(err, outbound.ErrHeaderInjection) {
				t.Errorf("Compose = %v, want ErrHeaderInjection; output:\n%s", err, raw)
			}
		})
	}
}

func TestComposeRefusesInvalidMessages(t *testing.T) {
	base := func() outbound.Message {
		return outbound.Message{
			FromAddress: "support@acme.example",
			To:          []outbound.Address{{Email: "jane@example.com"}},
			Text:        "x",
		}
	}
	for name, mutate := range map[string]func(*outbound.Message){
		"no from":                  func(m *outbound.Message) { m.FromAddress = "" },
		"from with a display name": func(m *outbound.Message) { m.FromAddress = "Acme <support@acme.example>" },
		"two addresses in one":     func(m *outbound.Message) { m.To[0].Email = "jane@example.com, evil@example.com" },
		"not an address":           func(m *outbound.Message) { m.To[0].Email = "jane" },
		"no recipients":            func(m *outbound.Message) { m.To = nil },
		"message-id without @":     func(m *outbound.Message) { m.MessageID = "<nope>" },
		"message-id with space":    func(m *outbound.Message) { m.MessageID = "<a b@c>" },
		"reference list in one":    func(m *outbound.Message) { m.References = []string{"<a@b> <c@d>"} },
		"reserved extra header":    func(m *outbound.Message) { m.Headers = map[string]string{"bcc": "v@example.com"} },
		"DKIM-Signature header":    func(m *outbound.Message) { m.Headers = map[string]string{"DKIM-Signature": "v=1"} },
		"header name with colon":   func(m *outbound.Message) { m.Headers = map[string]string{"X-A: b": "c"} },
		"header name with space":   func(m *outbound.Message) { m.Headers = map[string]string{"X A": "c"} },
		"unbreakable huge subject": func(m *outbound.Message) { m.Subject = strings.Repeat("a", 1200) },
	} {
		t.Run(name, func(t *testing.T) {
			m := base()
			mutate(&m)
			if _, err := outbound.Compose(m); !errors.Is(err, outbound.ErrInvalidMessage) {
				t.Errorf("Compose = %v, want ErrInvalidMessage", err)
			}
		})
	}
}

func TestComposeFoldsLongHeaders(t *testing.T) {
	var to []outbound.Address
	for range 20 {
		to = append(to, outbound.Address{Name: "Customer With A Long Name", Email: "customer@example.com"})
	}
	subject := strings.Repeat("word ", 60) + "end"
	raw, err := outbound.Compose(outbound.Message{
		FromAddress: "support@acme.example", To: to, Subject: subject, Text: "x",
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw[:bytes.Index(raw, []byte("\r\n\r\n"))]), "\r\n") {
		if len(line) > 78 {
			t.Errorf("header line of %d characters: %q", len(line), line)
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.Header.Get("Subject"); got != subject {
		t.Errorf("folded Subject reads back as %q", got)
	}
	list, err := msg.Header.AddressList("To")
	if err != nil || len(list) != 20 {
		t.Errorf("folded To reads back as %d addresses (%v)", len(list), err)
	}
}

func TestNewMessageID(t *testing.T) {
	a, b := outbound.NewMessageID("acme.example"), outbound.NewMessageID("acme.example")
	if a == b {
		t.Error("two Message-IDs are equal")
	}
	if _, err := mail.ParseAddress("x " + a); err != nil { // <local@domain> parses as an angle-addr
		t.Errorf("%q is not a msg-id: %v", a, err)
	}
	if got := outbound.NewMessageID("bad domain\r\n"); !strings.HasSuffix(got, "@ticketd.invalid>") {
		t.Errorf("NewMessageID with a bad domain = %q", got)
	}
}

func FuzzCompose(f *testing.F) {
	f.Add("Acme — Zoë", "jane@example.com", "Re: Ça va", "<a@b>", "text\r\n.\r\n", "<p>x</p>", "X-A", "v")
	f.Add("", "a@b.c", "", "", "", "", "", "")
	f.Add("\"quoted\" name, with comma", "x@y.z", strings.Repeat("long ", 100), "c@d", strings.Repeat("é", 500), "", "X-Long", strings.Repeat("ü", 200))
	f.Fuzz(func(t *testing.T, name, email, subject, ref, text, html, hname, hvalue string) {
		m := outbound.Message{
			FromAddress: "support@acme.example",
			FromName:    name,
			To:          []outbound.Address{{Name: name, Email: email}},
			Subject:     subject,
			InReplyTo:   ref,
			Text:        text,
			HTML:        html,
		}
		if hname != "" {
			m.Headers = map[string]string{hname: hvalue}
		}
		raw, err := outbound.Compose(m)
		if err != nil {
			if !errors.Is(err, outbound.ErrHeaderInjection) && !errors.Is(err, outbound.ErrInvalidMessage) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		checkWireFormat(t, raw)
		msg, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, raw)
		}
		// Whatever the input, the header has one of each field we write:
		// nothing in a value started a field of its own.
		for _, field := range []string{"From", "To", "Subject", "Message-ID", "Date", "MIME-Version", "Content-Type"} {
			if n := len(msg.Header[textproto.CanonicalMIMEHeaderKey(field)]); n != 1 {
				t.Fatalf("%d %s fields:\n%s", n, field, raw)
			}
		}
		if len(msg.Header["Bcc"]) != 0 {
			t.Fatalf("a Bcc field appeared:\n%s", raw)
		}
		dec := new(mime.WordDecoder)
		got, err := dec.DecodeHeader(msg.Header.Get("Subject"))
		if err != nil {
			t.Fatalf("Subject does not decode: %v", err)
		}
		want := strings.Join(strings.FieldsFunc(subject, func(r rune) bool { return r == ' ' || r == '\t' }), " ")
		if got != want && !strings.Contains(subject, "=?") {
			t.Fatalf("Subject %q reads back as %q", want, got)
		}
		if _, err := mail.ParseAddress(msg.Header.Get("From")); err != nil {
			t.Fatalf("From %q does not parse: %v", msg.Header.Get("From"), err)
		}
	})
}

func TestComposeInternationalDomains(t *testing.T) {
	m := outbound.Message{
		FromAddress: "support@acme.example",
		To:          []outbound.Address{{Name: "Jürgen", Email: "jurgen@müller.example"}},
		Cc:          []outbound.Address{{Email: "JURGEN@xn--mller-kva.example"}},
		Text:        "x",
	}
	raw, err := outbound.Compose(m)
	if err != nil {
		t.Fatal(err)
	}
	checkWireFormat(t, raw)
	if !bytes.Contains(raw, []byte("<jurgen@xn--mller-kva.example>")) {
		t.Errorf("IDN domain not converted to its A-label:\n%s", raw)
	}
	if got := m.Recipients(); len(got) != 1 || got[0] != "jurgen@xn--mller-kva.example" {
		t.Errorf("Recipients() = %q, want the one ASCII address", got)
	}
	m.To[0].Email = "jürgen@example.com"
	if _, err := outbound.Compose(m); !errors.Is(err, outbound.ErrInvalidMessage) {
		t.Errorf("non-ASCII local part: err = %v, want ErrInvalidMessage", err)
	}
}
