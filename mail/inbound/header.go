package inbound

import (
	"fmt"
	"io"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/cention-sany/utf7"
	"github.com/gogs/chardet"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
)

// wordDecoder decodes RFC 2047 encoded words in every charset x/text knows,
// by WHATWG label first (which maps the labels mail actually carries, such as
// gb2312 → GBK and iso-8859-1 → windows-1252, the way browsers and mail
// clients do) and by IANA name second.
var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	enc, err := lookupCharset(charset)
	if err != nil {
		return nil, err
	}
	return enc.NewDecoder().Reader(input), nil
}

// lookupCharset finds the decoder for a charset label as mail writes it:
// quoted, padded, with an RFC 2231 language suffix ("utf-8*sl", which RFC
// 2231 section 5 allows inside encoded words too) or naming UTF-7, which
// x/text does not know but old Outlook and some webmail still send.
func lookupCharset(charset string) (encoding.Encoding, error) {
	label := strings.ToLower(strings.Trim(strings.TrimSpace(charset), `"'`))
	if i := strings.IndexByte(label, '*'); i >= 0 {
		label = label[:i]
	}
	switch label {
	case "utf-7", "utf7", "unicode-1-1-utf-7", "csunicode11utf7":
		return utf7.UTF7, nil
	}
	enc, err := htmlindex.Get(label)
	if err != nil {
		enc, err = ianaindex.MIME.Encoding(label)
	}
	if err != nil || enc == nil {
		return nil, fmt.Errorf("unsupported charset %q", charset)
	}
	return enc, nil
}

// qWord matches one Q-encoded word, charset and text captured.
var qWord = regexp.MustCompile(`=\?([^?\s]+)\?[Qq]\?([^?]*)\?=`)

// escapeRawQ rewrites raw 8-bit bytes inside Q-encoded words as =XX. RFC 2047
// forbids them, and the standard decoder refuses the whole word, but senders
// that encode a header without escaping what is already 8-bit are common, and
// the bytes mean what they would mean escaped.
func escapeRawQ(v string) string {
	return qWord.ReplaceAllStringFunc(v, func(w string) string {
		var b strings.Builder
		for i := 0; i < len(w); i++ {
			if c := w[i]; c >= 0x80 {
				fmt.Fprintf(&b, "=%02X", c)
			} else {
				b.WriteByte(c)
			}
		}
		return b.String()
	})
}

// decodeHeader decodes the encoded words in an unstructured header value
// (Subject, a display name). A value that fails to decode is returned as
// received: a subject with a stray "=?" is still better than none.
func decodeHeader(v string) string {
	if !strings.Contains(v, "=?") {
		return v
	}
	d, err := wordDecoder.DecodeHeader(escapeRawQ(v))
	if err != nil {
		return v
	}
	return d
}

// rawHeaderDecoder turns header values carrying raw 8-bit bytes (RFC 6532
// allows UTF-8; older clients write their own charset unencoded) into UTF-8.
type rawHeaderDecoder struct {
	enc encoding.Encoding // nil: UTF-8 or nothing to decode
}

// newRawHeaderDecoder chooses the charset for a message's raw 8-bit header
// bytes: none when they are valid UTF-8; else the charset the message
// declares for its text, which the same client used for the headers; else
// a detection over all the 8-bit header text at once (a subject alone is
// short, together with the display names it is less so); else windows-1252,
// which maps every byte to something readable.
func newRawHeaderDecoder(sample []byte, declared string) rawHeaderDecoder {
	if utf8.Valid(sample) {
		return rawHeaderDecoder{}
	}
	if declared != "" {
		if enc, err := lookupCharset(declared); err == nil && !isUnicode(declared) {
			return rawHeaderDecoder{enc: enc}
		}
	}
	if r, err := chardet.NewTextDetector().DetectBest(sample); err == nil && r.Confidence >= 30 && !isUnicode(r.Charset) {
		if enc, err := lookupCharset(r.Charset); err == nil {
			return rawHeaderDecoder{enc: enc}
		}
	}
	return rawHeaderDecoder{enc: charmap.Windows1252}
}

func isUnicode(label string) bool {
	l := strings.ToLower(label)
	return strings.HasPrefix(l, "utf-") || l == "us-ascii" || l == "ascii"
}

// text converts one raw header value; valid UTF-8 is left alone, so a value
// in UTF-8 among Latin-1 ones (a relay's addition) survives.
func (d rawHeaderDecoder) text(v string) string {
	if d.enc == nil || utf8.ValidString(v) {
		return v
	}
	out, err := d.enc.NewDecoder().String(v)
	if err != nil {
		return v
	}
	return out
}
