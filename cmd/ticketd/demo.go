package main

import (
	"context"
	"crypto/rand"
	"time"

	ticketd "github.com/ticketd/ticketd"
)

// demo fills an empty database with a believable workspace, through the same
// use cases the API calls, and returns its name and API key. On a database
// that has data it does nothing and returns "": the demo never touches real
// data.
func (m *Main) demo(ctx context.Context) (name, key string, err error) {
	empty, err := m.svc.Empty(ctx)
	if err != nil {
		return "", "", err
	}
	if !empty {
		m.logger.Info("--demo: the database has data already; no demo data created (the demo key was printed when it was)")
		return "", "", nil
	}
	name, key, err = m.fillDemo(ctx)
	return name, key, err
}

// demoOwnerEmail is the demo workspace owner's address, who signs in to the
// console with the password serve --demo prints.
const demoOwnerEmail = "owner@demo.ticketd.test"

func (m *Main) fillDemo(ctx context.Context) (string, string, error) {
	svc := m.svc
	ws, owner, key, err := svc.CreateWorkspace(ctx, ticketd.NewWorkspace{Name: "Demo Shop", OwnerEmail: demoOwnerEmail, OwnerName: "Olivia Owner"})
	if err != nil {
		return "", "", err
	}
	// The owner can sign in to the console at once: a random password,
	// printed once beside the key, like the key itself.
	m.demoPassword = rand.Text()
	if _, err := svc.SetPasswordByEmail(ctx, owner.Email, m.demoPassword); err != nil {
		return "", "", err
	}
	p := &ticketd.Principal{WorkspaceID: ws.ID, UserID: owner.ID, Scopes: ticketd.AllScopes, Audience: ticketd.AudienceTeam}
	sam, err := svc.CreateUser(ctx, p, ticketd.NewUser{Email: "sam@demo.ticketd.test", Name: "Sam Support"})
	if err != nil {
		return "", "", err
	}
	samP := &ticketd.Principal{WorkspaceID: ws.ID, UserID: sam.ID, Scopes: ticketd.AllScopes, Audience: ticketd.AudienceTeam}

	type line struct {
		customer bool
		internal bool
		text     string
	}
	convs := []struct {
		first, last, email, subject, channel string
		tags                                 []string
		lines                                []line
	}{
		{"Ada", "Lovelace", "ada@example.com", "Refund request", "email", []string{"refund"}, []line{
			{true, false, "Hello, I need a refund for order #1042. The blender arrived broken."},
			{false, true, "Photos show transit damage; the courier claim is open."},
			{false, false, "Sorry about that, Ada! We have started your refund; expect it within 3 business days."},
			{true, false, "Thank you, that was quick."},
		}},
		{"Grace", "Hopper", "grace@example.com", "Where is my order?", "email", []string{"shipping"}, []line{
			{true, false, "Hi, my order #1057 hasn't arrived yet. It has been two weeks!"},
			{false, false, "Hi Grace, the parcel is at your local depot and goes out for delivery tomorrow."},
		}},
		{"Alan", "Turing", "alan@example.com", "Discount code not working", "chat", nil, []line{
			{true, false, "The code SPRING10 says it is invalid at checkout."},
		}},
	}
	for i, c := range convs {
		cust, err := svc.CreateCustomer(ctx, p, ticketd.NewCustomer{Email: c.email, FirstName: c.first, LastName: c.last})
		if err != nil {
			return "", "", err
		}
		agent := p
		if i%2 == 1 {
			agent = samP
		}
		t, err := svc.CreateTicket(ctx, p, ticketd.NewTicket{Customer: ticketd.ByID(cust.ID), Subject: c.subject,
			Channel: c.channel, Tags: c.tags, Assignee: &ticketd.Ref{ID: agent.UserID}})
		if err != nil {
			return "", "", err
		}
		at := time.Now().Add(-time.Duration(len(c.lines)) * time.Hour)
		for j, l := range c.lines {
			when := at.Add(time.Duration(j) * time.Hour)
			in := ticketd.NewMessage{Body: l.text, Internal: l.internal, Time: &when}
			if l.customer {
				in.Author = ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &cust.ID}
			}
			if _, err := svc.PostMessage(ctx, agent, ticketd.ByID(t.ID), in); err != nil {
				return "", "", err
			}
		}
	}
	if err := m.fillDemoEmail(ctx, p); err != nil {
		return "", "", err
	}
	return ws.Name, key, nil
}
