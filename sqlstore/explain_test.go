package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/sqlstore"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// trustingAuthority verifies every domain; acceptingMailer accepts every
// email: the workload needs an outbox, not DNS or a relay.
type trustingAuthority struct{}

func (trustingAuthority) NewKeys(string) (ticketd.DomainKeys, error) {
	return ticketd.DomainKeys{Selector: "s"}, nil
}
func (trustingAuthority) Records(*ticketd.SendingDomain) []ticketd.DNSRecord { return nil }
func (trustingAuthority) Verify(context.Context, *ticketd.SendingDomain) (*ticketd.DomainVerification, error) {
	return &ticketd.DomainVerification{Verified: true}, nil
}

type acceptingMailer struct{}

func (acceptingMailer) Send(context.Context, *ticketd.OutgoingEmail) error { return nil }

// hotWorkload runs the use cases the API serves all day (authenticate, post,
// list and page conversations by every order and cursor, list tickets by
// every filter, edit, delete, ingest email, deliver the outbox) so that the
// store's trace sees every query they run.
func hotWorkload(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	svc := ticketd.NewService(db, ticketd.WithDomainAuthority(trustingAuthority{}))
	_, _, key, err := svc.CreateWorkspace(ctx, ticketd.NewWorkspace{Name: "Hot", OwnerEmail: "owner@hot.test"})
	must(t, err)
	p, err := svc.Authenticate(ctx, key)
	must(t, err)
	p.Audience = ticketd.AudienceTeam // the workload writes internal notes too
	c, err := svc.CreateCustomer(ctx, p, ticketd.NewCustomer{Email: "ada@customer.test", FirstName: "Ada"})
	must(t, err)
	tk, err := svc.CreateTicket(ctx, p, ticketd.NewTicket{Customer: ticketd.ByID(c.ID), Subject: "Help", Channel: "email"})
	must(t, err)
	d, err := svc.CreateSendingDomain(ctx, p, "hot.test")
	must(t, err)
	_, _, err = svc.VerifyDomain(ctx, p, ticketd.ByID(d.ID))
	must(t, err)
	inbox, err := svc.CreateInbox(ctx, p, ticketd.NewInbox{Address: "support@hot.test", Name: "Support"})
	must(t, err)
	customer := ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &c.ID}
	var last *ticketd.Message
	for i, in := range []ticketd.NewMessage{
		{Body: "hello", Author: customer}, {Body: "reply", Email: ticketd.EmailAlways}, {Body: "note", Internal: true},
		{Body: "comment", Email: ticketd.EmailIfEmailTicket}, {Body: "again", Author: customer},
	} {
		last, err = svc.PostMessage(ctx, p, ticketd.ByID(tk.ID), in)
		must(t, err)
		if i == 0 {
			_, err = svc.PostMessage(ctx, p, ticketd.ByNumber(tk.Number), ticketd.NewMessage{Body: "by number"})
			must(t, err)
		}
	}
	for _, f := range []ticketd.MessageFilter{
		{IncludeInternal: true, Page: ticketd.Page{Limit: 50}},
		{IncludeInternal: true, Page: ticketd.Page{Limit: 50}, AfterID: &last.ID},
		{IncludeInternal: true, Page: ticketd.Page{Limit: 50}, AfterID: &last.ID, Brief: true},
		{Order: ticketd.ByTime, Page: ticketd.Page{Limit: 2}, Authors: true},
		{Order: ticketd.ByTime, Page: ticketd.Page{Limit: 2}, AfterID: &last.ID},
		{Page: ticketd.Page{Limit: 50}, Authors: true},
	} {
		_, err := svc.Messages(ctx, p, ticketd.ByID(tk.ID), f)
		must(t, err)
	}
	for _, o := range []ticketd.MessageOrder{ticketd.ByCreation, ticketd.ByTime} {
		must(t, svc.StreamMessages(ctx, p, ticketd.ByNumber(tk.Number), ticketd.MessageFilter{Order: o},
			func(*ticketd.Ticket) error { return nil }, func(*ticketd.Message, *ticketd.Participants) error { return nil }))
	}
	open, number := ticketd.StatusOpen, tk.Number
	for _, f := range []ticketd.TicketFilter{
		{Limit: 51}, {Status: &open, Limit: 51}, {AssigneeID: &p.UserID, Limit: 51},
		{Status: &open, AssigneeID: &p.UserID, Limit: 51}, {CustomerID: &c.ID, Limit: 51}, {Number: &number},
		{BeforeID: &tk.ID, Limit: 51}, {Status: &open, BeforeID: &tk.ID, Limit: 51},
		// HelpWave's getRecentConversations.
		{ActiveSince: ptr(time.Now().Add(-7 * 24 * time.Hour)), ByActivity: true, Limit: 500},
	} {
		_, err := svc.Tickets(ctx, p, f)
		must(t, err)
	}
	// The console's views (and Ticket0's status=open): open or new, each
	// status read in index order (ViewTickets, Tickets with Statuses).
	_, err = svc.Tickets(ctx, p, ticketd.TicketFilter{Statuses: ticketd.OpenStatuses, Limit: 51})
	must(t, err)
	for _, v := range ticketd.Views {
		f, _ := v.Filter(p)
		for _, g := range []ticketd.ViewFilter{f, {Oldest: true, After: 1}, {Tag: "vip"}, {InboxID: &inbox.ID}, {Priority: ptr(ticketd.PriorityHigh)}} {
			g.Status, g.Statuses, g.AssigneeID, g.Unassigned = f.Status, f.Statuses, f.AssigneeID, f.Unassigned
			_, _, err := svc.ViewTickets(ctx, p, g)
			must(t, err)
		}
	}
	_, err = svc.ViewCounts(ctx, p)
	must(t, err)
	_, err = svc.TicketDetail(ctx, p, ticketd.ByID(tk.ID)) // the console's ticket page
	must(t, err)
	// Search: one word, several with a prefix, a filter (which reads
	// deeper), notes or not, and a ticket list's search filter.
	for _, q := range []struct {
		text string
		f    ticketd.ViewFilter
	}{{"hello", ticketd.ViewFilter{}}, {"again hel*", ticketd.ViewFilter{}}, {"ada", ticketd.ViewFilter{Status: &open}},
		{"help", ticketd.ViewFilter{Status: &open, AssigneeID: &p.UserID, Tag: "vip", Priority: ptr(ticketd.PriorityHigh)}}} {
		_, err := svc.Search(ctx, p, q.text, q.f, 50)
		must(t, err)
		blind := *p
		blind.Audience = ticketd.AudienceCustomer
		_, err = svc.Search(ctx, &blind, q.text, q.f, 50)
		must(t, err)
	}
	_, err = svc.Tickets(ctx, p, ticketd.TicketFilter{Search: "hello", Status: &open, Limit: 100, Offset: 10})
	must(t, err)
	subject, solved := "Changed", ticketd.StatusSolved
	_, err = svc.UpdateTicket(ctx, p, ticketd.ByID(tk.ID), ticketd.TicketUpdate{Subject: &subject, Status: &solved, Assignee: ptr(ticketd.ByID(p.UserID))})
	must(t, err)
	body := "edited"
	_, err = svc.UpdateMessage(ctx, p, ticketd.ByID(tk.ID), ticketd.ByID(last.ID), ticketd.MessageUpdate{Body: &body})
	must(t, err)
	must(t, svc.DeleteMessage(ctx, p, ticketd.ByID(tk.ID), ticketd.ByID(last.ID)))
	first := "Ada B."
	_, err = svc.UpdateCustomer(ctx, p, c.ID, ticketd.CustomerUpdate{FirstName: &first})
	must(t, err)
	_, _, err = svc.EnsureCustomer(ctx, p, ticketd.NewCustomer{Email: "ada@customer.test"})
	must(t, err)
	_, _, err = svc.EnsureCustomer(ctx, p, ticketd.NewCustomer{Phone: "+15550100"})
	must(t, err)
	email := &ticketd.InboundEmail{MessageID: "<in-1@customer.test>", From: ticketd.EmailAddress{Address: "ada@customer.test"},
		To: []ticketd.EmailAddress{{Address: inbox.Address}}, Subject: "Order", Text: "Where is it?"}
	_, err = svc.InboxAmong(ctx, p, []string{inbox.Address})
	must(t, err)
	res, err := svc.IngestEmail(ctx, inbox, email)
	must(t, err)
	reply := &ticketd.InboundEmail{MessageID: "<in-2@customer.test>", InReplyTo: res.Message.ExternalID, References: []string{email.MessageID},
		From: email.From, To: email.To, Subject: "Re: Order", Text: "Still waiting."}
	_, err = svc.IngestEmail(ctx, inbox, reply)
	must(t, err)
	_, err = svc.IngestEmail(ctx, inbox, reply) // a duplicate
	must(t, err)
	_, err = svc.DeliverDue(ctx, acceptingMailer{}, 10)
	must(t, err)
	// The dashboard's counts and activity feed, and the server secret that
	// signs download links (TopTickets).
	_, err = svc.TicketStats(ctx, p)
	must(t, err)
	_, err = svc.RecentEvents(ctx, p, 0, 20)
	must(t, err)
	must(t, db.Update(ctx, func(tx ticketd.Tx) error {
		_, err := tx.ServerSecret(ctx, "hot", []byte("secret"), time.Now())
		return err
	}))
	other := ticketd.NewService(db) // an empty key cache: the key is looked up
	_, err = other.Authenticate(ctx, key)
	must(t, err)
}

func ptr[T any](v T) *T { return &v }

// bulk gives the planners tables with enough rows to choose as they would in
// production: two workspaces of 500 tickets with 4 messages each and one
// ticket of 2,000 messages, then fresh statistics.
func bulk(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	for w := range 2 {
		f := newFixture(t, db, fmt.Sprintf("bulk%d", w))
		must(t, db.Update(ctx, func(tx ticketd.Tx) error {
			for i := range 500 {
				n := 4
				if i == 0 {
					n = 2000
				}
				tk := &ticketd.Ticket{ID: ticketd.NewID(), WorkspaceID: f.ws.ID, CustomerID: f.customer.ID, Subject: "s",
					Channel: "chat", Status: []ticketd.Status{"open", "pending", "solved", "closed"}[i%4], Tags: []string{},
					AssigneeID: &f.user.ID, LastMessageAt: t0, Date: t0, CreatedAt: t0, UpdatedAt: t0}
				if err := tx.CreateTicket(ctx, tk); err != nil {
					return err
				}
				for j := range n {
					at := t0.Add(time.Duration(j) * time.Second)
					m := &ticketd.Message{ID: ticketd.NewID(), WorkspaceID: f.ws.ID, TicketID: tk.ID,
						Author: ticketd.Author{Kind: ticketd.AuthorAgent, UserID: &f.user.ID}, Body: "b", Time: at,
						ExternalID: fmt.Sprintf("<%d.%d.%d@bulk>", w, i, j), To: []string{}, Cc: []string{},
						References: []string{}, Tags: []string{}, CreatedAt: at, UpdatedAt: at}
					if err := tx.CreateMessage(ctx, m); err != nil {
						return err
					}
				}
			}
			return nil
		}))
	}
	must(t, db.RawExec(ctx, "ANALYZE"))
}

var errRollback = errors.New("rollback")

// sqliteScan matches a plan line that reads a whole table (SEARCH reads by
// an index key; SCAN of a subquery's alias reads at most its LIMIT).
var sqliteScan = regexp.MustCompile(`^SCAN (\w+)`)

// sqliteBounded is true for a SCAN that reads no more than it returns: a
// subquery's alias (at most its LIMIT), a full-text MATCH (FTS5's index
// plan "M"), or json_each over an argument.
func sqliteBounded(name, line string) bool {
	switch name {
	case "newest", "first", "ct", "json_each",
		"u": // u: HasUnsequencedEvents' LIMIT 1 subquery
		return true
	}
	return strings.Contains(line, " VIRTUAL TABLE INDEX ") && strings.Contains(line, ":M")
}

// pgWorkspaceOnly matches an index condition on the workspace alone, and
// pgBigIndexScan the plain index scan of a large table it would drive (the
// small tables, users or inboxes, are read by whatever index the planner
// likes; a bitmap AND of two indexes is bounded by the other index).
var pgBigIndexScan = regexp.MustCompile(`(^|-> +)Index Scan( Backward)? using \w+ on (tickets|messages|customers)\b`)

var pgWorkspaceOnly = regexp.MustCompile(`^(Index|Recheck) Cond: \(workspace_id = '[^']*'::text\)$`)

// No hot query scans a whole table, on either engine: every query the hot
// use cases run is EXPLAINed (SQLite's EXPLAIN QUERY PLAN; PostgreSQL's
// EXPLAIN with sequential scans disabled, so a plan that still has one has
// no index to use) and a full scan of any table fails the test.
func TestHotQueriesUseIndexes(t *testing.T) {
	db := sqlstoretest.Open(t)
	var mu sync.Mutex
	queries := map[string][]any{}
	sqlstore.Trace(db, func(q string, args []any) {
		mu.Lock()
		defer mu.Unlock()
		if _, seen := queries[q]; !seen {
			queries[q] = append([]any(nil), args...)
		}
	})
	hotWorkload(t, db)
	sqlstore.Trace(db, nil)
	bulk(t, db)
	var texts []string
	for q := range queries {
		if strings.HasPrefix(strings.TrimSpace(q), "INSERT") {
			continue // an insert reads nothing
		}
		texts = append(texts, q)
	}
	sort.Strings(texts)
	if len(texts) < 20 {
		t.Fatalf("only %d queries traced; the workload did not run", len(texts))
	}
	for _, q := range texts {
		plan, err := explain(db, q, queries[q])
		if err != nil {
			t.Errorf("explain %s: %v", q, err)
			continue
		}
		t.Logf("%s\n  -> %s", oneLine(q), strings.Join(plan, " | "))
		if bad := fullScans(db.Engine(), q, plan); len(bad) > 0 {
			t.Errorf("full scan of %v in\n%s\nplan:\n%s", bad, q, strings.Join(plan, "\n"))
		}
	}
}

func explain(db *sqlstore.DB, q string, args []any) ([]string, error) {
	q = db.Statement(q) // the text the engine runs
	var plan []string
	collect := func(rows *sql.Rows, err error) error {
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			plan = append(plan, fmt.Sprint(vals[len(vals)-1])) // SQLite's detail; PostgreSQL's one column
		}
		return rows.Err()
	}
	if db.Engine() == "sqlite" {
		// On the write connection: a DELETE's plan includes its triggers,
		// which the full-text tables' module resolves on the connection.
		err := db.RawUpdate(ctx, func(tx *sql.Tx) error {
			if err := collect(tx.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)); err != nil {
				return err
			}
			return errRollback
		})
		if err == errRollback {
			err = nil
		}
		return plan, err
	}
	err := db.RawUpdate(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			return err
		}
		if err := collect(tx.QueryContext(ctx, "EXPLAIN "+q, args...)); err != nil {
			return err
		}
		return errRollback
	})
	if err == errRollback {
		err = nil
	}
	return plan, err
}

// fullScans lists what in plan reads more than the rows it returns, give or
// take a bounded filter: a scan of a whole table; on SQLite also a sort of
// all matching rows (a temporary b-tree, outside the bounded UNION of
// ExternalIDs), and an index searched by workspace alone for a query that
// names another key (every customer of the workspace read to find one).
func fullScans(engine, query string, plan []string) []string {
	var bad []string
	equalities := strings.Count(query, " = $")
	prev := ""
	for _, line := range plan {
		line = strings.TrimSpace(line)
		last := prev
		prev = line
		if engine == "sqlite" {
			if m := sqliteScan.FindStringSubmatch(line); m != nil && !sqliteBounded(m[1], line) {
				bad = append(bad, m[1])
			}
			// A sort is bounded in a UNION of limited parts, and over a
			// list of ids passed in (a search's candidates).
			if strings.HasPrefix(line, "USE TEMP B-TREE FOR ORDER BY") && !strings.Contains(query, "UNION") &&
				!strings.Contains(query, "json_each($") {
				bad = append(bad, "a sort of every matching row")
			}
			// people_versions is keyed by the workspace alone: one row each.
			if strings.HasSuffix(line, "(workspace_id=?)") && equalities > 1 && strings.HasPrefix(query, "SELECT") &&
				!strings.Contains(line, " people_versions ") {
				bad = append(bad, "the workspace's rows: "+line)
			}
		} else if pgWorkspaceOnly.MatchString(line) && equalities > 1 && pgBigIndexScan.MatchString(last) {
			bad = append(bad, "the workspace's rows: "+line)
		} else if i := strings.Index(line, "Seq Scan on "); i >= 0 {
			bad = append(bad, strings.Fields(line[i+len("Seq Scan on "):])[0])
		}
	}
	return bad
}

func oneLine(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	if i := strings.Index(q, " FROM "); i > 0 && strings.HasPrefix(q, "SELECT") {
		q = "SELECT …" + q[i:]
	}
	return q
}
