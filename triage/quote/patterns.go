package quote

// The vocabularies below are what mail clients write, collected from the
// clients' localisations (Gmail, Apple Mail, Outlook, Thunderbird and the
// mobile mail apps). They are matched with plain string functions on
// lower-cased text, never with backtracking patterns.

// replyVerbs are the verbs of "On <date>, <name> wrote:" in the languages our
// customers write. A verb must appear near the end of a line that ends with a
// colon. prefix means the word may continue (Polish "napisał(a)", Russian
// "написала"); cjk means the language does not separate words with spaces,
// so no word boundary is required.
var replyVerbs = []struct {
	word   string
	prefix bool
	cjk    bool
}{
	{word: "wrote"},
	{word: "writes"},
	{word: "schrieb"},
	{word: "geschrieben"},
	{word: "a écrit"},
	{word: "écrit"},
	{word: "escribió"},
	{word: "escribio"},
	{word: "ha scritto"},
	{word: "scrisse"},
	{word: "escreveu"},
	{word: "schreef"},
	{word: "skrev"},
	{word: "kirjoitti"},
	{word: "napisa", prefix: true},
	{word: "napsal", prefix: true},
	{word: "написа", prefix: true},
	{word: "пишет"},
	{word: "yazdı"},
	{word: "escrit"},
	{word: "ha escrit"},
	{word: "pisze"},
	{word: "schreibt"},
	{word: "escribe"},
	{word: "scrive"},
	{word: "escreve"},
	{word: "skriver"},
	{word: "kirjoittaa"},
	{word: "píše"},
	{word: "va escriure"},
	{word: "írta"},
	{word: "a scris"},
	{word: "έγραψε"},
	{word: "のメッセージ", cjk: true},
	{word: "のメール", cjk: true},
	{word: "書きました", cjk: true},
	{word: "写道", cjk: true},
	{word: "寫道", cjk: true},
	{word: "작성", cjk: true},
}

// replyLeadWords open a reply header in languages that put the date first
// ("On", "Am", "Le", "El", "Il giorno", "Em", "Op", "Den", "W dniu", "Dne").
// A header that starts with one of them needs no other evidence.
var replyLeadWords = map[string]bool{
	"on": true, "am": true, "le": true, "el": true, "il": true, "em": true,
	"op": true, "den": true, "w": true, "dne": true, "в": true, "в.": true,
	"在": true, "la": true, "pe": true, "på": true, "kl.": true,
}

// Header field categories of a quoted Outlook-style header block.
const (
	fieldFrom = 1 << iota
	fieldDate
	fieldTo
	fieldSubject
)

// headerFields maps the lower-cased name of a quoted header field, in the
// languages of our customers, to its category.
var headerFields = map[string]int{
	// From
	"from": fieldFrom, "von": fieldFrom, "absender": fieldFrom, "de": fieldFrom,
	"expéditeur": fieldFrom, "da": fieldFrom, "mittente": fieldFrom,
	"remitente": fieldFrom, "van": fieldFrom, "afzender": fieldFrom,
	"från": fieldFrom, "fra": fieldFrom, "lähettäjä": fieldFrom, "od": fieldFrom,
	"nadawca": fieldFrom, "от": fieldFrom, "от кого": fieldFrom, "kimden": fieldFrom,
	"差出人": fieldFrom, "发件人": fieldFrom, "寄件者": fieldFrom, "보낸 사람": fieldFrom,
	"feladó": fieldFrom, "odesílatel": fieldFrom,
	// Date
	"sent": fieldDate, "date": fieldDate, "gesendet": fieldDate, "datum": fieldDate,
	"envoyé": fieldDate, "enviado": fieldDate, "fecha": fieldDate, "inviato": fieldDate,
	"data": fieldDate, "verzonden": fieldDate, "verstuurd": fieldDate, "skickat": fieldDate,
	"sendt": fieldDate, "lähetetty": fieldDate, "päivämäärä": fieldDate,
	"wysłano": fieldDate, "wysłane": fieldDate, "odesláno": fieldDate,
	"отправлено": fieldDate, "дата": fieldDate, "gönderildi": fieldDate,
	"gönderilme tarihi": fieldDate, "tarih": fieldDate, "送信日時": fieldDate,
	"日付": fieldDate, "发送时间": fieldDate, "日期": fieldDate, "傳送時間": fieldDate,
	"时间": fieldDate, "보낸 날짜": fieldDate, "날짜": fieldDate, "dátum": fieldDate,
	"sent at": fieldDate, "message du": fieldDate,
	// To and Cc
	"to": fieldTo, "cc": fieldTo, "an": fieldTo, "kopie": fieldTo, "à": fieldTo,
	"a": fieldTo, "para": fieldTo, "aan": fieldTo, "till": fieldTo, "til": fieldTo,
	"vastaanottaja": fieldTo, "kopio": fieldTo, "do": fieldTo, "komu": fieldTo,
	"kopia": fieldTo, "кому": fieldTo, "копия": fieldTo, "kime": fieldTo,
	"宛先": fieldTo, "收件人": fieldTo, "抄送": fieldTo, "收件者": fieldTo,
	"받는 사람": fieldTo, "참조": fieldTo, "címzett": fieldTo, "kopi": fieldTo,
	"reply-to": fieldTo, "copie à": fieldTo, "cci": fieldTo, "bcc": fieldTo,
	// Subject
	"subject": fieldSubject, "betreff": fieldSubject, "objet": fieldSubject,
	"asunto": fieldSubject, "oggetto": fieldSubject, "assunto": fieldSubject,
	"onderwerp": fieldSubject, "ämne": fieldSubject, "emne": fieldSubject,
	"aihe": fieldSubject, "temat": fieldSubject, "předmět": fieldSubject,
	"тема": fieldSubject, "konu": fieldSubject, "件名": fieldSubject,
	"主题": fieldSubject, "主旨": fieldSubject, "제목": fieldSubject, "tárgy": fieldSubject,
	"sujet": fieldSubject,
}

// originalPhrases are the titles clients put between dashes above a quoted
// message ("-----Original Message-----"), lower-cased.
var originalPhrases = []string{
	"original message", "ursprüngliche nachricht", "originalnachricht",
	"message d'origine", "message original", "mensaje original",
	"messaggio originale", "mensagem original", "oorspronkelijk bericht",
	"origineel bericht", "ursprungligt meddelande", "originalmeddelande",
	"oprindelig meddelelse", "opprinnelig melding", "alkuperäinen viesti",
	"wiadomość oryginalna", "oryginalna wiadomość", "původní zpráva",
	"исходное сообщение", "оригинальное сообщение", "özgün ileti", "orijinal mesaj",
	"元のメッセージ", "原始邮件", "原始郵件", "원본 메시지", "reply message",
	"eredeti üzenet", "mesaj original", "oprindelig besked", "originalt meddelande",
	"original meddelelse", "opprinnelig e-post",
}

// forwardPhrases introduce a forwarded message, between dashes or ending in
// a colon. A forwarded message is the customer's content when they wrote
// nothing above it, so it is handled apart from quotes.
var forwardPhrases = []string{
	"forwarded message", "begin forwarded message", "forwarded e-mail",
	"weitergeleitete nachricht", "anfang der weitergeleiteten nachricht",
	"message transféré", "début du message réexpédié", "message transmis",
	"mensaje reenviado", "inicio del mensaje reenviado", "messaggio inoltrato",
	"inizio messaggio inoltrato", "mensagem encaminhada", "início da mensagem reencaminhada",
	"doorgestuurd bericht", "begin doorgestuurd bericht", "vidarebefordrat meddelande",
	"vidarebefordrat brev", "videresendt meddelelse", "videresendt melding",
	"välitetty viesti", "przekazana wiadomość", "wiadomość przekazana",
	"přeposlaná zpráva", "пересылаемое сообщение", "пересланное сообщение",
	"iletilen ileti", "yönlendirilmiş ileti", "転送されたメッセージ", "転送メッセージ",
	"转发的邮件", "转发邮件", "轉寄的郵件", "전달된 메시지", "továbbított üzenet",
}

// mobilePrefixes start the one-line signatures phone and web mail apps add
// ("Sent from my iPhone"), lower-cased.
var mobilePrefixes = []string{
	"sent from my ", "sent from ", "sent via ", "sent using ", "get outlook for ",
	"envoyé de mon ", "envoyé depuis ", "envoyé de ", "envoyé avec ", "envoyé à partir de ",
	"enviado a partir de ", "inviato con ", "verzonden vanaf ", "get outlook ",
	"von meinem ", "gesendet von ", "gesendet mit ", "gesendet vom ",
	"enviado desde mi ", "enviado desde ", "enviado do meu ", "enviado de meu ",
	"enviado do ", "enviado a partir do ", "inviato da ", "inviato dal mio ",
	"verstuurd vanaf mijn ", "verzonden vanaf mijn ", "verzonden met ", "verstuurd met ",
	"skickat från min ", "skickat från ", "sendt fra min ", "sendt fra ",
	"lähetetty ", "wysłane z ", "wysłano z ", "odesláno z ", "odeslané z ",
	"отправлено с ", "отправлено из ", "发自我的", "從我的", "来自我的",
}

// mobileSuffixes end the same signatures in languages that put the verb
// last ("Von meinem iPhone gesendet", "iPhoneから送信").
var mobileSuffixes = []string{
	" gesendet", "から送信", "에서 보냄", "'dan gönderildi", "'umdan gönderildi",
	"’umdan gönderildi", "den gönderildi", "dan gönderildi", " 传送", " 傳送", "發送",
}

// deviceWords name the phones and apps of mobile signatures. A long
// "Sent from my ..." line is a signature only when it names one, so that
// "Sent from my desk, which is easier" stays.
var deviceWords = []string{
	"iphone", "ipad", "android", "blackberry", "samsung", "galaxy", "mobile",
	"phone", "smartphone", "outlook", "mail", "gmail", "yahoo", "windows",
	"huawei", "xiaomi", "pixel", "nokia", "htc", "sony", "motorola", "tablet",
	"handy", "aol", "proton", "verizon", "sprint", "t-mobile", "at&t", "telefon",
}

// closings are the sign-offs that open a signature block ("Best regards,"
// above a name), lower-cased and without trailing punctuation. A closing
// counts only when a short block of name lines follows it and nothing else.
var closings = map[string]bool{
	"regards": true, "best regards": true, "kind regards": true, "warm regards": true,
	"warmest regards": true, "best": true, "best wishes": true, "cheers": true,
	"thanks": true, "thank you": true, "many thanks": true, "thanks again": true,
	"thanks in advance": true, "sincerely": true, "yours sincerely": true,
	"yours truly": true, "cordially": true, "all the best": true, "take care": true,
	"br": true, "rgds": true, "thx": true, "with regards": true, "respectfully": true,
	"mit freundlichen grüßen": true, "mit freundlichen grüssen": true,
	"freundliche grüße": true, "viele grüße": true, "beste grüße": true,
	"liebe grüße": true, "gruß": true, "grüße": true, "lg": true, "vg": true, "mfg": true,
	"cordialement": true, "bien cordialement": true, "bien à vous": true,
	"merci": true, "salutations": true, "saludos": true, "un saludo": true,
	"saludos cordiales": true, "atentamente": true, "gracias": true,
	"cordiali saluti": true, "saluti": true, "distinti saluti": true, "grazie": true,
	"atenciosamente": true, "abraços": true, "obrigado": true, "obrigada": true,
	"cumprimentos": true, "met vriendelijke groet": true, "met vriendelijke groeten": true,
	"groeten": true, "groet": true, "mvg": true, "med vänlig hälsning": true,
	"vänliga hälsningar": true, "hälsningar": true, "mvh": true, "venlig hilsen": true,
	"med venlig hilsen": true, "hilsen": true, "med vennlig hilsen": true,
	"vennlig hilsen": true, "ystävällisin terveisin": true, "terveisin": true,
	"pozdrawiam": true, "z poważaniem": true, "s pozdravem": true,
	"s přátelským pozdravem": true, "с уважением": true, "всего доброго": true,
	"saygılarımla": true, "saygılar": true, "よろしくお願いします": true,
	"よろしくお願いいたします": true, "此致": true, "此致敬礼": true, "감사합니다": true,
}

// weekdays open reply headers that start with the day ("tir. 18. apr. 2017
// kl. 13:09 skrev ...", "Mon, Jan 15, 2024, ..."), lower-cased without the
// trailing dot.
var weekdays = map[string]bool{
	"mon": true, "tue": true, "wed": true, "thu": true, "fri": true, "sat": true, "sun": true,
	"monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true,
	"saturday": true, "sunday": true,
	"mo": true, "di": true, "mi": true, "do": true, "fr": true, "sa": true, "so": true,
	"lun": true, "mar": true, "mer": true, "jeu": true, "ven": true, "sam": true, "dim": true,
	"mié": true, "jue": true, "vie": true, "sáb": true, "dom": true,
	"man": true, "tir": true, "ons": true, "tor": true, "fre": true, "lør": true, "søn": true,
	"mån": true, "tis": true, "tors": true, "lör": true, "sön": true,
	"ma": true, "wo": true, "vr": true, "za": true, "zo": true,
	"seg": true, "ter": true, "qua": true, "qui": true, "sex": true, "sáb.": true,
	"pon": true, "wt": true, "śr": true, "czw": true, "pt": true, "sob": true, "niedz": true,
	"ma.": true, "ti": true, "ke": true, "to": true, "pe": true, "la": true, "su": true,
}
