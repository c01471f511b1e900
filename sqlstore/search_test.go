package sqlstore_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	ticketd "github.com/ticketd/ticketd"
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
// with more than 300 newer matches in open tickets, the one pending ticket
// that matches is still found (the filters apply before each source's cut).
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
	// Unfiltered, a ranking counts each source's 300 newest matches.
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
