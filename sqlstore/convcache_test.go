package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/sqlstore"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// The conversation cache (convcache.go in the root package) is tested here,
// beside the triggers that keep its versions, with two stores on one
// database standing for two nodes: one reads (and caches), the other
// writes.

// convNode is one node: its own store (pools, statement cache) and its own
// Service (caches), on the shared database.
type convNode struct {
	db  *sqlstore.DB
	svc *ticketd.Service
	p   *ticketd.Principal
}

type convWorld struct {
	reader, writer convNode
	// truth reads with no cache at all, through the writer's store.
	truth  *ticketd.Service
	ticket *ticketd.Ticket
	ada    *ticketd.Customer
	inbox  *ticketd.Inbox
}

func newConvWorld(t *testing.T) *convWorld {
	t.Helper()
	dsn := sqlstoretest.DSN(t)
	node := func() convNode {
		db := sqlstoretest.OpenDSN(t, dsn)
		return convNode{db: db, svc: ticketd.NewService(db, ticketd.WithDomainAuthority(trustingAuthority{}))}
	}
	w := &convWorld{reader: node(), writer: node()}
	w.truth = ticketd.NewService(w.writer.db, ticketd.WithConversationCache(0))
	_, _, key, err := w.writer.svc.CreateWorkspace(ctx, ticketd.NewWorkspace{Name: "Conv", OwnerEmail: "owner@conv.test"})
	must(t, err)
	for _, n := range []*convNode{&w.reader, &w.writer} {
		n.p, err = n.svc.Authenticate(ctx, key)
		must(t, err)
		n.p.Audience = ticketd.AudienceTeam
	}
	wp := w.writer.p
	w.ada, err = w.writer.svc.CreateCustomer(ctx, wp, ticketd.NewCustomer{Email: "ada@customer.test", FirstName: "Ada"})
	must(t, err)
	d, err := w.writer.svc.CreateSendingDomain(ctx, wp, "conv.test")
	must(t, err)
	_, _, err = w.writer.svc.VerifyDomain(ctx, wp, ticketd.ByID(d.ID))
	must(t, err)
	w.inbox, err = w.writer.svc.CreateInbox(ctx, wp, ticketd.NewInbox{Address: "support@conv.test", Name: "Support"})
	must(t, err)
	w.ticket, err = w.writer.svc.CreateTicket(ctx, wp, ticketd.NewTicket{Customer: ticketd.ByID(w.ada.ID), Subject: "Help",
		Channel: "email", InboxID: &w.inbox.ID})
	must(t, err)
	_, err = w.writer.svc.PostMessage(ctx, wp, ticketd.ByID(w.ticket.ID), ticketd.NewMessage{Body: "first",
		Author: ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &w.ada.ID}})
	must(t, err)
	return w
}

// render is everything of a conversation the surfaces show, as read by svc
// for p: a page with authors, the unpaged stream, and the page a
// note-blind audience gets.
func render(t *testing.T, svc *ticketd.Service, p *ticketd.Principal, ticket ticketd.ID) string {
	t.Helper()
	var b strings.Builder
	lineOf := func(m *ticketd.Message, people *ticketd.Participants) string {
		author := "?"
		if id := m.Author.CustomerID; id != nil && people != nil && people.Customers[*id] != nil {
			c := people.Customers[*id]
			author = c.FullName() + " <" + c.Email + ">"
		}
		if id := m.Author.UserID; id != nil && people != nil && people.Users[*id] != nil {
			author = people.Users[*id].Name
		}
		return fmt.Sprintf("  %s %q internal=%v delivery=%s/%d/%q by %s\n", m.ID, m.Body, m.Internal, m.Delivery,
			m.DeliveryAttempts, m.DeliveryError, author)
	}
	line := func(m *ticketd.Message, people *ticketd.Participants) { b.WriteString(lineOf(m, people)) }
	blind := *p
	blind.Audience = ticketd.AudienceCustomer
	for _, q := range []struct {
		name string
		p    *ticketd.Principal
		f    ticketd.MessageFilter
	}{
		{"page", p, ticketd.MessageFilter{Page: ticketd.Page{Limit: 50}, Authors: true}},
		{"first of two", p, ticketd.MessageFilter{Page: ticketd.Page{Limit: 2}, Authors: true}},
		{"brief", p, ticketd.MessageFilter{Page: ticketd.Page{Limit: 50}, Brief: true}},
		{"customer's page", &blind, ticketd.MessageFilter{Order: ticketd.ByTime, Page: ticketd.Page{Limit: 50}, Authors: true}},
	} {
		c, err := svc.Messages(ctx, q.p, ticketd.ByID(ticket), q.f)
		if err != nil {
			fmt.Fprintf(&b, "%s: %v\n", q.name, err)
			continue
		}
		fmt.Fprintf(&b, "%s: total %d more %v\n", q.name, c.Total, c.More)
		for _, m := range c.Messages {
			line(m, c.People)
		}
		// A surface's rendering of the page, as Rendered keeps it.
		r, err := c.Rendered("test.page", func() ([]byte, error) {
			var out []byte
			for _, m := range c.Messages {
				out = append(out, lineOf(m, c.People)...)
			}
			return out, nil
		})
		fmt.Fprintf(&b, "%s rendered: %v\n%s", q.name, err, r)
	}
	for _, q := range []struct {
		name string
		p    *ticketd.Principal
	}{{"stream", p}, {"customer's stream", &blind}} {
		b.WriteString(q.name + ":\n")
		err := svc.StreamMessages(ctx, q.p, ticketd.ByID(ticket), ticketd.MessageFilter{Order: ticketd.ByCreation},
			func(tk *ticketd.Ticket) error {
				fmt.Fprintf(&b, "  %d public of %d\n", tk.PublicCount, tk.MessageCount)
				return nil
			},
			func(m *ticketd.Message, people *ticketd.Participants) error { line(m, people); return nil })
		if err != nil {
			fmt.Fprintf(&b, "  %v\n", err)
		}
	}
	// A surface's rendering, as StreamRendered keeps it with a cached page.
	for _, q := range []struct {
		name string
		p    *ticketd.Principal
	}{{"rendered", p}, {"customer's rendered", &blind}} {
		var items []string
		count := 0
		err := svc.StreamRendered(ctx, q.p, ticketd.ByID(ticket), ticketd.MessageFilter{}, "test.line",
			func(*ticketd.Ticket) error { return nil },
			func(out []byte, m *ticketd.Message, people *ticketd.Participants) ([]byte, error) {
				return append(out, lineOf(m, people)...), nil
			},
			func(raw []byte, n int) error { items = append(items, string(raw)); count += n; return nil })
		// However the items came (one by one, or at once from the cache),
		// the array they make is the same.
		fmt.Fprintf(&b, "%s: %v %d %q\n", q.name, err, count, strings.Join(items, ","))
	}
	return b.String()
}

// statements counts the statements db runs during fn.
func statements(db *sqlstore.DB, fn func()) int {
	var n atomic.Int64
	sqlstore.Trace(db, func(string, []any) { n.Add(1) })
	defer sqlstore.Trace(db, nil)
	fn()
	return int(n.Load())
}

type refusingMailer struct{}

func (refusingMailer) Send(context.Context, *ticketd.OutgoingEmail) error {
	return fmt.Errorf("%w: 550 no such user", ticketd.ErrPermanentDelivery)
}

// Every kind of write that changes a conversation page, made through the
// other node, is visible to the next read of the node that cached the page:
// what it serves is exactly what a read without any cache shows.
func TestConversationCacheNeverStaleAcrossNodes(t *testing.T) {
	w := newConvWorld(t)
	r, wr := w.reader, w.writer
	tk := ticketd.ByID(w.ticket.ID)
	var reply, note, failing *ticketd.Message
	var bob *ticketd.Customer
	post := func(in ticketd.NewMessage) *ticketd.Message {
		m, err := wr.svc.PostMessage(ctx, wr.p, tk, in)
		must(t, err)
		return m
	}
	edit := func(m *ticketd.Message, u ticketd.MessageUpdate) {
		_, err := wr.svc.UpdateMessage(ctx, wr.p, tk, ticketd.ByID(m.ID), u)
		must(t, err)
	}
	steps := []struct {
		name string
		// hidden: the write changes nothing a page shows today (only its
		// version must move).
		hidden bool
		write  func()
	}{
		{"new message", false, func() { reply = post(ticketd.NewMessage{Body: "reply", Email: ticketd.EmailAlways}) }},
		{"edited message", false, func() { edit(reply, ticketd.MessageUpdate{Body: ptr("reply, edited")}) }},
		{"internal note", false, func() { note = post(ticketd.NewMessage{Body: "a note", Internal: true}) }},
		{"note made public", false, func() { edit(note, ticketd.MessageUpdate{Internal: ptr(false)}) }},
		{"public message made a note", false, func() { edit(note, ticketd.MessageUpdate{Internal: ptr(true)}) }},
		{"outbox marks delivery sent", false, func() {
			n, err := wr.svc.DeliverDue(ctx, acceptingMailer{}, 10)
			must(t, err)
			if n != 1 {
				t.Fatalf("delivered %d, want 1", n)
			}
		}},
		{"second reply", false, func() { failing = post(ticketd.NewMessage{Body: "bounces", Email: ticketd.EmailAlways}) }},
		{"outbox marks delivery failed", false, func() {
			_, err := wr.svc.DeliverDue(ctx, refusingMailer{}, 10)
			must(t, err)
		}},
		{"attachment added", true, func() {
			must(t, wr.db.Update(ctx, func(tx ticketd.Tx) error {
				return tx.CreateAttachment(ctx, &ticketd.Attachment{ID: ticketd.NewID(), WorkspaceID: wr.p.WorkspaceID,
					MessageID: reply.ID, Filename: "a.txt", ContentType: "text/plain", Size: 1, Key: "k", CreatedAt: t0})
			}))
		}},
		{"email authentication recorded", true, func() {
			must(t, wr.db.Update(ctx, func(tx ticketd.Tx) error {
				return tx.CreateMessageAuth(ctx, wr.p.WorkspaceID, failing.ID, &ticketd.EmailAuth{SPF: "pass", DKIM: "pass",
					DMARC: "pass", FromDomain: "conv.test", DKIMDomains: []string{}, Policy: "none"})
			}))
		}},
		{"agent renamed", false, func() {
			_, err := wr.svc.UpdateUser(ctx, wr.p, wr.p.UserID, ticketd.UserUpdate{Name: ptr("Renamed Agent")})
			must(t, err)
		}},
		{"customer renamed", false, func() {
			_, err := wr.svc.UpdateCustomer(ctx, wr.p, w.ada.ID, ticketd.CustomerUpdate{FirstName: ptr("Adele")})
			must(t, err)
		}},
		{"another customer writes", false, func() {
			var err error
			bob, err = wr.svc.CreateCustomer(ctx, wr.p, ticketd.NewCustomer{Email: "bob@customer.test", FirstName: "Bob"})
			must(t, err)
			post(ticketd.NewMessage{Body: "me too", Author: ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &bob.ID}})
		}},
		{"customer erased", false, func() {
			_, err := wr.svc.EraseCustomer(ctx, wr.p, bob.ID)
			must(t, err)
		}},
		{"customer deleted", false, func() { must(t, wr.svc.DeleteCustomer(ctx, wr.p, w.ada.ID)) }},
		{"deleted message", false, func() { must(t, wr.svc.DeleteMessage(ctx, wr.p, tk, ticketd.ByID(reply.ID))) }},
		{"ticket deleted", false, func() { must(t, wr.svc.DeleteTicket(ctx, wr.p, tk)) }},
	}
	before := render(t, r.svc, r.p, w.ticket.ID)
	for _, s := range steps {
		// Read twice: the first read fills the cache, the second is served
		// from it (one statement), so the write below meets a warm cache.
		render(t, r.svc, r.p, w.ticket.ID)
		if n := statements(r.db, func() {
			_, err := r.svc.Messages(ctx, r.p, tk, ticketd.MessageFilter{Page: ticketd.Page{Limit: 50}, Authors: true})
			must(t, err)
		}); n != 1 && s.name != "ticket deleted" {
			t.Fatalf("before %s: a cached page ran %d statements, want 1 (the cache is not in use)", s.name, n)
		}
		version := ticketVersion(t, r, w.ticket.ID)
		s.write()
		got, want := render(t, r.svc, r.p, w.ticket.ID), render(t, w.truth, wr.p, w.ticket.ID)
		if got != want {
			t.Fatalf("after %s, the reading node serves a stale conversation:\n%s\nthe database has:\n%s", s.name, got, want)
		}
		if !s.hidden && got == before {
			t.Fatalf("%s changed nothing visible; the step does not test what it names:\n%s", s.name, got)
		}
		if s.hidden {
			if v := ticketVersion(t, r, w.ticket.ID); v <= version {
				t.Fatalf("%s left the ticket's version at %d (was %d)", s.name, v, version)
			}
		}
		before = got
	}
	if !strings.Contains(before, "not found") {
		t.Fatalf("a deleted ticket's conversation is still served:\n%s", before)
	}
}

func ticketVersion(t *testing.T, n convNode, id ticketd.ID) int64 {
	t.Helper()
	tk, err := n.svc.Ticket(ctx, n.p, ticketd.ByID(id))
	if ticketd.ErrorCode(err) == ticketd.ENOTFOUND {
		return 0
	}
	must(t, err)
	return tk.Version
}

// A page served from the cache costs one statement, outside any
// transaction; with the cache off the same read costs the ticket, the
// messages and their authors.
func TestConversationCacheHitIsOneStatement(t *testing.T) {
	w := newConvWorld(t)
	r := w.reader
	off := ticketd.NewService(r.db, ticketd.WithConversationCache(0))
	f := ticketd.MessageFilter{Page: ticketd.Page{Limit: 50}, Authors: true}
	for _, c := range []struct {
		name string
		svc  *ticketd.Service
		want func(int) bool
	}{{"cache on", r.svc, func(n int) bool { return n == 1 }}, {"cache off", off, func(n int) bool { return n >= 3 }}} {
		_, err := c.svc.Messages(ctx, r.p, ticketd.ByID(w.ticket.ID), f)
		must(t, err)
		if n := statements(r.db, func() {
			_, err := c.svc.Messages(ctx, r.p, ticketd.ByID(w.ticket.ID), f)
			must(t, err)
		}); !c.want(n) {
			t.Errorf("%s: a page read again ran %d statements", c.name, n)
		}
		stream := func() {
			must(t, c.svc.StreamMessages(ctx, r.p, ticketd.ByNumber(w.ticket.Number), ticketd.MessageFilter{},
				func(*ticketd.Ticket) error { return nil }, func(*ticketd.Message, *ticketd.Participants) error { return nil }))
		}
		stream()
		if n := statements(r.db, stream); !c.want(n) {
			t.Errorf("%s: a conversation streamed again ran %d statements", c.name, n)
		}
		renders := 0
		page := func() {
			c, err := c.svc.Messages(ctx, r.p, ticketd.ByID(w.ticket.ID), f)
			must(t, err)
			_, err = c.Rendered("test", func() ([]byte, error) { renders++; return []byte("x"), nil })
			must(t, err)
		}
		page()
		renders = 0
		page()
		if c.name == "cache on" && renders != 0 {
			t.Errorf("a cached page was rendered again")
		}
		rendered := func() {
			must(t, c.svc.StreamRendered(ctx, r.p, ticketd.ByID(w.ticket.ID), ticketd.MessageFilter{}, "test", func(*ticketd.Ticket) error { return nil },
				func(b []byte, m *ticketd.Message, _ *ticketd.Participants) ([]byte, error) {
					renders++
					return append(b, m.Body...), nil
				},
				func([]byte, int) error { return nil }))
		}
		rendered()
		renders = 0
		if n := statements(r.db, rendered); !c.want(n) {
			t.Errorf("%s: a conversation rendered again ran %d statements", c.name, n)
		}
		if c.name == "cache on" && renders != 0 {
			t.Errorf("a cached conversation was rendered again (%d messages)", renders)
		}
	}
}

// Writers on one node and readers on the other, at once: no read returns a
// conversation older than a write acknowledged before the read began.
func TestConversationCacheConcurrentReadersSeeAcknowledgedWrites(t *testing.T) {
	w := newConvWorld(t)
	r, wr := w.reader, w.writer
	const writes = 30
	var acked atomic.Int64
	acked.Store(1) // the world's first message
	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(done)
		for i := range writes {
			body := fmt.Sprintf("m%d", i)
			if _, err := wr.svc.PostMessage(ctx, wr.p, ticketd.ByID(w.ticket.ID), ticketd.NewMessage{Body: body}); err != nil {
				errs <- err
				return
			}
			acked.Add(1)
		}
	}()
	var reads atomic.Int64
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				floor := acked.Load()
				c, err := r.svc.Messages(ctx, r.p, ticketd.ByID(w.ticket.ID), ticketd.MessageFilter{Page: ticketd.Page{Limit: 100}, Authors: true})
				if err != nil {
					errs <- err
					return
				}
				n := int64(0)
				err = r.svc.StreamMessages(ctx, r.p, ticketd.ByID(w.ticket.ID), ticketd.MessageFilter{},
					func(*ticketd.Ticket) error { return nil }, func(*ticketd.Message, *ticketd.Participants) error { n++; return nil })
				if err != nil {
					errs <- err
					return
				}
				if int64(len(c.Messages)) < floor || n < floor || int64(c.Total) < floor {
					errs <- fmt.Errorf("a read begun after %d acknowledged messages returned %d (page), %d (stream), total %d",
						floor, len(c.Messages), n, c.Total)
					return
				}
				reads.Add(1)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if reads.Load() == 0 {
		t.Fatal("no read ran while writing")
	}
	// Once the writes are over, the readers' node serves all of them.
	if got, want := render(t, r.svc, r.p, w.ticket.ID), render(t, w.truth, wr.p, w.ticket.ID); got != want {
		t.Fatalf("after the writes, the reading node serves:\n%s\nthe database has:\n%s", got, want)
	}
}
