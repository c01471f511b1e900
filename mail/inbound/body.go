package inbound

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/inbucket/html2text"
	"github.com/jhillyerd/enmime/v2"
	"github.com/jhillyerd/enmime/v2/mediatype"
	"golang.org/x/net/html"
)

// maxHTMLBytes caps the HTML body handed to the sanitiser and to
// html2text, which allocate about forty times their input. Real HTML bodies
// are well under a megabyte; a longer one is cut (and the cut noted in
// Warnings) rather than refused, so the text still reaches an agent.
const maxHTMLBytes = 4 << 20

// bodies renders the body parts bodyParts chose. Text is derived
// from the HTML when there is none, format=flowed is undone (otherwise
// Thunderbird and Apple Mail paragraphs stay hard-wrapped at 72 columns and
// confuse quote stripping), and line endings become "\n". The HTML is
// sanitised.
func bodies(plain []*enmime.Part, htmlPart *enmime.Part, e *Email) (text, htmlBody string) {
	var b strings.Builder
	for i, p := range plain {
		if i > 0 && !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte('\n')
		}
		b.Write(p.Content)
	}
	text = b.String()
	if len(plain) == 1 {
		_, params, _, err := mediatype.Parse(plain[0].Header.Get("Content-Type"))
		if err == nil && strings.EqualFold(params["format"], "flowed") {
			text = unflow(normaliseNewlines(text), strings.EqualFold(params["delsp"], "yes"))
		}
	}

	if htmlPart != nil && len(htmlPart.Content) > 0 {
		raw := htmlPart.Content
		if len(raw) > maxHTMLBytes {
			raw = raw[:maxHTMLBytes]
			for i := 0; i < utf8.UTFMax-1; i++ { // do not end inside a UTF-8 sequence
				if r, size := utf8.DecodeLastRune(raw); r != utf8.RuneError || size > 1 {
					break
				}
				raw = raw[:len(raw)-1]
			}
			e.Warnings = append(e.Warnings, fmt.Sprintf("HTML body cut to %d bytes", len(raw)))
		}
		if strings.TrimSpace(text) == "" {
			if t, err := html2text.FromString(string(raw)); err == nil {
				text = t
			} else {
				// x/net/html refuses trees deeper than 512 elements, which
				// sloppy generators (unclosed <div>, <font>) do reach.
				e.Warnings = append(e.Warnings, "HTML to text: "+err.Error())
				text = flatHTMLText(raw)
			}
		}
		htmlBody = strings.TrimSpace(string(htmlPolicy.SanitizeBytes(raw)))
	}
	text = strings.TrimPrefix(text, "\ufeff")
	return normaliseNewlines(text), htmlBody
}

// blockElements start a new line in flatHTMLText.
var blockElements = map[string]bool{
	"br": true, "p": true, "div": true, "li": true, "tr": true, "table": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"blockquote": true, "pre": true, "hr": true, "ul": true, "ol": true,
}

// flatHTMLText extracts text with the tokenizer alone, which has no depth
// limit: text nodes in order, a line break at block elements, nothing from
// script, style or head.
func flatHTMLText(raw []byte) string {
	z := html.NewTokenizer(bytes.NewReader(raw))
	var b strings.Builder
	skip := 0
	newline := func() {
		if s := b.String(); s != "" && !strings.HasSuffix(s, "\n") {
			b.WriteByte('\n')
		}
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return strings.TrimSpace(b.String()) + "\n"
		case html.TextToken:
			if skip == 0 {
				if t := strings.Join(strings.Fields(string(z.Text())), " "); t != "" {
					if s := b.String(); s != "" && !strings.HasSuffix(s, "\n") {
						b.WriteByte(' ')
					}
					b.WriteString(t)
				}
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			tag := string(name)
			switch tag {
			case "script", "style", "head", "title":
				if tt == html.StartTagToken {
					skip++
				} else if skip > 0 {
					skip--
				}
			}
			if blockElements[tag] {
				newline()
			}
		}
	}
}

func normaliseNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// unflow joins RFC 3676 format=flowed soft line breaks: a line ending in a
// space continues on the next line with the same quote depth. The signature
// separator "-- " is never flowed.
func unflow(s string, delsp bool) string {
	lines := strings.Split(s, "\n")
	var b strings.Builder
	b.Grow(len(s))
	var para strings.Builder
	paraDepth := -1
	flush := func() {
		if paraDepth < 0 {
			return
		}
		if paraDepth > 0 {
			b.WriteString(strings.Repeat(">", paraDepth))
			b.WriteByte(' ')
		}
		b.WriteString(para.String())
		b.WriteByte('\n')
		para.Reset()
		paraDepth = -1
	}
	for _, line := range lines {
		depth := 0
		for depth < len(line) && line[depth] == '>' {
			depth++
		}
		content := line[depth:]
		content = strings.TrimPrefix(content, " ") // space-stuffing
		if paraDepth >= 0 && depth != paraDepth {
			flush() // a quote-depth change ends a paragraph even after a soft break
		}
		flowed := strings.HasSuffix(content, " ") && content != "-- "
		if flowed && delsp {
			content = content[:len(content)-1]
		}
		para.WriteString(content)
		paraDepth = depth
		if !flowed {
			flush()
		}
	}
	flush()
	return strings.TrimSuffix(b.String(), "\n")
}

// bodyParts picks the leaves that make up the body: in a
// multipart/alternative the first text/plain and the first text/html; in
// other multiparts every text/plain body part in order (Apple Mail splits
// the text around inline images) and the first text/html. A body part is
// text/plain or text/html that is neither marked as an attachment nor named.
// When no leaf qualifies, the first text/plain or text/html leaf not marked
// as an attachment is the body even if it is named (old Netscape named
// the only text part of every message), and a message that is a single
// text part is its own body whatever its headers say: the customer's words
// belong in the message, not in a file.
func bodyParts(root *enmime.Part) (plain []*enmime.Part, htmlPart *enmime.Part, isBody map[*enmime.Part]bool) {
	isBody = map[*enmime.Part]bool{}
	var named *enmime.Part
	_ = root.DepthMatchAll(func(p *enmime.Part) bool {
		if p.FirstChild != nil || !isText(p) {
			return false
		}
		if p.Disposition == "attachment" || p.FileName != "" {
			if named == nil && (p.Disposition != "attachment" || p == root) {
				named = p
			}
			return false
		}
		if p.ContentType == "text/html" {
			if htmlPart == nil {
				htmlPart = p
			}
		} else {
			plain = append(plain, p)
		}
		return false
	})
	if root.ContentType == "multipart/alternative" && len(plain) > 1 {
		plain = plain[:1]
	}
	if len(plain) == 0 && htmlPart == nil && named != nil {
		if named.ContentType == "text/html" {
			htmlPart = named
		} else {
			plain = []*enmime.Part{named}
		}
	}
	for _, p := range plain {
		isBody[p] = true
	}
	if htmlPart != nil {
		isBody[htmlPart] = true
	}
	return plain, htmlPart, isBody
}

func isText(p *enmime.Part) bool {
	switch p.ContentType {
	case "", "text/plain", "text/html":
		return true
	}
	return false
}

// attachments lists every leaf part that is not body text, in document order.
func attachments(root *enmime.Part, isBody map[*enmime.Part]bool) []Attachment {
	var out []Attachment
	var walk func(p *enmime.Part)
	walk = func(p *enmime.Part) {
		if p.FirstChild != nil {
			for c := p.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
			return
		}
		if strings.HasPrefix(p.ContentType, "multipart/") || isBody[p] {
			return
		}
		out = append(out, Attachment{
			Filename:    cleanHeaderText(p.FileName),
			ContentType: strings.ToLower(p.ContentType),
			ContentID:   p.ContentID,
			Inline:      p.Disposition == "inline" || (p.Disposition == "" && p.ContentID != ""),
			Data:        p.Content,
		})
	}
	walk(root)
	return out
}

// checkShape walks the raw lines once, before enmime, to bound the MIME
// structure: it tracks boundaries declared in Content-Type fields as a stack
// (a declaration nests inside whatever is open; a delimiter line closes
// everything opened after its boundary), counting depth, containers and
// parts. It over-counts rather than under-counts (it cannot tell a
// declaration in a message/rfc822 attachment from a real one), which only
// matters near limits no real message approaches.
func (p Parser) checkShape(msg io.Reader) error {
	maxDepth, maxMulti, maxParts := p.MaxDepth, p.MaxMultiparts, p.MaxParts
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	if maxMulti <= 0 {
		maxMulti = DefaultMaxMultiparts
	}
	if maxParts <= 0 {
		maxParts = DefaultMaxParts
	}
	var open [][]byte
	multis, parts := 0, 0
	inContentType := false
	var shapeErr error
	err := eachLine(msg, func(line []byte, first, _ bool) bool {
		if !first {
			return true // the rest of a long line: no field, no delimiter
		}
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			if !inContentType {
				return true
			}
		} else {
			inContentType = len(line) >= 13 && bytes.EqualFold(line[:13], []byte("content-type:"))
		}
		if inContentType {
			for _, b := range boundaryParams(line) {
				multis++
				open = append(open, bytes.Clone(b)) // line is eachLine's buffer
				if multis > maxMulti {
					shapeErr = fmt.Errorf("more than %d multipart containers: %w", maxMulti, ErrTooComplex)
					return false
				}
				if len(open) > maxDepth {
					shapeErr = fmt.Errorf("multipart nesting deeper than %d: %w", maxDepth, ErrTooComplex)
					return false
				}
			}
			return true
		}
		if !bytes.HasPrefix(line, []byte("--")) {
			return true
		}
		delim := line[2:]
		for i := len(open) - 1; i >= 0; i-- {
			b := open[i]
			if len(b) == 0 || !bytes.HasPrefix(delim, b) {
				continue
			}
			if bytes.HasPrefix(delim[len(b):], []byte("--")) {
				open = open[:i]
			} else {
				open = open[:i+1]
				parts++
				if parts > maxParts {
					shapeErr = fmt.Errorf("more than %d MIME parts: %w", maxParts, ErrTooComplex)
					return false
				}
			}
			break
		}
		return true
	})
	if shapeErr != nil {
		return shapeErr
	}
	return err
}

// boundaryParams finds boundary parameter values in one Content-Type line.
// RFC 2231 forms (boundary*=, boundary*0=) yield an empty value: they count
// towards the limits but never match a delimiter, which errs on the safe side.
func boundaryParams(line []byte) [][]byte {
	var out [][]byte
	// Lowered byte for byte: bytes.ToLower would turn a byte that is not
	// UTF-8 into three (U+FFFD), and indices found in lower would no longer
	// be those of line (a fuzzed header made that a slice out of range).
	lower := make([]byte, len(line))
	for i, c := range line {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	for {
		i := bytes.Index(lower, []byte("boundary"))
		if i < 0 {
			return out
		}
		rest := line[i+len("boundary"):]
		lower = lower[i+len("boundary"):]
		j := 0
		for j < len(rest) && (rest[j] == ' ' || rest[j] == '\t') {
			j++
		}
		if j < len(rest) && rest[j] == '*' {
			out = append(out, []byte{})
			continue
		}
		if j >= len(rest) || rest[j] != '=' {
			continue
		}
		v := bytes.TrimLeft(rest[j+1:], " \t")
		if len(v) > 0 && v[0] == '"' {
			v = v[1:]
			if k := bytes.IndexByte(v, '"'); k >= 0 {
				v = v[:k]
			}
		} else if k := bytes.IndexAny(v, "; \t"); k >= 0 {
			v = v[:k]
		}
		out = append(out, v)
	}
}
