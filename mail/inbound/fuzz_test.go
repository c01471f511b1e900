package inbound

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzParse feeds hostile input to Parse. It must never panic, must either
// fail with one of its documented errors or return a usable Email, and must
// not amplify its input: what it returns stays within a small multiple of
// what it read (charset conversion can triple bytes, HTML-derived text
// repeats the body once), which together with the size and structure caps
// bounds memory. Hangs surface as the fuzzer's own timeout.
//
// Run: go test ./mail/inbound -run '^$' -fuzz FuzzParse -fuzztime 30s
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.eml")
	for _, file := range files {
		f.Add(readFixture(f, filepath.Base(file)))
	}
	f.Add([]byte(nested(5)))
	f.Add([]byte(manyParts(5)))
	f.Add([]byte("From: a@b\nContent-Type: multipart/report; report-type=delivery-status; boundary=x\n\n--x\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; a@b\nAction: failed\n--x--\n"))
	f.Add([]byte("From: =?utf-8?B?" + strings.Repeat("=?utf-8?Q?=", 20) + "?= <a@b>\nSubject: =?x?Q?\n\n"))
	f.Add([]byte("Subject: x\nContent-Type: text/plain; format=flowed; delsp=yes\n\n> a \n>> b \n-- \nc"))

	p := Parser{MaxBytes: 1 << 20}
	f.Fuzz(func(t *testing.T, raw []byte) {
		// Go's fuzzer has no per-input timeout, so a hang would only show
		// as a stalled run; crash instead, and the fuzzer keeps the input.
		// The bound is generous because inputs here are at most 1 MiB.
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				panic(fmt.Sprintf("Parse still running after 20s on %d bytes", len(raw)))
			}
		}()
		e, err := p.Parse(raw)
		if err != nil {
			if !errors.Is(err, ErrNotEmail) && !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrTooComplex) {
				t.Fatalf("undocumented error: %v", err)
			}
			return
		}
		if !strings.HasPrefix(e.MessageID, "<") || !strings.HasSuffix(e.MessageID, ">") {
			t.Fatalf("MessageID %q lacks angle brackets", e.MessageID)
		}
		if len(e.References) > maxReferences {
			t.Fatalf("%d references kept", len(e.References))
		}
		out := len(e.Text) + len(e.HTML) + len(e.Subject)
		for _, a := range e.Attachments {
			out += len(a.Data)
		}
		if limit := 10*len(raw) + 4096; out > limit {
			t.Fatalf("returned %d bytes for %d bytes of input", out, len(raw))
		}
	})
}
