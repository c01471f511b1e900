package sqlstore_test

import (
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/sqlstore"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// One table of searches and the tickets each must find, in order, run on
// whichever engine the suite runs on (TICKETD_TEST_DB): passing on both is
// what shows that a search means the same on SQLite and PostgreSQL — the
// same words (punctuation splits them alike: an address, a URL, markup),
// the same places, notes only for an audience that reads them, the same
// rank and the same filters.
func TestSearchMeansTheSameOnBothEngines(t *testing.T) {
	db := sqlstoretest.Open(t)
	svc := ticketd.NewService(db)
	_, _, key, err := svc.CreateWorkspace(ctx, ticketd.NewWorkspace{Name: "Search", OwnerEmail: "owner@search.test"})
	must(t, err)
	team, err := svc.Authenticate(ctx, key)
	must(t, err)
	team.Audience = ticketd.AudienceTeam
	blind := *team
	blind.Audience = ticketd.AudienceCustomer // a customer-facing integration: notes are not its to see

	ada, err := svc.CreateCustomer(ctx, team, ticketd.NewCustomer{Email: "ada.lovelace@analytical.example", FirstName: "Ada", LastName: "Lovelace"})
	must(t, err)
	bob, err := svc.CreateCustomer(ctx, team, ticketd.NewCustomer{Email: "bob@builder.example", FirstName: "Bob", LastName: "Stone"})
	must(t, err)
	tickets := map[string]*ticketd.Ticket{}
	open := func(name string, c *ticketd.Customer, subject, description string, status ticketd.Status, bodies ...string) {
		tk, err := svc.CreateTicket(ctx, team, ticketd.NewTicket{Customer: ticketd.ByID(c.ID), Subject: subject,
			Description: description, Channel: "chat", Status: status})
		must(t, err)
		for _, b := range bodies {
			in := ticketd.NewMessage{Body: b}
			if rest, ok := strings.CutPrefix(b, "note: "); ok {
				in = ticketd.NewMessage{Body: rest, Internal: true}
			}
			_, err := svc.PostMessage(ctx, team, ticketd.ByID(tk.ID), in)
			must(t, err)
		}
		tickets[name] = tk
	}
	// Oldest first: ties go to the newer ticket.
	open("parcel", bob, "Where is my parcel", "", ticketd.StatusOpen,
		"The parcel never arrived in Zürich", "Tracking says https://track.example/parcels/ZX-42?lang=en")
	open("refund", ada, "Refund for order 1042", "The kettle arrived broken", ticketd.StatusOpen,
		"Please refund the kettle", "note: refund approved by finance <internal>")
	open("kettle", bob, "Kettle question", "", ticketd.StatusPending,
		"Does the kettle whistle?", "Write to support@shop.example for a refund")
	open("solved", bob, "Thanks", "", ticketd.StatusSolved, "kettle refund done, thanks")

	search := func(p *ticketd.Principal, q string, f ticketd.ViewFilter) string {
		ts, err := svc.Search(ctx, p, q, f, 10)
		must(t, err)
		var names []string
		for _, tk := range ts {
			for name, want := range tickets {
				if want.ID == tk.ID {
					names = append(names, name)
				}
			}
		}
		return strings.Join(names, " ")
	}
	pending := ticketd.StatusPending
	for _, c := range []struct {
		q    string
		p    *ticketd.Principal
		f    ticketd.ViewFilter
		want string
	}{
		// Rank: 3 for the ticket's text (subject or description), 1 per
		// message, 1 for the customer; ties to the newer ticket.
		{"refund", team, ticketd.ViewFilter{}, "refund solved kettle"},
		{"kettle", team, ticketd.ViewFilter{}, "kettle refund solved"}, // 3+1, 3+1 (newer), 1
		// A note counts only for an audience that reads notes.
		{"approved", team, ticketd.ViewFilter{}, "refund"},
		{"approved", &blind, ticketd.ViewFilter{}, ""},
		{"internal", team, ticketd.ViewFilter{}, "refund"}, // markup is words, not a tag to drop
		// Every word in one place: subject+description is one place.
		{"refund broken", team, ticketd.ViewFilter{}, "refund"},
		{"parcel zürich", team, ticketd.ViewFilter{}, "parcel"},
		{"whistle refund", team, ticketd.ViewFilter{}, ""}, // two messages, not one
		// Punctuation splits words alike on both engines.
		{"parcels", team, ticketd.ViewFilter{}, "parcel"},
		{"zx 42", team, ticketd.ViewFilter{}, "parcel"},
		{"shop", team, ticketd.ViewFilter{}, "kettle"},
		{"support@shop.example", team, ticketd.ViewFilter{}, "kettle"},
		{"1042", team, ticketd.ViewFilter{}, "refund"},
		// Customers: name and the words of the email.
		{"lovelace", team, ticketd.ViewFilter{}, "refund"},
		{"analytical", team, ticketd.ViewFilter{}, "refund"},
		{"bob", team, ticketd.ViewFilter{}, "solved kettle parcel"},
		// Whole words; a trailing * makes the last a prefix of two or more.
		{"kett", team, ticketd.ViewFilter{}, ""},
		{"kett*", team, ticketd.ViewFilter{}, "kettle refund solved"},
		{"order kett*", team, ticketd.ViewFilter{}, "refund"},
		{"order whistle", team, ticketd.ViewFilter{}, ""},
		{"broken kett*", team, ticketd.ViewFilter{}, "refund"},
		{"k*", team, ticketd.ViewFilter{}, ""},
		// The views' filters.
		{"kettle", team, ticketd.ViewFilter{Status: &pending}, "kettle"},
		{"kettle", team, ticketd.ViewFilter{CustomerID: &bob.ID}, "kettle solved"},
	} {
		if got := search(c.p, c.q, c.f); got != c.want {
			t.Errorf("search %q (%v, %+v): %q, want %q", c.q, c.p.Audience, c.f, got, c.want)
		}
	}

	// The index follows edits and deletions.
	subject := "Teapot question"
	_, err = svc.UpdateTicket(ctx, team, ticketd.ByID(tickets["kettle"].ID), ticketd.TicketUpdate{Subject: &subject})
	must(t, err)
	if got := search(team, "teapot", ticketd.ViewFilter{}); got != "kettle" {
		t.Errorf("after the subject's edit: %q", got)
	}
	msgs, err := svc.Messages(ctx, team, ticketd.ByID(tickets["parcel"].ID), ticketd.MessageFilter{Page: ticketd.Page{Limit: 10}})
	must(t, err)
	must(t, svc.DeleteMessage(ctx, team, ticketd.ByID(tickets["parcel"].ID), ticketd.ByID(msgs.Messages[0].ID)))
	if got := search(team, "zürich", ticketd.ViewFilter{}); got != "" {
		t.Errorf("after the message's deletion: %q", got)
	}
	// Another workspace's tickets are never found.
	_, _, otherKey, err := svc.CreateWorkspace(ctx, ticketd.NewWorkspace{Name: "Other", OwnerEmail: "owner@other.test"})
	must(t, err)
	other, err := svc.Authenticate(ctx, otherKey)
	must(t, err)
	if ts, err := svc.Search(ctx, other, "kettle", ticketd.ViewFilter{}, 10); err != nil || len(ts) != 0 {
		t.Errorf("another workspace found %d tickets (%v)", len(ts), err)
	}
	if _, err := svc.Search(ctx, team, "?!", ticketd.ViewFilter{}, 10); ticketd.ErrorCode(err) != ticketd.EINVALID {
		t.Errorf("a search without a word: %v", err)
	}
}

// A filtered search looks past the newest matches that the filter rejects:
// with 320 newer matches in open tickets, more than the newest matches each
// source keeps without a filter (searchCandidates, 100), the one pending
// ticket that matches is still found (the filters apply before each source's
// cut, which with a filter is searchDepth, 500).
// And a ticket list's search (TopTickets' filter) keeps the list's order and
// paging.
func TestSearchFiltersBeforeTheCut(t *testing.T) {
	db := sqlstoretest.Open(t)
	svc := ticketd.NewService(db)
	_, _, key, err := svc.CreateWorkspace(ctx, ticketd.NewWorkspace{Name: "Deep", OwnerEmail: "owner@deep.test"})
	must(t, err)
	p, err := svc.Authenticate(ctx, key)
	must(t, err)
	c, err := svc.CreateCustomer(ctx, p, ticketd.NewCustomer{Email: "c@deep.test", FirstName: "C"})
	must(t, err)
	old, err := svc.CreateTicket(ctx, p, ticketd.NewTicket{Customer: ticketd.ByID(c.ID), Subject: "Old", Channel: "chat",
		Status: ticketd.StatusPending})
	must(t, err)
	_, err = svc.PostMessage(ctx, p, ticketd.ByID(old.ID), ticketd.NewMessage{Body: "printer jam"})
	must(t, err)
	var newest []ticketd.ID
	for i := range 320 {
		tk, err := svc.CreateTicket(ctx, p, ticketd.NewTicket{Customer: ticketd.ByID(c.ID), Subject: fmt.Sprint("New ", i),
			Channel: "chat", Status: ticketd.StatusOpen})
		must(t, err)
		_, err = svc.PostMessage(ctx, p, ticketd.ByID(tk.ID), ticketd.NewMessage{Body: "printer jam again"})
		must(t, err)
		newest = append(newest, tk.ID)
	}
	slices.Reverse(newest)
	pending := ticketd.StatusPending
	ts, err := svc.Search(ctx, p, "printer", ticketd.ViewFilter{Status: &pending}, 10)
	must(t, err)
	if len(ts) != 1 || ts[0].ID != old.ID {
		t.Errorf("filtered search found %d tickets", len(ts))
	}
	// Unfiltered, a ranking counts each source's newest matches (searchCandidates).
	ts, err = svc.Search(ctx, p, "printer", ticketd.ViewFilter{}, 100)
	must(t, err)
	if len(ts) != 100 || ts[0].ID != newest[0] {
		t.Errorf("unfiltered search: %d tickets", len(ts))
	}
	// The list's search: newest first, offset paging, other filters.
	list, err := svc.Tickets(ctx, p, ticketd.TicketFilter{Search: "printer jam", Limit: 3, Offset: 2})
	must(t, err)
	if len(list) != 3 || list[0].ID != newest[2] || list[2].ID != newest[4] {
		t.Errorf("list search page: %d tickets", len(list))
	}
	list, err = svc.Tickets(ctx, p, ticketd.TicketFilter{Search: "printer", Status: &pending, Limit: 10})
	must(t, err)
	if len(list) != 1 || list[0].ID != old.ID {
		t.Errorf("list search with status: %d tickets", len(list))
	}
	if _, err := svc.Tickets(ctx, p, ticketd.TicketFilter{Search: "%%", Limit: 10}); ticketd.ErrorCode(err) != ticketd.EINVALID {
		t.Errorf("a list search without a word: %v", err)
	}
}

// setMessageNumber makes the next message's number n+1, on either engine,
// so that a few messages spread over many of PostgreSQL's slices.
func setMessageNumber(t *testing.T, db *sqlstore.DB, n int64) {
	t.Helper()
	q := `UPDATE sqlite_sequence SET seq = $1 WHERE name = 'messages'`
	if db.Engine() == "postgres" {
		q = `SELECT setval(pg_get_serial_sequence('messages', 'number'), $1)`
	}
	must(t, db.RawUpdate(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, q, n)
		return err
	}))
}

// A search finds the newest matches however they spread over the messages'
// numbers: with a walk of 50 numbers, PostgreSQL reads the matches below it
// by slices of 8192 numbers (the first, a wider one sized by the density
// the first found, then the rest by the words alone), and each match is
// found once, in order, including those on either side of a slice's
// boundary, and the oldest one that only the last step reaches. The same
// table passes on SQLite, whose index has no slices.
func TestSearchReadsEveryRangeOfNumbers(t *testing.T) {
	defer sqlstore.SetSearchWalk(50)()
	db := sqlstoretest.Open(t)
	svc := ticketd.NewService(db)
	_, _, key, err := svc.CreateWorkspace(ctx, ticketd.NewWorkspace{Name: "Slices", OwnerEmail: "owner@slices.test"})
	must(t, err)
	p, err := svc.Authenticate(ctx, key)
	must(t, err)
	c, err := svc.CreateCustomer(ctx, p, ticketd.NewCustomer{Email: "c@slices.test", FirstName: "C"})
	must(t, err)
	var want []ticketd.ID // newest first
	post := func(number int64, status ticketd.Status, body string) ticketd.ID {
		tk, err := svc.CreateTicket(ctx, p, ticketd.NewTicket{Customer: ticketd.ByID(c.ID), Subject: "Question",
			Channel: "chat", Status: status})
		must(t, err)
		setMessageNumber(t, db, number-1)
		_, err = svc.PostMessage(ctx, p, ticketd.ByID(tk.ID), ticketd.NewMessage{Body: body})
		must(t, err)
		return tk.ID
	}
	old := post(5, ticketd.StatusPending, "printer jam")
	want = append(want, old)
	// Laid out for PostgreSQL's reads (walk 50, slices 8192, hi 130027):
	// the walk finds the newest 10; the first range, (121785, 129977],
	// reads slices 14 and 15 and its matches at both ends and either side
	// of their boundary; the second, sized by the density the first saw,
	// (58497, 121785]; the rest, numbers up to 58497, includes two more
	// either side of a boundary and the oldest.
	for _, n := range []int64{8191, 8192, 58497, 58498, 100000} {
		want = append(want, post(n, ticketd.StatusOpen, "printer again"))
	}
	post(100500, ticketd.StatusOpen, "something else")
	for _, n := range []int64{121785, 121786, 122879, 122880, 129977} {
		want = append(want, post(n, ticketd.StatusOpen, "printer, still"))
	}
	for i := range int64(10) {
		want = append(want, post(130000+i*3, ticketd.StatusOpen, "printer jam"))
	}
	slices.Reverse(want)

	var mu sync.Mutex
	steps := map[string]int{}
	sqlstore.Trace(db, func(q string, _ []any) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case strings.Contains(q, "&& $5::tsquery"):
			steps["slices"]++
		case strings.Contains(q, "message_search") && strings.Contains(q, "<= $5"):
			steps["rest"]++
		}
	})
	ts, err := svc.Search(ctx, p, "printer", ticketd.ViewFilter{}, 100)
	must(t, err)
	sqlstore.Trace(db, nil)
	if db.Engine() == "postgres" && (steps["slices"] == 0 || steps["rest"] == 0) {
		t.Errorf("the search read %v: not the slices and the rest", steps)
	}
	var got []ticketd.ID
	for _, tk := range ts {
		got = append(got, tk.ID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("search found %d tickets, want %d in order:\n got %v\nwant %v", len(got), len(want), got, want)
	}
	pending := ticketd.StatusPending
	ts, err = svc.Search(ctx, p, "printer", ticketd.ViewFilter{Status: &pending}, 10)
	must(t, err)
	if len(ts) != 1 || ts[0].ID != old {
		t.Errorf("the oldest match, pending: %d tickets", len(ts))
	}
	ts, err = svc.Search(ctx, p, "printer jam", ticketd.ViewFilter{}, 100)
	must(t, err)
	if len(ts) != 11 || ts[10].ID != old {
		t.Errorf("two words: %d tickets", len(ts))
	}
	list, err := svc.Tickets(ctx, p, ticketd.TicketFilter{Search: "print*", Limit: 100})
	must(t, err)
	if len(list) != len(want) {
		t.Errorf("list search: %d tickets, want %d", len(list), len(want))
	}
}

// PostgreSQL's search of messages never reads the messages table: every
// statement a search runs is EXPLAINed (sequential scans off, as in
// TestHotQueriesUseIndexes), and none names messages; message_search is
// read by its primary key for the walk over the newest rows and by its GIN
// index for the rest, never whole. Only the final page of tickets is read
// from the wide tables, by id.
func TestPostgresSearchReadsOnlyTheNarrowTable(t *testing.T) {
	db := sqlstoretest.Open(t)
	if db.Engine() != "postgres" {
		t.Skip("PostgreSQL's plans")
	}
	defer sqlstore.SetSearchWalk(5)()
	svc := ticketd.NewService(db)
	_, _, key, err := svc.CreateWorkspace(ctx, ticketd.NewWorkspace{Name: "Plan", OwnerEmail: "owner@plan.test"})
	must(t, err)
	p, err := svc.Authenticate(ctx, key)
	must(t, err)
	c, err := svc.CreateCustomer(ctx, p, ticketd.NewCustomer{Email: "c@plan.test", FirstName: "C"})
	must(t, err)
	// Three in the walk, the others in slices below it.
	for _, n := range []int64{10, 20010, 40010, 60010, 80010, 80011, 80012} {
		tk, err := svc.CreateTicket(ctx, p, ticketd.NewTicket{Customer: ticketd.ByID(c.ID), Subject: "Question", Channel: "chat"})
		must(t, err)
		setMessageNumber(t, db, n)
		_, err = svc.PostMessage(ctx, p, ticketd.ByID(tk.ID), ticketd.NewMessage{Body: "a rare zanzibar and common words"})
		must(t, err)
	}
	var mu sync.Mutex
	var queries []string
	args := map[string][]any{}
	sqlstore.Trace(db, func(q string, a []any) {
		mu.Lock()
		defer mu.Unlock()
		if _, seen := args[q]; !seen {
			queries = append(queries, q)
			args[q] = append([]any(nil), a...)
		}
	})
	for _, q := range []string{"zanzibar", "common", "common zanzibar"} {
		_, err = svc.Search(ctx, p, q, ticketd.ViewFilter{}, 50)
		must(t, err)
	}
	sqlstore.Trace(db, nil)
	var walk, gin int
	for _, q := range queries {
		if !strings.Contains(q, "message_search") {
			continue
		}
		plan, err := explain(db, q, args[q])
		must(t, err)
		text := strings.Join(plan, "\n")
		if regexp.MustCompile(`\bon messages\b`).MatchString(text) || strings.Contains(text, "Seq Scan") {
			t.Errorf("reads messages or scans a whole table:\n%s\n%s", q, text)
		}
		switch {
		case strings.Contains(text, "Index Scan Backward using message_search_pkey"):
			walk++
		case strings.Contains(text, "Bitmap Index Scan on message_search_vector"):
			gin++
		case strings.Contains(q, "MAX(number)"):
		default:
			t.Errorf("neither the walk nor GIN:\n%s\n%s", q, text)
		}
	}
	if walk == 0 || gin < 2 {
		t.Errorf("%d walks and %d reads of GIN (slices and the rest): the searches did not reach them", walk, gin)
	}
}
