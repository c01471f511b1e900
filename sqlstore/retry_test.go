package sqlstore_test

import (
	"sync"
	"sync/atomic"
	"testing"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// Update keeps its documented promise: a transaction the engine aborts for a
// reason a new attempt can fix runs again. Two transactions lock two tickets
// in opposite orders; PostgreSQL aborts one as a deadlock, Update runs it
// again, and both commit. (SQLite has one writer and cannot deadlock.)
func TestUpdateRetriesADeadlock(t *testing.T) {
	if sqlstoretest.Engine() != "postgres" {
		t.Skip("SQLite serialises writers; there is no deadlock to retry")
	}
	db := sqlstoretest.Open(t)
	f := newFixture(t, db, "deadlock")
	a, b := f.ticket(t, db), f.ticket(t, db)
	var attempts atomic.Int32
	var locked sync.WaitGroup
	locked.Add(2)
	var once [2]sync.Once
	lockBoth := func(i int, first, second *ticketd.Ticket) func(ticketd.Tx) error {
		return func(tx ticketd.Tx) error {
			attempts.Add(1)
			if _, err := tx.TicketForUpdate(ctx, f.ws.ID, ticketd.ByID(first.ID)); err != nil {
				return err
			}
			// Both hold their first lock before either asks for its second,
			// on the first attempt only.
			once[i].Do(func() { locked.Done(); locked.Wait() })
			if _, err := tx.TicketForUpdate(ctx, f.ws.ID, ticketd.ByID(second.ID)); err != nil {
				return err
			}
			subject := "changed"
			return tx.UpdateTicket(ctx, f.ws.ID, second.ID, ticketd.TicketPatch{Subject: ticketd.SetTo(subject), UpdatedAt: t0})
		}
	}
	errs := make(chan error, 2)
	go func() { errs <- db.Update(ctx, lockBoth(0, a, b)) }()
	go func() { errs <- db.Update(ctx, lockBoth(1, b, a)) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("Update did not retry the deadlock: %v", err)
		}
	}
	if n := attempts.Load(); n < 3 {
		t.Fatalf("%d attempts, want a retry after the deadlock", n)
	}
}
