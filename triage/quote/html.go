package quote

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// cleanHTML is CleanHTML for one call: it removes the containers in which
// clients put the quoted message, derives text from what is left, and runs
// the plain-text rules over that text, because many clients (Apple Mail,
// Outlook on the web) leave the "On ... wrote:" line outside the container,
// and signatures are only recognisable as text.
func (c *cleaner) cleanHTML(s string) string {
	s = truncateUTF8(s, MaxHTMLBytes)
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		// The parser refuses markup nested deeper than browsers allow. Such
		// a body was not written by a mail client; read its text tokens
		// without building a tree.
		return c.cleanText(c.tokenText(s))
	}
	if !c.opts.KeepQuotes {
		c.removeQuoteContainers(doc)
	}
	if !c.opts.KeepSignatures {
		c.removeMatching(doc, isSignatureContainer)
	}
	return c.cleanText(c.renderText(doc))
}

// tokenText derives text from markup token by token, for bodies the tree
// parser refuses: text as written, a line break at every block tag.
func (c *cleaner) tokenText(s string) string {
	var w textWriter
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0
	for {
		c.steps++
		switch z.Next() {
		case html.ErrorToken:
			return w.b.String()
		case html.TextToken:
			if skip == 0 {
				w.text(string(z.Text()), false)
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if skippedElements[a] {
				if z.Token().Type == html.StartTagToken {
					skip++
				} else if skip > 0 {
					skip--
				}
				continue
			}
			if a == atom.Br || blockElements[a] {
				w.breakLine(1, a == atom.Br)
			}
		}
	}
}

// htmlText derives readable text from an HTML document without removing
// anything.
func htmlText(s string) string {
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		return s
	}
	c := cleaner{}
	return c.renderText(doc)
}

// attr returns the value of an attribute of n, or "".
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

// hasClass reports whether n's class list holds name.
func hasClass(n *html.Node, name string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == name {
			return true
		}
	}
	return false
}

// isQuoteContainer reports whether element n holds a quoted message and
// nothing else: Gmail's gmail_quote, Yahoo's yahoo_quoted, Thunderbird's
// citation prefix, and blockquotes (Apple Mail's type=cite and the plain
// ones most clients use).
func isQuoteContainer(n *html.Node) bool {
	if n.DataAtom == atom.Blockquote {
		return true
	}
	for _, c := range []string{"gmail_quote", "gmail_quote_container", "yahoo_quoted", "moz-cite-prefix", "protonmail_quote", "zmail_extra"} {
		if hasClass(n, c) {
			return true
		}
	}
	id := attr(n, "id")
	return strings.HasPrefix(id, "yahoo_quoted")
}

// startsAppendedMessage reports whether element n starts a quoted message
// that runs to the end of the document: Outlook writes a header block
// (divRplyFwdMsg, or a div with a top border) and puts the old message after
// it as siblings rather than inside it.
func startsAppendedMessage(n *html.Node) bool {
	switch attr(n, "id") {
	case "divRplyFwdMsg", "appendonsend", "OLK_SRC_BODY_SECTION":
		return true
	}
	if hasClass(n, "OutlookMessageHeader") {
		return true
	}
	if n.DataAtom != atom.Div && n.DataAtom != atom.P {
		return false
	}
	style := strings.ToLower(strings.ReplaceAll(attr(n, "style"), " ", ""))
	return strings.Contains(style, "border-top:solid") && strings.Contains(style, "border:none")
}

// isSignatureContainer reports whether element n holds the sender's
// signature as marked by Gmail, Thunderbird or Outlook.
func isSignatureContainer(n *html.Node) bool {
	if hasClass(n, "gmail_signature") || hasClass(n, "moz-signature") {
		return true
	}
	id := attr(n, "id")
	return id == "Signature" || id == "signature"
}

// removeQuoteContainers removes quote containers, and everything from the
// start of an Outlook-style appended message to the end of the document.
func (c *cleaner) removeQuoteContainers(doc *html.Node) {
	if cut := c.find(doc, startsAppendedMessage); cut != nil {
		// Remove the marker, everything after it, and everything after each
		// of its ancestors; the <hr> Outlook draws above it goes too.
		if prev := cut.PrevSibling; prev != nil && prev.DataAtom == atom.Hr {
			prev.Parent.RemoveChild(prev)
		}
		for n := cut; n != nil && n.Parent != nil; n = n.Parent {
			for s := n.NextSibling; s != nil; {
				next := s.NextSibling
				s.Parent.RemoveChild(s)
				s = next
			}
		}
		cut.Parent.RemoveChild(cut)
	}
	c.removeMatching(doc, isQuoteContainer)
}

// find returns the first element, in document order, for which match holds.
// The walk uses an explicit stack, so deeply nested markup cannot exhaust the
// goroutine's stack.
func (c *cleaner) find(root *html.Node, match func(*html.Node) bool) *html.Node {
	stack := []*html.Node{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		c.steps++
		if n.Type == html.ElementNode && match(n) {
			return n
		}
		for k := n.LastChild; k != nil; k = k.PrevSibling {
			stack = append(stack, k)
		}
	}
	return nil
}

// removeMatching removes every element for which match holds, with its
// subtree, visiting each node once.
func (c *cleaner) removeMatching(root *html.Node, match func(*html.Node) bool) {
	var doomed []*html.Node
	stack := []*html.Node{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		c.steps++
		if n.Type == html.ElementNode && match(n) {
			doomed = append(doomed, n)
			continue
		}
		for k := n.LastChild; k != nil; k = k.PrevSibling {
			stack = append(stack, k)
		}
	}
	for _, n := range doomed {
		n.Parent.RemoveChild(n)
	}
}

// blockElements end a line of text before and after them.
var blockElements = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true,
	atom.Center: true, atom.Dd: true, atom.Div: true, atom.Dl: true, atom.Dt: true,
	atom.Fieldset: true, atom.Figcaption: true, atom.Figure: true, atom.Footer: true,
	atom.Form: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true,
	atom.H5: true, atom.H6: true, atom.Header: true, atom.Hr: true, atom.Li: true,
	atom.Main: true, atom.Nav: true, atom.Ol: true, atom.P: true, atom.Pre: true,
	atom.Section: true, atom.Table: true, atom.Tr: true, atom.Ul: true, atom.Body: true,
}

// skippedElements hold no readable text.
var skippedElements = map[atom.Atom]bool{
	atom.Head: true, atom.Script: true, atom.Style: true, atom.Title: true,
	atom.Template: true, atom.Noscript: true, atom.Object: true, atom.Iframe: true,
	atom.Svg: true, atom.Math: true,
}

// textWriter builds text from the node tree: white space collapsed as a
// browser would, line breaks at block boundaries, a blank line around
// paragraphs, and <pre> kept as it is.
type textWriter struct {
	b        strings.Builder
	space    bool // a space is pending
	newlines int  // newlines at the end of b
}

func (w *textWriter) text(s string, pre bool) {
	if pre {
		for _, line := range strings.SplitAfter(s, "\n") {
			if line == "" {
				continue
			}
			w.b.WriteString(line)
			if strings.HasSuffix(line, "\n") {
				w.newlines++
			} else {
				w.newlines = 0
			}
		}
		w.space = false
		return
	}
	if s != "" && isHTMLSpace(firstRune(s)) {
		// The space separates this text from the text before it.
		w.space = true
	}
	for i, f := range strings.FieldsFunc(s, isHTMLSpace) {
		if w.b.Len() > 0 && w.newlines == 0 && (w.space || i > 0) {
			w.b.WriteByte(' ')
		}
		w.b.WriteString(f)
		w.newlines = 0
		w.space = false
	}
	if s != "" && isHTMLSpace(lastRune(s)) {
		w.space = true
	}
}

// breakLine ends the current line; want is how many newlines should end b
// (1 for a line break, 2 for a paragraph break).
func (w *textWriter) breakLine(want int, force bool) {
	w.space = false
	if w.b.Len() == 0 {
		return
	}
	if force {
		w.b.WriteByte('\n')
		w.newlines++
		return
	}
	for w.newlines < want {
		w.b.WriteByte('\n')
		w.newlines++
	}
}

func isHTMLSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\f', '\u00a0':
		return true
	}
	return false
}

// renderText derives readable text from the tree rooted at root.
func (c *cleaner) renderText(root *html.Node) string {
	type frame struct {
		n    *html.Node
		exit bool
	}
	var w textWriter
	pre := 0
	stack := []frame{{n: root}}
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := f.n
		c.steps++
		switch n.Type {
		case html.TextNode:
			w.text(n.Data, pre > 0)
			continue
		case html.ElementNode:
		case html.DocumentNode:
			for k := n.LastChild; k != nil; k = k.PrevSibling {
				stack = append(stack, frame{n: k})
			}
			continue
		default:
			continue
		}
		if skippedElements[n.DataAtom] {
			continue
		}
		if f.exit {
			switch {
			case n.DataAtom == atom.Pre:
				pre--
				w.breakLine(2, false)
			case n.DataAtom == atom.P:
				w.breakLine(2, false)
			case blockElements[n.DataAtom]:
				w.breakLine(1, false)
			case n.DataAtom == atom.Td || n.DataAtom == atom.Th:
				w.space = true
			}
			continue
		}
		switch {
		case n.DataAtom == atom.Br:
			w.breakLine(0, true)
			continue
		case n.DataAtom == atom.Img:
			continue
		case n.DataAtom == atom.Pre:
			pre++
			w.breakLine(2, false)
		case n.DataAtom == atom.P:
			w.breakLine(2, false)
		case blockElements[n.DataAtom]:
			w.breakLine(1, false)
		}
		stack = append(stack, frame{n: n, exit: true})
		for k := n.LastChild; k != nil; k = k.PrevSibling {
			stack = append(stack, frame{n: k})
		}
	}
	return w.b.String()
}
