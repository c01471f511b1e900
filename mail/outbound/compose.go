// Package outbound turns a reply into mail on the wire: it composes an RFC
// 5322 message, signs it with DKIM and hands it to the operator's SMTP relay.
//
// It takes plain structs and knows nothing of tickets or storage. The caller
// (an outbox worker) composes and signs once, stores the bytes or the
// Message-ID, and calls Relay.Send until IsPermanent says to stop.
package outbound

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Address is a mailbox: an email address and an optional display name.
type Address struct {
	Name  string
	Email string
}

// Message is a human reply to be composed into an email. Only FromAddress,
// one recipient and a body are required.
type Message struct {
	FromAddress string
	FromName    string
	To          []Address
	Cc          []Address
	// ReplyTo, when Email is set, asks replies to go somewhere other than
	// From, e.g. a tracking address of the ticket.
	ReplyTo Address
	Subject string
	// MessageID is "<id@domain>"; angle brackets are added if missing. When
	// empty, Compose makes one with NewMessageID on the From domain, but a
	// caller that threads or retries should make it first and store it, so
	// that a retried send carries the same ID and receivers can dedupe.
	MessageID string
	// InReplyTo and References are message IDs, with or without angle
	// brackets, and thread the reply under the customer's message.
	InReplyTo  string
	References []string
	Text       string
	// HTML, when set, is sent as the preferred alternative to Text.
	HTML string
	// Date defaults to now. A caller that retries should fix it when the
	// reply is written, not when a send is attempted.
	Date time.Time
	// Headers are extra header fields, such as List-Unsubscribe or
	// X-Ticket-ID. They may not replace a field Compose writes itself.
	Headers map[string]string
}

// Recipients returns the envelope recipients of m (To, then Cc), without
// duplicates and with domains in the ASCII form Compose writes, as
// Relay.Send takes them.
func (m Message) Recipients() []string {
	seen := make(map[string]bool)
	var out []string
	for _, a := range append(append([]Address(nil), m.To...), m.Cc...) {
		email, err := normalizeEmail(a.Email)
		if err != nil {
			email = a.Email // Compose refuses it; let the relay say so too
		}
		key := strings.ToLower(email)
		if email == "" || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, email)
	}
	return out
}

// ErrHeaderInjection is returned (wrapped) when a header value contains CR,
// LF or another control character. Such a value could start a header field
// of its own, so it is refused rather than cleaned: the input is wrong and
// the caller should say so.
var ErrHeaderInjection = errors.New("control character in header value")

// ErrInvalidMessage is returned (wrapped) when a message cannot be composed:
// a missing or malformed address, no recipient, a malformed message ID, a
// reserved extra header. Retrying such a message never helps.
var ErrInvalidMessage = errors.New("invalid message")

// NewMessageID returns a new globally unique Message-ID, "<random@domain>".
// The random part has 130 bits, so collisions do not happen in practice.
// The domain should be the sending domain, which keeps IDs recognisable as
// ours when replies come back.
func NewMessageID(domain string) string {
	domain = strings.Trim(strings.TrimSpace(domain), ".<>")
	if domain == "" || !isAtext(domain, ".-") {
		domain = "ticketd.invalid"
	}
	return "<" + strings.ToLower(rand.Text()) + "@" + domain + ">"
}

// reservedHeaders are the fields Compose writes itself or that must only
// come from a signer or an MTA.
var reservedHeaders = map[string]bool{
	"from": true, "sender": true, "to": true, "cc": true, "bcc": true, "reply-to": true,
	"subject": true, "date": true, "message-id": true, "in-reply-to": true, "references": true,
	"mime-version": true, "content-type": true, "content-transfer-encoding": true,
	"dkim-signature": true, "return-path": true, "received": true,
}

// maxLine is RFC 5322's hard limit on a line, without CRLF.
const maxLine = 998

// Compose renders m as an RFC 5322 message with CRLF line endings, ready to
// sign and send. Non-ASCII header text is RFC 2047 encoded, bodies are
// UTF-8 in quoted-printable (so the message is 7-bit clean and no relay
// re-encodes it, which would break the DKIM signature), and a message with
// both Text and HTML is multipart/alternative. A message with only HTML is
// sent as text/html alone. Auto-Submitted is deliberately not set: these are
// replies written by people, and marking them automatic would make
// receivers suppress their own auto-replies and filters treat them as bulk.
//
// Errors wrap ErrHeaderInjection or ErrInvalidMessage.
func Compose(m Message) ([]byte, error) {
	from, err := formatAddress("From", Address{Name: m.FromName, Email: m.FromAddress})
	if err != nil {
		return nil, err
	}
	if len(m.To) == 0 && len(m.Cc) == 0 {
		return nil, fmt.Errorf("%w: no recipient", ErrInvalidMessage)
	}
	to, err := formatAddressList("To", m.To)
	if err != nil {
		return nil, err
	}
	cc, err := formatAddressList("Cc", m.Cc)
	if err != nil {
		return nil, err
	}
	var replyTo string
	if m.ReplyTo.Email != "" || m.ReplyTo.Name != "" {
		if replyTo, err = formatAddress("Reply-To", m.ReplyTo); err != nil {
			return nil, err
		}
	}
	if err := checkHeaderText("Subject", m.Subject); err != nil {
		return nil, err
	}
	msgID := m.MessageID
	if msgID == "" {
		msgID = NewMessageID(domainOf(m.FromAddress))
	}
	if msgID, err = normalizeMsgID("Message-ID", msgID); err != nil {
		return nil, err
	}
	var inReplyTo string
	if m.InReplyTo != "" {
		if inReplyTo, err = normalizeMsgID("In-Reply-To", m.InReplyTo); err != nil {
			return nil, err
		}
	}
	refs := make([]string, 0, len(m.References))
	for _, r := range m.References {
		id, err := normalizeMsgID("References", r)
		if err != nil {
			return nil, err
		}
		refs = append(refs, id)
	}
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}

	h := &headerWriter{}
	h.add("Date", date.Format(time.RFC1123Z))
	h.add("From", from)
	if replyTo != "" {
		h.add("Reply-To", replyTo)
	}
	if to != "" {
		h.add("To", to)
	}
	if cc != "" {
		h.add("Cc", cc)
	}
	h.add("Subject", encodeText(m.Subject))
	h.add("Message-ID", msgID)
	if inReplyTo != "" {
		h.add("In-Reply-To", inReplyTo)
	}
	if len(refs) > 0 {
		h.add("References", strings.Join(refs, " "))
	}
	if err := addExtraHeaders(h, m.Headers); err != nil {
		return nil, err
	}
	h.add("MIME-Version", "1.0")
	if h.err != nil {
		return nil, h.err
	}

	text := strings.ToValidUTF8(m.Text, "\uFFFD")
	html := strings.ToValidUTF8(m.HTML, "\uFFFD")
	var body bytes.Buffer
	switch {
	case html == "":
		h.add("Content-Type", "text/plain; charset=utf-8")
		h.add("Content-Transfer-Encoding", "quoted-printable")
		writeQP(&body, text)
	case text == "":
		h.add("Content-Type", "text/html; charset=utf-8")
		h.add("Content-Transfer-Encoding", "quoted-printable")
		writeQP(&body, html)
	default:
		mw := multipart.NewWriter(&body)
		h.add("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
		// RFC 2046 5.1.4: the last part is the preferred one, so HTML
		// goes second.
		for _, p := range []struct{ typ, content string }{{"text/plain", text}, {"text/html", html}} {
			pw, err := mw.CreatePart(textproto.MIMEHeader{
				"Content-Type":              {p.typ + "; charset=utf-8"},
				"Content-Transfer-Encoding": {"quoted-printable"},
			})
			if err != nil {
				return nil, fmt.Errorf("compose: %w", err)
			}
			writeQP(pw, p.content)
		}
		if err := mw.Close(); err != nil {
			return nil, fmt.Errorf("compose: %w", err)
		}
	}
	if h.err != nil {
		return nil, h.err
	}

	out := h.buf
	out.WriteString("\r\n")
	out.Write(body.Bytes())
	if !bytes.HasSuffix(out.Bytes(), []byte("\r\n")) {
		out.WriteString("\r\n")
	}
	return out.Bytes(), nil
}

func writeQP(w interface{ Write([]byte) (int, error) }, s string) {
	qp := quotedprintable.NewWriter(w)
	// Writes to a bytes.Buffer or a multipart part over one cannot fail.
	_, _ = qp.Write([]byte(s))
	_ = qp.Close()
}

func addExtraHeaders(h *headerWriter, extra map[string]string) error {
	names := make([]string, 0, len(extra))
	for k := range extra {
		names = append(names, k)
	}
	sort.Strings(names) // deterministic output, so a retry signs the same bytes
	for _, name := range names {
		if name == "" || !isFieldName(name) {
			return fmt.Errorf("%w: header name %q", ErrInvalidMessage, name)
		}
		if reservedHeaders[strings.ToLower(name)] {
			return fmt.Errorf("%w: header %s is set by Compose", ErrInvalidMessage, name)
		}
		v := extra[name]
		if err := checkHeaderText(name, v); err != nil {
			return err
		}
		h.add(name, encodeText(v))
	}
	return nil
}

// headerWriter writes folded header fields and remembers the first error, so
// Compose reads as a list of fields.
type headerWriter struct {
	buf bytes.Buffer
	err error
}

// add writes "Name: value", folding at spaces to keep lines near 78
// characters. Folding only inserts CRLF before an existing space, so
// unfolding gives back the value exactly.
func (h *headerWriter) add(name, value string) {
	if h.err != nil {
		return
	}
	start := h.buf.Len()
	h.buf.WriteString(name)
	h.buf.WriteString(":")
	line := len(name) + 1
	for i, word := range strings.Split(value, " ") {
		if i > 0 || word != "" {
			if line+1+len(word) > 78 && line > 1 && word != "" && i > 0 {
				h.buf.WriteString("\r\n")
				line = 0
			}
			h.buf.WriteByte(' ')
			line++
		}
		h.buf.WriteString(word)
		line += len(word)
		if line > maxLine {
			h.buf.Truncate(start)
			h.err = fmt.Errorf("%w: %s has a word too long for one line", ErrInvalidMessage, name)
			return
		}
	}
	h.buf.WriteString("\r\n")
}

// checkHeaderText refuses control characters (tab aside) in a header value,
// CR and LF above all, since they would let a value end its field and start
// another.
func checkHeaderText(field, s string) error {
	for _, r := range s {
		if r == '\t' {
			continue
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return fmt.Errorf("%w: %s", ErrHeaderInjection, field)
		}
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalidMessage, field)
	}
	return nil
}

// encodeText RFC 2047-encodes unstructured text when it is not plain ASCII.
// Q encoding keeps mostly-ASCII subjects readable in raw source.
func encodeText(s string) string {
	return mime.QEncoding.Encode("utf-8", collapseSpace(s))
}

// collapseSpace turns runs of spaces and tabs into one space and trims the
// ends. Readers render header whitespace that way anyway, and it leaves
// every space a place to fold.
func collapseSpace(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' }), " ")
}

func formatAddress(field string, a Address) (string, error) {
	if err := checkHeaderText(field, a.Name); err != nil {
		return "", err
	}
	if err := checkHeaderText(field, a.Email); err != nil {
		return "", err
	}
	email, err := normalizeEmail(a.Email)
	if err != nil {
		return "", fmt.Errorf("%w: %s address %q: %v", ErrInvalidMessage, field, a.Email, err)
	}
	name := collapseSpace(a.Name)
	return (&mail.Address{Name: name, Address: email}).String(), nil
}

// normalizeEmail checks that email is one bare addr-spec and returns it in
// the form that travels in 7-bit mail: an internationalised domain becomes
// its A-label (xn--...). A non-ASCII local part is refused, because it needs
// SMTPUTF8 from every server on the way, which an operator's relay does not
// promise.
func normalizeEmail(email string) (string, error) {
	email = strings.TrimSpace(email)
	parsed, err := mail.ParseAddress(email)
	if err != nil {
		return "", err
	}
	if parsed.Address != email || parsed.Name != "" {
		return "", errors.New("not a bare address")
	}
	at := strings.LastIndexByte(email, '@')
	local, domain := email[:at], email[at+1:]
	if !isASCII(local) {
		return "", errors.New("non-ASCII local part")
	}
	if !isASCII(domain) {
		if domain, err = idna.Lookup.ToASCII(domain); err != nil {
			return "", err
		}
	}
	return local + "@" + domain, nil
}

func formatAddressList(field string, list []Address) (string, error) {
	parts := make([]string, 0, len(list))
	for _, a := range list {
		s, err := formatAddress(field, a)
		if err != nil {
			return "", err
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", "), nil
}

// normalizeMsgID accepts "<id@host>" or "id@host" and returns the bracketed
// form, refusing anything that would not survive as one msg-id token.
func normalizeMsgID(field, id string) (string, error) {
	if err := checkHeaderText(field, id); err != nil {
		return "", err
	}
	s := strings.TrimSpace(id)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	left, right, ok := strings.Cut(s, "@")
	if !ok || left == "" || right == "" || len(s) > 900 {
		return "", fmt.Errorf("%w: %s %q is not <id@domain>", ErrInvalidMessage, field, id)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == '\\' || c == ',' {
			return "", fmt.Errorf("%w: %s %q is not <id@domain>", ErrInvalidMessage, field, id)
		}
	}
	return "<" + s + ">", nil
}

func domainOf(email string) string {
	if i := strings.LastIndexByte(email, '@'); i >= 0 {
		return email[i+1:]
	}
	return ""
}

// isFieldName reports whether s is an RFC 5322 field name: printable ASCII
// without colon.
func isFieldName(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 33 || s[i] > 126 || s[i] == ':' {
			return false
		}
	}
	return true
}

func isAtext(s, extra string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(extra, r)) {
			return false
		}
	}
	return true
}
