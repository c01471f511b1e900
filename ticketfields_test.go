package ticketd

import (
	"testing"
	"time"
)

// The resolution rule (CONTRACT.md, "resolution time"): entering solved, or
// closed from an open status, resolves; solved to closed keeps the time;
// reopening clears it.
func TestResolvedAtRule(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Hour)
	for _, c := range []struct {
		from, to Status
		was      *time.Time
		want     *time.Time
	}{
		{StatusOpen, StatusSolved, nil, &t1},
		{StatusNew, StatusClosed, nil, &t1},
		{StatusSolved, StatusClosed, &t0, &t0},
		{StatusClosed, StatusSolved, &t0, &t1},
		{StatusSolved, StatusOpen, &t0, nil},
		{StatusClosed, StatusPending, &t0, nil},
	} {
		got := resolvedAt(c.from, c.to, c.was, t1)
		if (got == nil) != (c.want == nil) || got != nil && !got.Equal(*c.want) {
			t.Errorf("%s → %s (was %v): %v, want %v", c.from, c.to, c.was, got, c.want)
		}
	}
}

// SplitName gives back the name it split (CONTRACT.md, "customer name").
func TestSplitName(t *testing.T) {
	for in, want := range map[string][2]string{
		"John Doe": {"John", "Doe"}, "Mary Ann  Smith": {"Mary", "Ann Smith"}, "Cher": {"Cher", ""}, "  ": {"", ""},
	} {
		f, l := SplitName(in)
		if f != want[0] || l != want[1] {
			t.Errorf("%q: %q %q, want %q", in, f, l, want)
		}
	}
}

// The attachment type allow-list takes the bare media type, in any case.
func TestAllowedTicketAttachmentType(t *testing.T) {
	for ct, want := range map[string]bool{"image/png": true, "Image/PNG; x=y": true, "application/gzip": true,
		"image/svg+xml": false, "application/octet-stream": false, "": false, "text/html;charset=utf-8": true} {
		if _, ok := AllowedTicketAttachmentType(ct); ok != want {
			t.Errorf("%q: %v, want %v", ct, ok, want)
		}
	}
}
