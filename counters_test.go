package ticketd_test

import (
	"context"
	"testing"

	ticketd "github.com/ticketd/ticketd"
)

// The ticket's message counters follow every write of its conversation, and
// a conversation's Total comes from them: posting, making a note public or
// private again, and deleting each move them in the same transaction.
func TestTicketCountersFollowTheConversation(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	check := func(step string, all, public int) {
		t.Helper()
		tk, err := w.svc.Ticket(ctx, w.p, ticketd.ByID(w.ticket.ID))
		if err != nil {
			t.Fatal(err)
		}
		if tk.MessageCount != all || tk.PublicCount != public {
			t.Fatalf("%s: counts %d/%d, want %d/%d", step, tk.MessageCount, tk.PublicCount, all, public)
		}
		for _, internal := range []bool{true, false} {
			// The audience decides whether notes are listed (and counted).
			p := *w.p
			if !internal {
				p.Audience = ticketd.AudienceCustomer
			}
			c, err := w.svc.Messages(ctx, &p, ticketd.ByID(w.ticket.ID), ticketd.MessageFilter{Page: ticketd.Page{Limit: 1}})
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: all, false: public}[internal]; c.Total != want {
				t.Fatalf("%s: Total %d with notes=%v, want %d", step, c.Total, internal, want)
			}
		}
	}
	check("new ticket", 0, 0)
	m1, _ := w.post(t, ticketd.NewMessage{Body: "public"})
	note, _ := w.post(t, ticketd.NewMessage{Body: "note", Internal: true})
	check("posted", 2, 1)
	public := false
	if _, err := w.svc.UpdateMessage(ctx, w.p, ticketd.ByID(w.ticket.ID), ticketd.ByID(note.ID), ticketd.MessageUpdate{Internal: &public}); err != nil {
		t.Fatal(err)
	}
	check("note made public", 2, 2)
	if err := w.svc.DeleteMessage(ctx, w.p, ticketd.ByID(w.ticket.ID), ticketd.ByID(m1.ID)); err != nil {
		t.Fatal(err)
	}
	check("deleted", 1, 1)
}
