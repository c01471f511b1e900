package mail_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// FuzzInboundEmail posts random bytes as a raw email to POST
// /v1/inbound/email on the real handler and database: the answer is never a
// 5xx and never a panic, and an answer that refuses the email (4xx) stores
// nothing. Seeded with every fixture and a few hostile shapes.
//
// Run: go test ./mail -run '^$' -fuzz FuzzInboundEmail -fuzztime 30s
func FuzzInboundEmail(f *testing.F) {
	for _, name := range fixtures(f) {
		f.Add(fixture(f, name))
	}
	for _, s := range []string{
		"",
		"not an email",
		"From: a@b.test\r\nTo: " + shopInbox + "\r\n\r\nhi",
		"From: a@b.test\r\nTo: nobody@elsewhere.test\r\n\r\nhi",
		"From: <>\r\nTo: " + shopInbox + "\r\n\r\nno sender",
		"From: \"" + strings.Repeat("N", 300) + "\" <a@b.test>\r\nTo: " + shopInbox + "\r\nSubject: " + strings.Repeat("s", 1200) + "\r\n\r\nlong name and subject",
		"From: a@b.test\r\nTo: " + shopInbox + "\r\nSubject: nul\x00byte\r\n\r\nbody with \x00 a NUL",
		"From: a@b.test\r\nTo: " + shopInbox + "\r\nContent-Type: text/html\r\n\r\n<p>\x00</p>",
		"From: a@b.test\r\nTo: " + shopInbox + "\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Disposition: attachment; filename=\"\x00.bin\"\r\n\r\nAAAA\r\n--x--\r\n",
		"From: a@b.test\r\nTo: support+t00000000000000000000000000000000@shop.example.com\r\n\r\nzero token",
	} {
		f.Add([]byte(s))
	}
	e := newEnv(f)
	ctx := context.Background()
	count := func() string {
		var out []string
		for _, table := range []string{"tickets", "messages", "customers", "attachments"} {
			var n int
			if err := e.DB.RawQueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
				e.T.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%s=%d", table, n))
		}
		return strings.Join(out, " ")
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		e.T = t
		// Go's fuzz worker panics without a word when one input runs for
		// 10 s; crash first, saying what hung, so that the report explains
		// the kept input. The slowest input seen locally took 0.9 s.
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(8 * time.Second):
				panic(fmt.Sprintf("POST /v1/inbound/email still running after 8s on %d bytes", len(raw)))
			}
		}()
		before := count()
		r := e.post(e.WS, raw)
		if r.Status >= 500 {
			t.Fatalf("%d for %q: %s", r.Status, raw, r.Body)
		}
		if after := count(); r.Status >= 400 && after != before {
			t.Fatalf("a %d answer (%s) stored something: %s → %s", r.Status, r.Body, before, after)
		}
	})
}
