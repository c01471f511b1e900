package ticketd

import (
	"testing"
	"time"
)

func TestWebhookRetrySchedules(t *testing.T) {
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// Ticket0: exactly 1 m, 5 m, 30 m, 2 h, 6 h after each failed attempt, then no more.
	now := created
	for i, want := range []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour} {
		next, ok := nextAttempt(FormatTicket0, i+1, created, now)
		if !ok || next.Sub(now) != want {
			t.Fatalf("ticket0 attempt %d: %v %v, want +%v", i+1, next.Sub(now), ok, want)
		}
		now = next
	}
	if _, ok := nextAttempt(FormatTicket0, 6, created, now); ok {
		t.Fatal("ticket0 retried after its sixth attempt")
	}
	// Standard: exponential with jitter, never more than 12 h apart, and
	// given up once the next attempt would be past three days.
	now, last := created, time.Duration(0)
	attempts := 0
	for n := 1; ; n++ {
		next, ok := nextAttempt(FormatStandard, n, created, now)
		if !ok {
			break
		}
		d := next.Sub(now)
		base := min(5*time.Second<<(2*min(n-1, 10)), 12*time.Hour)
		if d < base*8/10 || d > base*12/10 || (n < 6 && d <= last) {
			t.Fatalf("standard attempt %d: waits %v (base %v, previous %v)", n, d, base, last)
		}
		last, now, attempts = d, next, attempts+1
	}
	if now.Sub(created) > WebhookGiveUpAfter || now.Sub(created) < WebhookGiveUpAfter-15*time.Hour || attempts < 8 {
		t.Fatalf("standard gave up %v after the first attempt, after %d retries", now.Sub(created), attempts)
	}
}

func TestTicket0EventNames(t *testing.T) {
	tk := &Ticket{Status: StatusSolved}
	for _, c := range []struct {
		e    *Event
		want string
	}{
		{&Event{Type: EventTicketStatusChanged, Data: EventData{Ticket: tk, PreviousStatus: StatusOpen}}, "ticket.resolved"},
		{&Event{Type: EventTicketStatusChanged, Data: EventData{Ticket: &Ticket{Status: StatusOpen}, PreviousStatus: StatusClosed}}, "ticket.reopened"},
		{&Event{Type: EventTicketStatusChanged, Data: EventData{Ticket: &Ticket{Status: StatusPending}, PreviousStatus: StatusOpen}}, ""},
		{&Event{Type: EventMessageCreated, Data: EventData{Message: &Message{Author: Author{Kind: AuthorAI}}}}, "message.sent"},
		{&Event{Type: EventMessageCreated, Data: EventData{Message: &Message{Author: Author{Kind: AuthorCustomer}}}}, ""},
		{&Event{Type: EventTicketUpdated, Data: EventData{Ticket: tk}}, ""},
		{&Event{Type: EventCustomerCreated}, "customer.created"},
	} {
		if got := Ticket0EventType(c.e); got != c.want {
			t.Errorf("%s: %q, want %q", c.e.Type, got, c.want)
		}
	}
}
