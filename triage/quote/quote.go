// Package quote finds the customer's own words in an inbound email body.
//
// Mail clients append the conversation so far to every reply: Gmail and Apple
// Mail put an "On <date>, <name> wrote:" line above a block of ">" lines,
// Outlook writes a From/Sent/To/Subject block under a rule of underscores,
// older clients write "-----Original Message-----", and all of them speak the
// user's language. Below the reply sit signatures and "Sent from my iPhone".
// A helpdesk that stores all of that repeats the whole thread in every
// comment, so ticketd keeps the cleaned text (bodyTextCleaned) next to the
// untouched original.
//
// The rules here are deliberately conservative: a line is removed only when it
// is quoted, when it follows a recognised reply header, or when it is part of a
// recognised signature. When in doubt the text is kept, because losing a
// customer's sentence is worse than showing a stray quote.
//
// Every step looks at each line a bounded number of times (reply headers span
// at most four lines, header blocks at most a dozen), and the few regular
// expressions are run by Go's RE2 engine, which guarantees time linear in its
// input. Input past a size cap is cut off before analysis, so the cost of a
// call is bounded whatever a sender puts in a message.
package quote

import (
	"strings"
	"unicode/utf8"
)

// MaxTextBytes is how much of a plain-text body is analysed. Replies that
// matter fit many times over; a larger body is cut at this size (on a UTF-8
// boundary) and only the cut part is cleaned. Callers keep the original.
const MaxTextBytes = 256 << 10

// MaxHTMLBytes is how much of an HTML body is parsed. It is larger than
// MaxTextBytes because markup and inline styles often outweigh the text
// several times over.
const MaxHTMLBytes = 1 << 20

// Options chooses what is removed. The zero value removes quoted replies,
// forwarded headers and signatures, which is what Clean and CleanHTML do.
type Options struct {
	// KeepQuotes leaves quoted replies and reply headers in place, for
	// callers that only want signatures removed.
	KeepQuotes bool
	// KeepSignatures leaves signatures, "Sent from my ..." lines and list
	// footers in place, for callers that want the sender's sign-off shown.
	KeepSignatures bool
}

// Clean returns the customer's own text of a plain-text email body: quoted replies, forwarded headers and signatures removed.
func Clean(text string) string {
	return Options{}.Clean(text)
}

// CleanHTML does the same for an HTML body, removing quote containers before deriving text.
func CleanHTML(html string) string {
	return Options{}.CleanHTML(html)
}

// Clean is the package-level Clean with the removals chosen by o.
func (o Options) Clean(text string) string {
	c := cleaner{opts: o}
	return c.cleanText(text)
}

// CleanHTML is the package-level CleanHTML with the removals chosen by o.
func (o Options) CleanHTML(html string) string {
	c := cleaner{opts: o}
	return c.cleanHTML(html)
}

// cleaner carries the options through one call and counts the work done, so
// a test can show that the work grows linearly with the number of lines.
type cleaner struct {
	opts  Options
	steps int
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Step back to the first byte of the character that straddles the cut.
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// splitLines normalises line endings and splits text into lines.
func splitLines(text string) []string {
	if strings.IndexByte(text, '\r') >= 0 {
		text = strings.ReplaceAll(text, "\r\n", "\n")
		text = strings.ReplaceAll(text, "\r", "\n")
	}
	return strings.Split(text, "\n")
}

// joinLines is the output form: lines right-trimmed, runs of blank lines
// collapsed to one (removed quotes leave gaps), and no blank lines at the
// ends.
func joinLines(lines []string) string {
	var b strings.Builder
	blank := 0
	started := false
	for _, l := range lines {
		l = strings.TrimRight(l, " \t\u00a0\u200b\ufeff")
		if strings.TrimSpace(l) == "" {
			blank++
			continue
		}
		if started {
			if blank > 0 {
				b.WriteString("\n\n")
			} else {
				b.WriteByte('\n')
			}
		}
		b.WriteString(l)
		started = true
		blank = 0
	}
	return b.String()
}
