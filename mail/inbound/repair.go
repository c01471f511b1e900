package inbound

import (
	"bytes"
	"io"
	"net/textproto"
	"strings"

	"github.com/jhillyerd/enmime/v2"
)

var utf8BOM = []byte("\ufeff")

// repairHeader returns raw for enmime with the end of its top-level header
// section made explicit where the sender left it implicit, so the body is
// read as the body instead of as malformed header lines:
//   - a line that is neither a header field nor a folded continuation ends
//     the header (some scripts write no empty line before the body), unless
//     the next line is a known header field, in which case the stray line
//     is left for enmime to report;
//   - a line of only spaces or tabs ends the header when the next line is
//     not a header field (a folding parser would glue the body to the last
//     field, Content-Type say, and lose both).
//
// The repair adds an empty line through a MultiReader: raw is not copied.
func repairHeader(raw []byte) io.Reader {
	rest := raw
	pos := 0
	for first := true; len(rest) > 0; first = false {
		line, next := nextLine(rest)
		lineLen := len(rest) - len(next)
		switch {
		case len(line) == 0:
			return bytes.NewReader(raw) // a proper end of the header
		case len(bytes.TrimLeft(line, " \t")) == 0:
			nl, _ := nextLine(next)
			if !isFieldLine(nl) {
				return io.MultiReader(bytes.NewReader(raw[:pos]), strings.NewReader("\r\n"), bytes.NewReader(raw[pos+lineLen:]))
			}
		case line[0] == ' ' || line[0] == '\t':
		case !first && !isFieldLine(line):
			nl, _ := nextLine(next)
			if !isKnownFieldLine(nl) {
				return io.MultiReader(bytes.NewReader(raw[:pos]), strings.NewReader("\r\n"), bytes.NewReader(raw[pos:]))
			}
		}
		pos += lineLen
		rest = next
	}
	return bytes.NewReader(raw)
}

// isFieldLine reports whether line starts a header field: a name of
// printable ASCII without spaces, then a colon.
func isFieldLine(line []byte) bool {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return false
	}
	for _, c := range line[:colon] {
		if c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

func isKnownFieldLine(line []byte) bool {
	if !isFieldLine(line) {
		return false
	}
	name := strings.ToLower(string(line[:bytes.IndexByte(line, ':')]))
	return knownHeaders[name] || strings.HasPrefix(name, "x-") || strings.HasPrefix(name, "content-")
}

// rawHeaderSample gathers the header values that are shown to people and
// may carry raw 8-bit text, for newRawHeaderDecoder to judge together.
func rawHeaderSample(h textproto.MIMEHeader) []byte {
	var b []byte
	for _, name := range []string{"Subject", "From", "Sender", "To", "Cc", "Reply-To"} {
		for _, v := range h.Values(name) {
			b = append(b, escapeRawQ(v)...)
			b = append(b, '\n')
		}
	}
	return b
}

// declaredCharset is the charset a message declares for its text: the top
// level's, or the first text part's. Clients that write raw 8-bit headers
// write them in the charset of the body they compose.
func declaredCharset(root *enmime.Part) string {
	cs := ""
	_ = root.DepthMatchFirst(func(p *enmime.Part) bool {
		if p.Charset != "" && (p.FirstChild == nil || p == root) {
			cs = p.Charset
			return true
		}
		return false
	})
	return cs
}
