package inbound

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"
	"time"

	"github.com/jhillyerd/enmime/v2"
	"github.com/jhillyerd/enmime/v2/mediatype"
	"github.com/microcosm-cc/bluemonday"
)

// DefaultMaxBytes is the largest message Parse accepts when no other cap is
// configured. It matches the SMTP listener's default SIZE so that a message
// the listener accepted is never refused by the parser.
const DefaultMaxBytes = 25 << 20

// Default structural limits. Real mail nests multiparts three or four deep
// (Outlook: mixed > related > alternative) and has at most a few dozen
// parts; the limits leave room for forwarded messages, whose own boundaries
// the pre-scan counts too. They exist because enmime's cost grows with
// nesting depth (every level re-reads all the bytes below it, about a second
// per level for 25 MiB) and with the number of parts, so hostile input must
// be cut off before parsing. The header section is capped because textproto
// spends about twenty times its size in allocations.
const (
	DefaultMaxDepth      = 12
	DefaultMaxMultiparts = 256
	DefaultMaxParts      = 2000
	maxHeaderBytes       = 1 << 20
)

// Errors returned by Parse. They are permanent: the same bytes will fail the
// same way, so the SMTP listener answers them with 554 and an HTTP surface
// with a 4xx.
var (
	// ErrNotEmail means the input has no RFC 5322 header section at all, or
	// the MIME structure is too broken for anything to be recovered.
	ErrNotEmail = errors.New("not an email message")
	// ErrTooLarge means the input is larger than the configured size cap.
	ErrTooLarge = errors.New("email message too large")
	// ErrTooComplex means the MIME structure exceeds the configured depth or
	// part limits.
	ErrTooComplex = errors.New("email message structure too complex")
)

// Email is what an inbound message says, decoded to UTF-8.
//
// All message identifiers (MessageID, InReplyTo, References, Bounce.OriginalMessageID)
// keep their angle brackets, "<id@host>", because that is how they appear in
// headers and how the messages API shows them (externalId), so the domain
// can compare and emit them without re-wrapping.
type Email struct {
	// MessageID is the message's Message-ID. When the header is absent or
	// unusable it is "<sha256hex@ticketd.invalid>", a hash of the message
	// with its trace fields removed, so that a redelivery of the same bytes
	// (through another relay, or once over SMTP and once over HTTP) dedupes.
	MessageID string
	// InReplyTo is the first message identifier of In-Reply-To, or "".
	InReplyTo string
	// References lists the References header in order, oldest first. Very
	// long chains keep the root and the most recent entries (see maxReferences).
	References []string
	// From is the author: the From header, or Sender when From is missing.
	From Address
	// To, Cc and ReplyTo are the corresponding header address lists.
	To, Cc, ReplyTo []Address
	// Subject is the decoded subject, unfolded, surrounding spaces trimmed.
	Subject string
	// Date is the Date header, or the zero time when it is missing or
	// unparseable; the domain should fall back to the time of receipt.
	Date time.Time
	// Text is the plain-text body with "\n" line endings. format=flowed text
	// is unwrapped. When the message has only HTML, Text is derived from it.
	Text string
	// HTML is the HTML body sanitised with bluemonday's UGC policy (plus cid:
	// and data: image URLs so inline images can be resolved). It is safe to
	// render; it is "" for text-only messages.
	HTML string
	// Attachments are all non-body leaf parts in document order, including
	// inline images and, for bounces, the delivery report and original message.
	Attachments []Attachment
	// AutoSubmitted reports that a machine sent this message (auto-reply,
	// out-of-office, bulk or list mail, bounce, read receipt), so the domain
	// must not answer it automatically or it risks a mail loop.
	AutoSubmitted bool
	// Bounce is set when the message is a delivery status notification.
	Bounce *Bounce
	// Header holds the top-level header fields as received (not RFC 2047
	// decoded), for the rare rule that needs a header this struct lacks.
	Header textproto.MIMEHeader
	// Warnings lists what the parser had to work around (bad charset, broken
	// base64, unclosed boundary). They are informational; the fields above
	// hold whatever could be recovered.
	Warnings []string
}

// Address is one mailbox. Email has its domain lower-cased (domains are case
// insensitive, local parts in theory are not); Name is the decoded display
// name, possibly "".
type Address struct {
	Name  string
	Email string
}

// Attachment is one non-body MIME part with its transfer encoding removed.
// Text attachments (text/csv, ...) are converted to UTF-8 by the MIME
// library, like the body.
type Attachment struct {
	// Filename comes from Content-Disposition or the Content-Type name
	// parameter; it may be "" (an inline image or a delivery report).
	Filename string
	// ContentType is the media type without parameters, lower case.
	ContentType string
	// ContentID is the Content-ID without angle brackets, as referenced by
	// "cid:" URLs in the HTML body.
	ContentID string
	// Inline is true for parts meant to be shown inside the body (a
	// Content-Disposition of inline, or a Content-ID without a disposition).
	Inline bool
	// Data is the decoded content.
	Data []byte
}

// Bounce describes a delivery status notification: a mail server reporting
// that a message (usually one we sent) could not be delivered.
type Bounce struct {
	// OriginalMessageID identifies the message that bounced, from the
	// returned message or headers, else from the bounce's own
	// In-Reply-To/References. It may be "" for a bounce that quotes nothing.
	OriginalMessageID string
	// Recipient is the address that failed (Final-Recipient), or "".
	Recipient string
	// Action is the RFC 3464 action: "failed", "delayed", "delivered",
	// "relayed" or "expanded"; "failed" for classic bounces. Only "failed"
	// means the message will not arrive.
	Action string
	// Status is the enhanced status code, e.g. "5.1.1"; a leading 5 is
	// permanent, 4 transient.
	Status string
	// Diagnostic is the remote server's explanation, e.g.
	// "550 5.1.1 <jane@example.com>: Recipient address rejected".
	Diagnostic string
}

// Parser parses messages with explicit limits. The zero value uses the
// package defaults; Parse uses the zero value.
type Parser struct {
	// MaxBytes caps the input size; 0 means DefaultMaxBytes.
	MaxBytes int64
	// MaxDepth caps multipart nesting; 0 means DefaultMaxDepth.
	MaxDepth int
	// MaxMultiparts caps the number of multipart containers; 0 means DefaultMaxMultiparts.
	MaxMultiparts int
	// MaxParts caps the number of MIME parts; 0 means DefaultMaxParts.
	MaxParts int
}

// Parse parses raw with the default limits. See Parser.Parse.
func Parse(raw []byte) (*Email, error) {
	return Parser{}.Parse(raw)
}

// maxIDLen bounds a message identifier; RFC 5322 lines are at most 998
// characters, so anything longer is garbage we should not store.
const maxIDLen = 998

// maxWarnings bounds Email.Warnings; a broken message can produce one per part.
const maxWarnings = 50

// maxReferences bounds References: threading needs the root and the
// latest ancestors, not a hostile list of a million IDs.
const maxReferences = 100

// enmimeParser is configured to keep going: a broken part is skipped and
// recorded rather than failing the whole message, because a customer email
// with one mangled attachment still has a question in it.
var enmimeParser = enmime.NewParser(
	enmime.SkipMalformedParts(true),
	enmime.MultipartWOBoundaryAsSinglePart(true),
	enmime.SetReadPartErrorPolicy(enmime.AllowCorruptTextPartErrorPolicy),
	enmime.StripMediaTypeInvalidCharacters(true),
	enmime.MaxStoredPartErrors(50),
	enmime.RawContent(true), // decodeParts decodes; see decode.go
	enmime.SetCustomParseMediaType(parseMediaType),
)

// parseMediaType is enmime's media type parser, plus one repair: a type
// written with a space for its slash ("text plain", seen from broken
// scripts) means what it would with the slash, and refusing the whole email
// for it would bounce a customer.
func parseMediaType(v string) (string, map[string]string, []string, error) {
	opts := mediatype.ParseOptions{StripMediaTypeInvalidCharacters: true}
	mt, params, invalid, err := mediatype.ParseWithOptions(v, opts)
	if err != nil {
		if m := spacedMediaType.FindStringSubmatch(v); m != nil {
			return mediatype.ParseWithOptions(m[1]+"/"+m[2]+m[3], opts)
		}
	}
	return mt, params, invalid, err
}

var spacedMediaType = regexp.MustCompile(`^\s*([A-Za-z0-9!#$&^_.+-]+)\s+([A-Za-z0-9!#$&^_.+-]+)\s*(;.*)?$`)

// htmlPolicy is the UGC policy plus what email HTML needs and is harmless:
// the two image sources for embedded pictures, cid: (multipart/related) and
// data: URIs, and plain class names and blockquote type="cite", because they
// are how clients mark quoted history (gmail_quote, moz-cite-prefix,
// type="cite") and quote stripping depends on them.
var htmlPolicy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("cid")
	p.AllowDataURIImages()
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^[A-Za-z0-9_\- ]{1,200}$`)).Globally()
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^cite$`)).OnElements("blockquote")
	return p
}()

// Parse parses one raw RFC 5322 message. It returns ErrTooLarge,
// ErrTooComplex or ErrNotEmail (wrapped; test with errors.Is) when the input
// cannot be handled at all, and otherwise an Email with whatever could be
// recovered, listing the problems in Email.Warnings.
func (p Parser) Parse(raw []byte) (*Email, error) {
	limit := p.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	if int64(len(raw)) > limit {
		return nil, fmt.Errorf("parse email: %d bytes over the %d byte limit: %w", len(raw), limit, ErrTooLarge)
	}
	raw = stripMboxLine(bytes.TrimPrefix(raw, utf8BOM))
	if !hasHeaderSection(raw) {
		return nil, fmt.Errorf("parse email: no header section: %w", ErrNotEmail)
	}
	if err := p.checkShape(raw); err != nil {
		return nil, fmt.Errorf("parse email: %w", err)
	}
	// ReadParts rather than ReadEnvelope: the envelope builder joins
	// text parts with string concatenation, quadratic in the number of
	// parts, and a hostile message with thousands of them took minutes.
	root, err := enmimeParser.ReadParts(repairHeader(raw))
	if err != nil {
		return nil, fmt.Errorf("parse email: %v: %w", err, ErrNotEmail)
	}
	h := root.Header

	e := &Email{Header: h}
	_ = root.DepthMatchAll(func(part *enmime.Part) bool {
		for _, w := range part.Errors {
			e.warn(w.Error())
		}
		return false
	})
	plain, htmlPart, isBody := bodyParts(root)
	decodeParts(root, isBody, e)

	// Raw 8-bit bytes inside encoded words belong to the word's charset
	// (escapeRawQ); those outside are read in the message's.
	raw8 := newRawHeaderDecoder(rawHeaderSample(h), declaredCharset(root))
	hv := func(name string) string { return raw8.text(escapeRawQ(h.Get(name))) }
	e.Subject = cleanHeaderText(decodeHeader(hv("Subject")))
	e.MessageID = firstMsgID(h.Get("Message-Id"))
	if e.MessageID == "" {
		e.MessageID = syntheticMessageID(raw)
	}
	e.InReplyTo = firstMsgID(h.Get("In-Reply-To"))
	e.References = limitRefs(msgIDs(strings.Join(h.Values("References"), " ")))

	from := parseAddressList(hv("From"))
	if len(from) == 0 {
		from = parseAddressList(hv("Sender"))
	}
	if len(from) > 0 {
		e.From = from[0]
	}
	list := func(name string) []Address {
		var vs []string
		for _, v := range h.Values(name) {
			vs = append(vs, raw8.text(escapeRawQ(v)))
		}
		return parseAddressList(strings.Join(vs, ", "))
	}
	e.To = list("To")
	e.Cc = list("Cc")
	e.ReplyTo = parseAddressList(hv("Reply-To"))
	e.Date = parseDate(h.Get("Date"))

	e.Text, e.HTML = bodies(plain, htmlPart, e)
	e.Attachments = attachments(root, isBody)

	e.Bounce = detectBounce(e, root)
	e.AutoSubmitted = e.Bounce != nil || isAutoSubmitted(root)
	return e, nil
}

// stripMboxLine drops a leading mbox "From " separator line, which users
// uploading a message saved from a mail client sometimes include.
func stripMboxLine(raw []byte) []byte {
	if !bytes.HasPrefix(raw, []byte("From ")) {
		return raw
	}
	if i := bytes.IndexByte(raw, '\n'); i >= 0 {
		return raw[i+1:]
	}
	return raw
}

// knownHeaders are fields at least one of which every real message has. A
// blob whose first lines merely look like "word: text" is not an email.
var knownHeaders = map[string]bool{
	"from": true, "sender": true, "to": true, "cc": true, "subject": true,
	"date": true, "message-id": true, "mime-version": true, "content-type": true,
	"received": true, "return-path": true, "delivered-to": true, "reply-to": true,
	"in-reply-to": true, "references": true,
}

// hasHeaderSection reports whether raw starts with RFC 5322 header fields,
// at least one of them a field real mail carries.
func hasHeaderSection(raw []byte) bool {
	rest := raw
	known := false
	for first := true; len(rest) > 0; first = false {
		var line []byte
		line, rest = nextLine(rest)
		if len(line) == 0 {
			break // end of the header section
		}
		if line[0] == ' ' || line[0] == '\t' {
			if first {
				return false
			}
			continue // folded continuation
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			if first {
				return false
			}
			continue // enmime records the malformed line and moves on
		}
		name := line[:colon]
		valid := true
		for _, c := range name {
			if c <= ' ' || c > '~' {
				valid = false
				break
			}
		}
		if !valid {
			if first {
				return false
			}
			continue
		}
		if knownHeaders[strings.ToLower(string(name))] {
			known = true
			break
		}
	}
	return known
}

// cleanHeaderText unfolds a decoded header value and trims it.
func cleanHeaderText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == '\t' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// msgIDs extracts message identifiers from a header value. Strict
// "<left@right>" tokens are preferred; a value without any brackets (sent by
// some broken clients) is split on whitespace and each word wrapped.
func msgIDs(v string) []string {
	var ids []string
	if strings.Contains(v, "<") {
		for {
			i := strings.IndexByte(v, '<')
			if i < 0 {
				break
			}
			j := strings.IndexByte(v[i:], '>')
			if j < 0 {
				break
			}
			if id := normaliseID(v[i+1 : i+j]); id != "" {
				ids = append(ids, id)
			}
			v = v[i+j+1:]
		}
		return ids
	}
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == ',' }) {
		if id := normaliseID(f); id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

// normaliseID wraps an identifier's inside in angle brackets, or returns ""
// when it cannot be an identifier (empty, control characters, too long).
func normaliseID(inner string) string {
	inner = strings.TrimSpace(inner)
	if inner == "" || len(inner) > maxIDLen-2 {
		return ""
	}
	for _, r := range inner {
		if r <= ' ' || r == '<' || r == '>' || r == 0x7f {
			return ""
		}
	}
	return "<" + inner + ">"
}

func firstMsgID(v string) string {
	ids := msgIDs(v)
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

// limitRefs keeps the first reference (the thread root) and the most recent
// ones when a chain is longer than maxReferences.
func limitRefs(refs []string) []string {
	if len(refs) <= maxReferences {
		return refs
	}
	out := make([]string, 0, maxReferences)
	out = append(out, refs[0])
	return append(out, refs[len(refs)-maxReferences+1:]...)
}

// traceFields are added by each relay on the way, so they differ between two
// deliveries of the same message and must not feed the synthetic Message-ID.
var traceFields = map[string]bool{
	"received": true, "return-path": true, "delivered-to": true, "x-original-to": true,
	"received-spf": true, "authentication-results": true, "arc-seal": true,
	"arc-message-signature": true, "arc-authentication-results": true,
	"x-received": true, "x-gm-message-state": true, "x-google-smtp-source": true,
}

// syntheticMessageID derives a stable identifier for a message without a
// Message-ID: SHA-256 over the header fields minus trace fields, then the
// body, with line endings normalised so SMTP (CRLF) and an HTTP upload (often
// LF) of the same message agree.
func syntheticMessageID(raw []byte) string {
	h := sha256.New()
	rest := raw
	skipping := false
	inHeader := true
	for len(rest) > 0 {
		var line []byte
		line, rest = nextLine(rest)
		if inHeader {
			if len(line) == 0 {
				inHeader = false
			} else if line[0] == ' ' || line[0] == '\t' {
				if skipping {
					continue
				}
			} else {
				name, _, _ := bytes.Cut(line, []byte(":"))
				skipping = traceFields[strings.ToLower(string(bytes.TrimSpace(name)))]
				if skipping {
					continue
				}
			}
		}
		h.Write(line)
		h.Write([]byte{'\n'})
	}
	return "<" + hex.EncodeToString(h.Sum(nil)) + "@ticketd.invalid>"
}

// dateLayouts are fallbacks for Date headers net/mail rejects; they cover
// the common mistakes (missing seconds, two-digit years, named zones).
var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700 (MST)",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04:05",
	"Mon Jan 2 15:04:05 2006",
	time.RFC3339,
}

func parseDate(v string) time.Time {
	v = cleanHeaderText(v)
	if v == "" {
		return time.Time{}
	}
	if t, err := mail.ParseDate(v); err == nil {
		return t
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t
		}
	}
	return time.Time{}
}

// nextLine splits the first line off b, without its LF or CRLF ending.
func nextLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		line, rest = b[:i], b[i+1:]
	} else {
		line = b
	}
	return bytes.TrimSuffix(line, []byte("\r")), rest
}
