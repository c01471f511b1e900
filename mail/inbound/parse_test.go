package inbound

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// fixtureCase is what one testdata/*.eml must parse to. Empty string and
// nil fields are checked too (an absent In-Reply-To must come out ""), except
// where noted.
type fixtureCase struct {
	file          string
	fromName      string
	fromEmail     string
	subject       string
	messageID     string // "" means "synthetic": checked against the pattern
	inReplyTo     string
	references    []string
	to            []string // email addresses
	cc            []string
	date          string // RFC 3339, "" to skip
	textHas       []string
	textLacks     []string
	htmlHas       []string
	htmlLacks     []string
	attachments   []wantAttachment
	autoSubmitted bool
	bounce        *Bounce
}

type wantAttachment struct {
	filename, contentType, contentID string
	inline                           bool
	dataPrefix                       string
	sha256                           string // of the whole content, when set: byte-exact
}

var syntheticID = regexp.MustCompile(`^<[0-9a-f]{64}@ticketd\.invalid>$`)

var fixtures = []fixtureCase{
	{
		file:      "gmail_reply.eml",
		fromName:  "Jane Smith",
		fromEmail: "jane.smith@gmail.com", // domain lower-cased
		subject:   "Re: Where's my order?",
		messageID: "<CAJ0x8kQ2yV=4Hd+r7nq@mail.gmail.com>",
		inReplyTo: "<ticket-42.outbound.1@support.example.com>",
		references: []string{
			"<CAJ0first@mail.gmail.com>",
			"<ticket-42.outbound.1@support.example.com>",
		},
		to:        []string{"support@shop.example.com"},
		date:      "2026-04-22T12:30:51+02:00",
		textHas:   []string{"Hi, thanks — the tracking number still shows nothing.", "> Your order #1234 has shipped."},
		htmlHas:   []string{`class="gmail_quote"`, `href="mailto:support@shop.example.com"`},
		htmlLacks: []string{"<script", "alert(1)", "style="},
	},
	{
		file:      "outlook_desktop.eml",
		fromName:  "Müller, Jürgen", // RFC 2047 windows-1252 display name
		fromEmail: "j.mueller@firma.example.de",
		subject:   "AW: Ihre Rechnung – falscher Betrag",
		messageID: "<AM0PR07MB1234ABCD5678EF90A1B2C3D4E5F6A@AM0PR07MB1234.eurprd07.prod.outlook.com>", // folded header
		inReplyTo: "<ticket-77.outbound.3@support.example.com>",
		references: []string{
			"<ticket-77.outbound.3@support.example.com>",
		},
		to:        []string{"support@shop.example.com"},
		cc:        []string{"buchhaltung@firma.example.de"},
		date:      "2026-04-22T09:15:01Z",
		textHas:   []string{"die Rechnung über 49,90 € ist falsch – bitte prüfen.", "From: ACME Support", "Sent: Tuesday, April 21, 2026 4:02 PM"},
		textLacks: []string{"\r", "=FC", "=80"},
		htmlHas:   []string{"<b>From:</b>", "49,90 €"},
		htmlLacks: []string{"<style", "margin:0cm", "<o:p>", "<html"},
	},
	{
		file:      "outlook_web_html_only.eml",
		fromName:  "Tom Baker",
		fromEmail: "tom.baker@outlook.example.com",
		subject:   "Re: Return label",
		messageID: "<DU0P190MB1234C0FFEE@DU0P190MB1234.EURP190.PROD.OUTLOOK.COM>",
		inReplyTo: "<ticket-9.outbound.1@support.example.com>",
		references: []string{
			"<ticket-9.outbound.1@support.example.com>",
		},
		to: []string{"support@shop.example.com"},
		// Text is derived from the HTML: line breaks, list items and the
		// reply header survive, markup and CSS do not.
		textHas:   []string{"I printed the label but the courier refused the parcel.\nWhat now?", "* Parcel A", "From:", "Here is your return label."},
		textLacks: []string{"<div", "<br", "&nbsp;", "margin-top", "font-family"},
		htmlHas:   []string{`id="divRplyFwdMsg"`},
	},
	{
		file:      "apple_mail.eml",
		fromName:  "Zoë Faure",
		fromEmail: "zoe@faure.example.fr",
		subject:   "Re: Warranty claim",
		messageID: "<5A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9@faure.example.fr>",
		inReplyTo: "<ticket-11.outbound.2@support.example.com>",
		references: []string{ // folded References
			"<ticket-11.outbound.1@support.example.com>",
			"<ticket-11.outbound.2@support.example.com>",
		},
		to:      []string{"support@shop.example.com"},
		cc:      []string{"zoe.backup@faure.example.fr"},
		date:    "2026-04-22T11:20:13+02:00",
		textHas: []string{"The serial number is SN-99812.", "Zoë", "> On 21 Apr 2026, at 16:02, ACME Support <support@shop.example.com> wrote:"},
		htmlHas: []string{`<blockquote type="cite">`},
	},
	{
		file:      "iphone.eml",
		fromName:  "Carlos Ruiz",
		fromEmail: "carlos.ruiz@icloud.example.com",
		subject:   "Damaged box",
		messageID: "<A1B2C3D4-0000-4E5F-9999-ABCDEF012345@icloud.example.com>",
		to:        []string{"support@shop.example.com"},
		date:      "2026-04-22T08:44:10-05:00",
		textHas:   []string{"The box arrived crushed 😞 Can I get a replacement?", "Sent from my iPhone"},
	},
	{
		file:      "thunderbird_flowed.eml",
		fromName:  "Max Mustermann",
		fromEmail: "max@mustermann.example.de",
		subject:   "Re: Order number",
		messageID: "<8f3e2a1b-7c6d-4e5f-9a0b-1c2d3e4f5a6b@mustermann.example.de>",
		inReplyTo: "<ticket-5.outbound.1@support.example.com>",
		references: []string{
			"<ticket-5.outbound.1@support.example.com>",
		},
		to: []string{"support@shop.example.com"},
		// format=flowed is unwrapped, quotes keep their depth, and the
		// signature separator "-- " is not joined to the next line.
		textHas: []string{
			"wraps at seventy-two columns because format=flowed lets the receiver join the lines back together again.",
			"> We need your order number before we can look into this.",
			"\n-- \nMax Mustermann",
		},
		htmlHas: []string{`class="moz-cite-prefix"`},
	},
	{
		file:      "related_inline_image.eml",
		fromName:  "Ana Lima",
		fromEmail: "ana@lima.example.br",
		subject:   "Screenshot of the error",
		messageID: "<related-1@lima.example.br>",
		to:        []string{"support@shop.example.com"},
		textHas:   []string{"See the screenshot below."},
		htmlHas:   []string{`src="cid:ii_lw1x2y3z0"`},
		htmlLacks: []string{"onerror"},
		attachments: []wantAttachment{
			{filename: "error.png", contentType: "image/png", contentID: "ii_lw1x2y3z0", inline: true, dataPrefix: "\x89PNG\r\n"},
		},
	},
	{
		file:      "latin1.eml",
		fromName:  "René Lefèvre",
		fromEmail: "rene.lefevre@orange.example.fr",
		subject:   "Réclamation commande n° 1234",
		messageID: "<latin1-1@orange.example.fr>",
		to:        []string{"support@shop.example.com"},
		textHas:   []string{"J'ai reçu un colis abîmé. Pouvez-vous m'envoyer un remplaçant ?", "René"},
	},
	{
		file:      "iso2022jp.eml",
		fromName:  "山田太郎",
		fromEmail: "taro.yamada@example.co.jp",
		subject:   "配送状況について",
		messageID: "<jp-1@example.co.jp>",
		to:        []string{"support@shop.example.com"},
		date:      "2026-04-22T18:00:00+09:00",
		textHas:   []string{"注文番号1234の配送状況を教えてください。", "山田太郎"},
		textLacks: []string{"\x1b"},
	},
	{
		file:      "attachment_pdf.eml",
		fromName:  "Priya Patel",
		fromEmail: "priya@patel.example.in",
		subject:   "Invoice attached",
		messageID: "<pdf-1@patel.example.in>",
		to:        []string{"support@shop.example.com"},
		textHas:   []string{"Please find my invoice attached."},
		textLacks: []string{"order,amount", "%PDF"},
		attachments: []wantAttachment{
			{filename: "invoice 2026-04.pdf", contentType: "application/pdf", dataPrefix: "%PDF-1.4\n"},
			{filename: "Bestellungen März.csv", contentType: "text/csv", dataPrefix: "order,amount"}, // RFC 2231 filename
		},
	},
	{
		file:          "autoreply_auto_submitted.eml",
		fromName:      "Lena Vogel",
		fromEmail:     "lena.vogel@firma.example.de",
		subject:       "Automatische Antwort: Re: Ihre Bestellung",
		messageID:     "<auto-1@firma.example.de>",
		inReplyTo:     "<ticket-3.outbound.1@support.example.com>",
		to:            []string{"support@shop.example.com"},
		textHas:       []string{"nicht im Büro"},
		autoSubmitted: true,
	},
	{
		file:          "autoreply_out_of_office.eml",
		fromName:      "Mark Jones",
		fromEmail:     "mark@jones.example.com",
		subject:       "Out of Office: Re: Your ticket #88",
		messageID:     "<oof-1@jones.example.com>",
		to:            []string{"support@shop.example.com"},
		textHas:       []string{"out of the office until Monday"},
		autoSubmitted: true,
	},
	{
		file:          "bounce_dsn.eml",
		fromName:      "Mail Delivery System",
		fromEmail:     "MAILER-DAEMON@mx.support.example.com",
		subject:       "Undelivered Mail Returned to Sender",
		messageID:     "<20260422100005.7A1B2C3D4E@mx.support.example.com>",
		to:            []string{"support@support.example.com"},
		date:          "2026-04-22T10:00:05Z", // "(UTC)" comment tolerated
		textHas:       []string{"could not\nbe delivered"},
		autoSubmitted: true,
		attachments: []wantAttachment{
			{contentType: "message/delivery-status", dataPrefix: "Reporting-MTA: dns; mx.support.example.com"},
			{contentType: "text/rfc822-headers", dataPrefix: "Received: by mx.support.example.com"},
		},
		bounce: &Bounce{
			OriginalMessageID: "<abc123@support.example.com>",
			Recipient:         "nobody@customer.example.net",
			Action:            "failed",
			Status:            "5.1.1",
			Diagnostic:        "550 5.1.1 <nobody@customer.example.net>: Recipient address rejected: User unknown in virtual mailbox table",
		},
	},
	{
		file:          "bounce_classic.eml",
		fromEmail:     "MAILER-DAEMON@mail.legacy.example.org",
		subject:       "failure notice",
		messageID:     "<classic-bounce-1@mail.legacy.example.org>",
		to:            []string{"support@support.example.com"},
		date:          "2026-04-22T10:05:00Z",
		textHas:       []string{"qmail-send program"},
		autoSubmitted: true,
		bounce: &Bounce{
			OriginalMessageID: "<ticket-8.outbound.4@support.example.com>",
			Recipient:         "old.customer@legacy.example.org",
			Action:            "failed",
			Status:            "5.1.1",
			Diagnostic:        "Sorry, no mailbox here by that name. (#5.1.1)",
		},
	},
	{
		file:      "no_message_id.eml",
		fromEmail: "contact-form@web.example.net",
		subject:   "Contact form: delivery question",
		messageID: "", // synthetic
		to:        []string{"support@shop.example.com"},
		textHas:   []string{"When will my parcel arrive?"},
	},
	{
		file:      "thread_reply.eml",
		fromName:  "Smith, Jane",
		fromEmail: "jane.smith@example.com",
		subject:   "Re: Re: [#42] Where's my order?",
		messageID: "<reply-3@example.com>",
		inReplyTo: "<ticket-42.outbound.2@support.example.com>",
		references: []string{
			"<CAJ0first@mail.gmail.com>",
			"<ticket-42.outbound.1@support.example.com>",
			"<ticket-42.outbound.2@support.example.com>",
		},
		to:      []string{"support@shop.example.com"},
		date:    "2026-04-23T09:00:00+01:00",
		textHas: []string{"It arrived today, thank you!"},
	},
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestParseFixtures(t *testing.T) {
	// Every fixture on disk must be in the table, so a new .eml cannot sit
	// there untested.
	files, _ := filepath.Glob("testdata/*.eml")
	var listed []string
	for _, f := range append(fixtures, defectFixtures...) {
		listed = append(listed, f.file)
	}
	for _, f := range files {
		if !slices.Contains(listed, filepath.Base(f)) {
			t.Errorf("fixture %s has no table entry", f)
		}
	}

	for _, tc := range append(fixtures, defectFixtures...) {
		t.Run(strings.TrimSuffix(tc.file, ".eml"), func(t *testing.T) {
			e, err := Parse(readFixture(t, tc.file))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			eq := func(field, got, want string) {
				t.Helper()
				if got != want {
					t.Errorf("%s = %q, want %q", field, got, want)
				}
			}
			eq("From.Name", e.From.Name, tc.fromName)
			eq("From.Email", e.From.Email, tc.fromEmail)
			eq("Subject", e.Subject, tc.subject)
			if tc.messageID == "" {
				if !syntheticID.MatchString(e.MessageID) {
					t.Errorf("MessageID = %q, want a synthetic <sha256@ticketd.invalid>", e.MessageID)
				}
			} else {
				eq("MessageID", e.MessageID, tc.messageID)
			}
			eq("InReplyTo", e.InReplyTo, tc.inReplyTo)
			if !slices.Equal(e.References, tc.references) {
				t.Errorf("References = %q, want %q", e.References, tc.references)
			}
			if got := emails(e.To); !slices.Equal(got, tc.to) {
				t.Errorf("To = %q, want %q", got, tc.to)
			}
			if got := emails(e.Cc); !slices.Equal(got, tc.cc) {
				t.Errorf("Cc = %q, want %q", got, tc.cc)
			}
			if tc.date != "" {
				want, _ := time.Parse(time.RFC3339, tc.date)
				if !e.Date.Equal(want) {
					t.Errorf("Date = %v, want %v", e.Date, want)
				}
			}
			for _, s := range tc.textHas {
				if !strings.Contains(e.Text, s) {
					t.Errorf("Text lacks %q; Text:\n%s", s, e.Text)
				}
			}
			for _, s := range tc.textLacks {
				if strings.Contains(e.Text, s) {
					t.Errorf("Text contains %q; Text:\n%s", s, e.Text)
				}
			}
			for _, s := range tc.htmlHas {
				if !strings.Contains(e.HTML, s) {
					t.Errorf("HTML lacks %q; HTML:\n%s", s, e.HTML)
				}
			}
			for _, s := range tc.htmlLacks {
				if strings.Contains(e.HTML, s) {
					t.Errorf("HTML contains %q; HTML:\n%s", s, e.HTML)
				}
			}
			if len(e.Attachments) != len(tc.attachments) {
				t.Fatalf("%d attachments, want %d: %+v", len(e.Attachments), len(tc.attachments), e.Attachments)
			}
			for i, want := range tc.attachments {
				got := e.Attachments[i]
				eq("Filename", got.Filename, want.filename)
				eq("ContentType", got.ContentType, want.contentType)
				eq("ContentID", got.ContentID, want.contentID)
				if got.Inline != want.inline {
					t.Errorf("attachment %d Inline = %v, want %v", i, got.Inline, want.inline)
				}
				if sum := sha256.Sum256(got.Data); want.sha256 != "" && hex.EncodeToString(sum[:]) != want.sha256 {
					t.Errorf("attachment %d (%d bytes) is not the bytes sent: sha256 %x, want %s", i, len(got.Data), sum, want.sha256)
				}
				if !bytes.HasPrefix(got.Data, []byte(want.dataPrefix)) {
					t.Errorf("attachment %d data starts %q, want prefix %q", i, got.Data[:min(len(got.Data), 20)], want.dataPrefix)
				}
			}
			if e.AutoSubmitted != tc.autoSubmitted {
				t.Errorf("AutoSubmitted = %v, want %v", e.AutoSubmitted, tc.autoSubmitted)
			}
			switch {
			case tc.bounce == nil && e.Bounce != nil:
				t.Errorf("Bounce = %+v, want nil", *e.Bounce)
			case tc.bounce != nil && e.Bounce == nil:
				t.Errorf("Bounce = nil, want %+v", *tc.bounce)
			case tc.bounce != nil && *e.Bounce != *tc.bounce:
				t.Errorf("Bounce =\n %+v\nwant\n %+v", *e.Bounce, *tc.bounce)
			}
		})
	}
}

func emails(as []Address) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Email)
	}
	return out
}

// The synthetic Message-ID must survive what changes between two deliveries
// of one message (an extra Received hop, CRLF vs LF) and differ when the
// content differs, or dedupe would merge distinct messages.
func TestSyntheticMessageIDStable(t *testing.T) {
	raw := readFixture(t, "no_message_id.eml")
	base, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	redelivered := append([]byte("Received: from relay2.example.net by mx2.shop.example.com;\r\n\tWed, 22 Apr 2026 10:00:09 +0000\r\n"),
		bytes.ReplaceAll(raw, []byte("\n"), []byte("\r\n"))...)
	again, err := Parse(redelivered)
	if err != nil {
		t.Fatal(err)
	}
	if again.MessageID != base.MessageID {
		t.Errorf("redelivery got %s, first delivery %s", again.MessageID, base.MessageID)
	}
	other, err := Parse(bytes.Replace(raw, []byte("arrive?"), []byte("arrive??"), 1))
	if err != nil {
		t.Fatal(err)
	}
	if other.MessageID == base.MessageID {
		t.Errorf("different body got the same MessageID %s", other.MessageID)
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		p    Parser
		want error
	}{
		{"empty", "", Parser{}, ErrNotEmail},
		{"binary garbage", "\x00\x01\x02\xff\xfe garbage", Parser{}, ErrNotEmail},
		{"prose", "Hello, this is just some text\nwith no headers at all.\n", Parser{}, ErrNotEmail},
		{"header-shaped but not mail", "Foo: bar\nBaz: qux\n\nbody\n", Parser{}, ErrNotEmail},
		{"starts with blank line", "\nFrom: a@example.com\n\nbody\n", Parser{}, ErrNotEmail},
		{"over the cap", "From: a@example.com\n\n" + strings.Repeat("x", 100), Parser{MaxBytes: 50}, ErrTooLarge},
		{"too deep", nested(DefaultMaxDepth + 1), Parser{}, ErrTooComplex},
		{"huge header section", "From: a@example.com\n" + strings.Repeat("X-Junk: aaaaaaaaaa\n", 60000) + "\nbody\n", Parser{}, ErrTooComplex},
		{"too many parts", manyParts(3000), Parser{}, ErrTooComplex},
		{"custom depth", nested(4), Parser{MaxDepth: 3}, ErrTooComplex},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := tc.p.Parse([]byte(tc.raw))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v (email %+v)", err, tc.want, e)
			}
		})
	}
}

// nested builds a message with depth levels of multipart/mixed.
func nested(depth int) string {
	var b strings.Builder
	b.WriteString("From: a@example.com\nSubject: deep\nMIME-Version: 1.0\n")
	for i := 0; i < depth; i++ {
		b.WriteString("Content-Type: multipart/mixed; boundary=\"b" + strings.Repeat("x", i) + "\"\n\n")
		b.WriteString("--b" + strings.Repeat("x", i) + "\n")
	}
	b.WriteString("Content-Type: text/plain\n\nhello\n")
	for i := depth - 1; i >= 0; i-- {
		b.WriteString("--b" + strings.Repeat("x", i) + "--\n")
	}
	return b.String()
}

func manyParts(n int) string {
	var b strings.Builder
	b.WriteString("From: a@example.com\nSubject: many\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=zz\n\n")
	for i := 0; i < n; i++ {
		b.WriteString("--zz\nContent-Type: text/plain\n\nx\n")
	}
	b.WriteString("--zz--\n")
	return b.String()
}

// Lenient parsing: broken but recognisable mail yields what it can.
func TestParseLenient(t *testing.T) {
	tests := []struct {
		name  string
		raw   string
		check func(t *testing.T, e *Email)
	}{
		{
			name: "mbox From_ line, LF only, no MIME headers",
			raw:  "From jane@example.com Wed Apr 22 10:00:00 2026\nFrom: jane@example.com\nSubject: hi\n\nplain body\n",
			check: func(t *testing.T, e *Email) {
				if e.From.Email != "jane@example.com" || e.Text != "plain body\n" {
					t.Errorf("got %+v", e)
				}
			},
		},
		{
			name: "malformed From still yields the address",
			raw:  "From: Jane Smith <jane@example.com\nSubject: broken\n\nbody\n",
			check: func(t *testing.T, e *Email) {
				if e.From.Email != "jane@example.com" {
					t.Errorf("From = %+v", e.From)
				}
			},
		},
		{
			name: "unclosed boundary and corrupt base64 part",
			raw: "From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nthe question\n" +
				"--b\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\n!!!not base64!!!\n",
			check: func(t *testing.T, e *Email) {
				if !strings.Contains(e.Text, "the question") {
					t.Errorf("Text = %q", e.Text)
				}
				if len(e.Warnings) == 0 {
					t.Error("want warnings for the broken structure")
				}
			},
		},
		{
			name: "Message-ID without brackets, bad date, unknown charset",
			raw:  "From: a@example.com\nMessage-ID: abc@example.com\nDate: yesterday\nContent-Type: text/plain; charset=x-unknown\n\nhello\n",
			check: func(t *testing.T, e *Email) {
				if e.MessageID != "<abc@example.com>" {
					t.Errorf("MessageID = %q", e.MessageID)
				}
				if !e.Date.IsZero() {
					t.Errorf("Date = %v, want zero", e.Date)
				}
				if !strings.Contains(e.Text, "hello") {
					t.Errorf("Text = %q", e.Text)
				}
			},
		},
		{
			name: "HTML nested deeper than the HTML parser allows still yields text",
			raw:  "From: a@example.com\nContent-Type: text/html\n\n<style>p{}</style>" + strings.Repeat("<div>", 600) + "deep <b>text</b><br>next line",
			check: func(t *testing.T, e *Email) {
				if e.Text != "deep text\nnext line\n" {
					t.Errorf("Text = %q", e.Text)
				}
			},
		},
		{
			name: "attachment-only message",
			raw:  "From: a@example.com\nContent-Type: application/pdf; name=x.pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0=\n",
			check: func(t *testing.T, e *Email) {
				if len(e.Attachments) != 1 || e.Attachments[0].Filename != "x.pdf" || string(e.Attachments[0].Data) != "%PDF-" {
					t.Errorf("Attachments = %+v", e.Attachments)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Parse([]byte(tc.raw))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tc.check(t, e)
		})
	}
}

func TestAutoSubmittedSignals(t *testing.T) {
	tests := []struct {
		headers string
		want    bool
	}{
		{"Subject: Question\n", false},
		{"Auto-Submitted: no\nSubject: Question\n", false},
		{"Auto-Submitted: auto-generated\nSubject: Question\n", true},
		{"Auto-Submitted: auto-replied; owner-email=x@example.com\nSubject: Q\n", true},
		{"X-Autorespond: yes\nSubject: Q\n", true},
		{"Precedence: bulk\nSubject: Q\n", true},
		{"Precedence: junk\nSubject: Q\n", true},
		{"Precedence: list\nSubject: Q\n", true},
		{"Subject: Out of Office\n", true},
		{"Subject: Automatic reply: Re: order\n", true},
		{"Subject: Abwesenheitsnotiz: Ihre Anfrage\n", true},
		{"Subject: =?utf-8?Q?R=C3=A9ponse_automatique_:_commande?=\n", true},
		{"Subject: Réponse automatique : commande\n", true},
		{"Subject: Out of office hours support?\n", false},
		{"Subject: Re: Out of office\n", false},
		{"Subject: Auto - Reparatur Termin\n", false},
		{"Content-Type: multipart/report; report-type=disposition-notification; boundary=b\n", true},
	}
	for _, tc := range tests {
		raw := "From: a@example.com\n" + tc.headers + "\nbody\n"
		e, err := Parse([]byte(raw))
		if err != nil {
			t.Fatalf("%q: %v", tc.headers, err)
		}
		if e.AutoSubmitted != tc.want {
			t.Errorf("%q: AutoSubmitted = %v, want %v", tc.headers, e.AutoSubmitted, tc.want)
		}
	}
}

func TestSplitName(t *testing.T) {
	tests := []struct{ in, first, last string }{
		{"Jane Smith", "Jane", "Smith"},
		{"Smith, Jane", "Jane", "Smith"},
		{"Jane", "Jane", ""},
		{"Jean-Luc de la Croix", "Jean-Luc", "de la Croix"},
		{"Mary Ann Smith", "Mary", "Ann Smith"},
		{`"Jane Smith"`, "Jane", "Smith"},
		{"Jane Smith (ACME Corp)", "Jane", "Smith"},
		{"Dr. Jane Smith", "Jane", "Smith"},
		{"Müller, Jürgen", "Jürgen", "Müller"},
		{"山田太郎", "山田太郎", ""},
		{"jane@example.com", "", ""},
		{"", "", ""},
		{"  ", "", ""},
		{"Smith,", "Smith", ""},
	}
	for _, tc := range tests {
		f, l := SplitName(tc.in)
		if f != tc.first || l != tc.last {
			t.Errorf("SplitName(%q) = %q, %q; want %q, %q", tc.in, f, l, tc.first, tc.last)
		}
	}
}

func TestAddressSplitName(t *testing.T) {
	tests := []struct {
		a           Address
		first, last string
	}{
		{Address{Name: "Jane Smith", Email: "x@example.com"}, "Jane", "Smith"},
		{Address{Email: "jane.smith@example.com"}, "Jane", "Smith"},
		{Address{Email: "jean_luc.de.la.croix@example.com"}, "Jean", "Luc De La Croix"},
		{Address{Email: "jane.smith+shop@example.com"}, "Jane", "Smith"},
		{Address{Email: "jsmith@example.com"}, "", ""},
		{Address{Email: "info@example.com"}, "", ""},
		{Address{Email: "j.smith@example.com"}, "", ""},
		{Address{Email: "jane.smith42@example.com"}, "", ""},
	}
	for _, tc := range tests {
		f, l := tc.a.SplitName()
		if f != tc.first || l != tc.last {
			t.Errorf("%+v.SplitName() = %q, %q; want %q, %q", tc.a, f, l, tc.first, tc.last)
		}
	}
}
