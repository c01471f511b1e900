package sqlstore_test

import (
	"reflect"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// A ticket list reads its own, narrower set of columns with scanners of its
// own (sqlstore/ticket.go, ticketListCols): a listed ticket must be the
// ticket Ticket reads, field for field, but for the message counters, which
// Store.Tickets documents as zero. One ticket has every optional field set
// (and tags encoding/json has to read: an escape, a space, non-ASCII), the
// other none.
func TestTicketListReadsWhatTicketReads(t *testing.T) {
	db := sqlstoretest.Open(t)
	f := newFixture(t, db, "list")
	at := func(h int) *time.Time { v := t0.Add(time.Duration(h) * time.Hour); return &v }
	team, inbox, token := ticketd.NewID(), ticketd.NewID(), ticketd.NewID()
	full := &ticketd.Ticket{ID: ticketd.NewID(), WorkspaceID: f.ws.ID, CustomerID: f.customer.ID, Subject: "Où est \"ma\" commande?",
		Channel: "email", Status: ticketd.StatusPending, AssigneeID: &f.user.ID,
		Tags: []string{"vip", `say "hi"`, "two words", "日本"}, UnreadCount: 3, LastMessage: "Merci\nbeaucoup",
		LastMessageAt: *at(1), Date: *at(2), InboxID: &inbox, ChannelThread: "<thread@x>", ContactAddress: "ada@x.test",
		Reason: "order", Language: "fr", Source: "web", HandedOffAt: at(3), ClosedAt: at(4), CreatedAt: t0,
		UpdatedAt: *at(5), MessageCount: 7, PublicCount: 5, SnoozedUntil: at(6), Priority: ticketd.PriorityHigh,
		Category: "shipping", Description: "Parcel lost", DueAt: at(7), ResolvedAt: at(8), TrackingToken: &token,
		TeamID: &team}
	bare := &ticketd.Ticket{ID: ticketd.NewID(), WorkspaceID: f.ws.ID, CustomerID: f.customer.ID, Subject: "Help",
		Channel: "chat", Status: ticketd.StatusOpen, Tags: []string{}, LastMessageAt: t0, Date: t0, CreatedAt: t0,
		UpdatedAt: t0, Priority: ticketd.PriorityMedium}
	must(t, db.Update(ctx, func(tx ticketd.Tx) error {
		if err := tx.CreateTeam(ctx, &ticketd.Team{ID: team, WorkspaceID: f.ws.ID, Name: "Shipping", CreatedAt: t0, UpdatedAt: t0}); err != nil {
			return err
		}
		if err := tx.CreateTicket(ctx, full); err != nil {
			return err
		}
		return tx.CreateTicket(ctx, bare)
	}))
	must(t, db.View(ctx, func(tx ticketd.Tx) error {
		listed, err := tx.Tickets(ctx, f.ws.ID, ticketd.TicketFilter{})
		if err != nil {
			return err
		}
		if len(listed) != 2 {
			t.Fatalf("listed %d tickets, want 2", len(listed))
		}
		for i, want := range []*ticketd.Ticket{bare, full} { // newest first
			one, err := tx.Ticket(ctx, f.ws.ID, ticketd.ByID(want.ID))
			if err != nil {
				return err
			}
			if i == 1 && one.MessageCount != 7 {
				t.Fatalf("Ticket read message_count %d, want 7", one.MessageCount)
			}
			one.MessageCount, one.PublicCount = 0, 0
			if !reflect.DeepEqual(listed[i], one) {
				t.Errorf("listed\n%+v\nTicket reads\n%+v", listed[i], one)
			}
		}
		return nil
	}))
}
