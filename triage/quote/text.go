package quote

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxHeaderLines is how many lines a reply header may be wrapped over. Gmail
// wraps "On ..., Name <address> wrote:" at 78 columns, which with long names
// and localised dates takes up to three lines; four leaves a margin.
const maxHeaderLines = 4

// maxHeaderBytes bounds the text of a reply header. Real headers are under
// 200 bytes; the bound keeps long prose lines ending in a colon from being
// examined at all.
const maxHeaderBytes = 400

// maxSignatureLines is how many non-blank lines may follow a "-- " delimiter
// for it to count as a signature. A delimiter followed by pages of text is
// more likely a writer's dash than a signature.
const maxSignatureLines = 20

// cleanText is Clean for one call.
func (c *cleaner) cleanText(text string) string {
	text = truncateUTF8(text, MaxTextBytes)
	lines := splitLines(text)
	if !c.opts.KeepQuotes {
		lines = c.stripQuotes(lines)
	}
	if !c.opts.KeepSignatures {
		lines = c.stripSignature(lines)
	}
	return joinLines(lines)
}

// Marks that end the customer's text.
const (
	markNone = iota
	markQuote
	markForward
)

// stripQuotes removes ">" lines and the headers that introduce them, and cuts
// the text at the first reply header, original-message separator or quoted
// header block that is not followed by ">" lines: there the client has
// appended the earlier message without quoting it.
func (c *cleaner) stripQuotes(lines []string) []string {
	out := make([]string, 0, len(lines))
	for i := 0; i < len(lines); {
		c.steps++
		l := lines[i]
		if (isQuoted(l) && !isLoneMarker(lines, i)) || c.isQuoteContinuation(lines, i) {
			if i == 0 || !isQuoted(lines[i-1]) {
				out = c.dropAttribution(out)
			}
			i++
			if i < len(lines) && isBlankLine(lines[i]) && len(out) > 0 && !isBlankLine(out[len(out)-1]) {
				// The block's trailing blank line goes with it, so that the
				// text around it reads as it did before the quote.
				i++
			}
			continue
		}
		if n, strong := c.replyHeaderAt(lines, i); n > 0 {
			j := c.skipBlank(lines, i+n)
			if j < len(lines) && isQuoted(lines[j]) {
				// The header introduces a ">" block; the customer may answer
				// below it (inline or bottom posting), so go on reading.
				i = j
				continue
			}
			if strong {
				return trimTrailingRules(out)
			}
		}
		switch c.separatorAt(lines, i) {
		case markQuote:
			return trimTrailingRules(out)
		case markForward:
			if isShortNote(out) {
				// Nothing of their own, or only "FYI" or "see below": the
				// forwarded message is what the customer wants us to read.
				return append(out, lines[i:]...)
			}
			return out
		}
		out = append(out, l)
		i++
	}
	return out
}

// isQuoteContinuation reports whether line i is a line of a ">" quote that a
// client wrapped without repeating the ">": it sits between two quoted lines
// with no blank line around it. A customer answering inline leaves blank
// lines around the answer.
func (c *cleaner) isQuoteContinuation(lines []string, i int) bool {
	c.steps++
	return i > 0 && i+1 < len(lines) && isQuoted(lines[i-1]) && isQuoted(lines[i+1]) &&
		!isBlankLine(lines[i]) && !isHeaderEnd(lines[i])
}

// isLoneMarker reports whether the ">" line i sits between two lines of
// unquoted text. Clients separate a quote from the text around it, so such
// a line is more likely an arrow drawn by the writer (">>> see here <<<").
func isLoneMarker(lines []string, i int) bool {
	return i > 0 && i+1 < len(lines) &&
		!isBlankLine(lines[i-1]) && !isQuoted(lines[i-1]) && !endsWithColon(strings.TrimSpace(lines[i-1])) &&
		!isBlankLine(lines[i+1]) && !isQuoted(lines[i+1]) &&
		(i+2 >= len(lines) || !isQuoted(lines[i+2]))
}

// isHeaderEnd reports whether a line is the ">:" that ends a reply header
// wrapped just before its colon ("... <name@example.com\n>:").
func isHeaderEnd(l string) bool {
	t := strings.TrimSpace(l)
	return t == ">:" || t == "> :"
}

// trimTrailingRules drops the rules and blank lines a client put above an
// appended message ("-----", "=====").
func trimTrailingRules(out []string) []string {
	for len(out) > 0 {
		t := strings.TrimSpace(out[len(out)-1])
		if t != "" && !isRule(t, 2) {
			break
		}
		out = out[:len(out)-1]
	}
	return out
}

// isQuoted reports whether a line is part of a ">" quote.
func isQuoted(l string) bool {
	t := strings.TrimLeft(l, " \t")
	return strings.HasPrefix(t, ">") || strings.HasPrefix(t, "&gt;")
}

// isBlankLine reports whether a line holds only white space.
func isBlankLine(l string) bool {
	return strings.TrimSpace(l) == ""
}

// isShortNote reports whether lines hold at most a short cover note: two
// non-blank lines and 160 bytes, such as "FYI" or "See the message below."
func isShortNote(lines []string) bool {
	n, size := 0, 0
	for _, l := range lines {
		if !isBlankLine(l) {
			n++
			size += len(strings.TrimSpace(l))
		}
	}
	return n <= 2 && size <= 160
}

// skipBlank returns the index of the first non-blank line at or after i,
// looking at most three lines ahead so that the scan stays linear.
func (c *cleaner) skipBlank(lines []string, i int) int {
	for k := 0; k < 3 && i < len(lines) && isBlankLine(lines[i]); k++ {
		c.steps++
		i++
	}
	return i
}

// replyHeaderAt reports whether a reply header ("On ..., X wrote:") starts at
// line i, and how many lines it spans. A strong header carries a date, an
// address or an opening word such as "On" and ends the customer's text even
// without ">" lines below it; a weak one ("Bob wrote:") counts only above a
// quote.
func (c *cleaner) replyHeaderAt(lines []string, i int) (n int, strong bool) {
	if isBlankLine(lines[i]) {
		return 0, false
	}
	if gluedHeader(lines[i]) {
		return 1, true
	}
	size := 0
	for k := 0; k < maxHeaderLines && i+k < len(lines); k++ {
		c.steps++
		l := strings.TrimSpace(lines[i+k])
		if l == "" || (isQuoted(l) && !(k > 0 && isHeaderEnd(l))) {
			return 0, false
		}
		size += len(l) + 1
		if size > maxHeaderBytes {
			return 0, false
		}
		if !endsWithColon(l) && !endsWithVerb(l) {
			if k > 0 && endsSentence(l) {
				return 0, false
			}
			continue
		}
		if k > 0 && !startsHeader(lines[i]) {
			// The header, if any, starts on a later line.
			return 0, false
		}
		if k > 0 && endsSentence(strings.TrimSpace(lines[i])) {
			return 0, false
		}
		text := joinTrimmed(lines[i : i+k+1])
		ok, strong := headerText(text)
		if !ok {
			return 0, false
		}
		return k + 1, strong
	}
	return 0, false
}

// gluedHeader reports whether line l is a reply header with the quoted text
// glued to it on the same line ("On 03/19/2013 at 9:19 AM, X wrote:Hello"),
// as some webmails write when they flatten HTML. Only headers that open with
// a lead word and carry a date count, since the line does not end in a colon.
func gluedHeader(l string) bool {
	l = strings.TrimSpace(l)
	if len(l) > maxHeaderBytes*4 || !replyLeadWords[firstWord(l)] {
		return false
	}
	head := l
	if len(head) > maxHeaderBytes {
		head = head[:maxHeaderBytes]
	}
	lower := strings.ToLower(head)
	for _, v := range replyVerbs {
		if v.cjk {
			continue
		}
		j := strings.Index(lower, v.word+":")
		if j <= 0 || j+len(v.word)+1 == len(strings.TrimSpace(lower)) {
			continue
		}
		prefix := head[:j+len(v.word)+1]
		if ok, strong := headerText(prefix); ok && strong && hasDigit(prefix) {
			return true
		}
	}
	return false
}

// joinTrimmed joins wrapped lines with single spaces.
func joinTrimmed(lines []string) string {
	if len(lines) == 1 {
		return strings.TrimSpace(lines[0])
	}
	parts := make([]string, len(lines))
	for i, l := range lines {
		parts[i] = strings.TrimSpace(l)
	}
	return strings.Join(parts, " ")
}

// endsWithColon reports whether a trimmed line ends in a colon, ASCII or
// full-width.
func endsWithColon(l string) bool {
	return strings.HasSuffix(l, ":") || strings.HasSuffix(l, "：")
}

// endsWithVerb reports whether a line ends with a reply verb, as headers do
// that some clients write without a colon ("On ... John wrote",
// "---- On ... wrote ----").
func endsWithVerb(l string) bool {
	t := strings.ToLower(strings.TrimRight(l, "-– \t"))
	for _, v := range replyVerbs {
		if strings.HasSuffix(t, v.word) {
			return containsWord(t[len(t)-len(v.word):], v.word, false, v.cjk) &&
				(len(t) == len(v.word) || !unicode.IsLetter(lastRune(t[:len(t)-len(v.word)])))
		}
	}
	return false
}

// lastRune returns the last rune of s.
func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// endsSentence reports whether a trimmed line ends like prose rather than
// like the first half of a wrapped header.
func endsSentence(l string) bool {
	return strings.HasSuffix(l, ".") || strings.HasSuffix(l, "!") || strings.HasSuffix(l, "?")
}

// startsHeader reports whether a line can be the first line of a header
// wrapped over several lines: it opens with a lead word such as "On" or with
// a date.
func startsHeader(l string) bool {
	l = strings.TrimSpace(l)
	if l == "" {
		return false
	}
	r, _ := utf8.DecodeRuneInString(l)
	if unicode.IsDigit(r) {
		return true
	}
	w := firstWord(l)
	return replyLeadWords[w] || weekdays[strings.TrimRight(w, ".")]
}

// firstWord returns the lower-cased first word of l, with a trailing comma
// removed.
func firstWord(l string) string {
	w := l
	if i := strings.IndexAny(l, " \t"); i >= 0 {
		w = l[:i]
	}
	return strings.ToLower(strings.TrimRight(w, ","))
}

// headerText decides whether the joined text of a header candidate, which
// ends in a colon, is a reply header, and whether it is a strong one.
func headerText(text string) (ok, strong bool) {
	colon := endsWithColon(text)
	lower := strings.ToLower(strings.TrimRight(strings.TrimLeft(text, "-– "), " \t:：-–"))
	evidence := hasDigit(lower) || strings.Contains(lower, "@") || replyLeadWords[firstWord(lower)]
	// The verb sits near the end: after it come at most a name and an
	// address ("Den ... skrev Anna <anna@example.com>:").
	tail := lower
	if len(tail) > 140 {
		cut := len(tail) - 140
		for cut < len(tail) && !utf8.RuneStart(tail[cut]) {
			cut++
		}
		tail = tail[cut:]
	}
	if !colon {
		// Without a colon the verb must end the line and the header must
		// carry a date: "On Wed, 14 Nov 2018 ... John Doe <john@doe.com> wrote".
		return endsWithVerb(lower) && hasDigit(lower), true
	}
	for _, v := range replyVerbs {
		if containsWord(tail, v.word, v.prefix, v.cjk) {
			return true, evidence
		}
	}
	// Gmail in Japanese and some Android clients write no verb at all:
	// "2024年1月15日(月) 14:30 Name <name@example.com>:".
	if strings.HasSuffix(lower, ">") && strings.Contains(lower, "@") && hasDigit(lower) && strings.Contains(lower, "<") {
		return true, true
	}
	return false, false
}

// containsWord reports whether w occurs in s as a word: not glued to letters
// on the left, nor on the right unless prefix is set. CJK words need no
// boundaries.
func containsWord(s, w string, prefix, cjk bool) bool {
	for from := 0; ; {
		i := strings.Index(s[from:], w)
		if i < 0 {
			return false
		}
		i += from
		if cjk {
			return true
		}
		end := i + len(w)
		left := i == 0
		if !left {
			r, _ := utf8.DecodeLastRuneInString(s[:i])
			left = !unicode.IsLetter(r)
		}
		right := end == len(s) || prefix
		if !right {
			r, _ := utf8.DecodeRuneInString(s[end:])
			right = !unicode.IsLetter(r)
		}
		if left && right {
			return true
		}
		from = end
	}
}

// hasDigit reports whether s contains an ASCII digit.
func hasDigit(s string) bool {
	return strings.IndexAny(s, "0123456789") >= 0
}

// dropAttribution removes, from the end of the text kept so far, a short
// attribution that a client wrote above a ">" block without a verb, such as
// Gmail on Android's "2013/11/1 John Smith <john@smith.org>", possibly wrapped
// over two lines.
func (c *cleaner) dropAttribution(out []string) []string {
	end := len(out)
	if end > 0 && isBlankLine(out[end-1]) {
		end--
	}
	if end == 0 || isBlankLine(out[end-1]) {
		return out
	}
	start := end - 1
	if start > 0 && !isBlankLine(out[start-1]) && startsHeader(out[start-1]) {
		start--
	}
	c.steps += end - start
	text := joinTrimmed(out[start:end])
	if len(text) > 250 || endsSentence(text) {
		return out
	}
	lower := strings.ToLower(text)
	if ok, _ := headerText(text); ok && endsWithColon(text) {
		return out[:start]
	}
	if strings.Contains(lower, "@") && hasDigit(lower) && (strings.HasSuffix(lower, ">") || endsWithColon(lower)) {
		return out[:start]
	}
	return out
}

// separatorAt reports whether line i starts an appended message that is not
// quoted with ">": an "Original Message" or forwarding separator, an Outlook
// rule of underscores above a header block, or the header block itself.
func (c *cleaner) separatorAt(lines []string, i int) int {
	l := strings.TrimSpace(lines[i])
	if l == "" {
		return markNone
	}
	if m := separatorPhrase(l); m != markNone {
		return m
	}
	if isRule(l, 8) {
		j := c.skipBlank(lines, i+1)
		if j < len(lines) && headerField(lines[j]) != 0 && c.headerBlockAt(lines, j) {
			return markQuote
		}
		return markNone
	}
	if headerField(l) != 0 && c.headerBlockAt(lines, i) {
		return markQuote
	}
	return markNone
}

// separatorPhrase recognises "-----Original Message-----", "---------- Forwarded
// message ---------" and "Begin forwarded message:" with their translations.
func separatorPhrase(l string) int {
	if len(l) > 120 {
		return markNone
	}
	dashed := strings.HasPrefix(l, "--") || strings.HasSuffix(l, "--")
	colon := endsWithColon(l)
	if !dashed && !colon {
		return markNone
	}
	t := strings.ToLower(strings.Trim(l, "-–—=_* \t:："))
	for _, p := range originalPhrases {
		if t == p || (dashed && strings.Contains(t, p)) {
			return markQuote
		}
	}
	for _, p := range forwardPhrases {
		if t == p || (dashed && strings.Contains(t, p)) {
			return markForward
		}
	}
	return markNone
}

// isRule reports whether l is a horizontal rule: at least min repetitions
// of one of the characters people draw lines with.
func isRule(l string, min int) bool {
	first, _ := utf8.DecodeRuneInString(l)
	if !strings.ContainsRune("-_=~*—–·", first) {
		return false
	}
	n := 0
	for _, r := range l {
		if r != first {
			return false
		}
		n++
	}
	return n >= min
}

// headerField returns the category of the quoted header field that line l
// starts with ("From:", "*Von:*", "De :"), or 0.
func headerField(l string) int {
	t := strings.TrimLeft(l, " \t*")
	head := t
	if len(head) > 40 {
		head = head[:40]
	}
	i := strings.IndexAny(head, ":：")
	if i <= 0 {
		return 0
	}
	key := strings.ToLower(strings.Trim(t[:i], " \t*\u00a0"))
	return headerFields[key]
}

// headerBlockAt reports whether a quoted header block starts at line i: a
// From field and at least one other field (Sent, To, Subject) on the lines
// that follow, as Outlook and most webmails write above a forwarded or
// replied-to message. A lone "From: name@example.com" line opening a
// paragraph counts too, as some clients write nothing more.
func (c *cleaner) headerBlockAt(lines []string, i int) bool {
	fields := 0
	other := 0
	for j := i; j < len(lines) && j < i+12; j++ {
		c.steps++
		l := lines[j]
		if isBlankLine(l) {
			// Some clients leave a blank line between fields.
			if j+1 < len(lines) && headerField(lines[j+1]) != 0 {
				continue
			}
			break
		}
		if f := headerField(l); f != 0 {
			fields |= f
			other = 0
			continue
		}
		other++
		if other > 2 {
			break
		}
	}
	if fields&fieldFrom == 0 {
		return false
	}
	if fields != fieldFrom {
		return true
	}
	// A From line alone: only with an address, at the start of a paragraph.
	return headerField(lines[i]) == fieldFrom && strings.Contains(lines[i], "@") &&
		(i == 0 || isBlankLine(lines[i-1]))
}

// stripSignature cuts the text at the first signature that only a short
// block follows: a "-- " delimiter, a "Sent from my iPhone" line, a line of
// underscores above a mailing-list footer, or a "-Name" sign-off on the last
// line.
func (c *cleaner) stripSignature(lines []string) []string {
	// after[i] is the number of non-blank lines after line i.
	after := make([]int, len(lines)+1)
	for i := len(lines) - 1; i >= 0; i-- {
		c.steps++
		after[i] = after[i+1]
		if i+1 < len(lines) && !isBlankLine(lines[i+1]) {
			after[i]++
		}
	}
	for i, l := range lines {
		c.steps++
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		if after[i]+1 == after[0]+boolInt(!isBlankLine(lines[0])) {
			// Nothing precedes this line: a message that is only a
			// signature keeps it, as there is nothing else to show.
			continue
		}
		switch {
		case isSignatureDelimiter(l) && after[i] <= maxSignatureLines && after[i] > 0:
			return lines[:i]
		case isRule(t, 2) && t[0] == '_' && after[i] <= maxSignatureLines && after[i] > 0:
			// A line of underscores above a mailing-list footer.
			return lines[:i]
		case isRule(t, 3) && t[0] != '-' && t[0] != '=' && after[i] > 0 && after[i] <= 8:
			// "—————" above a business card.
			return lines[:i]
		case isMobileSignature(t) && (after[i] <= 3 || standsAlone(lines, i)):
			// A phone app's signature ends what the customer wrote; a
			// client that quotes without a header puts the quote below.
			return lines[:i]
		case i > 0 && isDashSignOff(t) && (after[i] == 0 || c.signatureFollows(lines, i)):
			return lines[:i]
		case i > 0 && isClosing(t) && after[i] > 0 && after[i] <= 6 && c.nameFollows(lines, i) && c.shortLinesFollow(lines, i):
			return lines[:i]
		}
	}
	return lines
}

// boolInt is 1 for true and 0 for false.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// standsAlone reports whether line i has a blank line (or the text's edge)
// on both sides.
func standsAlone(lines []string, i int) bool {
	return (i == 0 || isBlankLine(lines[i-1])) && (i+1 == len(lines) || isBlankLine(lines[i+1]))
}

// signatureFollows reports whether the next non-blank line after i starts a
// signature or footer, so that a sign-off above it belongs to it.
func (c *cleaner) signatureFollows(lines []string, i int) bool {
	j := c.skipBlank(lines, i+1)
	if j >= len(lines) {
		return true
	}
	t := strings.TrimSpace(lines[j])
	return isSignatureDelimiter(t) || isRule(t, 2) || isMobileSignature(t)
}

// shortLinesFollow reports whether every line after a closing is short, as
// a name, a title or a phone number is.
func (c *cleaner) shortLinesFollow(lines []string, i int) bool {
	for _, l := range lines[i+1:] {
		c.steps++
		if utf8.RuneCountInString(strings.TrimSpace(l)) > 60 {
			return false
		}
	}
	return true
}

// nameFollows reports whether the first line after a closing looks like a
// person's name (one to three capitalised words), so that "Sincerely,\nThe
// Billing Department Team" style sign-offs of notices stay.
func (c *cleaner) nameFollows(lines []string, i int) bool {
	j := c.skipBlank(lines, i+1)
	if j >= len(lines) {
		return false
	}
	words := strings.Fields(lines[j])
	if len(words) == 0 || len(words) > 3 {
		return false
	}
	for _, w := range words {
		if !unicode.IsUpper(firstRune(w)) {
			return false
		}
	}
	return true
}

// firstRune returns the first rune of s.
func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// isClosing reports whether t is a sign-off such as "Best regards," or
// "Cheers 🎉" on a line of its own.
func isClosing(t string) bool {
	if len(t) > 60 {
		return false
	}
	t = strings.TrimRightFunc(t, func(r rune) bool { return !unicode.IsLetter(r) })
	return closings[strings.ToLower(t)]
}

// isSignatureDelimiter reports whether l is the signature delimiter "-- " of
// RFC 3676, or one of the variants people type instead ("--", "—").
func isSignatureDelimiter(l string) bool {
	switch strings.TrimSpace(l) {
	case "--", "-- -", "—", "–", "---", "___":
		return true
	}
	return false
}

// isMobileSignature reports whether t is a one-line signature added by a
// phone or webmail app, such as "Sent from my iPhone" or "Von meinem iPhone
// gesendet".
func isMobileSignature(t string) bool {
	if utf8.RuneCountInString(t) > 80 {
		return false
	}
	lower := strings.ToLower(strings.TrimRight(t, ". "))
	rest := ""
	found := false
	for _, p := range mobilePrefixes {
		if strings.HasPrefix(lower, p) {
			rest, found = lower[len(p):], true
			break
		}
	}
	if !found {
		for _, s := range mobileSuffixes {
			if strings.HasSuffix(lower, s) {
				rest, found = lower[:len(lower)-len(s)], true
				break
			}
		}
	}
	if !found {
		return false
	}
	if len(strings.Fields(lower)) <= 8 && !strings.Contains(lower, ",") {
		return true
	}
	for _, d := range deviceWords {
		if strings.HasPrefix(rest, d) {
			return true
		}
	}
	return false
}

// isDashSignOff reports whether t is a sign-off such as "-Abhishek Kona" or
// "— Tim": a dash and one to three capitalised words.
func isDashSignOff(t string) bool {
	r, size := utf8.DecodeRuneInString(t)
	if r != '-' && r != '–' && r != '—' {
		return false
	}
	t = strings.TrimLeft(t[size:], "- ")
	words := strings.Fields(t)
	if len(words) == 0 || len(words) > 3 {
		return false
	}
	for _, w := range words {
		if !unicode.IsUpper(firstRune(w)) {
			return false
		}
	}
	return true
}
