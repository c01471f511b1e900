package inbound

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A message past the threshold lives in a file while it is held, every byte
// is charged to the budget, and Close gives both back.
func TestSpoolToDiskWithinBudget(t *testing.T) {
	dir := t.TempDir()
	b := NewBudget(1 << 20)
	raw := bytes.Repeat([]byte("0123456789abcdef"), 10000) // 160 000 bytes
	s := &Spool{Budget: b, Threshold: 64 << 10, Dir: dir}
	if _, err := s.ReadFrom(bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 1 || s.Size() != int64(len(raw)) {
		t.Fatalf("spooled to %v, %d bytes", files, s.Size())
	}
	if got := b.Available(); got != 1<<20-int64(len(raw)) {
		t.Fatalf("budget available %d, want %d", got, 1<<20-len(raw))
	}
	got, err := s.Bytes()
	if err != nil || !bytes.Equal(got, raw) {
		t.Fatalf("read back %d bytes (%v)", len(got), err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != 0 {
		t.Fatalf("left %v behind", files)
	}
	if b.Available() != 1<<20 {
		t.Fatalf("budget not returned: %d", b.Available())
	}

	// A message larger than what is left: ErrBusy, and nothing stays charged.
	small := NewBudget(100 << 10)
	s = &Spool{Budget: small, Dir: dir}
	if _, err := s.ReadFrom(bytes.NewReader(raw)); !errors.Is(err, ErrBusy) {
		t.Fatalf("over the budget: %v, want ErrBusy", err)
	}
	s.Close()
	if small.Available() != 100<<10 {
		t.Fatalf("budget not returned after ErrBusy: %d", small.Available())
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
}

// Over SMTP: a message that does not fit the budget is answered 452 (the
// sender retries), a MAIL FROM whose SIZE does not fit too, and a client
// arriving while the budget is spent is greeted 421. Nothing is delivered
// and the budget is whole again afterwards.
func TestSMTPBudget(t *testing.T) {
	b := NewBudget(100 << 10)
	h := newFakeHandler("support@shop.test")
	_, addr, _ := startServer(t, ServerConfig{Budget: b, SpoolDir: t.TempDir()}, h)

	s := dialFrom(t, "127.0.0.6", addr)
	s.reply()
	s.cmd("EHLO client.test")
	if r := s.cmd("MAIL FROM:<a@example.com> SIZE=200000"); !strings.HasPrefix(r, "452 4.3.1") {
		t.Fatalf("SIZE over the budget: %q, want 452", r)
	}
	// A SIZE that fits is reserved at MAIL FROM, and RSET gives it back.
	if r := s.cmd("MAIL FROM:<a@example.com> SIZE=60000"); !strings.HasPrefix(r, "250") {
		t.Fatalf("SIZE within the budget: %q", r)
	}
	if b.Available() != 100<<10-60000 {
		t.Fatalf("SIZE not reserved: %d available", b.Available())
	}
	s.cmd("RSET")
	if b.Available() != 100<<10 {
		t.Fatalf("RSET kept the reservation: %d available", b.Available())
	}
	s.cmd("MAIL FROM:<a@example.com>")
	s.cmd("RCPT TO:<support@shop.test>")
	if r := s.cmd("DATA"); !strings.HasPrefix(r, "354") {
		t.Fatalf("DATA: %q", r)
	}
	body := "From: a@example.com\r\nSubject: big\r\n\r\n" + strings.Repeat("x", 76) + "\r\n"
	if r := s.cmd(strings.Repeat(body, 2000) + "."); !strings.HasPrefix(r, "452 4.3.1") {
		t.Fatalf("a message over the budget: %q, want 452", r)
	}
	if len(h.deliveries()) != 0 || b.Available() != 100<<10 {
		t.Fatalf("%d delivered, budget %d", len(h.deliveries()), b.Available())
	}

	if !b.TryAcquire(100 << 10) { // everything in flight elsewhere
		t.Fatal("acquire")
	}
	late := dialFrom(t, "127.0.0.7", addr)
	if g := late.reply(); !strings.HasPrefix(g, "421 4.7.0 mx.test Too much mail in flight") {
		t.Fatalf("greeting with the budget spent: %q, want 421", g)
	}
}
