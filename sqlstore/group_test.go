package sqlstore_test

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
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
	var first sync.Once // fn may run again (a group that ran twice): it holds once
	go func() {
		held <- db.Update(ctx, func(ticketd.Tx) error {
			first.Do(func() {
				close(running)
				for sqlstore.QueuedWrites(db) < n {
					runtime.Gosched()
				}
			})
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
	runs := make([]atomic.Int32, n)
	for i := range n {
		ids[i] = ticketd.NewID()
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.Update(ctx, func(tx ticketd.Tx) error {
				runs[i].Add(1)
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
	// However many members fail, a member runs at most twice (see
	// TestGroupCommitRunsAgainWithoutTheFailedMember).
	for i := range runs {
		if r := runs[i].Load(); r > 2 {
			t.Errorf("member %d ran %d times", i, r)
		}
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

// Members run with no savepoint between them until one fails: then the
// transaction is undone, the failed member gets its error, and the others
// run again (each in a savepoint) and commit — the failure costs them a
// second run, never their write.
func TestGroupCommitRunsAgainWithoutTheFailedMember(t *testing.T) {
	if sqlstoretest.Engine() != "sqlite" {
		t.Skip("group commit is SQLite's")
	}
	db := sqlstoretest.Open(t)
	f := newFixture(t, db, "rerun")
	tk := f.ticket(t, db)
	held := holdWriter(t, db, 2)
	var okRuns, failRuns atomic.Int32
	okErr, failErr := make(chan error, 1), make(chan error, 1)
	go func() {
		okErr <- db.Update(ctx, func(tx ticketd.Tx) error {
			okRuns.Add(1)
			return tx.UpdateTicket(ctx, f.ws.ID, tk.ID, ticketd.TicketPatch{Subject: ticketd.SetTo("kept"), UpdatedAt: t0})
		})
	}()
	for sqlstore.QueuedWrites(db) < 1 { // queued first, so it runs before the failing one
		runtime.Gosched()
	}
	refused := errors.New("refused")
	go func() {
		failErr <- db.Update(ctx, func(tx ticketd.Tx) error {
			failRuns.Add(1)
			if err := tx.UpdateTicket(ctx, f.ws.ID, tk.ID, ticketd.TicketPatch{Subject: ticketd.SetTo("undone"), UpdatedAt: t0}); err != nil {
				return err
			}
			return refused
		})
	}()
	must(t, <-held)
	if err := <-okErr; err != nil {
		t.Fatal(err)
	}
	if err := <-failErr; !errors.Is(err, refused) {
		t.Fatalf("the failing member: %v", err)
	}
	if okRuns.Load() != 2 || failRuns.Load() != 1 {
		t.Fatalf("runs: the member that succeeded %d, the one that failed %d; want 2 and 1", okRuns.Load(), failRuns.Load())
	}
	var got *ticketd.Ticket
	must(t, db.View(ctx, func(tx ticketd.Tx) (err error) {
		got, err = tx.Ticket(ctx, f.ws.ID, ticketd.ByID(tk.ID))
		return err
	}))
	if got.Subject != "kept" {
		t.Fatalf("subject %q, want the successful member's", got.Subject)
	}
}
