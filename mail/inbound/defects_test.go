package inbound

// defectFixtures are hand-written messages, one or more per class of defect
// found by feeding real-world mail to ticketd (issue 14), each named after its
// class. TestParseFixtures runs them with the rest; every field listed is
// checked, so each entry fails if its defect comes back.
var defectFixtures = []fixtureCase{
	// Class 1: the sender is the addr-spec, never the display name.
	{
		file:      "sender_display_is_address.eml",
		fromName:  "alice@example.com",
		fromEmail: "bob@example.com",
		subject:   "Please reset my password",
		messageID: "<sender-1@example.com>",
		to:        []string{"support@shop.example.com"},
		textHas:   []string{"I forgot my password."},
	},
	{
		file:      "sender_quoted_display_address.eml",
		fromName:  "service@bank.example",
		fromEmail: "Notice@evil.example",
		subject:   "Account notice",
		messageID: "<sender-2@evil.example>",
		to:        []string{"support@shop.example.com"},
		textHas:   []string{"Verify your account."},
	},

	// Class 2: attachments are the bytes the sender attached.
	{
		file:      "attach_uuencode.eml",
		fromName:  "Old Client",
		fromEmail: "old@example.org",
		subject:   "uuencoded file",
		messageID: "<uu-1@example.org>",
		to:        []string{"support@shop.example.com"},
		textHas:   []string{"See the attached file."},
		attachments: []wantAttachment{{filename: "data.bin", contentType: "application/octet-stream",
			sha256: "f1d3d8fee537ac8ac185a549ac510236b910e2315f4f7eb980aabc3d48b04ce0"}},
	},
	{
		file:      "attach_text_charset.eml",
		fromName:  "Taro",
		fromEmail: "taro@example.jp",
		subject:   "files",
		messageID: "<charset-att-1@example.jp>",
		to:        []string{"support@shop.example.com"},
		textHas:   []string{"Two files attached."},
		attachments: []wantAttachment{
			{filename: "order.txt", contentType: "text/plain", // Shift_JIS, base64
				sha256: "72a5a7735c4dbefdae1ed21a9d2483796ff41af0d17276dab2fbdebcd4ce5f72"},
			{filename: "list.csv", contentType: "text/csv", // ISO-8859-1, 8bit
				sha256: "0d7033d0815ba7326a2686e4d4d06590c862cfdfaf1a540896c53ee794e39dcc"},
		},
	},
	{
		file:      "attach_truncated_base64.eml",
		fromName:  "Sender",
		fromEmail: "s@example.net",
		subject:   "cut off attachment",
		messageID: "<trunc-1@example.net>",
		to:        []string{"support@shop.example.com"},
		textHas:   []string{"The file was cut off on the way."},
		attachments: []wantAttachment{{filename: "truncated.bin", contentType: "application/octet-stream",
			sha256: "071e19473955880a913b40548a3890422c2efcd6062478a0d78ad3e68d8c6762"}}, // the first 450 bytes
	},
	{
		file:      "attach_unterminated_boundary.eml",
		fromName:  "Sender",
		fromEmail: "s@example.net",
		subject:   "no closing boundary",
		messageID: "<unterm-1@example.net>",
		to:        []string{"support@shop.example.com"},
		textHas:   []string{"Body text."},
		attachments: []wantAttachment{
			{filename: "notes.txt", contentType: "application/octet-stream",
				sha256: "5313a5e8bed17fcdfe9525b8a8faeda8381e913bf49b1933fbc110e726768b7f"},
			{filename: "raw.txt", contentType: "application/octet-stream", // "line one\r\nline two"
				sha256: "8ec4c37982ffc5a839234595530d36fa868683bc09ea40fe9960cb64c7847e33"},
		},
	},
	{
		file:      "attach_qp_soft_break_end.eml",
		fromName:  "Sender",
		fromEmail: "s@example.net",
		subject:   "qp soft break at the end",
		messageID: "<qpsoft-1@example.net>",
		to:        []string{"support@shop.example.com"},
		textHas:   []string{"See attached."},
		attachments: []wantAttachment{{filename: "gruss.txt", contentType: "application/octet-stream",
			sha256: "b20db29297cdca6c6c288d4511005de4dbed4a1516bed1bb44ca6cf3831d532c"}},
	},

	// Class 3: recoverable damage is repaired, not refused.
	{
		file:      "damage_content_type_no_slash.eml",
		fromName:  "Jane",
		fromEmail: "jane@example.com",
		subject:   "broken content type",
		messageID: "<noslash-1@example.com>",
		to:        []string{"support@shop.example.com"},
		textHas:   []string{"My order has not arrived."},
	},
	{
		file:      "damage_bom.eml",
		fromName:  "Jane",
		fromEmail: "jane@example.com",
		subject:   "saved with a BOM",
		messageID: "<bom-1@example.com>",
		to:        []string{"support@shop.example.com"},
		textHas:   []string{"Where is my parcel?"},
	},
	{
		// RFC 5322 appendix A.5, verbatim: comments inside the addr-spec and
		// groups with comments.
		file:      "damage_address_comments.eml",
		fromName:  "Pete",
		fromEmail: "pete@silly.test",
		subject:   "comments everywhere",
		messageID: "<testabcd.1234@silly.test>",
		to:        []string{"c@public.example", "joe@example.org", "jdoe@one.test"},
		date:      "1969-02-13T23:32:00-03:30",
		textHas:   []string{"Testing."},
	},

	// Class 4: the customer's words are the body.
	{
		file:      "words_header_not_closed.eml",
		fromName:  "Jane",
		fromEmail: "jane@example.com",
		subject:   "no blank line",
		messageID: "<noblank-1@example.com>",
		to:        []string{"support@shop.example.com"},
		textHas:   []string{"Hello, my order 1234 never arrived.\nCan you check?"},
	},
	{
		file:      "words_whitespace_line_after_ct.eml",
		fromName:  "Jane",
		fromEmail: "jane@example.com",
		subject:   "whitespace line",
		messageID: "<wsline-1@example.com>",
		to:        []string{"support@shop.example.com"},
		textHas:   []string{"The parcel is damaged, please send a new one."},
	},
	{
		file:      "words_named_text_only.eml",
		fromName:  "Old Netscape",
		fromEmail: "ns@example.org",
		subject:   "Netscape message",
		messageID: "<ns-1@example.org>",
		to:        []string{"support@shop.example.com"},
		textHas:   []string{"Please cancel my subscription."},
	},

	// Class 5: header decoding.
	{
		file:      "header_utf7_word.eml",
		fromName:  "René",
		fromEmail: "rene7@example.fr",
		subject:   "Café and Café ouvert",
		messageID: "<utf7-1@example.fr>",
		to:        []string{"support@shop.example.com"},
		textHas:   []string{"Bonjour."},
	},
	{
		file:      "header_qp_word_8bit.eml",
		fromName:  "José Núñez",
		fromEmail: "jose@example.es",
		subject:   "Pedido no recibido señor",
		messageID: "<qp8-1@example.es>",
		to:        []string{"support@shop.example.com"},
		textHas:   []string{"Hola."},
	},
	{
		file:      "header_rfc2231_language.eml",
		fromName:  "Boštjan",
		fromEmail: "bostjan@example.si",
		subject:   "Pošiljka",
		messageID: "<lang-1@example.si>",
		to:        []string{"support@shop.example.com"},
		textHas:   []string{"Pozdravljeni."},
	},
	{
		file:      "header_raw8bit_declared.eml",
		fromName:  "René Lefèvre",
		fromEmail: "rene@example.fr",
		subject:   "Réclamation: colis abîmé",
		messageID: "<raw8-1@example.fr>",
		to:        []string{"support@shop.example.com"},
		textHas:   []string{"Le colis est arrivé abîmé."},
	},
	{
		file:      "header_raw8bit_detected.eml", // KOI8-R, declared nowhere
		fromName:  "Ivan",
		fromEmail: "ivan@example.ru",
		subject:   "Здравствуйте, мой заказ не пришёл, прошу проверить доставку",
		messageID: "<raw8-2@example.ru>",
		to:        []string{"support@shop.example.com"},
		textHas:   []string{"Hello."},
	},

	// Class 6: qmail bounces are bounces.
	{
		file:          "bounce_qmail.eml",
		fromEmail:     "MAILER-DAEMON@mx.customer.example",
		subject:       "failure notice",
		to:            []string{"support@shop.example.com"},
		textHas:       []string{"qmail-send program"},
		autoSubmitted: true,
		bounce: &Bounce{OriginalMessageID: "<ticket-9.outbound.1@shop.example.com>", Recipient: "gone@customer.example",
			Action: "failed", Status: "5.1.1", Diagnostic: "Sorry, no mailbox here by that name. (#5.1.1)"},
	},
	{
		file:          "bounce_qmail_null_sender.eml", // Return-Path: <>, From a robot address
		fromName:      "Mail Robot",
		fromEmail:     "robot@mx.customer.example",
		subject:       "Your message",
		to:            []string{"support@shop.example.com"},
		textHas:       []string{"qmail-send program"},
		autoSubmitted: true,
		bounce: &Bounce{OriginalMessageID: "<ticket-9.outbound.1@shop.example.com>", Recipient: "gone@customer.example",
			Action: "failed", Status: "5.1.1", Diagnostic: "Sorry, no mailbox here by that name. (#5.1.1)"},
	},
}
