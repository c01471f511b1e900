package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/typeid"
)

// scaleSeed names the scale workspace's objects the measurements use.
type scaleSeed struct {
	messages, tickets int
	key               string
	big, small        *ticketd.Ticket
	bigCount          int
	// bigLastCursor and smallLastCursor are the messages after which the
	// last page of 50 starts.
	bigLastCursor, smallLastCursor ticketd.ID
	agent                          ticketd.ID
	seedTime                       time.Duration
}

// seedScale writes the scale workspace through the store in large
// transactions (the bulk path: sqlstore's BulkLoad, multi-row INSERTs of
// the columns CreateTicket and CreateMessage write, 20,000 rows a commit,
// counters set as they are written): c.scale messages
// over c.scaleTix tickets, of which one long ticket holds c.bigTicket and
// one holds exactly 50; the rest are spread evenly. Tickets cycle through
// the four statuses and five agents.
func (e *env) seedScale(ctx context.Context) (*scaleSeed, error) {
	began := time.Now()
	n := e.c.scale
	tickets := e.c.scaleTix
	if tickets <= 0 {
		tickets = max(n/10, 2)
	}
	bigN := e.c.bigTicket
	if bigN <= 0 {
		bigN = n / 10
	}
	if bigN+50 > n || tickets < 2 {
		return nil, fmt.Errorf("--scale %d is too small for a ticket of %d messages and one of 50", n, bigN)
	}
	ws, owner, key, err := e.svc.CreateWorkspace(ctx, ticketd.NewWorkspace{Name: "Scale", OwnerEmail: "owner@scale.test"})
	if err != nil {
		return nil, err
	}
	s := &scaleSeed{messages: n, tickets: tickets, key: key, bigCount: bigN}
	agents := []ticketd.ID{owner.ID}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var customers []ticketd.ID
	err = e.db.Update(ctx, func(tx ticketd.Tx) error {
		for i := 1; i < 5; i++ {
			u := &ticketd.User{ID: ticketd.NewID(), WorkspaceID: ws.ID, Email: fmt.Sprintf("agent%d@scale.test", i),
				Name: fmt.Sprintf("Agent %d", i), Role: ticketd.RoleAgent, CreatedAt: base, UpdatedAt: base}
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
			agents = append(agents, u.ID)
		}
		for i := range 1000 {
			c := &ticketd.Customer{ID: ticketd.NewID(), WorkspaceID: ws.ID, Email: fmt.Sprintf("c%d@scale.test", i),
				FirstName: "Customer", LastName: fmt.Sprint(i), CreatedAt: base, UpdatedAt: base}
			if err := tx.CreateCustomer(ctx, c); err != nil {
				return err
			}
			customers = append(customers, c.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.agent = agents[0]
	statuses := []ticketd.Status{ticketd.StatusOpen, ticketd.StatusPending, ticketd.StatusSolved, ticketd.StatusClosed}
	rest := n - bigN - 50
	others := tickets - 2
	body := strings.Repeat("A customer wrote about their order, and an agent answered. ", 3)
	countOf := func(i int) int {
		switch {
		case i == 0:
			return bigN
		case i == 1:
			return 50
		}
		c := rest / others
		if i-2 < rest%others {
			c++
		}
		return c
	}
	// Seeding walks the tickets in order, a ticket and then its messages,
	// and hands every batch rows to the store's bulk path in one
	// transaction. A batch is built before its transaction, so a retried
	// transaction (Store.Update may run fn again) writes the same rows.
	const batch = 20000 // rows per transaction
	at := base
	var t *ticketd.Ticket
	ticket, msg := 0, -1 // the next message msg of ticket; msg < 0: the ticket itself
	for ticket < tickets {
		var ts []*ticketd.Ticket
		var ms []*ticketd.Message
		for rows := 0; rows < batch && ticket < tickets; rows++ {
			i, count := ticket, countOf(ticket)
			if msg < 0 {
				public := count - count/10 // every tenth message is an agent's internal note
				t = &ticketd.Ticket{ID: ticketd.NewID(), WorkspaceID: ws.ID, CustomerID: customers[i%len(customers)],
					Subject: fmt.Sprintf("Order question %d", i), Channel: "chat", Status: statuses[i%4], Tags: []string{},
					AssigneeID: &agents[(i/4)%5], UnreadCount: 1, LastMessage: body, LastMessageAt: at, Date: at,
					CreatedAt: at, UpdatedAt: at, MessageCount: count, PublicCount: public}
				ts = append(ts, t)
				switch i {
				case 0:
					s.big = t
				case 1:
					s.small = t
				}
				msg = 0
				continue
			}
			j := msg
			at = at.Add(time.Second)
			m := &ticketd.Message{ID: ticketd.NewID(), WorkspaceID: ws.ID, TicketID: t.ID, Internal: j%10 == 9,
				Author: ticketd.Author{Kind: ticketd.AuthorAgent, UserID: &agents[j%5]}, Body: body + scaleWords(i, j), Time: at,
				Channel: "chat", To: []string{}, Cc: []string{}, References: []string{}, Tags: []string{},
				CreatedAt: at, UpdatedAt: at}
			if j%2 == 0 {
				m.Author = ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &t.CustomerID}
			}
			ms = append(ms, m)
			// The cursor of the last page: the 51st message from the end,
			// or the one before it when that is a note (a note is no
			// cursor for a customer-facing surface).
			if i == 0 && (j == count-52 || (j == count-51 && !m.Internal)) {
				s.bigLastCursor = m.ID
			}
			msg++
			if msg == count {
				ticket, msg = ticket+1, -1
			}
		}
		if err := e.db.BulkLoad(ctx, ts, ms); err != nil {
			return nil, err
		}
		fmt.Printf("  scale: %d/%d tickets, %s\n", ticket, tickets, time.Since(began).Round(time.Second))
	}
	// Fresh statistics, as autovacuum (PostgreSQL) would gather them in
	// production: right after a bulk load PostgreSQL has none, and plans the
	// long ticket's first page as a bitmap scan and a sort of all its
	// messages (seen at 1.1 s a page before this line was added).
	if err := e.db.RawExec(ctx, "ANALYZE"); err != nil {
		return nil, fmt.Errorf("analyze: %w", err)
	}
	s.seedTime = time.Since(began)
	return s, nil
}

// scaleRow is one scale measurement.
type scaleRow struct {
	name    string
	res     result
	note    string
	errNote string
}

func (e *env) runScale(ctx context.Context, s *scaleSeed) ([]scaleRow, error) {
	bearer := http.Header{"Authorization": {"Bearer " + s.key}}
	base := e.ticketd.addr
	msgs := func(id ticketd.ID) string { return base + "/v1/tickets/" + id.String() }
	var rows []scaleRow
	getWith := func(name, url string, header http.Header) {
		t := target{method: "GET", url: url, header: header, want: 200}
		var r result
		if strings.HasSuffix(name, "one client") {
			drive(ctx, t, 1, e.c.warmup, e.c.maxRequests)
			r = drive(ctx, t, 1, e.c.duration, e.c.maxRequests)
		} else {
			r = e.measure(ctx, t)
		}
		fmt.Printf("%-60s %8.0f req/s p50 %-8s p99 %-8s\n", name, r.rps(), r.p50, r.p99)
		row := scaleRow{name: name, res: r}
		if r.stalled > 0 {
			row.errNote = fmt.Sprintf("%d stalled (unanswered after %s). ", r.stalled, stallAfter)
		}
		if r.errors > 0 {
			row.errNote += fmt.Sprintf("%d errors, first: %.200s", r.errors, r.firstErr)
			fmt.Println("   ", row.errNote)
		}
		rows = append(rows, row)
	}
	get := func(name, url string) { getWith(name, url, bearer) }
	bigN := fmt.Sprintf("%d-message ticket", s.bigCount)
	get("comments, first page of 50, 50-message ticket", msgs(s.small.ID)+"/comments?limit=50")
	get("comments, first page of 50, "+bigN, msgs(s.big.ID)+"/comments?limit=50")
	get("comments, last page of 50, "+bigN, msgs(s.big.ID)+"/comments?limit=50&after="+s.bigLastCursor.String())
	get("messages resource, first page of 50, 50-message ticket", msgs(s.small.ID)+"/messages?limit=50")
	get("messages resource, first page of 50, "+bigN, msgs(s.big.ID)+"/messages?limit=50")
	get("messages resource, last page of 50, "+bigN, msgs(s.big.ID)+"/messages?limit=50&cursor="+
		typeid.Format(typeid.Message, s.bigLastCursor))
	get(fmt.Sprintf("tickets ?status=open&assignee_id (of %d)", s.tickets), base+"/v1/tickets?status=open&limit=50&assignee_id="+s.agent.String())
	get(fmt.Sprintf("tickets ?status=pending (of %d)", s.tickets), base+"/v1/tickets?status=pending&limit=50")
	get(fmt.Sprintf("tickets ?assignee_id (of %d)", s.tickets), base+"/v1/tickets?limit=50&assignee_id="+s.agent.String())
	// The same lists with one client at a time: the latency of a list
	// itself, without the queueing of 32 connections on two cores.
	get(fmt.Sprintf("tickets ?status=open&assignee_id (of %d), one client", s.tickets), base+"/v1/tickets?status=open&limit=50&assignee_id="+s.agent.String())
	get(fmt.Sprintf("tickets ?status=pending (of %d), one client", s.tickets), base+"/v1/tickets?status=pending&limit=50")
	get("comments, last page of 50, "+bigN+", one client", msgs(s.big.ID)+"/comments?limit=50&after="+s.bigLastCursor.String())
	get("comments, first page of 50, 50-message ticket, one client", msgs(s.small.ID)+"/comments?limit=50")
	if err := e.scaleConsole(ctx, s, getWith); err != nil {
		return nil, err
	}
	rows = append(rows, e.runSearchScale(ctx, s)...)
	// The unpaged lists of the seeds on the long ticket: one request at a
	// time, with ticketd's resident memory before and at its peak.
	for _, u := range []struct{ name, url string }{
		{"messages resource unpaged, " + bigN, msgs(s.big.ID) + "/messages"},
		{"shop comments unpaged, " + bigN, base + fmt.Sprintf("/api/v1/tickets/%d/comments", s.big.Number)},
	} {
		before := e.ticketd.rssMB()
		peak := before
		stop := e.ticketd.sampleRSS(&peak)
		began := time.Now()
		req, _ := http.NewRequestWithContext(ctx, "GET", u.url, nil)
		req.Header = bearer.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			stop()
			return nil, err
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		took := time.Since(began)
		time.Sleep(200 * time.Millisecond)
		stop()
		note := fmt.Sprintf("%d, %.1f MB in %s; ticketd RSS %.0f → peak %.0f MB (+%.0f MB)", resp.StatusCode,
			float64(n)/(1<<20), took.Round(time.Millisecond), before, peak, peak-before)
		fmt.Println(u.name+":", note)
		rows = append(rows, scaleRow{name: u.name, note: note})
	}
	return rows, nil
}
