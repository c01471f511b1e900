package sqlstore_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/sqlstore"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// The open lists ("open or new": the console's open views, Ticket0's
// status=open) read each status in index order and stop after a page: no
// statement reads the statuses at once (a "status IN (…) ORDER BY number"
// is planned as a sort of them all, or a walk of the whole workspace by
// number), and no plan on either engine sorts. Checked on a workspace large
// enough that the planners plan as in production; the lists come back
// merged in order.
func TestOpenListsReadInIndexOrder(t *testing.T) {
	db := sqlstoretest.Open(t)
	f := newFixture(t, db, "openviews")
	const n = 3000
	must(t, db.Update(ctx, func(tx ticketd.Tx) error {
		for i := range n {
			st := []ticketd.Status{ticketd.StatusNew, ticketd.StatusOpen, ticketd.StatusPending}[i%3]
			tk := &ticketd.Ticket{ID: ticketd.NewID(), WorkspaceID: f.ws.ID, CustomerID: f.customer.ID, Subject: "s",
				Channel: "chat", Status: st, Tags: []string{}, LastMessageAt: t0, Date: t0, CreatedAt: t0, UpdatedAt: t0}
			if i%2 == 0 {
				tk.AssigneeID = &f.user.ID
			}
			if err := tx.CreateTicket(ctx, tk); err != nil {
				return err
			}
		}
		return nil
	}))
	must(t, db.RawExec(ctx, "ANALYZE"))

	var mu sync.Mutex
	queries := map[string][]any{}
	sqlstore.Trace(db, func(q string, args []any) {
		mu.Lock()
		defer mu.Unlock()
		queries[q] = append([]any(nil), args...)
	})
	var views [][]*ticketd.Ticket
	must(t, db.View(ctx, func(tx ticketd.Tx) error {
		for _, vf := range []ticketd.ViewFilter{
			{Statuses: ticketd.OpenStatuses, Limit: 51},
			{Statuses: ticketd.OpenStatuses, Limit: 51, Oldest: true},
			{Statuses: ticketd.OpenStatuses, Limit: 51, AssigneeID: &f.user.ID},
			{Statuses: ticketd.OpenStatuses, Limit: 51, Unassigned: true, After: n - 100},
		} {
			ts, err := tx.ViewTickets(ctx, f.ws.ID, vf)
			if err != nil {
				return err
			}
			views = append(views, ts)
		}
		ts, err := tx.Tickets(ctx, f.ws.ID, ticketd.TicketFilter{Statuses: ticketd.OpenStatuses, Limit: 21, Offset: 3})
		views = append(views, ts)
		return err
	}))
	sqlstore.Trace(db, nil)

	for i, ts := range views {
		if len(ts) == 0 {
			t.Fatalf("list %d is empty", i)
		}
		for j, tk := range ts {
			if !tk.Status.IsOpen() {
				t.Fatalf("list %d has a %s ticket", i, tk.Status)
			}
			if j > 0 && (tk.Number > ts[j-1].Number) != (i == 1) {
				t.Fatalf("list %d is out of order at %d: %d after %d", i, j, tk.Number, ts[j-1].Number)
			}
		}
	}
	if len(views[0]) != 51 || len(views[4]) != 21 {
		t.Fatalf("pages of %d and %d, want 51 and 21", len(views[0]), len(views[4]))
	}
	first := views[0][0].Number
	if views[4][0].Number >= first || views[0][3].Number != views[4][0].Number {
		t.Fatalf("offset 3 starts at %d, want %d", views[4][0].Number, views[0][3].Number)
	}
	if len(queries) == 0 {
		t.Fatal("no query traced")
	}
	for q, args := range queries {
		if strings.Contains(q, " IN (") {
			t.Errorf("an open list reads both statuses at once: %s", q)
		}
		plan, err := explain(db, q, args)
		if err != nil {
			t.Fatalf("explain %s: %v", q, err)
		}
		for _, line := range plan {
			if strings.Contains(line, "TEMP B-TREE") || strings.Contains(line, "Sort") {
				t.Errorf("a sort of every matching ticket in\n%s\nplan:\n%s", q, strings.Join(plan, "\n"))
				break
			}
		}
	}
}

// AttachmentsOf reads a conversation's attachments in batches of a fixed
// shape: every message's, each once, in upload order, for more messages
// than one batch holds.
func TestAttachmentsOfManyMessages(t *testing.T) {
	db := sqlstoretest.Open(t)
	f := newFixture(t, db, "attachmentsof")
	tk := f.ticket(t, db)
	var ids []ticketd.ID
	for i := range 150 {
		m := f.message(t, db, tk, "m", t0.Add(time.Duration(i)*time.Second), false)
		ids = append(ids, m.ID)
		if i%3 == 0 {
			continue // a message without attachments
		}
		must(t, db.Update(ctx, func(tx ticketd.Tx) error {
			return tx.CreateAttachment(ctx, &ticketd.Attachment{ID: ticketd.NewID(), WorkspaceID: f.ws.ID, MessageID: m.ID,
				Filename: "f.txt", ContentType: "text/plain", Size: 1, Key: "k", CreatedAt: t0})
		}))
	}
	var as []*ticketd.Attachment
	must(t, db.View(ctx, func(tx ticketd.Tx) (err error) {
		as, err = tx.AttachmentsOf(ctx, f.ws.ID, ids)
		return err
	}))
	if len(as) != 100 {
		t.Fatalf("%d attachments, want 100", len(as))
	}
	for i := 1; i < len(as); i++ {
		if as[i].Number <= as[i-1].Number {
			t.Fatalf("out of upload order at %d", i)
		}
	}
	// Another workspace's id reads nothing.
	must(t, db.View(ctx, func(tx ticketd.Tx) (err error) {
		as, err = tx.AttachmentsOf(ctx, ticketd.NewID(), ids)
		return err
	}))
	if len(as) != 0 {
		t.Fatalf("another workspace read %d attachments", len(as))
	}
}
