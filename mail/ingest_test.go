package mail_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/apitest"
	tdmail "github.com/ticketd/ticketd/mail"
	"github.com/ticketd/ticketd/mail/inbound"
)

// corpusCase is what one fixture of mail/inbound/testdata must become when
// posted to POST /v1/inbound/email: its ticket, its customer and its message
// as the messages resource shows it. The parser's own test checks the
// parsing in detail; this one checks what reaches the database and the API.
type corpusCase struct {
	file string
	// bounce: no ticket, answered 202 (the fixtures name outbound messages
	// this workspace never sent, so the bounce is ignored).
	bounce bool

	subject                string // the ticket's and the message's
	customer, first, last  string // the customer found or created
	html                   bool   // bodyHtml present
	textHas                []string
	cleanedHas, cleanLacks []string
	language               string // detectedLanguage; "" means null
	from                   string
	to, cc                 []string
	externalID             string // "" means a synthetic id
	inReplyTo              string
	attachments            []wantAttachment
	autoReply              bool
	// deliveredTo: the fixture names no inbox, so the test prepends
	// "Delivered-To: <inbox>" as the receiving MTA would.
	deliveredTo bool
}

type wantAttachment struct {
	filename, contentType string
	inline                bool
	// sha256 of the bytes sent, for parts the standard library cannot
	// decode (x-uuencode, truncated base64); "" compares with its decoding.
	sha256 string
	size   int
}

var corpus = []corpusCase{
	{
		file: "gmail_reply.eml", subject: "Re: Where's my order?",
		customer: "jane.smith@gmail.com", first: "Jane", last: "Smith", html: true,
		textHas:    []string{"the tracking number still shows nothing", "> Your order #1234 has shipped."},
		cleanedHas: []string{"Hi, thanks — the tracking number still shows nothing. Can you check?"},
		cleanLacks: []string{"Your order #1234 has shipped", "wrote:"},
		language:   "en", from: "jane.smith@gmail.com", to: []string{shopInbox},
		externalID: "<CAJ0x8kQ2yV=4Hd+r7nq@mail.gmail.com>", inReplyTo: "<ticket-42.outbound.1@support.example.com>",
	},
	{
		file: "outlook_desktop.eml", subject: "AW: Ihre Rechnung – falscher Betrag",
		customer: "j.mueller@firma.example.de", first: "Jürgen", last: "Müller", html: true,
		textHas:    []string{"die Rechnung über 49,90 € ist falsch – bitte prüfen.", "Anbei Ihre Rechnung."},
		cleanedHas: []string{"die Rechnung über 49,90 € ist falsch – bitte prüfen."},
		cleanLacks: []string{"Anbei Ihre Rechnung", "Sent: Tuesday"},
		language:   "de", from: "j.mueller@firma.example.de", to: []string{shopInbox}, cc: []string{"buchhaltung@firma.example.de"},
		externalID: "<AM0PR07MB1234ABCD5678EF90A1B2C3D4E5F6A@AM0PR07MB1234.eurprd07.prod.outlook.com>",
		inReplyTo:  "<ticket-77.outbound.3@support.example.com>",
	},
	{
		file: "outlook_web_html_only.eml", subject: "Re: Return label",
		customer: "tom.baker@outlook.example.com", first: "Tom", last: "Baker", html: true,
		textHas:    []string{"I printed the label but the courier refused the parcel.", "Here is your return label."},
		cleanedHas: []string{"I printed the label but the courier refused the parcel."},
		cleanLacks: []string{"Here is your return label"},
		language:   "en", from: "tom.baker@outlook.example.com", to: []string{shopInbox},
		externalID: "<DU0P190MB1234C0FFEE@DU0P190MB1234.EURP190.PROD.OUTLOOK.COM>",
		inReplyTo:  "<ticket-9.outbound.1@support.example.com>",
	},
	{
		file: "apple_mail.eml", subject: "Re: Warranty claim",
		customer: "zoe@faure.example.fr", first: "Zoë", last: "Faure", html: true,
		textHas:    []string{"The serial number is SN-99812.", "> Please send us the serial number."},
		cleanedHas: []string{"The serial number is SN-99812. It stopped working after a week."},
		cleanLacks: []string{"Please send us the serial number", "wrote:"},
		language:   "en", from: "zoe@faure.example.fr", to: []string{shopInbox}, cc: []string{"zoe.backup@faure.example.fr"},
		externalID: "<5A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9@faure.example.fr>",
		inReplyTo:  "<ticket-11.outbound.2@support.example.com>",
	},
	{
		file: "iphone.eml", subject: "Damaged box",
		customer: "carlos.ruiz@icloud.example.com", first: "Carlos", last: "Ruiz",
		textHas:    []string{"The box arrived crushed 😞 Can I get a replacement?"},
		cleanedHas: []string{"The box arrived crushed 😞 Can I get a replacement?"},
		cleanLacks: []string{"Sent from my iPhone"},
		language:   "en", from: "carlos.ruiz@icloud.example.com", to: []string{shopInbox},
		externalID: "<A1B2C3D4-0000-4E5F-9999-ABCDEF012345@icloud.example.com>",
	},
	{
		file: "thunderbird_flowed.eml", subject: "Re: Order number",
		customer: "max@mustermann.example.de", first: "Max", last: "Mustermann", html: true,
		textHas:    []string{"wraps at seventy-two columns because format=flowed", "> We need your order number"},
		cleanedHas: []string{"this is a long paragraph that Thunderbird wraps at seventy-two columns"},
		cleanLacks: []string{"We need your order number", "-- \nMax Mustermann"},
		language:   "en", from: "max@mustermann.example.de", to: []string{shopInbox},
		externalID: "<8f3e2a1b-7c6d-4e5f-9a0b-1c2d3e4f5a6b@mustermann.example.de>",
		inReplyTo:  "<ticket-5.outbound.1@support.example.com>",
	},
	{
		file: "related_inline_image.eml", subject: "Screenshot of the error",
		customer: "ana@lima.example.br", first: "Ana", last: "Lima", html: true,
		textHas: []string{"See the screenshot below."}, cleanedHas: []string{"See the screenshot below."},
		language: "en", from: "ana@lima.example.br", to: []string{shopInbox}, externalID: "<related-1@lima.example.br>",
		attachments: []wantAttachment{{filename: "error.png", contentType: "image/png", inline: true}},
	},
	{
		file: "latin1.eml", subject: "Réclamation commande n° 1234",
		customer: "rene.lefevre@orange.example.fr", first: "René", last: "Lefèvre",
		textHas:    []string{"J'ai reçu un colis abîmé. Pouvez-vous m'envoyer un remplaçant ?"},
		cleanedHas: []string{"J'ai reçu un colis abîmé."},
		language:   "fr", from: "rene.lefevre@orange.example.fr", to: []string{shopInbox}, externalID: "<latin1-1@orange.example.fr>",
	},
	{
		file: "iso2022jp.eml", subject: "配送状況について",
		customer: "taro.yamada@example.co.jp", first: "山田太郎",
		textHas: []string{"注文番号1234の配送状況を教えてください。"}, cleanedHas: []string{"注文番号1234の配送状況を教えてください。"},
		language: "ja", from: "taro.yamada@example.co.jp", to: []string{shopInbox}, externalID: "<jp-1@example.co.jp>",
	},
	{
		file: "attachment_pdf.eml", subject: "Invoice attached",
		customer: "priya@patel.example.in", first: "Priya", last: "Patel",
		textHas: []string{"Please find my invoice attached."}, cleanedHas: []string{"Please find my invoice attached."},
		language: "en", from: "priya@patel.example.in", to: []string{shopInbox}, externalID: "<pdf-1@patel.example.in>",
		attachments: []wantAttachment{
			{filename: "invoice 2026-04.pdf", contentType: "application/pdf"},
			{filename: "Bestellungen März.csv", contentType: "text/csv"},
		},
	},
	{
		file: "autoreply_auto_submitted.eml", subject: "Automatische Antwort: Re: Ihre Bestellung",
		customer: "lena.vogel@firma.example.de", first: "Lena", last: "Vogel",
		textHas: []string{"Ich bin bis 30. April nicht im Büro."}, cleanedHas: []string{"Ich bin bis 30. April nicht im Büro."},
		language: "de", from: "lena.vogel@firma.example.de", to: []string{shopInbox}, externalID: "<auto-1@firma.example.de>",
		inReplyTo: "<ticket-3.outbound.1@support.example.com>", autoReply: true,
	},
	{
		file: "autoreply_out_of_office.eml", subject: "Out of Office: Re: Your ticket #88",
		customer: "mark@jones.example.com", first: "Mark", last: "Jones",
		textHas:    []string{"I am out of the office until Monday"},
		cleanedHas: []string{"I am out of the office until Monday"},
		language:   "en", from: "mark@jones.example.com", to: []string{shopInbox}, externalID: "<oof-1@jones.example.com>",
		autoReply: true,
	},
	{
		// A contact form: the sender has no display name, so the name is
		// guessed from the address; Reply-To does not make the visitor the
		// customer (replies still reach them through Reply-To).
		file: "no_message_id.eml", subject: "Contact form: delivery question",
		customer: "contact-form@web.example.net", first: "Contact", last: "Form",
		textHas: []string{"Message: When will my parcel arrive?"}, cleanedHas: []string{"When will my parcel arrive?"},
		language: "en", from: "contact-form@web.example.net", to: []string{shopInbox},
	},
	{
		file: "thread_reply.eml", subject: "Re: Re: [#42] Where's my order?",
		customer: "jane.smith@example.com", first: "Jane", last: "Smith",
		textHas: []string{"It arrived today, thank you!"}, cleanedHas: []string{"It arrived today, thank you!"},
		language: "en", from: "jane.smith@example.com", to: []string{shopInbox}, externalID: "<reply-3@example.com>",
		inReplyTo: "<ticket-42.outbound.2@support.example.com>",
	},
	{file: "bounce_dsn.eml", bounce: true},
	{file: "bounce_classic.eml", bounce: true},

	// The defect classes of issue 14, end to end (see
	// mail/inbound/defects_test.go for the parse of each).
	{
		// The customer is the address, not what the display name claims.
		file: "sender_display_is_address.eml", subject: "Please reset my password",
		customer: "bob@example.com", language: anyLanguage, textHas: []string{"I forgot my password."},
		from: "bob@example.com", to: []string{shopInbox}, externalID: "<sender-1@example.com>",
	},
	{
		file: "sender_quoted_display_address.eml", subject: "Account notice",
		customer: "notice@evil.example", language: anyLanguage, textHas: []string{"Verify your account."},
		from: "notice@evil.example", to: []string{shopInbox}, externalID: "<sender-2@evil.example>",
	},
	{
		file: "attach_uuencode.eml", subject: "uuencoded file", customer: "old@example.org", first: "Old", last: "Client",
		language: anyLanguage, textHas: []string{"See the attached file."}, from: "old@example.org", to: []string{shopInbox}, externalID: "<uu-1@example.org>",
		attachments: []wantAttachment{{filename: "data.bin", contentType: "application/octet-stream",
			sha256: "f1d3d8fee537ac8ac185a549ac510236b910e2315f4f7eb980aabc3d48b04ce0", size: 700}},
	},
	{
		file: "attach_text_charset.eml", subject: "files", customer: "taro@example.jp", first: "Taro",
		language: anyLanguage, textHas: []string{"Two files attached."}, from: "taro@example.jp", to: []string{shopInbox}, externalID: "<charset-att-1@example.jp>",
		attachments: []wantAttachment{{filename: "order.txt", contentType: "text/plain"}, {filename: "list.csv", contentType: "text/csv"}},
	},
	{
		file: "attach_truncated_base64.eml", subject: "cut off attachment", customer: "s@example.net", first: "Sender",
		language: anyLanguage, textHas: []string{"The file was cut off on the way."}, from: "s@example.net", to: []string{shopInbox}, externalID: "<trunc-1@example.net>",
		attachments: []wantAttachment{{filename: "truncated.bin", contentType: "application/octet-stream",
			sha256: "071e19473955880a913b40548a3890422c2efcd6062478a0d78ad3e68d8c6762", size: 450}},
	},
	{
		file: "attach_unterminated_boundary.eml", subject: "no closing boundary", customer: "s@example.net", first: "Sender",
		language: anyLanguage, textHas: []string{"Body text."}, from: "s@example.net", to: []string{shopInbox}, externalID: "<unterm-1@example.net>",
		attachments: []wantAttachment{
			{filename: "notes.txt", contentType: "application/octet-stream",
				sha256: "5313a5e8bed17fcdfe9525b8a8faeda8381e913bf49b1933fbc110e726768b7f", size: 41},
			{filename: "raw.txt", contentType: "application/octet-stream",
				sha256: "8ec4c37982ffc5a839234595530d36fa868683bc09ea40fe9960cb64c7847e33", size: 18},
		},
	},
	{
		file: "attach_qp_soft_break_end.eml", subject: "qp soft break at the end", customer: "s@example.net", first: "Sender",
		language: anyLanguage, textHas: []string{"See attached."}, from: "s@example.net", to: []string{shopInbox}, externalID: "<qpsoft-1@example.net>",
		attachments: []wantAttachment{{filename: "gruss.txt", contentType: "application/octet-stream",
			sha256: "b20db29297cdca6c6c288d4511005de4dbed4a1516bed1bb44ca6cf3831d532c", size: 38}},
	},
	{
		file: "damage_content_type_no_slash.eml", subject: "broken content type", customer: "jane@example.com", first: "Jane",
		language: anyLanguage, textHas: []string{"My order has not arrived."}, from: "jane@example.com", to: []string{shopInbox}, externalID: "<noslash-1@example.com>",
	},
	{
		file: "damage_bom.eml", subject: "saved with a BOM", customer: "jane@example.com", first: "Jane",
		language: anyLanguage, textHas: []string{"Where is my parcel?"}, from: "jane@example.com", to: []string{shopInbox}, externalID: "<bom-1@example.com>",
	},
	{
		// RFC 5322 A.5 is addressed to no inbox; Delivered-To is added below.
		file: "damage_address_comments.eml", subject: "comments everywhere", customer: "pete@silly.test", first: "Pete",
		language: anyLanguage, textHas: []string{"Testing."}, from: "pete@silly.test", to: []string{"c@public.example", "joe@example.org", "jdoe@one.test"},
		externalID: "<testabcd.1234@silly.test>", deliveredTo: true,
	},
	{
		file: "words_header_not_closed.eml", subject: "no blank line", customer: "jane@example.com", first: "Jane",
		language: anyLanguage, textHas: []string{"Hello, my order 1234 never arrived."}, from: "jane@example.com", to: []string{shopInbox}, externalID: "<noblank-1@example.com>",
	},
	{
		file: "words_whitespace_line_after_ct.eml", subject: "whitespace line", customer: "jane@example.com", first: "Jane",
		language: anyLanguage, textHas: []string{"The parcel is damaged, please send a new one."}, from: "jane@example.com", to: []string{shopInbox},
		externalID: "<wsline-1@example.com>",
	},
	{
		file: "words_named_text_only.eml", subject: "Netscape message", customer: "ns@example.org", first: "Old", last: "Netscape",
		language: anyLanguage, textHas: []string{"Please cancel my subscription."}, from: "ns@example.org", to: []string{shopInbox}, externalID: "<ns-1@example.org>",
	},
	{
		file: "header_utf7_word.eml", subject: "Café and Café ouvert", customer: "rene7@example.fr", first: "René",
		language: anyLanguage, textHas: []string{"Bonjour."}, from: "rene7@example.fr", to: []string{shopInbox}, externalID: "<utf7-1@example.fr>",
	},
	{
		file: "header_qp_word_8bit.eml", subject: "Pedido no recibido señor", customer: "jose@example.es", first: "José", last: "Núñez",
		language: anyLanguage, textHas: []string{"Hola."}, from: "jose@example.es", to: []string{shopInbox}, externalID: "<qp8-1@example.es>",
	},
	{
		file: "header_rfc2231_language.eml", subject: "Pošiljka", customer: "bostjan@example.si", first: "Boštjan",
		language: anyLanguage, textHas: []string{"Pozdravljeni."}, from: "bostjan@example.si", to: []string{shopInbox}, externalID: "<lang-1@example.si>",
	},
	{
		file: "header_raw8bit_declared.eml", subject: "Réclamation: colis abîmé", customer: "rene@example.fr", first: "René",
		last: "Lefèvre", language: anyLanguage, textHas: []string{"Le colis est arrivé abîmé."}, from: "rene@example.fr", to: []string{shopInbox},
		externalID: "<raw8-1@example.fr>",
	},
	{
		file: "header_raw8bit_detected.eml", subject: "Здравствуйте, мой заказ не пришёл, прошу проверить доставку",
		customer: "ivan@example.ru", first: "Ivan", language: anyLanguage, textHas: []string{"Hello."}, from: "ivan@example.ru", to: []string{shopInbox},
		externalID: "<raw8-2@example.ru>",
	},
	{file: "bounce_qmail.eml", bounce: true},
	{file: "bounce_qmail_null_sender.eml", bounce: true},
}

// anyLanguage skips the language check, for messages too short to judge
// that are about something else.
const anyLanguage = "*"

var syntheticID = regexp.MustCompile(`^<[0-9a-f]{64}@ticketd\.invalid>$`)

// TestIngestCorpus posts every fixture to the real handler and checks the
// ticket, customer, message and attachments it produced, then posts it again
// and checks that nothing new is stored.
func TestIngestCorpus(t *testing.T) {
	e := newEnv(t)
	covered := map[string]bool{}
	for _, c := range corpus {
		covered[c.file] = true
		t.Run(strings.TrimSuffix(c.file, ".eml"), func(t *testing.T) {
			e.T = t
			raw := fixture(t, c.file)
			if c.deliveredTo {
				raw = append([]byte("Delivered-To: "+shopInbox+"\r\n"), raw...)
			}
			if c.bounce {
				before := e.ticketCount(e.WS)
				r := e.post(e.WS, raw).Expect(202).Object()
				if r["bounced_message_id"] != nil || r["ignored"] == "" {
					t.Fatalf("a bounce of a message we never sent: %v", r)
				}
				if n := e.ticketCount(e.WS); n != before {
					t.Fatalf("a bounce opened a ticket: %d tickets, had %d", n, before)
				}
				return
			}
			ticketID, messageID := e.ingest(e.WS, raw)
			checkTicket(t, e, c, ticketID)
			msgs := e.messages(e.WS, ticketID)
			if len(msgs) != 1 {
				t.Fatalf("%d messages on the new ticket, want 1", len(msgs))
			}
			checkMessage(t, e, c, msgs[0], messageID)
			checkAttachments(t, e, c, raw, messageID)

			// A redelivery is acknowledged and stores nothing.
			r := e.post(e.WS, raw).Expect(200).Object()
			if r["duplicate"] != true || r["ticket_id"] != ticketID || r["message_id"] != messageID {
				t.Fatalf("redelivery answered %v", r)
			}
			if n := len(e.messages(e.WS, ticketID)); n != 1 {
				t.Fatalf("%d messages after a redelivery, want 1", n)
			}
		})
	}
	for _, name := range fixtures(t) {
		if !covered[name] {
			t.Errorf("fixture %s has no case in the corpus table", name)
		}
	}
}

func checkTicket(t *testing.T, e *env, c corpusCase, ticketID string) {
	t.Helper()
	tk := e.As(e.WS.Key, "GET", "/v1/tickets/"+ticketID, nil).Expect(200).Object()
	if tk["subject"] != c.subject || tk["channel"] != "email" || tk["status"] != "open" {
		t.Errorf("ticket subject %q channel %q status %q, want %q email open", tk["subject"], tk["channel"], tk["status"], c.subject)
	}
	if tk["unread_count"] != 1.0 {
		t.Errorf("unread_count %v, want 1 after a customer message", tk["unread_count"])
	}
	if tk["inbox_id"] == nil {
		t.Errorf("the ticket has no inbox")
	}
	cust := e.As(e.WS.Key, "GET", "/v1/customers/"+tk["customer_id"].(string), nil).Expect(200).Object()
	if cust["email"] != c.customer || cust["first_name"] != c.first || cust["last_name"] != c.last {
		t.Errorf("customer %q %q %q, want %q %q %q", cust["email"], cust["first_name"], cust["last_name"], c.customer, c.first, c.last)
	}
}

func checkMessage(t *testing.T, e *env, c corpusCase, m map[string]any, messageID string) {
	t.Helper()
	if m["direction"] != "inbound" || m["channel"] != "email" || m["authorType"] != "customer" {
		t.Errorf("direction %v channel %v authorType %v, want an inbound customer email", m["direction"], m["channel"], m["authorType"])
	}
	if m["subject"] != c.subject || m["fromAddress"] != c.from {
		t.Errorf("subject %q from %q, want %q %q", m["subject"], m["fromAddress"], c.subject, c.from)
	}
	if got := strs(m["toAddresses"]); !slices.Equal(got, c.to) {
		t.Errorf("toAddresses %q, want %q", got, c.to)
	}
	if got := strs(m["ccAddresses"]); !slices.Equal(got, nonNil(c.cc)) {
		t.Errorf("ccAddresses %q, want %q", got, c.cc)
	}
	text, _ := m["bodyText"].(string)
	for _, s := range c.textHas {
		if !strings.Contains(text, s) {
			t.Errorf("bodyText lacks %q:\n%s", s, text)
		}
	}
	if html, ok := m["bodyHtml"].(string); ok != c.html || (ok && html == "") {
		t.Errorf("bodyHtml %v, want present=%v", m["bodyHtml"], c.html)
	} else if ok && (strings.Contains(html, "<script") || strings.Contains(html, "onerror")) {
		t.Errorf("bodyHtml is not sanitised: %s", html)
	}
	cleaned, ok := m["bodyTextCleaned"].(string)
	if !ok {
		t.Errorf("bodyTextCleaned is %v", m["bodyTextCleaned"])
	}
	for _, s := range c.cleanedHas {
		if !strings.Contains(cleaned, s) {
			t.Errorf("bodyTextCleaned lacks %q:\n%s", s, cleaned)
		}
	}
	for _, s := range c.cleanLacks {
		if strings.Contains(cleaned, s) {
			t.Errorf("bodyTextCleaned keeps %q:\n%s", s, cleaned)
		}
	}
	if lang, _ := m["detectedLanguage"].(string); lang != c.language && c.language != anyLanguage {
		t.Errorf("detectedLanguage %v, want %q", m["detectedLanguage"], c.language)
	}
	switch m["aiSentiment"] {
	case "positive", "neutral", "negative", "frustrated":
	default:
		t.Errorf("aiSentiment %v, want one of the four", m["aiSentiment"])
	}
	ext, _ := m["externalId"].(string)
	if c.externalID == "" && !syntheticID.MatchString(ext) || c.externalID != "" && ext != c.externalID {
		t.Errorf("externalId %q, want %q (empty: synthetic)", ext, c.externalID)
	}
	if irt, _ := m["inReplyTo"].(string); irt != c.inReplyTo {
		t.Errorf("inReplyTo %v, want %q", m["inReplyTo"], c.inReplyTo)
	}
	// The native view carries what the seed's message has no field for.
	n := e.As(e.WS.Key, "GET", "/v1/messages/"+messageID, nil).Expect(200).Object()
	if tagged := slices.Contains(strs(n["tags"]), "auto-reply"); tagged != c.autoReply {
		t.Errorf("tags %v, want auto-reply=%v", n["tags"], c.autoReply)
	}
	if n["delivery_status"] != "none" {
		t.Errorf("an inbound message has delivery_status %v", n["delivery_status"])
	}
}

// checkAttachments compares the listed attachments with the table and each
// download with the part's bytes as the standard library decodes them.
func checkAttachments(t *testing.T, e *env, c corpusCase, raw []byte, messageID string) {
	t.Helper()
	list := e.As(e.WS.Key, "GET", "/v1/messages/"+messageID+"/attachments", nil).Expect(200).Array()
	if len(list) != len(c.attachments) {
		t.Fatalf("%d attachments, want %d: %v", len(list), len(c.attachments), list)
	}
	var parts map[string][]byte
	for _, want := range c.attachments {
		if want.sha256 == "" && parts == nil {
			parts = stdlibParts(t, raw)
		}
	}
	for i, want := range c.attachments {
		a := list[i]
		data, ok := parts[want.filename]
		if want.sha256 != "" {
			data, ok = nil, true
		}
		if !ok {
			t.Fatalf("the standard library finds no part %q in the fixture", want.filename)
		}
		size := len(data)
		if want.sha256 != "" {
			size = want.size
		}
		if a["filename"] != want.filename || a["content_type"] != want.contentType || a["inline"] != want.inline ||
			a["size"] != float64(size) {
			t.Errorf("attachment %v, want %+v of %d bytes", a, want, size)
		}
		d := e.As(e.WS.Key, "GET", a["url"].(string), nil).Expect(200)
		if sum := sha256.Sum256(d.Body); want.sha256 != "" && hex.EncodeToString(sum[:]) != want.sha256 {
			t.Errorf("download of %s: %d bytes, not the %d bytes sent", want.filename, len(d.Body), size)
		} else if want.sha256 == "" && sum != sha256.Sum256(data) {
			t.Errorf("download of %s: %d bytes differ from the part's %d", want.filename, len(d.Body), len(data))
		}
		if ct := d.Header.Get("Content-Type"); ct != want.contentType {
			t.Errorf("download Content-Type %q, want %q", ct, want.contentType)
		}
		if cd := d.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
			t.Errorf("download Content-Disposition %q", cd)
		} else if _, params, err := mime.ParseMediaType(cd); err != nil || params["filename"] != want.filename {
			t.Errorf("download Content-Disposition %q names %q", cd, params["filename"])
		}
		if d.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("download without nosniff")
		}
	}
}

// stdlibParts decodes the named parts of a fixture with net/mail and
// mime/multipart only, as a second opinion on the MIME library ticketd uses.
func stdlibParts(t *testing.T, raw []byte) map[string][]byte {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	var walk func(ct string, body io.Reader)
	walk = func(ct string, body io.Reader) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil || !strings.HasPrefix(mt, "multipart/") {
			return
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return
			} else if err != nil {
				t.Fatal(err)
			}
			pct := p.Header.Get("Content-Type")
			if strings.HasPrefix(pct, "multipart/") {
				walk(pct, p)
				continue
			}
			name := p.FileName()
			if name == "" {
				_, cp, _ := mime.ParseMediaType(pct)
				name = cp["name"]
			}
			if name == "" {
				continue
			}
			var r io.Reader = p
			switch strings.ToLower(p.Header.Get("Content-Transfer-Encoding")) {
			case "base64":
				r = base64.NewDecoder(base64.StdEncoding, p)
			case "quoted-printable":
				r = quotedprintable.NewReader(p)
			}
			data, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			out[name] = data
		}
	}
	walk(msg.Header.Get("Content-Type"), msg.Body)
	return out
}

// TestIngestNoMessageIDRedelivered checks the synthetic Message-ID: a
// redelivery of an email without one, which a relay stamped with another
// Received header on the way, is still the same email.
func TestIngestNoMessageIDRedelivered(t *testing.T) {
	e := newEnv(t)
	raw := fixture(t, "no_message_id.eml")
	ticketID, messageID := e.ingest(e.WS, raw)
	again := append([]byte("Received: from relay2.example.net by mx.shop.example.com; Wed, 22 Apr 2026 10:05:00 +0000\r\n"), raw...)
	r := e.post(e.WS, again).Expect(200).Object()
	if r["duplicate"] != true || r["message_id"] != messageID || r["ticket_id"] != ticketID {
		t.Fatalf("redelivery through another relay answered %v", r)
	}
	if n := e.ticketCount(e.WS); n != 1 {
		t.Fatalf("%d tickets, want 1", n)
	}
	// A different email without a Message-ID is a different message.
	other := bytes.Replace(raw, []byte("When will my parcel arrive?"), []byte("Do you ship to Norway?"), 1)
	if _, m2 := e.ingest(e.WS, other); m2 == messageID {
		t.Fatal("two different emails without Message-ID share one message")
	}
}

// TestIngestBounceMarksOutbound sends a reply on an email ticket, then posts
// delivery status notifications (RFC 3464 and qmail's plain text) that name
// its real Message-ID: the reply is marked bounced and no ticket is opened.
func TestIngestBounceMarksOutbound(t *testing.T) {
	for _, c := range []struct{ file, fixtureID string }{
		{"bounce_dsn.eml", "<abc123@support.example.com>"},
		{"bounce_classic.eml", "<ticket-8.outbound.4@support.example.com>"},
	} {
		t.Run(strings.TrimSuffix(c.file, ".eml"), func(t *testing.T) {
			e := newEnv(t)
			ticketID, _ := e.ingest(e.WS, fixture(t, "iphone.eml"))
			out := e.reply(e.WS, ticketID, "We are sending a new box today.")
			tickets := e.ticketCount(e.WS)

			raw := bytes.ReplaceAll(fixture(t, c.file), []byte(c.fixtureID), []byte(out["external_id"].(string)))
			r := e.post(e.WS, raw).Expect(202).Object()
			if r["bounced_message_id"] != out["id"] {
				t.Fatalf("bounce answered %v, want bounced_message_id %v", r, out["id"])
			}
			m := e.As(e.WS.Key, "GET", "/v1/messages/"+out["id"].(string), nil).Expect(200).Object()
			if m["delivery_status"] != "bounced" || !strings.Contains(m["delivery_error"].(string), "5.1.1") {
				t.Fatalf("after the bounce the reply is %v: %v", m["delivery_status"], m["delivery_error"])
			}
			if n := e.ticketCount(e.WS); n != tickets {
				t.Fatalf("the bounce opened a ticket (%d, had %d)", n, tickets)
			}
			if n := len(e.messages(e.WS, ticketID)); n != 2 {
				t.Fatalf("%d messages on the ticket, want the email and the reply", n)
			}
		})
	}
}

func strs(v any) []string {
	out := []string{}
	a, _ := v.([]any)
	for _, s := range a {
		out = append(out, s.(string))
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// TestIngestFitsLimits posts real-world emails that exceed what a message
// or a customer may hold (a 300-character display name, a 1200-character
// subject, a pasted log over 1 MiB, NUL bytes, which PostgreSQL cannot
// store): each is kept, cut to fit, rather than refused, which over SMTP
// would bounce the customer's email. A redelivery is still a duplicate.
func TestIngestFitsLimits(t *testing.T) {
	e := newEnv(t)
	head := func(from, subject string) string {
		return "From: " + from + "\r\nTo: " + shopInbox + "\r\nSubject: " + subject + "\r\nMessage-ID: <" + ticketd.NewID().String() + "@x.test>\r\n"
	}
	cases := []struct {
		name, raw string
		check     func(t *testing.T, m, customer map[string]any)
	}{
		{"long display name", head(`"`+strings.Repeat("N", 300)+`" <long.name@x.test>`, "hi") + "\r\nHello.",
			func(t *testing.T, m, c map[string]any) {
				if n := utf8.RuneCountInString(c["first_name"].(string)); n != 200 {
					t.Errorf("first_name of %d characters, want 200", n)
				}
			}},
		{"long subject", head("long.subject@x.test", strings.Repeat("s", 1200)) + "\r\nHello.",
			func(t *testing.T, m, c map[string]any) {
				if n := len(m["subject"].(string)); n != 1000 {
					t.Errorf("subject of %d characters, want 1000", n)
				}
			}},
		{"NUL bytes", head("nul@x.test", "a\x00b") + "Content-Type: text/html\r\n\r\n<p>before\x00after</p>",
			func(t *testing.T, m, c map[string]any) {
				if m["subject"] != "ab" || !strings.Contains(m["bodyText"].(string), "beforeafter") ||
					!strings.Contains(m["bodyHtml"].(string), "beforeafter") {
					t.Errorf("subject %q, bodyText %q, bodyHtml %q", m["subject"], m["bodyText"], m["bodyHtml"])
				}
			}},
		{"body over 1 MiB", head("big@x.test", "logs") + "\r\nHere are my logs:\r\n" + strings.Repeat("log line 0123456789\r\n", 60000),
			func(t *testing.T, m, c map[string]any) {
				text := m["bodyText"].(string)
				if n := utf8.RuneCountInString(text); n != 1<<20 || !strings.HasPrefix(text, "Here are my logs:") ||
					!strings.HasSuffix(text, "too long to keep]") {
					t.Errorf("bodyText of %d characters ending %q", n, text[len(text)-60:])
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.T = t
			ticketID, messageID := e.ingest(e.WS, []byte(c.raw))
			msgs := e.messages(e.WS, ticketID)
			tk := e.As(e.WS.Key, "GET", "/v1/tickets/"+ticketID, nil).Expect(200).Object()
			cust := e.As(e.WS.Key, "GET", "/v1/customers/"+tk["customer_id"].(string), nil).Expect(200).Object()
			c.check(t, msgs[0], cust)
			r := e.post(e.WS, []byte(c.raw)).Expect(200).Object()
			if r["duplicate"] != true || r["message_id"] != messageID {
				t.Fatalf("redelivery answered %v", r)
			}
		})
	}
}

// A redelivery (a known Message-ID, even with other attachment bytes, as a
// relay that re-encodes would send) and a bounce write no file to the blob
// directory: nothing would ever reference it.
func TestNoBlobForDuplicateOrBounce(t *testing.T) {
	e := newEnv(t)
	email := func(data string) []byte {
		return []byte("From: Jane <jane@example.com>\r\nTo: " + shopInbox + "\r\nSubject: file\r\n" +
			"Message-ID: <dup-blob-1@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n" +
			"--B\r\nContent-Type: text/plain\r\n\r\nSee the file.\r\n" +
			"--B\r\nContent-Type: application/octet-stream; name=f.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
			base64.StdEncoding.EncodeToString([]byte(data)) + "\r\n--B--\r\n")
	}
	e.ingest(e.WS, email("first bytes"))
	if n := e.blobFiles(); n != 1 {
		t.Fatalf("%d blob files after one attachment, want 1", n)
	}
	e.post(e.WS, email("other bytes of a redelivery")).Expect(200)
	if n := e.blobFiles(); n != 1 {
		t.Errorf("a duplicate wrote a file: %d blob files, want 1", n)
	}
	e.post(e.WS, fixture(t, "bounce_dsn.eml")).Expect(202)
	if n := e.blobFiles(); n != 1 {
		t.Errorf("a bounce wrote files: %d blob files, want 1", n)
	}
}

// When the budget of email in flight is spent, POST /v1/inbound/email
// answers 503 with Retry-After and stores nothing; once there is room again
// the same email is accepted.
func TestInboundBudgetAnswers503(t *testing.T) {
	intake := tdmail.NewIntake(64<<10, 64<<10, 1<<20, t.TempDir())
	e := newEnvWith(t, apitest.Options{EmailIntake: intake})
	raw := fixture(t, "gmail_reply.eml")
	if !intake.Budget.TryAcquire(64 << 10) { // other email in flight
		t.Fatal("acquire")
	}
	r := e.post(e.WS, raw).Expect(503)
	if r.Header.Get("Retry-After") == "" {
		t.Errorf("503 without Retry-After")
	}
	if n := e.ticketCount(e.WS); n != 0 {
		t.Fatalf("%d tickets after a 503", n)
	}
	intake.Budget.Release(64 << 10)
	e.ingest(e.WS, raw)
	if got := intake.Budget.Available(); got != 64<<10 {
		t.Fatalf("the budget is not whole after the email: %d", got)
	}
}

// A parser that panics refuses that one email as unreadable (EMALFORMED)
// instead of taking the process down: the IMAP watcher then skips it, as it
// skips any email it cannot read.
func TestParserPanicRefusesTheEmail(t *testing.T) {
	restore := tdmail.SetParser(func(inbound.Parser, *inbound.Spool) (*inbound.Email, error) {
		var headers map[string]string
		headers["boom"] = "a bug" // a nil map: panics
		return nil, nil
	})
	defer restore()
	_, err := tdmail.ParseInbound([]byte("From: a@b.test\r\nSubject: hi\r\n\r\nhello\r\n"), 1<<20, nil)
	if ticketd.ErrorCode(err) != ticketd.EMALFORMED {
		t.Fatalf("a panicking parser: %v, want EMALFORMED", err)
	}
}
