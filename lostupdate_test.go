package ticketd_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// trustingAuthority verifies every domain: the lost-update test needs a
// sending domain, not DNS.
type trustingAuthority struct{}

func (trustingAuthority) NewKeys(string) (ticketd.DomainKeys, error) {
	return ticketd.DomainKeys{Selector: "s1", Token: "token"}, nil
}
func (trustingAuthority) Records(*ticketd.SendingDomain) []ticketd.DNSRecord { return nil }
func (trustingAuthority) Verify(context.Context, *ticketd.SendingDomain) (*ticketd.DomainVerification, error) {
	return &ticketd.DomainVerification{Verified: true}, nil
}

// acceptingMailer is a relay that accepts everything.
type acceptingMailer struct{}

func (acceptingMailer) Send(context.Context, *ticketd.OutgoingEmail) error { return nil }

// race runs a and b at the same moment and waits for both.
func race(t *testing.T, a, b func() error) {
	t.Helper()
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, fn := range []func() error{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn()
		}()
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// lostUpdateRounds is how many times each pair of writers races. On
// PostgreSQL the read-modify-write code this test was written against lost
// an update in 12 (message vs outbox) to 60 (customer names) of 60 rounds.
const lostUpdateRounds = 60

// TestNoLostUpdates races two writers of different fields of one object, round
// after round, and counts the rounds after which one writer's change is gone.
// Two nodes of one PostgreSQL are two connections of one pool here: the same
// interleavings. The count must be 0 on both engines.
func TestNoLostUpdates(t *testing.T) {
	ctx := context.Background()
	svc := ticketd.NewService(sqlstoretest.Open(t), ticketd.WithDomainAuthority(trustingAuthority{}))
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
	tk, err := svc.CreateTicket(ctx, p, ticketd.NewTicket{Customer: ticketd.ByID(c.ID), Subject: "Help", Channel: "email"})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("ticket subject vs tags", func(t *testing.T) {
		lost := 0
		for i := range lostUpdateRounds {
			subject, tags := fmt.Sprintf("subject %d", i), []string{fmt.Sprintf("tag-%d", i)}
			race(t, func() error {
				_, err := svc.UpdateTicket(ctx, p, ticketd.ByID(tk.ID), ticketd.TicketUpdate{Subject: &subject})
				return err
			}, func() error {
				_, err := svc.UpdateTicket(ctx, p, ticketd.ByID(tk.ID), ticketd.TicketUpdate{Tags: &tags})
				return err
			})
			got, err := svc.Ticket(ctx, p, ticketd.ByID(tk.ID))
			if err != nil {
				t.Fatal(err)
			}
			if got.Subject != subject || !slices.Equal(got.Tags, tags) {
				lost++
			}
		}
		if lost != 0 {
			t.Errorf("%d of %d rounds lost an update", lost, lostUpdateRounds)
		}
	})

	t.Run("ticket status vs assignee", func(t *testing.T) {
		lost := 0
		for i := range lostUpdateRounds {
			status := []ticketd.Status{ticketd.StatusSolved, ticketd.StatusOpen}[i%2]
			race(t, func() error {
				_, err := svc.UpdateTicket(ctx, p, ticketd.ByID(tk.ID), ticketd.TicketUpdate{Status: &status})
				return err
			}, func() error {
				in := ticketd.TicketUpdate{Unassign: i%2 == 1}
				if i%2 == 0 {
					in.Assignee = ptr(ticketd.ByID(p.UserID))
				}
				_, err := svc.UpdateTicket(ctx, p, ticketd.ByID(tk.ID), in)
				return err
			})
			got, err := svc.Ticket(ctx, p, ticketd.ByID(tk.ID))
			if err != nil {
				t.Fatal(err)
			}
			// closed_at follows the status whichever writer went first.
			if got.Status != status || (got.AssigneeID != nil) != (i%2 == 0) || (got.ClosedAt != nil) != status.Done() {
				lost++
			}
		}
		if lost != 0 {
			t.Errorf("%d of %d rounds lost an update", lost, lostUpdateRounds)
		}
	})

	t.Run("customer first vs last name", func(t *testing.T) {
		lost := 0
		for i := range lostUpdateRounds {
			first, last := fmt.Sprintf("First%d", i), fmt.Sprintf("Last%d", i)
			race(t, func() error {
				_, err := svc.UpdateCustomer(ctx, p, c.ID, ticketd.CustomerUpdate{FirstName: &first})
				return err
			}, func() error {
				_, err := svc.UpdateCustomer(ctx, p, c.ID, ticketd.CustomerUpdate{LastName: &last})
				return err
			})
			got, err := svc.Customer(ctx, p, ticketd.ByID(c.ID))
			if err != nil {
				t.Fatal(err)
			}
			if got.FirstName != first || got.LastName != last {
				lost++
			}
		}
		if lost != 0 {
			t.Errorf("%d of %d rounds lost an update", lost, lostUpdateRounds)
		}
	})

	t.Run("workspace settings", func(t *testing.T) {
		lost := 0
		for i := range lostUpdateRounds {
			a, b := i%2 == 0, i%3 == 0
			race(t, func() error {
				_, err := svc.UpdateWorkspace(ctx, p, ticketd.WorkspaceUpdate{AutoTriage: &a})
				return err
			}, func() error {
				_, err := svc.UpdateWorkspace(ctx, p, ticketd.WorkspaceUpdate{EmailAgentComments: &b})
				return err
			})
			got, err := svc.Workspace(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if got.Settings.AutoTriage != a || got.Settings.EmailAgentComments != b {
				lost++
			}
		}
		if lost != 0 {
			t.Errorf("%d of %d rounds lost an update", lost, lostUpdateRounds)
		}
	})

	t.Run("message edit vs outbox marking sent", func(t *testing.T) {
		d, err := svc.CreateSendingDomain(ctx, p, "acme.test")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.VerifyDomain(ctx, p, ticketd.ByID(d.ID)); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateInbox(ctx, p, ticketd.NewInbox{Address: "support@acme.test", Name: "Support"}); err != nil {
			t.Fatal(err)
		}
		lost := 0
		for i := range lostUpdateRounds {
			m, err := svc.PostMessage(ctx, p, ticketd.ByID(tk.ID), ticketd.NewMessage{Body: "reply", Email: ticketd.EmailAlways})
			if err != nil {
				t.Fatal(err)
			}
			if m.Delivery != ticketd.DeliveryQueued {
				t.Fatalf("reply not queued: %q", m.Delivery)
			}
			edited := fmt.Sprintf("edited reply %d", i)
			race(t, func() error {
				_, err := svc.UpdateMessage(ctx, p, ticketd.ByID(tk.ID), ticketd.ByID(m.ID), ticketd.MessageUpdate{Body: &edited})
				return err
			}, func() error {
				n, err := svc.DeliverDue(ctx, acceptingMailer{}, 10)
				if err == nil && n != 1 {
					err = fmt.Errorf("delivered %d entries, want 1", n)
				}
				return err
			})
			got, err := svc.MessageByID(ctx, p, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Body != edited || got.Delivery != ticketd.DeliverySent {
				lost++
			}
		}
		if lost != 0 {
			t.Errorf("%d of %d rounds lost an update", lost, lostUpdateRounds)
		}
	})
}

func ptr[T any](v T) *T { return &v }
