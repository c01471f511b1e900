package quote

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzSeeds are bodies that reach every rule.
var fuzzSeeds = []string{
	"",
	body,
	body + "\n\nOn Mon, Jan 15, 2024 at 2:30 PM John Doe <\njohn@example.com> wrote:\n> old\n>> older",
	body + "\n\n________________________________\nFrom: John\nSent: Monday\nTo: x\nSubject: y\n\nold",
	"---------- Forwarded message ---------\nFrom: a@b.c\n\ntext",
	body + "\n\n-- \nJohn\n\nSent from my iPhone",
	"> a\nb\n> c\n\n>:\nBest regards,\nJohn",
	"\r\n\r\r>\u00a0\ufeff—————\n-John",
}

// maxGrowth is what cleaning may add to a body: the output is made of the
// input's own lines, so it never grows by more than the line breaks that
// normalisation rewrites.
const maxGrowth = 2

// FuzzClean checks that Clean never panics, returns valid UTF-8 for valid
// input, never returns more than it was given, and is stable: cleaning the
// output of Clean again removes nothing more than a signature or quote the
// first pass exposed, so the second output is never longer than the first.
func FuzzClean(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Clean(in)
		if len(out) > len(in)+maxGrowth {
			t.Fatalf("output (%d bytes) longer than input (%d bytes)", len(out), len(in))
		}
		if utf8.ValidString(in) && !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of valid input")
		}
		if again := Clean(out); len(again) > len(out) {
			t.Fatalf("second pass grew the text: %q → %q", out, again)
		}
	})
}

// FuzzCleanHTML checks that CleanHTML never panics and never returns more
// text than the markup held.
func FuzzCleanHTML(f *testing.F) {
	for _, s := range []string{
		"",
		"<div>hi</div><div class=gmail_quote>On x wrote:<blockquote>old</blockquote></div>",
		`<p>a</p><div id="divRplyFwdMsg">From:</div><p>old</p>`,
		`<div style="border:none;border-top:solid #E1E1E1 1.0pt"><p>x</p></div><pre> a
 b</pre>`,
		strings.Repeat("<div>", 600) + "deep",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := CleanHTML(in)
		// Entities expand ("&nbsp;" is shorter than nothing it produces,
		// but "&lt;" is four bytes for one), and text never outgrows the
		// markup it came from by more than the breaks added around blocks.
		if len(out) > 2*len(in)+maxGrowth {
			t.Fatalf("output (%d bytes) much longer than input (%d bytes)", len(out), len(in))
		}
	})
}
