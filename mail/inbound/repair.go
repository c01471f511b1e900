package inbound

import (
	"bytes"
	"io"
	"net/textproto"
	"strings"

	"github.com/jhillyerd/enmime/v2"
)

var utf8BOM = []byte("\ufeff")

// repairHeader finds the end of the top-level header section at the start
// of head and returns the header for enmime, with that end made explicit
// where the sender left it implicit, so the body is read as the body instead
// of as malformed header lines:
//   - a line that is neither a header field nor a folded continuation ends
//     the header (some scripts write no empty line before the body), unless
//     the next line is a known header field, in which case the stray line
//     is left for enmime to report;
//   - a line of only spaces or tabs ends the header when the next line is
//     not a header field (a folding parser would glue the body to the last
//     field, Content-Type say, and lose both).
//
// consumed is how many bytes of head the returned header stands for; the
// body follows from there. whole says head is the entire message; if it is
// not and the header does not end within it, ok is false: the header is
// larger than head.
func repairHeader(head []byte, whole bool) (header io.Reader, consumed int, ok bool) {
	rest := head
	pos := 0
	for first := true; len(rest) > 0; first = false {
		line, next := nextLine(rest)
		lineLen := len(rest) - len(next)
		if !whole && len(next) == 0 && !bytes.HasSuffix(rest, []byte("\n")) {
			return nil, 0, false // a line cut by the end of head
		}
		switch {
		case len(line) == 0:
			return bytes.NewReader(head[:pos+lineLen]), pos + lineLen, true
		case len(bytes.TrimLeft(line, " \t")) == 0:
			if nl, _ := nextLine(next); !isFieldLine(nl) {
				return io.MultiReader(bytes.NewReader(head[:pos]), strings.NewReader("\r\n")), pos + lineLen, true
			}
		case line[0] == ' ' || line[0] == '\t':
		case !first && !isFieldLine(line):
			if nl, _ := nextLine(next); !isKnownFieldLine(nl) {
				return io.MultiReader(bytes.NewReader(head[:pos]), strings.NewReader("\r\n")), pos, true
			}
		}
		pos += lineLen
		rest = next
	}
	if !whole {
		return nil, 0, false
	}
	return bytes.NewReader(head), len(head), true
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
