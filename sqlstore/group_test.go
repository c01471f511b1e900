package sqlstore_test

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/sqlstore"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// holdWriter runs one write transaction that, once it runs, waits until n
// more are queued behind it, so that those n deterministically join its
// group. It returns when the transaction runs.
func holdWriter(t *testing.T, db *sqlstore.DB, n int) chan error {
	t.Helper()
	held, running := make(chan error, 1), make(chan struct{})
	go func() {
		held <- db.Update(ctx, func(ticketd.Tx) error {
			close(running)
			for sqlstore.QueuedWrites(db) < n {
				runtime.Gosched()
			}
			return nil
		})
	}()
	<-running
	return held
}

// Concurrent write transactions waiting for SQLite's one writer commit
// together, each in its own savepoint: a member that fails is undone alone,
// every member that succeeded is acknowledged only after the shared commit,
// and all of them are there when the database is opened again.
func TestGroupCommit(t *testing.T) {
	if sqlstoretest.Engine() != "sqlite" {
		t.Skip("group commit is SQLite's")
	}
	dsn := sqlstoretest.CopyDSN(t)
	db := sqlstoretest.OpenDSN(t, dsn)
	f := newFixture(t, db, "group")
	tk := f.ticket(t, db)
	commits0, txs0 := db.GroupStats()

	const n = 20
	held := holdWriter(t, db, n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	ids := make([]ticketd.ID, n)
	for i := range n {
		ids[i] = ticketd.NewID()
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.Update(ctx, func(tx ticketd.Tx) error {
				m := &ticketd.Message{ID: ids[i], WorkspaceID: f.ws.ID, TicketID: tk.ID,
					Author: ticketd.Author{Kind: ticketd.AuthorAgent, UserID: &f.user.ID}, Body: fmt.Sprint(i), Time: t0,
					To: []string{}, Cc: []string{}, References: []string{}, Tags: []string{}, CreatedAt: t0, UpdatedAt: t0}
				if err := tx.CreateMessage(ctx, m); err != nil {
					return err
				}
				if err := tx.UpdateTicket(ctx, f.ws.ID, tk.ID, ticketd.TicketPatch{AddMessages: 1, UpdatedAt: t0}); err != nil {
					return err
				}
				if i%5 == 0 {
					return errors.New("this member changes its mind") // after writing: must be undone
				}
				if i%5 == 1 { // a unique violation inside the group, also undone alone
					dup := *m
					dup.Number = 0
					return tx.CreateMessage(ctx, &dup)
				}
				return nil
			})
		}()
	}
	must(t, <-held)
	wg.Wait()
	commits, txs := db.GroupStats()
	if commits-commits0 != 1 || txs-txs0 != n+1 {
		t.Fatalf("%d commits for %d transactions, want the %d queued ones in the held one's group",
			commits-commits0, txs-txs0, n)
	}
	want := 0
	for i, err := range errs {
		switch {
		case i%5 == 0 && err == nil, i%5 == 1 && ticketd.ErrorCode(err) != ticketd.ECONFLICT:
			t.Errorf("member %d: %v, want its own error", i, err)
		case i%5 > 1 && err != nil:
			t.Errorf("member %d: %v", i, err)
		case i%5 > 1:
			want++
		}
	}
	must(t, db.Close())

	again := sqlstoretest.OpenDSN(t, dsn) // what a restarted process finds
	var ms []*ticketd.Message
	var got *ticketd.Ticket
	must(t, again.View(ctx, func(tx ticketd.Tx) (err error) {
		if ms, err = tx.Messages(ctx, f.ws.ID, tk.ID, ticketd.MessageFilter{IncludeInternal: true}); err != nil {
			return err
		}
		got, err = tx.Ticket(ctx, f.ws.ID, ticketd.ByID(tk.ID))
		return err
	}))
	if len(ms) != want || got.MessageCount != want {
		t.Fatalf("%d messages, counter %d after reopening, want %d (the failed members undone, the rest kept)",
			len(ms), got.MessageCount, want)
	}
	for _, m := range ms {
		var i int
		fmt.Sscan(m.Body, &i)
		if i%5 <= 1 || m.ID != ids[i] {
			t.Fatalf("message %q of a member that failed was kept", m.Body)
		}
	}
}
