package quote

import (
	"fmt"
	"strings"
	"testing"
)

const body = "Thanks, that fixed it.\nThe invoice is correct now."

// TestClean covers each pattern the package recognises, in several
// languages, and the texts it must leave alone.
func TestClean(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"no quote", body, body},
		{"en gmail header", body + "\n\nOn Mon, Jan 15, 2024 at 2:30 PM John Doe <john@example.com> wrote:\n> Is the invoice right?\n", body},
		{"en header wrapped over two lines", body + "\n\nOn Mon, Jan 15, 2024 at 2:30 PM John Doe <\njohn@example.com> wrote:\n\n> Is the invoice right?", body},
		{"en header wrapped over three lines", body + "\n\nOn Nov 21, 2014,\nat 10:18,\nJohn Doe <john@doe123.com> wrote:\n\n> Ok.", body},
		{"header wrapped before the colon", body + "\n\ntir. 18. apr. 2017 kl. 13:09 skrev Test user <test@example.com\n>:\n\n> Hei", body},
		{"de", body + "\n\nAm 15.01.2024 um 14:30 schrieb Max Mustermann <max@example.de>:\n> Hallo", body},
		{"fr", body + "\n\nLe 15 janv. 2024 à 14:30, Jean Dupont <jean@example.fr> a écrit :\n> Bonjour", body},
		{"es", body + "\n\nEl lun., 15 ene. 2024 a las 14:30, Juan Pérez (<juan@example.es>) escribió:\n> Hola", body},
		{"it", body + "\n\nIl giorno lun 15 gen 2024 alle ore 14:30 Mario Rossi <mario@example.it> ha scritto:\n> Ciao", body},
		{"pt", body + "\n\nEm seg., 15 de jan. de 2024 às 14:30, João Silva <joao@example.pt> escreveu:\n> Olá", body},
		{"nl", body + "\n\nOp ma 15 jan. 2024 om 14:30 schreef Jan Jansen <jan@example.nl>:\n> Hoi", body},
		{"sv", body + "\n\nDen 15 jan. 2024 kl. 14:30 skrev Sven Svensson <sven@example.se>:\n> Hej", body},
		{"da", body + "\n\nDen man. 15. jan. 2024 kl. 14.30 skrev Lars Hansen <lars@example.dk>:\n> Hej", body},
		{"no", body + "\n\nman. 15. jan. 2024 kl. 14:30 skrev Ola Nordmann <ola@example.no>:\n> Hei", body},
		{"fi", body + "\n\nma 15. tammik. 2024 klo 14.30 Matti Meikäläinen <matti@example.fi> kirjoitti:\n> Moi", body},
		{"pl", body + "\n\nW dniu pon., 15.01.2024 o 14:30 Jan Kowalski <jan@example.pl> napisał(a):\n> Cześć", body},
		{"cs", body + "\n\nDne po 15. 1. 2024 14:30 uživatel Jan Novák <jan@example.cz> napsal:\n> Ahoj", body},
		{"ru", body + "\n\nпн, 15 янв. 2024 г. в 14:30, Иван Иванов <ivan@example.ru>:\n> Привет", body},
		{"ru with verb", body + "\n\n15.01.2024 14:30, Иван Иванов пишет:\n> Привет", body},
		{"tr", body + "\n\nJohn Doe <john@example.com>, 15 Oca 2024 Pzt, 14:30 tarihinde şunu yazdı:\n> Merhaba", body},
		{"ja apple", body + "\n\n2024/01/15 14:30、John Doe <john@example.com>のメール:\n> こんにちは", body},
		{"ja gmail", body + "\n\n2024年1月15日(月) 14:30 John Doe <john@example.com>:\n> こんにちは", body},
		{"zh", body + "\n\n在 2024年1月15日，下午2:30，John Doe <john@example.com> 写道：\n> 你好", body},
		{"ko", body + "\n\n2024. 1. 15. 오후 2:30, John Doe <john@example.com> 작성:\n> 안녕하세요", body},
		{"header without quote marks cuts the rest", body + "\n\nOn Mon, Jan 15, 2024 at 2:30 PM John Doe <john@example.com> wrote:\n\nIs the invoice right?", body},
		{"header glued to the quote", body + "\n\nOn 03/19/2013 at 9:19 AM, \"Example\" wrote:Email notification\nmore", body},
		{"header without colon", body + "\n\nOn Wed, 14 Nov 2018 08:14:43 -0200 John Doe <john@doe.com> wrote\n\nWhen?", body},
		{"nested quotes", body + "\n\nOn Dec 15, 2024, Jane <jane@example.com> wrote:\n> Thanks.\n>\n> On Dec 14, 2024, Bob <bob@example.com> wrote:\n> > Question?\n> > > Older.", body},
		{"inline answers kept", "On Dec 15, 2024, Jane <jane@example.com> wrote:\n> Option A?\n\nA is great.\n\n> Option B?\n\nB is not.", "A is great.\n\nB is not."},
		{"quote without header", "My answer:\n\n> quoted\n> text\n\nMore of my answer.", "My answer:\n\nMore of my answer."},
		{"wrapped line inside a quote", body + "\n\nOn Mon, Jan 15, 2024 John <john@example.com> wrote:\n> a long line that the\nclient wrapped\n> badly", body},
		{"android attribution without verb", body + "\n\n2013/11/1 John Smith <\njohn@smith.org>\n\n> ddd", body},
		{"outlook underscore and block", body + "\n\n________________________________\nFrom: John Doe <john@example.com>\nSent: Monday, January 15, 2024 2:30 PM\nTo: Support <support@example.com>\nSubject: Invoice\n\nIs the invoice right?", body},
		{"outlook block without separator", body + "\n\nFrom: John Doe <john@example.com>\nSent: Monday, January 15, 2024 2:30 PM\nTo: Support <support@example.com>\nSubject: Invoice\n\nIs the invoice right?", body},
		{"outlook bold block", body + "\n\n*From:* John Doe [mailto:john@example.com]\n*Sent:* Monday, January 15, 2024 2:30 PM\n*To:* support@example.com\n*Subject:* Invoice\n\nOld", body},
		{"outlook de", body + "\n\nVon: Max Mustermann <max@example.de>\nGesendet: Montag, 15. Januar 2024 14:30\nAn: Support <support@example.com>\nBetreff: Rechnung\n\nAlt", body},
		{"outlook fr", body + "\n\nDe : Jean Dupont <jean@example.fr>\nEnvoyé : lundi 15 janvier 2024 14:30\nÀ : support@example.com\nObjet : Facture\n\nAncien", body},
		{"outlook es", body + "\n\nDe: Juan <juan@example.es>\nEnviado: lunes, 15 de enero de 2024 14:30\nPara: support@example.com\nAsunto: Factura\n\nViejo", body},
		{"original message", body + "\n\n-----Original Message-----\nFrom: John\nOld text", body},
		{"original message de", body + "\n\n-----Ursprüngliche Nachricht-----\nVon: Max\nAlt", body},
		{"original message fr", body + "\n\n-------- Message d'origine --------\nDe : Jean\nAncien", body},
		{"original message da", body + "\n\n-------- Oprindelig besked --------\nFra: Lars\nGammel", body},
		{"forward below own text dropped", body + "\nI have forwarded the mail I got yesterday so you can see.\n\n---------- Forwarded message ---------\nFrom: John <john@example.com>\nDate: Mon, Jan 15, 2024\nSubject: Invoice\nTo: support@example.com\n\nForwarded text", body + "\nI have forwarded the mail I got yesterday so you can see."},
		{"forward only kept", "---------- Forwarded message ---------\nFrom: John <john@example.com>\nDate: Mon, Jan 15, 2024\n\nForwarded text", "---------- Forwarded message ---------\nFrom: John <john@example.com>\nDate: Mon, Jan 15, 2024\n\nForwarded text"},
		{"forward with FYI kept", "FYI\n\nBegin forwarded message:\n\nFrom: John <john@example.com>\nSubject: Invoice\n\nForwarded text", "FYI\n\nBegin forwarded message:\n\nFrom: John <john@example.com>\nSubject: Invoice\n\nForwarded text"},
		{"dash dash space signature", body + "\n\n-- \nJohn Doe\nACME Inc.", body},
		{"signature only message kept", "-- \nJohn Doe", "--\nJohn Doe"},
		{"dash sign-off", body + "\n\n-John", body},
		{"closing and name", body + "\n\nBest regards,\nJohn Doe\nACME Inc.", body},
		{"closing de", body + "\n\nMit freundlichen Grüßen\nMax Mustermann", body},
		{"closing without a name kept", body + "\n\nSincerely,\nThe Billing Department Team", body + "\n\nSincerely,\nThe Billing Department Team"},
		{"mailing list footer", body + "\n\n_______________________________________________\nlist mailing list\nlist@example.com", body},
		{"sent from my iphone", body + "\n\nSent from my iPhone", body},
		{"sent from de", body + "\n\nVon meinem iPhone gesendet", body},
		{"sent from fr", body + "\n\nEnvoyé de mon iPhone", body},
		{"sent from es", body + "\n\nEnviado desde mi iPhone", body},
		{"sent from it", body + "\n\nInviato da iPhone", body},
		{"sent from nl", body + "\n\nVerstuurd vanaf mijn iPhone", body},
		{"sent from sv", body + "\n\nSkickat från min iPhone", body},
		{"sent from pl", body + "\n\nWysłane z iPhone'a", body},
		{"sent from ru", body + "\n\nОтправлено с iPhone", body},
		{"sent from ja", body + "\n\niPhoneから送信", body},
		{"sent from zh", body + "\n\n发自我的iPhone", body},
		{"sent from ko", body + "\n\niPhone에서 보냄", body},
		{"sent from outlook", body + "\n\nGet Outlook for iOS", body},
		{"sent from in prose kept", "Here it is.\n\nSent from my desk, is much easier then my mobile phone.", "Here it is.\n\nSent from my desk, is much easier then my mobile phone."},
		{"on in prose kept", "On Thursday I get proper rendering.\n\nOn your host run:\n\n    telnet 127.0.0.1 52698", "On Thursday I get proper rendering.\n\nOn your host run:\n\n    telnet 127.0.0.1 52698"},
		{"from in prose kept", "Mail comes from: a@example.com\nFrom: our database, not a header.", "Mail comes from: a@example.com\nFrom: our database, not a header."},
		{"dashes in prose kept", "Fix -- not a signature.\n\n----\n\nMore text here.", "Fix -- not a signature.\n\n----\n\nMore text here."},
		{"arrow line kept", "Visit us now...\n>>> http://www.example.com <<<\nThanks", "Visit us now...\n>>> http://www.example.com <<<\nThanks"},
		{"crlf", "Hi\r\n\r\nOn Mon, Jan 15, 2024 John <john@example.com> wrote:\r\n> old\r\n", "Hi"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Clean(tt.in); got != tt.want {
				t.Errorf("Clean(%q)\n got: %q\nwant: %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestOptions shows that each removal can be switched off.
func TestOptions(t *testing.T) {
	in := body + "\n\n-- \nJohn\n\nOn Mon, Jan 15, 2024 John <john@example.com> wrote:\n> old"
	if got, want := (Options{KeepSignatures: true}).Clean(in), body+"\n\n--\nJohn"; got != want {
		t.Errorf("KeepSignatures: got %q, want %q", got, want)
	}
	in = body + "\n\nSent from my iPhone\n\nOn Mon, Jan 15, 2024 John <john@example.com> wrote:\n> old"
	if got, want := (Options{KeepQuotes: true}).Clean(in), body; got != want {
		t.Errorf("KeepQuotes: got %q, want %q", got, want)
	}
}

// TestCleanHTML covers the quote containers of the common clients.
func TestCleanHTML(t *testing.T) {
	const own = "<div>Thanks, that fixed it.</div><div>The invoice is correct now.</div>"
	tests := []struct {
		name, in string
	}{
		{"gmail", own + `<br><div class="gmail_quote"><div class="gmail_attr">On Mon, Jan 15, 2024 at 2:30 PM John &lt;john@example.com&gt; wrote:<br></div><blockquote class="gmail_quote">Is the invoice right?</blockquote></div>`},
		{"apple", own + `<div><br><blockquote type="cite"><div>On Jan 15, 2024, at 14:30, John &lt;john@example.com&gt; wrote:</div><div>Is the invoice right?</div></blockquote></div>`},
		{"apple header outside", own + `<div><br><div>On Jan 15, 2024, at 14:30, John &lt;john@example.com&gt; wrote:</div><br><blockquote type="cite"><div>Is the invoice right?</div></blockquote></div>`},
		{"outlook divRplyFwdMsg", `<div>` + own + `</div><hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg"><b>From:</b> John<br><b>Sent:</b> Monday</div><div>Is the invoice right?</div>`},
		{"outlook appendonsend", own + `<div id="appendonsend"></div><div>Is the invoice right?</div>`},
		{"outlook border-top", `<div class="WordSection1"><p>Thanks, that fixed it.<br>The invoice is correct now.</p><div><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0in 0in 0in"><p><b>From:</b> John<br><b>Sent:</b> Monday</p></div></div><p>Is the invoice right?</p></div>`},
		{"yahoo", own + `<div class="yahoo_quoted"><div>On Monday, John wrote:</div><div>Is the invoice right?</div></div>`},
		{"thunderbird", own + `<div class="moz-cite-prefix">On 15/01/2024 14:30, John wrote:<br></div><blockquote type="cite" cite="mid:x">Is the invoice right?</blockquote>`},
		{"plain blockquote", own + `<blockquote>Is the invoice right?</blockquote>`},
		{"signature", own + `<div class="gmail_signature">John Doe<br>ACME</div>`},
		{"entities and styles", `<html><head><style>p{color:red}</style></head><body>` + own + `<script>alert(1)</script></body></html>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CleanHTML(tt.in); got != body {
				t.Errorf("CleanHTML(%q)\n got: %q\nwant: %q", tt.in, got, body)
			}
		})
	}
}

// TestHTMLText checks how text is derived: paragraphs, breaks, collapsed
// white space and preformatted text.
func TestHTMLText(t *testing.T) {
	in := "<p>One   two\nthree</p><p>Four<br>five</p><pre>  a\n  b</pre><table><tr><td>x</td><td>y</td></tr></table>"
	want := "One two three\n\nFour\nfive\n\n  a\n  b\n\nx y"
	if got := CleanHTML(in); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestTruncation shows that text past the cap is not analysed, and that the
// cut does not split a character.
func TestTruncation(t *testing.T) {
	in := strings.Repeat("é", MaxTextBytes) // two bytes each
	got := Clean(in)
	if len(got) > MaxTextBytes {
		t.Errorf("got %d bytes, want at most %d", len(got), MaxTextBytes)
	}
	if !strings.HasPrefix(in, got) || len(got)%2 != 0 {
		t.Errorf("cut split a character")
	}
}

// TestLinearWork is the test that the algorithm is linear by construction:
// every step counts the lines or nodes it examines, and doubling inputs built
// to defeat a naive parser (many header-like lines, deep quotes, long lines
// ending in a colon) must no more than double the count. No time is measured.
func TestLinearWork(t *testing.T) {
	units := []string{
		"On Mon, Jan 15, 2024 John <john@example.com>\n",
		"> > > > quoted\n",
		"From: a@example.com\nSubject: x\nnot a header\n",
		strings.Repeat("word ", 60) + "wrote:\n",
		"Best regards,\nJohn\n\n",
		"-- \n",
		"\n\n\n",
		"Sent from my iPhone\nmore text\n",
	}
	for i, unit := range units {
		work := func(n int) (text, html int) {
			in := strings.Repeat(unit, n)
			c := cleaner{}
			c.cleanText(in)
			text = c.steps
			h := cleaner{}
			h.cleanHTML(strings.Repeat("<div><p>"+unit+"</p><blockquote>"+unit+"</blockquote></div>", n))
			return text, h.steps
		}
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t1, h1 := work(500)
			t2, h2 := work(1000)
			lines := 1000 * (strings.Count(unit, "\n") + 1)
			if t2 > 2*t1+50 || h2 > 2*h1+50 {
				t.Errorf("work grew faster than the input: text %d → %d, html %d → %d", t1, t2, h1, h2)
			}
			if t2 > 40*lines {
				t.Errorf("text work %d is more than 40 steps per line over %d lines", t2, lines)
			}
		})
	}
}
