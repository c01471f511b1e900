package console_test

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/server"
	"github.com/ticketd/ticketd/internal/scaledata"
	"github.com/ticketd/ticketd/sqlstore"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// TestConsolePerformance measures the console's server time per page and
// the search's latency over a large dataset. It is a measurement, not a
// unit test: it runs only with TICKETD_PERF=1 (sizes in TICKETD_PERF_TICKETS
// and TICKETD_PERF_MESSAGES), seeds through the store's own write path (so
// the triggers and full-text indexes are maintained as in production), and
// logs p50/p99 of each page. README.md reports what it measured.
func TestConsolePerformance(t *testing.T) {
	if os.Getenv("TICKETD_PERF") != "1" {
		t.Skip("a measurement: run with TICKETD_PERF=1")
	}
	nTickets := envInt("TICKETD_PERF_TICKETS", 100_000)
	nMessages := envInt("TICKETD_PERF_MESSAGES", 1_000_000)
	words := scaledata.Vocabulary(3000)
	rng := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rng, 1.1, 1, uint64(len(words)-1))
	// TICKETD_PERF_DB keeps the seeded SQLite file between runs: seeding a
	// million messages takes minutes, measuring seconds.
	dsn := os.Getenv("TICKETD_PERF_DB")
	reuse := false
	if dsn == "" {
		dsn = sqlstoretest.DSN(t)
	} else if _, err := os.Stat(dsn); err == nil {
		reuse = true
	}
	db := sqlstoretest.OpenDSN(t, dsn)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := ticketd.NewService(db, ticketd.WithLogger(logger))
	e := &perfEnv{DB: db, Service: svc, Handler: server.New(svc, server.Config{Logger: logger})}
	var numbers []int64
	if reuse {
		var wsID, ownerID, email string
		must(t, db.RawQueryRow(ctx, `SELECT w.id, u.id, u.email FROM workspaces w JOIN users u ON u.workspace_id = w.id ORDER BY u.number LIMIT 1`).Scan(&wsID, &ownerID, &email))
		var lo, hi int64
		must(t, db.RawQueryRow(ctx, `SELECT MIN(number), MAX(number) FROM tickets`).Scan(&lo, &hi))
		for n := lo; n <= hi; n++ {
			numbers = append(numbers, n)
		}
		ws, _ := ticketd.ParseID(wsID)
		owner, _ := ticketd.ParseID(ownerID)
		e.WS = &perfWS{ID: ws, Principal: &ticketd.Principal{WorkspaceID: ws, UserID: owner, Scopes: ticketd.AllScopes, Audience: ticketd.AudienceTeam}}
		e.WS.Owner.Email = email
		t.Logf("reusing %s: %d tickets", dsn, len(numbers))
	} else {
		w, owner, _, err := svc.CreateWorkspace(ctx, ticketd.NewWorkspace{Name: "Perf", OwnerEmail: "owner@perf.test"})
		must(t, err)
		e.WS = &perfWS{ID: w.ID, Principal: &ticketd.Principal{WorkspaceID: w.ID, UserID: owner.ID, Scopes: ticketd.AllScopes, Audience: ticketd.AudienceTeam}}
		e.WS.Owner.ID, e.WS.Owner.Email = owner.ID, owner.Email
		numbers = seed(t, e, nTickets, nMessages, words, rng, zipf)
		// What autovacuum would do after a bulk load: without statistics
		// PostgreSQL's planner cannot tell a common word from a rare one.
		if sqlstoretest.Engine() == "postgres" {
			must(t, db.RawExec(ctx, "ANALYZE"))
		}
	}
	if _, err := svc.SetPasswordByEmail(ctx, e.WS.Owner.Email, password); err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, h: e.Handler}
	expect(t, b.signIn(e.WS.Owner.Email), http.StatusSeeOther)
	mid := numbers[len(numbers)/2]
	pages := []struct{ name, path string }{
		{"view open, first page", "/?view=open"},
		{"view open, page deep in the list", "/?view=open&after=" + strconv.FormatInt(mid, 10)},
		{"view mine, oldest first", "/?view=mine&order=oldest"},
		{"view unassigned, tag filter", "/?view=unassigned&tag=vip"},
		{"view solved", "/?view=solved"},
		{"ticket page", ""},
	}
	for _, p := range pages {
		path := p.path
		d := measure(t, 300, func(i int) {
			if path == "" {
				b.do("GET", "/console/tickets/"+strconv.FormatInt(numbers[rng.IntN(len(numbers))], 10), nil)
				return
			}
			expect(t, b.do("GET", path, nil), http.StatusOK)
		})
		t.Logf("page %-34s p50 %6.2f ms  p99 %6.2f ms", p.name, ms(d[len(d)/2]), ms(d[len(d)*99/100]))
	}
	// Search: terms drawn from the same distribution as the text, so
	// common words (many hits) and rare ones both occur; one and two words.
	for _, terms := range []int{1, 2} {
		d := measure(t, 300, func(i int) {
			q := make([]string, terms)
			for j := range q {
				q[j] = words[zipf.Uint64()]
			}
			if _, err := e.Service.Search(ctx, e.WS.Principal, strings.Join(q, " "), ticketd.ViewFilter{}, 50); err != nil {
				t.Fatal(err)
			}
		})
		t.Logf("search, %d word(s), store only        p50 %6.2f ms  p99 %6.2f ms", terms, ms(d[len(d)/2]), ms(d[len(d)*99/100]))
	}
	d := measure(t, 300, func(i int) {
		expect(t, b.do("GET", "/console/search?q="+words[zipf.Uint64()], nil), http.StatusOK)
	})
	t.Logf("page %-34s p50 %6.2f ms  p99 %6.2f ms", "search results", ms(d[len(d)/2]), ms(d[len(d)*99/100]))

	// The first load's weight: the HTML of a view plus the CSS and JS.
	html := b.do("GET", "/?view=open", nil).body
	total := len(html)
	for _, a := range []string{"console.css", "console.js"} {
		rec := httptest.NewRecorder()
		e.Handler.ServeHTTP(rec, httptest.NewRequest("GET", "/console/static/"+a, nil))
		total += rec.Body.Len()
	}
	t.Logf("first load: %d bytes of HTML, CSS and JS", total)
}

func measure(t *testing.T, n int, f func(i int)) []time.Duration {
	t.Helper()
	f(0) // warm the statement cache
	d := make([]time.Duration, n)
	for i := range n {
		s := time.Now()
		f(i)
		d[i] = time.Since(s)
	}
	slices.Sort(d)
	return d
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type perfWS struct {
	ID        ticketd.ID
	Principal *ticketd.Principal
	Owner     struct {
		ID    ticketd.ID
		Email string
	}
}

type perfEnv struct {
	DB      *sqlstore.DB
	Service *ticketd.Service
	Handler http.Handler
	WS      *perfWS
}

// seed writes the dataset through the store's own write path, so the
// triggers and full-text indexes are maintained as in production.
func seed(t *testing.T, e *perfEnv, nTickets, nMessages int, words []string, rng *rand.Rand, zipf *rand.Zipf) []int64 {
	text := func(n int) string { return scaledata.Sentence(words, zipf, n) }

	start := time.Now()
	var customers []*ticketd.Customer
	var ticketIDs []ticketd.ID
	var numbers []int64
	agents := []ticketd.ID{e.WS.Owner.ID}
	now := time.Now().UTC().Truncate(time.Microsecond)
	const batch = 5000
	for done := 0; done < nTickets; done += batch {
		must(t, e.DB.Update(ctx, func(tx ticketd.Tx) error {
			for i := done; i < min(done+batch, nTickets); i++ {
				if i%4 == 0 {
					c := &ticketd.Customer{ID: ticketd.NewID(), WorkspaceID: e.WS.ID, Email: fmt.Sprintf("c%d@example.com", i),
						FirstName: strings.Title(words[rng.IntN(len(words))]), LastName: strings.Title(words[rng.IntN(len(words))]), CreatedAt: now, UpdatedAt: now}
					if err := tx.CreateCustomer(ctx, c); err != nil {
						return err
					}
					customers = append(customers, c)
				}
				st := []ticketd.Status{ticketd.StatusOpen, ticketd.StatusOpen, ticketd.StatusPending, ticketd.StatusSolved}[rng.IntN(4)]
				tk := &ticketd.Ticket{ID: ticketd.NewID(), WorkspaceID: e.WS.ID, CustomerID: customers[len(customers)-1].ID,
					Subject: text(5), Channel: "email", Status: st, Tags: []string{[]string{"refund", "shipping", "vip", "bug"}[rng.IntN(4)]},
					LastMessage: text(12), LastMessageAt: now, Date: now, CreatedAt: now, UpdatedAt: now}
				if rng.IntN(3) == 0 {
					tk.AssigneeID = &agents[0]
				}
				if err := tx.CreateTicket(ctx, tk); err != nil {
					return err
				}
				ticketIDs = append(ticketIDs, tk.ID)
				numbers = append(numbers, tk.Number)
			}
			return nil
		}))
	}
	t.Logf("seeded %d tickets in %v", nTickets, time.Since(start).Round(time.Millisecond))
	start = time.Now()
	owner := e.WS.Owner.ID
	for done := 0; done < nMessages; done += batch {
		must(t, e.DB.Update(ctx, func(tx ticketd.Tx) error {
			for i := done; i < min(done+batch, nMessages); i++ {
				m := &ticketd.Message{ID: ticketd.NewID(), WorkspaceID: e.WS.ID, TicketID: ticketIDs[rng.IntN(len(ticketIDs))],
					Author: ticketd.Author{Kind: ticketd.AuthorAgent, UserID: &owner}, Internal: i%10 == 0, Body: text(40),
					Time: now, Channel: "email", To: []string{}, Cc: []string{}, References: []string{}, Tags: []string{},
					CreatedAt: now, UpdatedAt: now}
				if err := tx.CreateMessage(ctx, m); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	t.Logf("seeded %d messages in %v (engine %s)", nMessages, time.Since(start).Round(time.Millisecond), sqlstoretest.Engine())

	return numbers
}
