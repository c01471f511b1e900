package quote

import (
	"strings"
	"testing"
)

// reply1MiB is a realistic worst case: a long thread of quoted replies,
// headers and signatures, past the analysis cap.
func reply1MiB() string {
	unit := "Thanks, that fixed it. The invoice is correct now.\n\n" +
		"On Mon, Jan 15, 2024 at 2:30 PM John Doe <\njohn@example.com> wrote:\n" +
		"> Is the invoice right? From: here, -- there.\n>\n> > Best regards,\n> > John\n" +
		"From: a@example.com\nnot a header block\nBest regards,\nJohn\n\n"
	return strings.Repeat(unit, (1<<20)/len(unit)+1)[:1<<20]
}

// BenchmarkClean1MiB measures Clean on a 1 MiB body; the target is well
// under 50 ms.
func BenchmarkClean1MiB(b *testing.B) {
	in := reply1MiB()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		Clean(in)
	}
}

// BenchmarkCleanHTML1MiB measures CleanHTML on 1 MiB of markup.
func BenchmarkCleanHTML1MiB(b *testing.B) {
	unit := `<div dir="ltr">Thanks, that fixed it.<br>The invoice is correct now.</div>` +
		`<div class="gmail_quote"><div class="gmail_attr">On Mon, Jan 15, 2024 John &lt;john@example.com&gt; wrote:</div>` +
		`<blockquote class="gmail_quote" style="margin:0 0 0 .8ex">Is the invoice right?</blockquote></div>`
	in := strings.Repeat(unit, (1<<20)/len(unit)+1)[:1<<20]
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		CleanHTML(in)
	}
}
