package main

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	ticketd "github.com/ticketd/ticketd"
)

// seeded names what the routes run against.
type seeded struct {
	agents      []*ticketd.User
	customer    *ticketd.Customer
	postTicket  *ticketd.Ticket // native POST comments land here
	shopTicket  *ticketd.Ticket // shop POST comments
	ceilTicket  *ticketd.Ticket // the insert ceiling's comments
	readTicket  *ticketd.Ticket // 50 messages, read by the GET routes and their ceiling
	inbox       string
	inboundBody string
}

// seedBasic creates, through the domain's use cases, the workspace of the
// route runs: five agents, a customer, a ticket of 50 messages, 2,000
// tickets spread over four statuses and five assignees (so that a list
// filtered by status and assignee has 100 matches, two pages), and a
// verified domain with an inbox for inbound email.
func (e *env) seedBasic(ctx context.Context) error {
	_, owner, key, err := e.svc.CreateWorkspace(ctx, ticketd.NewWorkspace{Name: "Bench", OwnerEmail: "owner@bench.test"})
	if err != nil {
		return err
	}
	e.key = key
	if e.p, err = e.svc.Authenticate(ctx, key); err != nil {
		return err
	}
	s := &e.seed
	s.agents = []*ticketd.User{owner}
	for i := 1; i < 5; i++ {
		u, err := e.svc.CreateUser(ctx, e.p, ticketd.NewUser{Email: fmt.Sprintf("agent%d@bench.test", i), Name: fmt.Sprintf("Agent %d", i)})
		if err != nil {
			return err
		}
		s.agents = append(s.agents, u)
	}
	if s.customer, err = e.svc.CreateCustomer(ctx, e.p, ticketd.NewCustomer{Email: "ada@customer.test", FirstName: "Ada", LastName: "Lovelace"}); err != nil {
		return err
	}
	newTicket := func(subject string, status ticketd.Status, assignee *ticketd.User) (*ticketd.Ticket, error) {
		in := ticketd.NewTicket{Customer: ticketd.ByID(s.customer.ID), Subject: subject, Channel: "chat", Status: status}
		if assignee != nil {
			ref := ticketd.ByID(assignee.ID)
			in.Assignee = &ref
		}
		return e.svc.CreateTicket(ctx, e.p, in)
	}
	for _, t := range []struct {
		dst     **ticketd.Ticket
		subject string
	}{{&s.postTicket, "native posts"}, {&s.shopTicket, "shop posts"}, {&s.ceilTicket, "ceiling posts"}, {&s.readTicket, "fifty messages"}} {
		if *t.dst, err = newTicket(t.subject, ticketd.StatusOpen, nil); err != nil {
			return err
		}
	}
	customer := ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &s.customer.ID}
	for i := range 50 {
		in := ticketd.NewMessage{Body: fmt.Sprintf("Message %d of the conversation. %s", i, strings.Repeat("Some words of a reply. ", 8))}
		if i%2 == 0 {
			in.Author = customer
		}
		if _, err := e.svc.PostMessage(ctx, e.p, ticketd.ByID(s.readTicket.ID), in); err != nil {
			return err
		}
	}
	statuses := []ticketd.Status{ticketd.StatusOpen, ticketd.StatusPending, ticketd.StatusSolved, ticketd.StatusClosed}
	for i := range 2000 {
		if _, err := newTicket(fmt.Sprintf("Ticket %d", i), statuses[i%4], s.agents[(i/4)%5]); err != nil {
			return err
		}
	}
	d, err := e.svc.CreateSendingDomain(ctx, e.p, "bench.test")
	if err != nil {
		return err
	}
	if _, _, err := e.svc.VerifyDomain(ctx, e.p, ticketd.ByID(d.ID)); err != nil {
		return err
	}
	s.inbox = "support@bench.test"
	if _, err := e.svc.CreateInbox(ctx, e.p, ticketd.NewInbox{Address: s.inbox, Name: "Support"}); err != nil {
		return err
	}
	return nil
}

// inboundEmail returns the emails of the inbound route: each a new customer
// message (a new Message-ID each time, warm-ups included, so none is a
// duplicate) in plain text.
func (e *env) inboundEmail(run string) func(int64) []byte {
	var n atomic.Int64
	return func(int64) []byte {
		i := n.Add(1)
		return []byte(fmt.Sprintf("From: Ada Lovelace <ada@customer.test>\r\nTo: Support <%s>\r\n"+
			"Subject: Where is my order %d?\r\nMessage-ID: <%s-%d@customer.test>\r\nDate: %s\r\n"+
			"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
			"Hello,\r\n\r\nI ordered a blue teapot two weeks ago (order %d) and it has not arrived yet.\r\n"+
			"Could you tell me where it is?\r\n\r\nThanks,\r\nAda\r\n",
			e.seed.inbox, i, run, i, time.Now().UTC().Format(time.RFC1123Z), i))
	}
}
