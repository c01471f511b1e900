package ticketd_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// The conversation cache holds no more than its bound, however many
// conversations are read, and never a page too large to be worth holding
// (nor a conversation too long to stream in one chunk): its staleness and
// cost are tested in sqlstore/convcache_test.go, beside the triggers.
func TestConversationCacheMemoryBound(t *testing.T) {
	ctx := context.Background()
	const bound = 64 << 10
	svc := ticketd.NewService(sqlstoretest.Open(t), ticketd.WithConversationCache(bound))
	_, _, key, err := svc.CreateWorkspace(ctx, ticketd.NewWorkspace{Name: "Acme", OwnerEmail: "owner@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Authenticate(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := svc.CreateCustomer(ctx, p, ticketd.NewCustomer{Email: "ada@customer.test", FirstName: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	newTicket := func(bodies ...string) ticketd.ID {
		tk, err := svc.CreateTicket(ctx, p, ticketd.NewTicket{Customer: ticketd.ByID(c.ID), Subject: "Help", Channel: "chat"})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bodies {
			if _, err := svc.PostMessage(ctx, p, ticketd.ByID(tk.ID), ticketd.NewMessage{Body: b}); err != nil {
				t.Fatal(err)
			}
		}
		return tk.ID
	}
	read := func(id ticketd.ID) {
		if _, err := svc.Messages(ctx, p, ticketd.ByID(id), ticketd.MessageFilter{Page: ticketd.Page{Limit: 50}, Authors: true}); err != nil {
			t.Fatal(err)
		}
	}
	stream := func(id ticketd.ID) {
		err := svc.StreamMessages(ctx, p, ticketd.ByID(id), ticketd.MessageFilter{},
			func(*ticketd.Ticket) error { return nil }, func(*ticketd.Message, *ticketd.Participants) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
	}

	// Many conversations of about 2 KB each: 60 of them is twice the bound.
	body := strings.Repeat("x", 2000)
	for i := range 60 {
		id := newTicket(fmt.Sprint(i), body)
		read(id)
		stream(id)
		if n := ticketd.ConversationCacheBytes(svc); n > bound {
			t.Fatalf("after %d conversations the cache holds %d bytes, over its bound of %d", i+1, n, bound)
		}
	}
	if ticketd.ConversationCacheBytes(svc) < bound/2 {
		t.Fatalf("the cache holds %d bytes after reading twice its bound: it is not caching", ticketd.ConversationCacheBytes(svc))
	}

	// A page over the cache's bound (nor, with a larger cache, over 1 MB)
	// and a conversation longer than a stream's chunk are not kept.
	svc = ticketd.NewService(svc.Store(), ticketd.WithConversationCache(32<<20))
	huge := newTicket(strings.Repeat("y", 700<<10), strings.Repeat("z", 700<<10))
	read(huge)
	stream(huge)
	if n := ticketd.ConversationCacheBytes(svc); n != 0 {
		t.Fatalf("a 1.4 MB conversation was cached (%d bytes)", n)
	}
	many := make([]string, 250)
	for i := range many {
		many[i] = fmt.Sprint("m", i)
	}
	long := newTicket(many...)
	stream(long)
	if n := ticketd.ConversationCacheBytes(svc); n != 0 {
		t.Fatalf("a conversation of %d messages was held whole by the stream (%d bytes)", len(many), n)
	}
	if _, err := svc.Messages(ctx, p, ticketd.ByID(long), ticketd.MessageFilter{Page: ticketd.Page{Limit: 250}}); err != nil {
		t.Fatal(err)
	}
	if n := ticketd.ConversationCacheBytes(svc); n != 0 {
		t.Fatalf("a page of %d messages, more than a stream's chunk, was cached (%d bytes)", len(many), n)
	}
	read(long) // a page of 50 of them is cached
	if ticketd.ConversationCacheBytes(svc) == 0 {
		t.Fatal("a page of a long conversation was not cached")
	}
}
