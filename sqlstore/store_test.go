package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/sqlstore"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

var ctx = context.Background()

// fixture is one workspace with an agent and a customer, written through the
// store alone.
type fixture struct {
	ws       *ticketd.Workspace
	user     *ticketd.User
	customer *ticketd.Customer
}

var t0 = time.Date(2026, 4, 28, 10, 0, 0, 123456000, time.UTC)

func newFixture(t *testing.T, db *sqlstore.DB, name string) fixture {
	t.Helper()
	f := fixture{
		ws:   &ticketd.Workspace{ID: ticketd.NewID(), Name: name, Settings: ticketd.DefaultSettings, CreatedAt: t0},
		user: &ticketd.User{ID: ticketd.NewID(), Email: "agent@" + name + ".test", Name: "Agent", Role: ticketd.RoleAgent, CreatedAt: t0, UpdatedAt: t0},
		customer: &ticketd.Customer{ID: ticketd.NewID(), Email: "ada@" + name + ".test", FirstName: "Ada", LastName: "Lovelace",
			CreatedAt: t0, UpdatedAt: t0},
	}
	f.user.WorkspaceID, f.customer.WorkspaceID = f.ws.ID, f.ws.ID
	must(t, db.Update(ctx, func(tx ticketd.Tx) error {
		if err := tx.CreateWorkspace(ctx, f.ws); err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, f.user); err != nil {
			return err
		}
		return tx.CreateCustomer(ctx, f.customer)
	}))
	return f
}

func (f fixture) ticket(t *testing.T, db *sqlstore.DB) *ticketd.Ticket {
	t.Helper()
	tk := &ticketd.Ticket{ID: ticketd.NewID(), WorkspaceID: f.ws.ID, CustomerID: f.customer.ID, Subject: "Refund",
		Channel: "email", Status: ticketd.StatusOpen, Tags: []string{"refund"}, LastMessageAt: t0, Date: t0,
		CreatedAt: t0, UpdatedAt: t0}
	must(t, db.Update(ctx, func(tx ticketd.Tx) error { return tx.CreateTicket(ctx, tk) }))
	return tk
}

func (f fixture) message(t *testing.T, db *sqlstore.DB, tk *ticketd.Ticket, body string, at time.Time, internal bool) *ticketd.Message {
	t.Helper()
	m := &ticketd.Message{ID: ticketd.NewID(), WorkspaceID: f.ws.ID, TicketID: tk.ID,
		Author: ticketd.Author{Kind: ticketd.AuthorAgent, UserID: &f.user.ID}, Internal: internal, Body: body,
		Time: at, Channel: "email", To: []string{"ada@example.com"}, Cc: []string{}, References: []string{}, Tags: []string{},
		CreatedAt: at, UpdatedAt: at}
	must(t, db.Update(ctx, func(tx ticketd.Tx) error { return tx.CreateMessage(ctx, m) }))
	return m
}

func (f fixture) messageWith(t *testing.T, db *sqlstore.DB, tk *ticketd.Ticket, body, externalID string) *ticketd.Message {
	t.Helper()
	m := &ticketd.Message{ID: ticketd.NewID(), WorkspaceID: f.ws.ID, TicketID: tk.ID,
		Author: ticketd.Author{Kind: ticketd.AuthorAgent, UserID: &f.user.ID}, Body: body, ExternalID: externalID,
		Time: t0, Channel: "email", To: []string{}, Cc: []string{}, References: []string{}, Tags: []string{},
		CreatedAt: t0, UpdatedAt: t0}
	must(t, db.Update(ctx, func(tx ticketd.Tx) error { return tx.CreateMessage(ctx, m) }))
	return m
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	db := sqlstoretest.Open(t) // migrated once
	n, err := db.Migrate(ctx)
	must(t, err)
	if n != 0 {
		t.Fatalf("second Migrate applied %d migrations, want 0", n)
	}
}

// The shared SQL relies on the driver binding $N by number, not by position:
// a placeholder used twice, and placeholders out of order, must bind the same
// argument everywhere. This proves it for the engine under test.
func TestDollarPlaceholdersBindByNumber(t *testing.T) {
	db := sqlstoretest.Open(t)
	f := newFixture(t, db, "bind")
	f.ticket(t, db)
	// Tickets uses $2 twice ("$2 IS NULL OR status = $2").
	var got []*ticketd.Ticket
	closed := ticketd.StatusClosed
	open := ticketd.StatusOpen
	must(t, db.View(ctx, func(tx ticketd.Tx) (err error) {
		if got, err = tx.Tickets(ctx, f.ws.ID, ticketd.TicketFilter{Status: &closed}); err != nil || len(got) != 0 {
			return fmt.Errorf("closed filter: %d tickets, err %v", len(got), err)
		}
		got, err = tx.Tickets(ctx, f.ws.ID, ticketd.TicketFilter{Status: &open})
		return err
	}))
	if len(got) != 1 {
		t.Fatalf("open filter: got %d tickets, want 1", len(got))
	}
	// And a raw statement with placeholders out of order and repeated.
	var a, b, c string
	must(t, db.RawQueryRow(ctx, `SELECT $2, $1, $2 || $3`, "one", "two", "three").Scan(&a, &b, &c))
	if a != "two" || b != "one" || c != "twothree" {
		t.Fatalf("bound %q %q %q, want two one twothree", a, b, c)
	}
}

func TestCreateAndGetByIDAndNumber(t *testing.T) {
	db := sqlstoretest.Open(t)
	f := newFixture(t, db, "get")
	tk := f.ticket(t, db)
	if tk.Number <= 0 {
		t.Fatalf("number %d, want positive", tk.Number)
	}
	for _, ref := range []ticketd.Ref{ticketd.ByID(tk.ID), ticketd.ByNumber(tk.Number)} {
		var got *ticketd.Ticket
		must(t, db.View(ctx, func(tx ticketd.Tx) (err error) {
			got, err = tx.Ticket(ctx, f.ws.ID, ref)
			return err
		}))
		if got.ID != tk.ID || got.Subject != "Refund" || got.Tags[0] != "refund" || !got.Date.Equal(t0) {
			t.Fatalf("got %+v", got)
		}
		if got.Date != t0 {
			t.Fatalf("time round trip: got %v, want %v (location and precision must survive)", got.Date, t0)
		}
	}
}

func TestObjectsOfAnotherWorkspaceAreNotFound(t *testing.T) {
	db := sqlstoretest.Open(t)
	a := newFixture(t, db, "a")
	b := newFixture(t, db, "b")
	tk := a.ticket(t, db)
	m := a.message(t, db, tk, "hello", t0, false)
	checks := map[string]func(tx ticketd.Tx) error{
		"ticket":  func(tx ticketd.Tx) error { _, err := tx.Ticket(ctx, b.ws.ID, ticketd.ByID(tk.ID)); return err },
		"ticket#": func(tx ticketd.Tx) error { _, err := tx.Ticket(ctx, b.ws.ID, ticketd.ByNumber(tk.Number)); return err },
		"customer": func(tx ticketd.Tx) error {
			_, err := tx.Customer(ctx, b.ws.ID, ticketd.ByID(a.customer.ID))
			return err
		},
		"user":    func(tx ticketd.Tx) error { _, err := tx.User(ctx, b.ws.ID, ticketd.ByID(a.user.ID)); return err },
		"message": func(tx ticketd.Tx) error { _, err := tx.Message(ctx, b.ws.ID, ticketd.ByID(m.ID)); return err },
		"delete":  func(tx ticketd.Tx) error { return tx.DeleteMessage(ctx, b.ws.ID, m.ID) },
		"byemail": func(tx ticketd.Tx) error { _, err := tx.CustomerByEmail(ctx, b.ws.ID, a.customer.Email); return err },
	}
	for name, check := range checks {
		err := db.Update(ctx, check)
		if ticketd.ErrorCode(err) != ticketd.ENOTFOUND {
			t.Errorf("%s: got %v, want ENOTFOUND", name, err)
		}
	}
	var n int
	must(t, db.View(ctx, func(tx ticketd.Tx) error {
		ms, err := tx.Messages(ctx, a.ws.ID, tk.ID, ticketd.MessageFilter{IncludeInternal: true})
		n = len(ms)
		return err
	}))
	if n != 1 {
		t.Fatalf("workspace A's message count %d after B's attempts, want 1", n)
	}
}

func TestUniqueViolationIsConflict(t *testing.T) {
	db := sqlstoretest.Open(t)
	f := newFixture(t, db, "dup")
	dup := *f.customer
	dup.ID = ticketd.NewID()
	err := db.Update(ctx, func(tx ticketd.Tx) error { return tx.CreateCustomer(ctx, &dup) })
	if ticketd.ErrorCode(err) != ticketd.ECONFLICT {
		t.Fatalf("got %v, want ECONFLICT", err)
	}
}

func TestFailedTransactionWritesNothing(t *testing.T) {
	db := sqlstoretest.Open(t)
	f := newFixture(t, db, "rollback")
	boom := errors.New("boom")
	err := db.Update(ctx, func(tx ticketd.Tx) error {
		c := &ticketd.Customer{ID: ticketd.NewID(), WorkspaceID: f.ws.ID, Email: "new@x.test", CreatedAt: t0, UpdatedAt: t0}
		if err := tx.CreateCustomer(ctx, c); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	err = db.View(ctx, func(tx ticketd.Tx) error { _, err := tx.CustomerByEmail(ctx, f.ws.ID, "new@x.test"); return err })
	if ticketd.ErrorCode(err) != ticketd.ENOTFOUND {
		t.Fatalf("customer of a rolled back transaction: %v", err)
	}
}

func TestMessageOrders(t *testing.T) {
	db := sqlstoretest.Open(t)
	f := newFixture(t, db, "order")
	tk := f.ticket(t, db)
	second := f.message(t, db, tk, "second by time", t0.Add(2*time.Hour), false)
	first := f.message(t, db, tk, "first by time", t0.Add(time.Hour), false)
	note := f.message(t, db, tk, "note", t0.Add(3*time.Hour), true)
	tie := f.message(t, db, tk, "tie with first", t0.Add(time.Hour), false)
	cases := []struct {
		name string
		f    ticketd.MessageFilter
		want []*ticketd.Message
	}{
		{"creation", ticketd.MessageFilter{}, []*ticketd.Message{second, first, tie}},
		{"creation with notes", ticketd.MessageFilter{IncludeInternal: true}, []*ticketd.Message{second, first, note, tie}},
		{"by time, ties by creation", ticketd.MessageFilter{Order: ticketd.ByTime}, []*ticketd.Message{first, tie, second}},
		{"newest by time", ticketd.MessageFilter{Order: ticketd.NewestByTime, Page: ticketd.Page{Limit: 1}}, []*ticketd.Message{second}},
		{"page after", ticketd.MessageFilter{Page: ticketd.Page{AfterNumber: second.Number, Limit: 1}}, []*ticketd.Message{first}},
	}
	for _, c := range cases {
		var got []*ticketd.Message
		must(t, db.View(ctx, func(tx ticketd.Tx) (err error) {
			got, err = tx.Messages(ctx, f.ws.ID, tk.ID, c.f)
			return err
		}))
		if len(got) != len(c.want) {
			t.Errorf("%s: got %d messages, want %d", c.name, len(got), len(c.want))
			continue
		}
		for i := range got {
			if got[i].ID != c.want[i].ID {
				t.Errorf("%s: [%d] = %q, want %q", c.name, i, got[i].Body, c.want[i].Body)
			}
		}
	}
}

func TestMessageRoundTrip(t *testing.T) {
	db := sqlstoretest.Open(t)
	f := newFixture(t, db, "roundtrip")
	tk := f.ticket(t, db)
	html, lang := "<p>hi</p>", "en"
	m := &ticketd.Message{ID: ticketd.NewID(), WorkspaceID: f.ws.ID, TicketID: tk.ID,
		Author: ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &f.customer.ID}, Body: "hi", BodyHTML: &html,
		Time: t0, Channel: "email", Subject: "Hi", FromAddress: "ada@example.com", FromName: "Ada",
		To: []string{"support@example.com"}, Cc: []string{"b@example.com"}, ExternalID: "<a@b>", InReplyTo: "<x@y>",
		References: []string{"<x@y>"}, Language: &lang, Tags: []string{"t"}, ExternalAttachments: []byte(`[{"name":"a.pdf"}]`),
		CreatedAt: t0, UpdatedAt: t0}
	must(t, db.Update(ctx, func(tx ticketd.Tx) error { return tx.CreateMessage(ctx, m) }))
	var got *ticketd.Message
	must(t, db.View(ctx, func(tx ticketd.Tx) (err error) {
		got, err = tx.Message(ctx, f.ws.ID, ticketd.ByNumber(m.Number))
		return err
	}))
	if *got.BodyHTML != html || *got.Language != lang || got.Sentiment != nil || got.Cc[0] != "b@example.com" ||
		got.References[0] != "<x@y>" || string(got.ExternalAttachments) != `[{"name":"a.pdf"}]` || *got.Author.CustomerID != f.customer.ID ||
		got.Author.UserID != nil || got.Time != t0 {
		t.Fatalf("round trip lost something: %+v", got)
	}
	// The same Message-ID twice in one workspace is one message.
	dup := *m
	dup.ID = ticketd.NewID()
	err := db.Update(ctx, func(tx ticketd.Tx) error { return tx.CreateMessage(ctx, &dup) })
	if ticketd.ErrorCode(err) != ticketd.ECONFLICT {
		t.Fatalf("duplicate external id: got %v, want ECONFLICT", err)
	}
}

// Writers from many goroutines queue on the single write connection instead
// of failing with "database is locked".
func TestConcurrentWriters(t *testing.T) {
	db := sqlstoretest.Open(t)
	f := newFixture(t, db, "concurrent")
	tk := f.ticket(t, db)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			m := &ticketd.Message{ID: ticketd.NewID(), WorkspaceID: f.ws.ID, TicketID: tk.ID,
				Author: ticketd.Author{Kind: ticketd.AuthorAgent, UserID: &f.user.ID}, Body: fmt.Sprint(i), Time: t0,
				To: []string{}, Cc: []string{}, References: []string{}, Tags: []string{}, CreatedAt: t0, UpdatedAt: t0}
			errs <- db.Update(ctx, func(tx ticketd.Tx) error { return tx.CreateMessage(ctx, m) })
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	var n int
	must(t, db.View(ctx, func(tx ticketd.Tx) error {
		ms, err := tx.Messages(ctx, f.ws.ID, tk.ID, ticketd.MessageFilter{IncludeInternal: true})
		n = len(ms)
		return err
	}))
	if n != 40 {
		t.Fatalf("%d messages, want 40", n)
	}
}

// ExternalIDs keeps the first Message-ID and the newest ones, in order.
func TestExternalIDs(t *testing.T) {
	db := sqlstoretest.Open(t)
	f := newFixture(t, db, "refs")
	tk := f.ticket(t, db)
	var all []string
	for i := 0; i < 6; i++ {
		ext := ""
		if i != 2 { // a message without a Message-ID (a chat reply) is skipped
			ext = fmt.Sprintf("<%d@x>", i)
			all = append(all, ext)
		}
		f.messageWith(t, db, tk, fmt.Sprint(i), ext)
	}
	for limit, want := range map[int][]string{
		3:  {all[0], all[3], all[4]},
		10: all,
		1:  {all[0]},
	} {
		var got []string
		must(t, db.View(ctx, func(tx ticketd.Tx) (err error) {
			got, err = tx.ExternalIDs(ctx, f.ws.ID, tk.ID, limit)
			return err
		}))
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("limit %d: %v, want %v", limit, got, want)
		}
	}
}

// A query is prepared once, after the first transaction that ran it, and
// reused from then on. Preparing must never wait for a connection from
// inside a transaction: SQLite's writer pool has exactly one, so an early
// version of the cache deadlocked on the first write of a fresh database.
func TestStatementsArePreparedOnceOutsideTransactions(t *testing.T) {
	db := sqlstoretest.Open(t)
	f := newFixture(t, db, "prepare") // hung here, until go test's -timeout, when it deadlocked
	w, _ := sqlstore.PreparedStatements(db)
	if w < 3 { // workspace, user, customer inserts
		t.Fatalf("%d statements prepared on the writer after the first transaction, want at least 3", w)
	}
	newFixture(t, db, "prepare2") // the same queries again
	if w2, _ := sqlstore.PreparedStatements(db); w2 != w {
		t.Fatalf("the same queries again prepared %d more statements", w2-w)
	}
	f.ticket(t, db)
	must(t, db.View(ctx, func(tx ticketd.Tx) error {
		_, err := tx.Tickets(ctx, f.ws.ID, ticketd.TicketFilter{})
		return err
	}))
	if _, r := sqlstore.PreparedStatements(db); r == 0 {
		t.Fatal("no statement prepared on the read pool after a read transaction")
	}
}

// A Brief listing reads the conversation's core fields, the same as a full
// one, and leaves the rest empty.
func TestBriefMessages(t *testing.T) {
	db := sqlstoretest.Open(t)
	f := newFixture(t, db, "brief")
	tk := f.ticket(t, db)
	m := f.messageWith(t, db, tk, "hello", "<1@x>")
	var full, brief []*ticketd.Message
	must(t, db.View(ctx, func(tx ticketd.Tx) (err error) {
		if full, err = tx.Messages(ctx, f.ws.ID, tk.ID, ticketd.MessageFilter{IncludeInternal: true}); err != nil {
			return err
		}
		brief, err = tx.Messages(ctx, f.ws.ID, tk.ID, ticketd.MessageFilter{IncludeInternal: true, Brief: true})
		return err
	}))
	if len(full) != 1 || len(brief) != 1 {
		t.Fatalf("%d and %d messages", len(full), len(brief))
	}
	b, w := brief[0], full[0]
	if b.ID != m.ID || b.Number != w.Number || b.TicketID != w.TicketID || b.Body != w.Body || b.Author.Kind != w.Author.Kind ||
		*b.Author.UserID != *w.Author.UserID || b.Internal != w.Internal || !b.Time.Equal(w.Time) ||
		!b.CreatedAt.Equal(w.CreatedAt) || !b.UpdatedAt.Equal(w.UpdatedAt) || b.Channel != w.Channel {
		t.Fatalf("brief %+v differs from full %+v in a core field", b, w)
	}
	if b.ExternalID != "" || w.ExternalID != "<1@x>" {
		t.Fatalf("brief external id %q, full %q", b.ExternalID, w.ExternalID)
	}
}
