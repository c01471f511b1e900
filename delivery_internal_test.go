package ticketd

import (
	"testing"
	"time"
)

func TestRetryDelayGrowsWithJitterAndACap(t *testing.T) {
	for n := 1; n <= MaxDeliveryAttempts+5; n++ {
		base := 30 * time.Second << min(n-1, 10)
		if base > 8*time.Hour {
			base = 8 * time.Hour
		}
		for i := 0; i < 50; i++ {
			d := retryDelay(n)
			if d < base*8/10 || d > base*12/10 {
				t.Fatalf("attempt %d: delay %v outside %v ±20%%", n, d, base)
			}
		}
	}
}

func TestReplySubject(t *testing.T) {
	for in, want := range map[string]string{
		"Where is my order?":     "Re: Where is my order?",
		"Re: Where is my order?": "Re: Where is my order?",
		"RE: refund":             "RE: refund",
		"  ":                     "Re: your request",
	} {
		if got := replySubject(in); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
}

func TestReplyAddressTokenRoundTrip(t *testing.T) {
	id := NewID()
	addr := ReplyAddress("support@example.com", id)
	base, got := plusToken(addr)
	if base != "support@example.com" || got == nil || *got != id {
		t.Fatalf("%s → %s %v", addr, base, got)
	}
	for _, a := range []string{"support@example.com", "support+sales@example.com", "support+tnothex@example.com"} {
		if base, tok := plusToken(a); tok != nil || base == "" {
			t.Errorf("%s gave token %v", a, tok)
		}
	}
}
