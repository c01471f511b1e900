package sqlstore_test

import (
	"strings"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/sqlstore"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// The kept counts follow every insert, status change, reassignment and
// deletion, through the triggers, on both engines.
func TestTicketCountsFollowWrites(t *testing.T) {
	db := sqlstoretest.Open(t)
	f := newFixture(t, db, "counts")
	a, b := f.ticket(t, db), f.ticket(t, db)
	f.ticket(t, db)
	counts := func() map[string]int {
		out := map[string]int{}
		must(t, db.View(ctx, func(tx ticketd.Tx) error {
			cs, err := tx.TicketCounts(ctx, f.ws.ID)
			for _, c := range cs {
				key := string(c.Status)
				if c.AssigneeID != nil {
					key += "/assigned"
				}
				out[key] += c.N
			}
			return err
		}))
		return out
	}
	if got := counts(); got["open"] != 3 || len(got) != 1 {
		t.Fatalf("after 3 inserts: %v", got)
	}
	now := time.Now().UTC()
	must(t, db.Update(ctx, func(tx ticketd.Tx) error {
		if err := tx.UpdateTicket(ctx, a.WorkspaceID, a.ID, ticketd.TicketPatch{
			Status: ticketd.SetTo(ticketd.StatusSolved), UpdatedAt: now}); err != nil {
			return err
		}
		return tx.UpdateTicket(ctx, b.WorkspaceID, b.ID, ticketd.TicketPatch{
			AssigneeID: ticketd.SetTo(&f.user.ID), Tags: ticketd.SetTo([]string{"vip", "refund"}), UpdatedAt: now})
	}))
	if got := counts(); got["open"] != 1 || got["solved"] != 1 || got["open/assigned"] != 1 {
		t.Fatalf("after updates: %v", got)
	}
	// The tag table follows the tags: the filter finds b by its new tag.
	var ts []*ticketd.Ticket
	must(t, db.View(ctx, func(tx ticketd.Tx) (err error) {
		ts, err = tx.ViewTickets(ctx, f.ws.ID, ticketd.ViewFilter{Tag: "vip", Limit: 10})
		return err
	}))
	if len(ts) != 1 || ts[0].ID != b.ID {
		t.Fatalf("tag filter found %d tickets", len(ts))
	}
}

// Keyset paging walks a list in both orders without gaps or repeats.
func TestViewTicketsKeysetPaging(t *testing.T) {
	db := sqlstoretest.Open(t)
	f := newFixture(t, db, "paging")
	var want []int64
	for range 5 {
		want = append(want, f.ticket(t, db).Number)
	}
	for _, oldest := range []bool{false, true} {
		var got []int64
		var after int64
		for {
			var ts []*ticketd.Ticket
			must(t, db.View(ctx, func(tx ticketd.Tx) (err error) {
				ts, err = tx.ViewTickets(ctx, f.ws.ID, ticketd.ViewFilter{Oldest: oldest, After: after, Limit: 2})
				return err
			}))
			if len(ts) == 0 {
				break
			}
			for _, tk := range ts {
				got = append(got, tk.Number)
			}
			after = ts[len(ts)-1].Number
		}
		if len(got) != 5 {
			t.Fatalf("oldest=%v: paged %v", oldest, got)
		}
		for i := range got {
			w := want[i]
			if !oldest {
				w = want[len(want)-1-i]
			}
			if got[i] != w {
				t.Fatalf("oldest=%v: paged %v, want order of %v", oldest, got, want)
			}
		}
	}
}

// Search finds a ticket by a word of its subject, of a message (notes only
// when asked) and of its customer's name and email, as a prefix, and the
// index follows an edited body.
func TestSearch(t *testing.T) {
	db := sqlstoretest.Open(t)
	f := newFixture(t, db, "search")
	other := newFixture(t, db, "elsewhere")
	tk := f.ticket(t, db) // subject "Refund", customer Ada Lovelace
	plain := f.ticket(t, db)
	plain.Subject = "Shipping question"
	must(t, db.Update(ctx, func(tx ticketd.Tx) error {
		return tx.UpdateTicket(ctx, plain.WorkspaceID, plain.ID, ticketd.TicketPatch{
			Subject: ticketd.SetTo(plain.Subject), UpdatedAt: time.Now().UTC()})
	}))
	f.message(t, db, plain, "The parcel never arrived in Zürich", t0, false)
	f.message(t, db, plain, "secret internal remark", t0, true)
	other.message(t, db, other.ticket(t, db), "parcel in another workspace", t0, false)

	search := func(text string, internal bool) []ticketd.ID {
		var ts []*ticketd.Ticket
		must(t, db.View(ctx, func(tx ticketd.Tx) (err error) {
			ts, err = tx.Search(ctx, f.ws.ID, ticketd.SearchQuery{TextMatch: ticketd.TextMatch{Terms: ticketd.SearchTerms(text),
				IncludeInternal: internal, Prefix: strings.HasSuffix(text, "*")}, Limit: 10})
			return err
		}))
		var ids []ticketd.ID
		for _, t := range ts {
			ids = append(ids, t.ID)
		}
		return ids
	}
	for _, c := range []struct {
		q        string
		internal bool
		want     int
	}{
		{"refund", false, 1}, {"REF*", false, 1}, {"REF", false, 0}, {"parcel arrived", false, 1}, {"zürich", false, 1},
		{"secret", false, 0}, {"secret", true, 1}, {"lovelace", false, 2}, {"lovelace ad*", false, 2}, {"lovelace ad", false, 0},
		{`"; DROP TABLE tickets; --`, false, 0}, {"nothing-like-this", false, 0},
	} {
		if got := search(c.q, c.internal); len(got) != c.want {
			t.Errorf("search %q (internal %v): %d tickets, want %d", c.q, c.internal, len(got), c.want)
		}
	}
	if got := search("refund", false); len(got) != 1 || got[0] != tk.ID {
		t.Errorf("refund found %v", got)
	}
	// Filters apply: the refund ticket is open, not solved.
	var ts []*ticketd.Ticket
	solved := ticketd.StatusSolved
	must(t, db.View(ctx, func(tx ticketd.Tx) (err error) {
		ts, err = tx.Search(ctx, f.ws.ID, ticketd.SearchQuery{TextMatch: ticketd.TextMatch{Terms: []string{"refund"}}, Filter: ticketd.ViewFilter{Status: &solved}, Limit: 10})
		return err
	}))
	if len(ts) != 0 {
		t.Errorf("status filter: %d tickets", len(ts))
	}
}

// Attempts are counted per key within a window, and a new window starts
// from one.
func TestCountAttempt(t *testing.T) {
	db := sqlstoretest.Open(t)
	count := func(now time.Time) (n int) {
		must(t, db.Update(ctx, func(tx ticketd.Tx) (err error) {
			n, err = tx.CountAttempt(ctx, "account:a@b.c", now, now.Add(-ticketd.ThrottleWindow))
			return err
		}))
		return n
	}
	for i := 1; i <= 3; i++ {
		if n := count(t0.Add(time.Duration(i) * time.Second)); n != i {
			t.Fatalf("attempt %d counted %d", i, n)
		}
	}
	if n := count(t0.Add(ticketd.ThrottleWindow + time.Minute)); n != 1 {
		t.Fatalf("a new window counted %d", n)
	}
}

// The priority filter lists only the tickets of that priority, alone or with
// a status, and reads the priority index rather than the workspace's rows.
func TestViewTicketsByPriority(t *testing.T) {
	db := sqlstoretest.Open(t)
	f := newFixture(t, db, "priority")
	a, b, c := f.ticket(t, db), f.ticket(t, db), f.ticket(t, db)
	now := time.Now().UTC()
	must(t, db.Update(ctx, func(tx ticketd.Tx) error {
		for _, u := range []struct {
			tk *ticketd.Ticket
			p  ticketd.TicketPatch
		}{
			{a, ticketd.TicketPatch{Priority: ticketd.SetTo(ticketd.PriorityHigh), UpdatedAt: now}},
			{b, ticketd.TicketPatch{Priority: ticketd.SetTo(ticketd.PriorityLow), UpdatedAt: now}},
			{c, ticketd.TicketPatch{Priority: ticketd.SetTo(ticketd.PriorityHigh), Status: ticketd.SetTo(ticketd.StatusSolved), UpdatedAt: now}},
		} {
			if err := tx.UpdateTicket(ctx, u.tk.WorkspaceID, u.tk.ID, u.p); err != nil {
				return err
			}
		}
		return nil
	}))
	view := func(vf ticketd.ViewFilter) []ticketd.ID {
		var ts []*ticketd.Ticket
		must(t, db.View(ctx, func(tx ticketd.Tx) (err error) {
			ts, err = tx.ViewTickets(ctx, f.ws.ID, vf)
			return err
		}))
		var ids []ticketd.ID
		for _, tk := range ts {
			ids = append(ids, tk.ID)
		}
		return ids
	}
	high, open := ticketd.PriorityHigh, ticketd.StatusOpen
	if got := view(ticketd.ViewFilter{Priority: &high, Limit: 10}); len(got) != 2 || got[0] != c.ID || got[1] != a.ID {
		t.Fatalf("high: %v, want %v then %v", got, c.ID, a.ID)
	}
	if got := view(ticketd.ViewFilter{Priority: &high, Status: &open, Limit: 10}); len(got) != 1 || got[0] != a.ID {
		t.Fatalf("open and high: %v, want %v", got, a.ID)
	}
	urgent := ticketd.PriorityUrgent
	if got := view(ticketd.ViewFilter{Priority: &urgent, Limit: 10}); len(got) != 0 {
		t.Fatalf("urgent: %v, want none", got)
	}

	// The statement names the priority in an equality the index serves.
	var q string
	var args []any
	sqlstore.Trace(db, func(query string, a []any) {
		if strings.Contains(query, "t.priority = ") {
			q, args = query, append([]any(nil), a...)
		}
	})
	view(ticketd.ViewFilter{Priority: &high, Limit: 10})
	sqlstore.Trace(db, nil)
	if q == "" {
		t.Fatal("the priority filter's statement was not traced")
	}
	plan, err := explain(db, q, args)
	if err != nil {
		t.Fatal(err)
	}
	if bad := fullScans(db.Engine(), q, plan); len(bad) > 0 || !strings.Contains(strings.Join(plan, " "), "tickets_workspace_priority") {
		t.Fatalf("the priority view reads %v; plan:\n%s", bad, strings.Join(plan, "\n"))
	}
}
