package sqlstore_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/console"
	"github.com/ticketd/ticketd/sqlstore"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// countingStore is the real store, counting the transactions run through it.
type countingStore struct {
	ticketd.Store
	txs atomic.Int64
}

func (s *countingStore) View(ctx context.Context, fn func(ticketd.Tx) error) error {
	s.txs.Add(1)
	return s.Store.View(ctx, fn)
}

func (s *countingStore) Update(ctx context.Context, fn func(ticketd.Tx) error) error {
	s.txs.Add(1)
	return s.Store.Update(ctx, fn)
}

// A console page costs a fixed number of transactions and, on PostgreSQL,
// of statements, however many tickets, customers and assignees it shows: a
// list page is the session's read (with the views' counts) and one read of
// the page (tickets, customers and assignees batched, inboxes, agents); a
// ticket page the session's and the ticket's. Counted through the real
// handler with the store's trace hook, for a page of 2 tickets and of 40
// (40 customers, 4 assignees); the customers' names and the session (with
// its agent and login) are one statement each on both engines, read by
// indexes.
func TestConsolePageReads(t *testing.T) {
	db := sqlstoretest.Open(t)
	cs := &countingStore{Store: db}
	svc := ticketd.NewService(cs, ticketd.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	_, owner, _, err := svc.CreateWorkspace(ctx, ticketd.NewWorkspace{Name: "Pages", OwnerEmail: "owner@pages.test"})
	must(t, err)
	p := &ticketd.Principal{WorkspaceID: owner.WorkspaceID, UserID: owner.ID, Scopes: ticketd.AllScopes, Audience: ticketd.AudienceTeam}
	var agents []ticketd.ID
	for i := range 4 {
		u, err := svc.CreateUser(ctx, p, ticketd.NewUser{Email: fmt.Sprintf("a%d@pages.test", i), Name: fmt.Sprint("Agent ", i)})
		must(t, err)
		agents = append(agents, u.ID)
	}
	addTickets := func(n int) (last *ticketd.Ticket) {
		for i := range n {
			c, err := svc.CreateCustomer(ctx, p, ticketd.NewCustomer{Email: fmt.Sprintf("c%d-%d@pages.test", n, i), FirstName: "C"})
			must(t, err)
			tk, err := svc.CreateTicket(ctx, p, ticketd.NewTicket{Customer: ticketd.ByID(c.ID), Subject: "Help", Channel: "chat"})
			must(t, err)
			_, err = svc.UpdateTicket(ctx, p, ticketd.ByID(tk.ID), ticketd.TicketUpdate{Assignee: &ticketd.Ref{ID: agents[i%len(agents)]}})
			must(t, err)
			_, err = svc.PostMessage(ctx, p, ticketd.ByID(tk.ID), ticketd.NewMessage{Body: "hello", Author: ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &c.ID}})
			must(t, err)
			last = tk
		}
		return last
	}
	_, err = svc.SetPasswordByEmail(ctx, owner.Email, "a long enough password")
	must(t, err)
	in, err := svc.SignIn(ctx, owner.Email, "a long enough password", "127.0.0.1")
	must(t, err)
	h := console.New(svc, console.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})

	type cost struct{ txs, statements int }
	var namesQuery, sessionQuery string
	var namesArgs, sessionArgs []any
	measure := func(path string) cost {
		t.Helper()
		var mu sync.Mutex
		n := 0
		sqlstore.Trace(db, func(q string, args []any) {
			mu.Lock()
			n++
			if strings.Contains(q, "first_name, last_name, name FROM customers") {
				namesQuery, namesArgs = q, append([]any(nil), args...)
			}
			if strings.Contains(q, "FROM sessions s") {
				sessionQuery, sessionArgs = q, append([]any(nil), args...)
			}
			mu.Unlock()
		})
		before := cs.txs.Load()
		r := httptest.NewRequest("GET", path, nil)
		r.AddCookie(&http.Cookie{Name: console.SessionCookie, Value: in.Token})
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		sqlstore.Trace(db, nil)
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
		}
		if !strings.Contains(w.Body.String(), "Help") {
			t.Fatalf("GET %s shows no ticket", path)
		}
		return cost{int(cs.txs.Load() - before), n}
	}

	small := addTickets(2)
	list2, ticket2 := measure("/?view=open"), measure("/console/tickets/"+strconv.FormatInt(small.Number, 10))
	addTickets(38)
	list40, ticket40 := measure("/?view=open"), measure("/console/tickets/"+strconv.FormatInt(small.Number, 10))
	t.Logf("%s: list page %+v (2 tickets), %+v (40); ticket page %+v, %+v", db.Engine(), list2, list40, ticket2, ticket40)
	if list2.txs != 2 || list40.txs != 2 {
		t.Errorf("a list page takes %d and %d transactions; want 2 (the session, the page)", list2.txs, list40.txs)
	}
	if ticket2.txs != 2 || ticket40.txs != 2 {
		t.Errorf("a ticket page takes %d and %d transactions; want 2 (the session with the counts, the ticket)", ticket2.txs, ticket40.txs)
	}
	if list40.statements != list2.statements {
		t.Errorf("the list page's statements grow with its tickets: %d for 2, %d for 40", list2.statements, list40.statements)
	}
	// The customers' names are read by the id index, one look-up per id,
	// on both engines (not by a walk of the workspace's customers).
	if namesQuery == "" {
		t.Fatal("the list page read no customer names")
	}
	plan, err := explain(db, namesQuery, namesArgs)
	must(t, err)
	t.Logf("customer names: %s", strings.Join(plan, " | "))
	byID := false
	for _, line := range plan {
		if strings.Contains(line, "Seq Scan") || strings.Contains(line, "SCAN customers") {
			t.Fatalf("the customer names scan the table: %s", strings.Join(plan, " | "))
		}
		byID = byID || strings.HasSuffix(line, "(id=?)") || strings.Contains(line, "Index Cond: (id = ANY")
	}
	if !byID {
		t.Fatalf("the customer names are not read by id: %s", strings.Join(plan, " | "))
	}
	// The session, its agent and login are one statement, read by indexes.
	if sessionQuery == "" {
		t.Fatal("no page read the session in one statement")
	}
	plan, err = explain(db, sessionQuery, sessionArgs)
	must(t, err)
	t.Logf("session: %s", strings.Join(plan, " | "))
	if bad := fullScans(db.Engine(), sessionQuery, plan); len(bad) > 0 {
		t.Fatalf("the session's read scans %v: %s", bad, strings.Join(plan, " | "))
	}
}
