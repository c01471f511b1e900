package ticketd_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// eventsAfter reads every event of the principal's workspace after id.
// ownerOf creates a workspace in svc and returns its owner's principal.
func ownerOf(t testing.TB, svc *ticketd.Service) *ticketd.Principal {
	t.Helper()
	ctx := context.Background()
	_, _, key, err := svc.CreateWorkspace(ctx, ticketd.NewWorkspace{Name: "Acme", OwnerEmail: "owner@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Authenticate(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func eventsAfter(t *testing.T, svc *ticketd.Service, p *ticketd.Principal, after int64) []*ticketd.Event {
	t.Helper()
	page, err := svc.Events(context.Background(), p, after, 500)
	if err != nil {
		t.Fatal(err)
	}
	return page.Events
}

func types(evs []*ticketd.Event) []ticketd.EventType {
	out := make([]ticketd.EventType, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

func TestEventsRecordedByEachUseCase(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	evs := eventsAfter(t, w.svc, w.p, 0)
	if got, want := types(evs), []ticketd.EventType{"customer.created", "ticket.created"}; !slices.Equal(got, want) {
		t.Fatalf("after set-up: %v, want %v", got, want)
	}
	if evs[1].TicketID == nil || *evs[1].TicketID != w.ticket.ID || evs[1].Data.Ticket.Subject != "Help" {
		t.Fatalf("ticket.created: %+v", evs[1])
	}
	last := evs[1].ID

	solved := ticketd.StatusSolved
	me := ticketd.ByID(w.p.UserID)
	tags := []string{"vip"}
	if _, err := w.svc.UpdateTicket(ctx, w.p, ticketd.ByID(w.ticket.ID), ticketd.TicketUpdate{Status: &solved, Assignee: &me, Tags: &tags}); err != nil {
		t.Fatal(err)
	}
	evs = eventsAfter(t, w.svc, w.p, last)
	if got, want := types(evs), []ticketd.EventType{"ticket.updated", "ticket.assigned", "ticket.status_changed", "ticket.tagged"}; !slices.Equal(got, want) {
		t.Fatalf("update: %v, want %v", got, want)
	}
	if got := evs[0].Data.Changed; !slices.Equal(got, []string{"status", "assignee_id", "tags"}) {
		t.Errorf("changed fields: %v", got)
	}
	if evs[2].Data.PreviousStatus != ticketd.StatusOpen || evs[2].Data.Ticket.Status != ticketd.StatusSolved {
		t.Errorf("status_changed: %+v", evs[2].Data)
	}
	if !slices.Equal(evs[3].Data.TagsAdded, []string{"vip"}) {
		t.Errorf("tags added: %v", evs[3].Data.TagsAdded)
	}
	last = evs[len(evs)-1].ID

	// The planning fields are reported as changed fields too.
	urgent, category := ticketd.PriorityUrgent, "Billing"
	if _, err := w.svc.UpdateTicket(ctx, w.p, ticketd.ByID(w.ticket.ID), ticketd.TicketUpdate{Priority: &urgent, Category: &category}); err != nil {
		t.Fatal(err)
	}
	evs = eventsAfter(t, w.svc, w.p, last)
	if got := types(evs); !slices.Equal(got, []ticketd.EventType{"ticket.updated"}) {
		t.Fatalf("planning update: %v", got)
	}
	if got := evs[0].Data.Changed; !slices.Equal(got, []string{"priority", "category"}) {
		t.Errorf("planning changed fields: %v", got)
	}
	last = evs[len(evs)-1].ID

	// An update that changes nothing records nothing.
	if _, err := w.svc.UpdateTicket(ctx, w.p, ticketd.ByID(w.ticket.ID), ticketd.TicketUpdate{Status: &solved}); err != nil {
		t.Fatal(err)
	}
	if evs := eventsAfter(t, w.svc, w.p, last); len(evs) != 0 {
		t.Fatalf("no-op update recorded %v", types(evs))
	}

	w.post(t, ticketd.NewMessage{Body: "A note", Internal: true})
	customer := ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &w.customer.ID}
	w.post(t, ticketd.NewMessage{Body: "Still broken", Author: customer})
	w.post(t, ticketd.NewMessage{Body: "Unassigning"})
	if _, err := w.svc.UpdateTicket(ctx, w.p, ticketd.ByID(w.ticket.ID), ticketd.TicketUpdate{Unassign: true}); err != nil {
		t.Fatal(err)
	}
	evs = eventsAfter(t, w.svc, w.p, last)
	want := []ticketd.EventType{"note.created",
		"message.created", "ticket.updated", "ticket.status_changed", // the customer's reply reopens the ticket
		"message.created", "ticket.updated", "ticket.unassigned"}
	if got := types(evs); !slices.Equal(got, want) {
		t.Fatalf("messages: %v, want %v", got, want)
	}
	if evs[1].Data.Message.Body != "Still broken" || evs[3].Data.PreviousStatus != ticketd.StatusSolved {
		t.Errorf("customer reply events: %+v / %+v", evs[1].Data.Message, evs[3].Data)
	}
	if evs[6].Data.PreviousAssigneeID == nil || *evs[6].Data.PreviousAssigneeID != w.p.UserID {
		t.Errorf("unassigned: previous assignee %v", evs[6].Data.PreviousAssigneeID)
	}
	last = evs[len(evs)-1].ID

	name := "Augusta"
	if _, err := w.svc.UpdateCustomer(ctx, w.p, w.customer.ID, ticketd.CustomerUpdate{FirstName: &name}); err != nil {
		t.Fatal(err)
	}
	evs = eventsAfter(t, w.svc, w.p, last)
	if len(evs) != 1 || evs[0].Type != "customer.updated" || !slices.Equal(evs[0].Data.Changed, []string{"first_name"}) ||
		evs[0].Data.Customer.FirstName != "Augusta" {
		t.Fatalf("customer update: %+v", evs)
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].ID <= evs[i-1].ID {
			t.Fatalf("ids not increasing: %d then %d", evs[i-1].ID, evs[i].ID)
		}
	}
}

// failAfterStore commits nothing: it runs each use case's transaction to its
// end on the real database, then fails it, so the transaction rolls back
// after the use case appended its events.
type failAfterStore struct{ ticketd.Store }

var errInjected = errors.New("injected failure after the use case")

func (s failAfterStore) Update(ctx context.Context, fn func(ticketd.Tx) error) error {
	return s.Store.Update(ctx, func(tx ticketd.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return errInjected
	})
}

func TestRolledBackChangeRecordsNoEvent(t *testing.T) {
	ctx := context.Background()
	db := sqlstoretest.Open(t)
	svc := ticketd.NewService(db)
	p := ownerOf(t, svc)
	failing := ticketd.NewService(failAfterStore{db})
	if _, err := failing.CreateCustomer(ctx, p, ticketd.NewCustomer{Email: "gone@customer.test"}); !errors.Is(err, errInjected) {
		t.Fatalf("create: %v", err)
	}
	if evs := eventsAfter(t, svc, p, 0); len(evs) != 0 {
		t.Fatalf("a rolled-back change left events: %v", types(evs))
	}
	// The same change committed has its event.
	c, err := svc.CreateCustomer(ctx, p, ticketd.NewCustomer{Email: "kept@customer.test"})
	if err != nil {
		t.Fatal(err)
	}
	evs := eventsAfter(t, svc, p, 0)
	if len(evs) != 1 || evs[0].Data.Customer.ID != c.ID {
		t.Fatalf("committed change: %+v", evs)
	}
}

func TestEventsOnlyForReadableScopes(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.post(t, ticketd.NewMessage{Body: "note", Internal: true})
	w.post(t, ticketd.NewMessage{Body: "reply"})
	for _, tc := range []struct {
		scopes []ticketd.Scope
		want   []ticketd.EventType
	}{
		{[]ticketd.Scope{"tickets:read"}, []ticketd.EventType{"ticket.created"}},
		{[]ticketd.Scope{"customers:read"}, []ticketd.EventType{"customer.created"}},
		{[]ticketd.Scope{"messages:read"}, []ticketd.EventType{"message.created"}},
		{[]ticketd.Scope{"comments:read"}, []ticketd.EventType{"note.created", "message.created"}},
		{[]ticketd.Scope{"tickets:write"}, nil},
	} {
		p := *w.p
		p.Scopes = tc.scopes
		page, err := w.svc.Events(ctx, &p, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if got := types(page.Events); !slices.Equal(got, tc.want) {
			t.Errorf("%v: %v, want %v", tc.scopes, got, tc.want)
		}
	}
	// Another workspace sees none of them.
	_, _, key, err := w.svc.CreateWorkspace(ctx, ticketd.NewWorkspace{Name: "Other", OwnerEmail: "o@other.test"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := w.svc.Authenticate(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if evs := eventsAfter(t, w.svc, other, 0); len(evs) != 0 {
		t.Fatalf("other workspace sees %v", types(evs))
	}
}

// TestEventIDsFollowCommitOrder has writers commit concurrently while a
// reader follows the feed with an "after" cursor, as a stream does: the
// reader must end up having seen every event. With ids drawn from a plain
// sequence on PostgreSQL, an id drawn early and committed late would be
// skipped by a reader that had already moved past it.
func TestEventIDsFollowCommitOrder(t *testing.T) {
	ctx := context.Background()
	dsn := sqlstoretest.CopyDSN(t)
	db := sqlstoretest.OpenDSN(t, dsn)
	svc := ticketd.NewService(db)
	p := ownerOf(t, svc)
	// A second store on the same database stands for a second node.
	svc2 := ticketd.NewService(sqlstoretest.OpenDSN(t, dsn))
	const writers, each = 4, 15
	var wg sync.WaitGroup
	done := make(chan struct{})
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := svc
			if i%2 == 1 {
				s = svc2
			}
			for j := range each {
				if _, err := s.CreateCustomer(ctx, p, ticketd.NewCustomer{Email: fmt.Sprintf("c%d-%d@x.test", i, j)}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	seen := map[int64]bool{}
	var cursor int64
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true
		default:
		}
		for _, e := range eventsAfter(t, svc, p, cursor) {
			seen[e.ID] = true
			cursor = e.ID
		}
	}
	for _, e := range eventsAfter(t, svc, p, cursor) {
		seen[e.ID] = true
	}
	all := eventsAfter(t, svc, p, 0)
	if len(all) != writers*each {
		t.Fatalf("%d events, want %d", len(all), writers*each)
	}
	for _, e := range all {
		if !seen[e.ID] {
			t.Fatalf("the cursor skipped event %d", e.ID)
		}
	}
}

func TestPruneEventsAfterRetention(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	svc := ticketd.NewService(sqlstoretest.Open(t), ticketd.WithClock(clock))
	p := ownerOf(t, svc)
	if _, err := svc.CreateCustomer(ctx, p, ticketd.NewCustomer{Email: "old@x.test"}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(71 * time.Hour)
	if _, err := svc.CreateCustomer(ctx, p, ticketd.NewCustomer{Email: "new@x.test"}); err != nil {
		t.Fatal(err)
	}
	if n, err := svc.PruneEvents(ctx); err != nil || n != 0 {
		t.Fatalf("prune within retention: %d, %v", n, err)
	}
	now = now.Add(2 * time.Hour) // the first event is 73 h old
	if n, err := svc.PruneEvents(ctx); err != nil || n != 1 {
		t.Fatalf("prune: %d, %v", n, err)
	}
	evs := eventsAfter(t, svc, p, 0)
	if len(evs) != 1 || evs[0].Data.Customer.Email != "new@x.test" {
		t.Fatalf("left: %+v", evs)
	}
}

func TestEventHubDropsASubscriberThatFallsBehind(t *testing.T) {
	w := newWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hub := ticketd.NewEventHub(w.svc, 5*time.Millisecond)
	if err := hub.Start(ctx); err != nil {
		t.Fatal(err)
	}
	slow := hub.Subscribe(w.p.WorkspaceID)
	for i := range ticketd.SubscriptionBuffer + 1 {
		if _, err := w.svc.CreateCustomer(ctx, w.p, ticketd.NewCustomer{Email: fmt.Sprintf("c%d@x.test", i)}); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-slow.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("a subscriber that never reads was not dropped")
	}
	if n := len(slow.Events()); n != ticketd.SubscriptionBuffer {
		t.Fatalf("buffered %d events, want the bound %d", n, ticketd.SubscriptionBuffer)
	}
	if hub.Subscribers() != 0 {
		t.Fatalf("%d subscribers left", hub.Subscribers())
	}
}

// Edits and deletions record events on every surface, since the service
// records them: message.updated / note.updated name what changed, a public
// message made internal is message.deleted for note-blind subscribers,
// message.deleted / note.deleted carry the message as it was, a profile
// change (Ticket0's name, externalId, metadata) is customer.updated, and a
// deleted ticket is ticket.deleted with the ticket as it was.
func TestEventsOfEditsAndDeletions(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	last := func() int64 {
		evs := eventsAfter(t, w.svc, w.p, 0)
		return evs[len(evs)-1].ID
	}
	m, _ := w.post(t, ticketd.NewMessage{Body: "Hello"})
	note, _ := w.post(t, ticketd.NewMessage{Body: "team only", Internal: true})
	ticket := ticketd.ByID(w.ticket.ID)

	from := last()
	body := "Hello there"
	if _, err := w.svc.UpdateMessage(ctx, w.p, ticket, ticketd.ByID(m.ID), ticketd.MessageUpdate{Body: &body}); err != nil {
		t.Fatal(err)
	}
	noteBody := "team only, edited"
	if _, err := w.svc.UpdateMessage(ctx, w.p, ticket, ticketd.ByID(note.ID), ticketd.MessageUpdate{Body: &noteBody}); err != nil {
		t.Fatal(err)
	}
	// An edit that changes nothing records nothing.
	if _, err := w.svc.UpdateMessage(ctx, w.p, ticket, ticketd.ByID(m.ID), ticketd.MessageUpdate{Body: &body}); err != nil {
		t.Fatal(err)
	}
	evs := eventsAfter(t, w.svc, w.p, from)
	if got := types(evs); !slices.Equal(got, []ticketd.EventType{"message.updated", "note.updated"}) {
		t.Fatalf("edits: %v", got)
	}
	if evs[0].Data.Message.Body != "Hello there" || !slices.Equal(evs[0].Data.Changed, []string{"body"}) ||
		evs[1].Data.Message.Body != "team only, edited" {
		t.Errorf("edit data: %+v / %+v", evs[0].Data, evs[1].Data)
	}

	from = last()
	yes := true
	if _, err := w.svc.UpdateMessage(ctx, w.p, ticket, ticketd.ByID(m.ID), ticketd.MessageUpdate{Internal: &yes}); err != nil {
		t.Fatal(err)
	}
	evs = eventsAfter(t, w.svc, w.p, from)
	if got := types(evs); !slices.Equal(got, []ticketd.EventType{"message.deleted", "note.updated"}) ||
		evs[0].Data.Message.Internal || !slices.Equal(evs[1].Data.Changed, []string{"is_internal"}) {
		t.Fatalf("made internal: %v %+v", got, evs)
	}
	// A customer-facing surface's principal sees the public side only.
	blind := *w.p
	blind.Audience = ticketd.AudienceCustomer
	if got := types(eventsAfter(t, w.svc, &blind, from)); !slices.Equal(got, []ticketd.EventType{"message.deleted"}) {
		t.Errorf("note-blind audience sees %v", got)
	}

	from = last()
	if err := w.svc.DeleteMessage(ctx, w.p, ticket, ticketd.ByID(note.ID)); err != nil {
		t.Fatal(err)
	}
	evs = eventsAfter(t, w.svc, w.p, from)
	if got := types(evs); !slices.Equal(got, []ticketd.EventType{"note.deleted"}) || evs[0].Data.Message.ID != note.ID {
		t.Fatalf("delete note: %v", got)
	}
	reply, _ := w.post(t, ticketd.NewMessage{Body: "public"})
	from = last()
	if err := w.svc.DeleteMessage(ctx, w.p, ticket, ticketd.ByID(reply.ID)); err != nil {
		t.Fatal(err)
	}
	evs = eventsAfter(t, w.svc, w.p, from)
	if got := types(evs); !slices.Equal(got, []ticketd.EventType{"message.deleted"}) || evs[0].Data.Message.Body != "public" {
		t.Fatalf("delete message: %v", got)
	}

	from = last()
	name, plan := "Ada Lovelace", "pro"
	if _, err := w.svc.UpdateCustomerProfile(ctx, w.p, w.customer.ID, ticketd.ProfileUpdate{Name: &name,
		Metadata: map[string]*string{"plan": &plan}}); err != nil {
		t.Fatal(err)
	}
	evs = eventsAfter(t, w.svc, w.p, from)
	if got := types(evs); !slices.Equal(got, []ticketd.EventType{"customer.updated"}) ||
		!slices.Equal(evs[0].Data.Changed, []string{"profile.name", "profile.metadata"}) {
		t.Fatalf("profile update: %v %+v", got, evs)
	}

	from = last()
	if err := w.svc.DeleteTicket(ctx, w.p, ticket); err != nil {
		t.Fatal(err)
	}
	evs = eventsAfter(t, w.svc, w.p, from)
	if got := types(evs); !slices.Equal(got, []ticketd.EventType{"ticket.deleted"}) ||
		evs[0].Data.Ticket.ID != w.ticket.ID || *evs[0].TicketID != w.ticket.ID {
		t.Fatalf("delete ticket: %v", got)
	}
}

// The console's agent administration records the same user events as the
// API's: an invitation adds an agent (user.created), deactivation and
// reactivation change its is_active (user.updated), and a switch that
// changes nothing records nothing.
func TestConsoleAgentAdminRecordsUserEvents(t *testing.T) {
	svc := ticketd.NewService(sqlstoretest.Open(t), ticketd.WithDomainAuthority(trustingAuthority{}))
	w := &world{svc: svc, p: ownerOf(t, svc)}
	ctx := context.Background()
	d, err := w.svc.CreateSendingDomain(ctx, w.p, "acme.test")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.svc.VerifyDomain(ctx, w.p, ticketd.ByID(d.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.CreateInbox(ctx, w.p, ticketd.NewInbox{Address: "support@acme.test", Name: "Support"}); err != nil {
		t.Fatal(err)
	}
	var from int64
	if evs := eventsAfter(t, w.svc, w.p, 0); len(evs) > 0 {
		from = evs[len(evs)-1].ID
	}
	u, err := w.svc.Invite(ctx, w.p, ticketd.Invitation{Email: "new@acme.test", Name: "New", LinkBase: "https://desk.test/invite/"})
	if err != nil {
		t.Fatal(err)
	}
	for _, active := range []bool{false, false, true} {
		if err := w.svc.SetActive(ctx, w.p, u.ID, active); err != nil {
			t.Fatal(err)
		}
	}
	evs := eventsAfter(t, w.svc, w.p, from)
	if got := types(evs); !slices.Equal(got, []ticketd.EventType{"user.created", "user.updated", "user.updated"}) {
		t.Fatalf("events: %v", got)
	}
	if evs[0].Data.User.ID != u.ID || evs[1].Data.User.IsActive || !evs[2].Data.User.IsActive {
		t.Fatalf("event data: %+v %+v %+v", evs[0].Data.User, evs[1].Data.User, evs[2].Data.User)
	}
}

// RecentEvents leaves the types it is told to out of the read itself: a
// page holds limit events of the others, and offset counts only those.
func TestRecentEventsLeaveTypesOutOfThePage(t *testing.T) {
	w := newWorld(t) // customer.created, ticket.created
	ctx := context.Background()
	for _, email := range []string{"b@customer.test", "c@customer.test"} {
		if _, err := w.svc.CreateCustomer(ctx, w.p, ticketd.NewCustomer{Email: email}); err != nil {
			t.Fatal(err)
		}
	}
	// Newest first: customer.created ×2, ticket.created, customer.created.
	evs, err := w.svc.RecentEvents(ctx, w.p, 0, 2, ticketd.EventTicketCreated)
	if err != nil {
		t.Fatal(err)
	}
	if got := types(evs); !slices.Equal(got, []ticketd.EventType{"customer.created", "customer.created"}) {
		t.Fatalf("first page: %v", got)
	}
	evs, err = w.svc.RecentEvents(ctx, w.p, 2, 2, ticketd.EventTicketCreated)
	if err != nil {
		t.Fatal(err)
	}
	if got := types(evs); !slices.Equal(got, []ticketd.EventType{"customer.created"}) || evs[0].Data.Customer.ID != w.customer.ID {
		t.Fatalf("second page: %v", got)
	}
}
