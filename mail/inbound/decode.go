package inbound

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime/quotedprintable"
	"strings"
	"unicode/utf8"

	"github.com/gogs/chardet"
	"github.com/jhillyerd/enmime/v2"
	"golang.org/x/text/encoding/charmap"
)

// enmime splits the MIME tree for us but is told to leave every part's
// content raw (RawContent): its own decoding converts text attachments to
// UTF-8, drops a whole base64 part at the first bad byte, keeps x-uuencode
// undecoded and keeps a quoted-printable soft break at the very end, and an
// attachment must be the bytes the sender attached. decodeParts does the
// decoding instead: transfer encodings for every leaf, and charset
// conversion for the body parts alone.

// decodeParts replaces each leaf's raw content by its decoded bytes, and
// converts the parts in body to UTF-8.
func decodeParts(root *enmime.Part, body map[*enmime.Part]bool, e *Email) {
	unclosed := unclosedLast(root)
	_ = root.DepthMatchAll(func(p *enmime.Part) bool {
		if p.FirstChild != nil {
			return false
		}
		if p == unclosed {
			// Had the boundary been closed, the last line break would
			// have been the delimiter's, not the file's.
			p.Content = trimOneLineBreak(p.Content)
		}
		data, name, warn := transferDecode(p.Content, p.Header.Get("Content-Transfer-Encoding"))
		if warn != "" {
			e.warn(p.PartID + ": " + warn)
		}
		if p.FileName == "" && name != "" {
			p.FileName = name
		}
		if body[p] {
			data = []byte(toUTF8(data, p.Charset, p.ContentType == "text/html"))
		}
		p.Content = data
		return false
	})
}

// unclosedLast returns the leaf that ran to the end of the input because
// its multipart's closing delimiter is missing, or nil.
func unclosedLast(root *enmime.Part) *enmime.Part {
	var last *enmime.Part
	_ = root.DepthMatchAll(func(p *enmime.Part) bool {
		for _, err := range p.Errors {
			if err.Name == enmime.ErrorMissingBoundary {
				last = p
			}
		}
		return false
	})
	if last == nil {
		return nil
	}
	for last.FirstChild != nil {
		c := last.FirstChild
		for c.NextSibling != nil {
			c = c.NextSibling
		}
		last = c
	}
	return last
}

func trimOneLineBreak(b []byte) []byte {
	if bytes.HasSuffix(b, []byte("\r\n")) {
		return b[:len(b)-2]
	}
	return bytes.TrimSuffix(b, []byte("\n"))
}

func (e *Email) warn(w string) {
	if len(e.Warnings) < maxWarnings {
		e.Warnings = append(e.Warnings, w)
	}
}

// transferDecode undoes a Content-Transfer-Encoding. It never fails: what
// cannot be decoded is kept as far as it decodes, with a warning, because a
// truncated file is worth more to an agent than an empty one. For x-uuencode
// it also returns the file name on the begin line.
func transferDecode(raw []byte, cte string) (data []byte, name, warning string) {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return decodeBase64(raw)
	case "quoted-printable":
		data, warning = decodeQP(raw)
		return data, "", warning
	case "x-uuencode", "x-uue", "uuencode", "x-uuencoded":
		return uudecode(raw)
	}
	return raw, "", ""
}

// decodeBase64 skips everything outside the base64 alphabet (line breaks,
// stray spaces, a signature glued on) and decodes what is left; a final
// partial quantum yields the bytes it holds.
func decodeBase64(raw []byte) ([]byte, string, string) {
	clean := make([]byte, 0, len(raw))
	for _, c := range raw {
		if c == '=' {
			break // padding: the data ends here
		}
		if ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') || c == '+' || c == '/' {
			clean = append(clean, c)
		}
	}
	warning := ""
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1] // one character carries no whole byte
		warning = "base64 content is truncated"
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, err := base64.RawStdEncoding.Decode(out, clean)
	if err != nil && warning == "" {
		warning = "base64: " + err.Error()
	}
	return out[:n], "", warning
}

// decodeQP decodes quoted-printable leniently. A soft line break ("=") at
// the very end of the part continues onto the delimiter line that the
// boundary owns, so it adds nothing.
func decodeQP(raw []byte) ([]byte, string) {
	trimmed := bytes.TrimRight(raw, " \t\r\n")
	if bytes.HasSuffix(trimmed, []byte("=")) {
		raw = trimmed[:len(trimmed)-1]
	}
	data, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return data, "quoted-printable: " + err.Error()
	}
	return data, ""
}

// uudecode decodes a uuencoded body ("begin 644 name", length-prefixed
// lines, "end"). Lines before "begin" are skipped; a missing "end" keeps
// what was decoded.
func uudecode(raw []byte) ([]byte, string, string) {
	var out []byte
	name := ""
	begun := false
	rest := raw
	for len(rest) > 0 {
		var line []byte
		line, rest = nextLine(rest)
		if !begun {
			if f := strings.Fields(string(line)); len(f) >= 3 && f[0] == "begin" {
				name = strings.Join(f[2:], " ")
				begun = true
			}
			continue
		}
		if bytes.Equal(bytes.TrimSpace(line), []byte("end")) {
			return out, name, ""
		}
		if len(line) == 0 {
			continue
		}
		n := int((line[0] - ' ') & 0x3f)
		if n == 0 {
			continue // the "`" line before end
		}
		body := line[1:]
		for i := 0; n > 0; i += 4 {
			var q [4]byte
			for j := range q {
				if i+j < len(body) {
					q[j] = (body[i+j] - ' ') & 0x3f
				}
			}
			b := [3]byte{q[0]<<2 | q[1]>>4, q[1]<<4 | q[2]>>2, q[2]<<6 | q[3]}
			k := min(n, 3)
			out = append(out, b[:k]...)
			n -= k
		}
	}
	if !begun {
		return raw, "", "x-uuencode content without a begin line"
	}
	return out, name, "x-uuencode content without an end line"
}

// toUTF8 converts body text to UTF-8: from the declared charset when it is
// one we know; when none is declared or the declaration is UTF-8 or ASCII
// but the bytes are not, from the charset detected, else windows-1252.
func toUTF8(data []byte, declared string, html bool) string {
	if declared != "" && !isUnicode(declared) {
		if enc, err := lookupCharset(declared); err == nil {
			if out, err := enc.NewDecoder().Bytes(data); err == nil {
				return string(out)
			}
		}
	}
	if utf8.Valid(data) {
		return string(data)
	}
	d := chardet.NewTextDetector()
	if html {
		d = chardet.NewHtmlDetector()
	}
	if r, err := d.DetectBest(data); err == nil && r.Confidence >= 50 && !isUnicode(r.Charset) {
		if enc, err := lookupCharset(r.Charset); err == nil {
			if out, err := enc.NewDecoder().Bytes(data); err == nil {
				return string(out)
			}
		}
	}
	out, _ := charmap.Windows1252.NewDecoder().Bytes(data)
	return string(out)
}
