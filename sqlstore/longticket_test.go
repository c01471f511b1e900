package sqlstore_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/sqlstore"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// A long ticket written before many other messages is the case where a
// planner that takes a ticket's messages to be spread evenly over the table
// reads the primary key (number) from the cursor on and filters by ticket:
// every message written after the ticket's, for its last page. Every page
// by creation, first and last, for every audience and column set, must read
// the ticket's own index, with the statistics fresh (ANALYZE), as the
// planner sees a production table.
func TestLongTicketPagesReadTheTicketIndex(t *testing.T) {
	db := sqlstoretest.Open(t)
	svc := ticketd.NewService(db)
	p := newPrincipal(t, svc, "long")
	p.Audience = ticketd.AudienceTeam
	c, err := svc.CreateCustomer(ctx, p, ticketd.NewCustomer{Email: "ada@long.test", FirstName: "Ada"})
	must(t, err)
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var tickets []*ticketd.Ticket
	var msgs []*ticketd.Message
	for _, n := range []int{2000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000} {
		tk := &ticketd.Ticket{ID: ticketd.NewID(), WorkspaceID: p.WorkspaceID, CustomerID: c.ID, Subject: "Long", Channel: "chat",
			Status: ticketd.StatusOpen, Tags: []string{}, LastMessageAt: at, Date: at, CreatedAt: at, UpdatedAt: at, MessageCount: n,
			PublicCount: n - n/10}
		tickets = append(tickets, tk)
		for j := range n {
			at = at.Add(time.Second)
			msgs = append(msgs, &ticketd.Message{ID: ticketd.NewID(), WorkspaceID: p.WorkspaceID, TicketID: tk.ID,
				Author: ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &c.ID}, Internal: j%10 == 9, Body: "words",
				Time: at, Channel: "chat", To: []string{}, Cc: []string{}, References: []string{}, Tags: []string{},
				CreatedAt: at, UpdatedAt: at})
		}
	}
	began := time.Now()
	must(t, db.BulkLoad(ctx, tickets, msgs))
	t.Logf("bulk %s", time.Since(began))
	must(t, db.RawExec(ctx, "ANALYZE messages"))
	t.Logf("analyze %s", time.Since(began))
	long := tickets[0]
	last := msgs[2000-52].ID // the page after it is the last 51
	var mu sync.Mutex
	queries := map[string][]any{}
	sqlstore.Trace(db, func(q string, args []any) {
		if strings.Contains(q, "FROM messages") && strings.Contains(q, "ORDER BY") {
			mu.Lock()
			queries[q+"\x00"+fmt.Sprint(args...)] = append([]any(nil), args...)
			mu.Unlock()
		}
	})
	for _, f := range []ticketd.MessageFilter{
		{Page: ticketd.Page{Limit: 50}},
		{Page: ticketd.Page{Limit: 50}, AfterID: &last},
		{Page: ticketd.Page{Limit: 50}, Brief: true},
		{Page: ticketd.Page{Limit: 50}, AfterID: &last, Brief: true},
	} {
		for _, audience := range []ticketd.Audience{ticketd.AudienceTeam, ticketd.AudienceCustomer} {
			p.Audience = audience
			conv, err := svc.Messages(ctx, p, ticketd.ByID(long.ID), f)
			must(t, err)
			if len(conv.Messages) == 0 {
				t.Fatalf("no messages for %+v", f)
			}
		}
	}
	sqlstore.Trace(db, nil)
	if len(queries) < 4 {
		t.Fatalf("only %d page queries traced", len(queries))
	}
	for key, args := range queries {
		q, _, _ := strings.Cut(key, "\x00")
		plan, err := explain(db, q, args)
		must(t, err)
		text := strings.Join(plan, " | ")
		t.Logf("%s %v\n  -> %s", oneLine(q), args, text)
		if !strings.Contains(text, "messages_ticket_number") || strings.Contains(text, "messages_pkey") {
			t.Errorf("a page of the long ticket does not read the ticket's index:\n%s\nargs %v\nplan:\n%s", q, args,
				strings.Join(plan, "\n"))
		}
	}
}
