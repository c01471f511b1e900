package sqlstore_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/sqlstore"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// People finds the customers and users its ids name in the workspace, and
// leaves out a deleted one, one of another workspace and an id of no one.
func TestPeopleFindsLivePeopleOfTheWorkspace(t *testing.T) {
	db := sqlstoretest.Open(t)
	svc := ticketd.NewService(db)
	p := newPrincipal(t, svc, "people")
	other := newPrincipal(t, svc, "other")
	var customers, users []ticketd.ID
	for i := range 3 {
		c, err := svc.CreateCustomer(ctx, p, ticketd.NewCustomer{Email: fmt.Sprintf("c%d@people.test", i), FirstName: "C"})
		must(t, err)
		customers = append(customers, c.ID)
		u, err := svc.CreateUser(ctx, p, ticketd.NewUser{Email: fmt.Sprintf("u%d@people.test", i), Name: fmt.Sprintf("U%d", i)})
		must(t, err)
		users = append(users, u.ID)
	}
	must(t, svc.DeleteCustomer(ctx, p, customers[2]))
	must(t, svc.DeleteUser(ctx, p, users[2]))
	foreignC, err := svc.CreateCustomer(ctx, other, ticketd.NewCustomer{Email: "f@other.test", FirstName: "F"})
	must(t, err)
	var cs []*ticketd.Customer
	var us []*ticketd.User
	must(t, db.View(ctx, func(tx ticketd.Tx) (err error) {
		cs, us, err = tx.People(ctx, p.WorkspaceID, append(slices.Clone(customers), foreignC.ID, ticketd.NewID()),
			append(slices.Clone(users), other.UserID, ticketd.NewID()))
		return err
	}))
	gotC := []ticketd.ID{}
	for _, c := range cs {
		gotC = append(gotC, c.ID)
	}
	gotU := []ticketd.ID{}
	for _, u := range us {
		gotU = append(gotU, u.ID)
	}
	sortIDs := func(ids []ticketd.ID) {
		slices.SortFunc(ids, func(a, b ticketd.ID) int { return strings.Compare(a.String(), b.String()) })
	}
	wantC, wantU := slices.Clone(customers[:2]), slices.Clone(users[:2])
	for _, l := range [][]ticketd.ID{gotC, gotU, wantC, wantU} {
		sortIDs(l)
	}
	if !slices.Equal(gotC, wantC) || !slices.Equal(gotU, wantU) {
		t.Fatalf("People = customers %v, users %v; want %v, %v", gotC, gotU, wantC, wantU)
	}
	if us[0].Name == "" || cs[0].Email == "" {
		t.Fatalf("People returned empty objects: %+v %+v", us[0], cs[0])
	}
}

// A conversation's authors cost PostgreSQL one statement however many they
// are and whichever their kind (each statement is a round trip); SQLite, in the process,
// reads them by primary key one by one.
func TestConversationAuthorsAreLoadedInOneStatement(t *testing.T) {
	db := sqlstoretest.Open(t)
	svc := ticketd.NewService(db)
	p := newPrincipal(t, svc, "authors")
	var authors []ticketd.Author
	for i := range 3 {
		c, err := svc.CreateCustomer(ctx, p, ticketd.NewCustomer{Email: fmt.Sprintf("c%d@authors.test", i), FirstName: "C"})
		must(t, err)
		u, err := svc.CreateUser(ctx, p, ticketd.NewUser{Email: fmt.Sprintf("u%d@authors.test", i), Name: "U"})
		must(t, err)
		authors = append(authors, ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &c.ID},
			ticketd.Author{Kind: ticketd.AuthorAgent, UserID: &u.ID})
	}
	tk, err := svc.CreateTicket(ctx, p, ticketd.NewTicket{Customer: ticketd.ByID(*authors[0].CustomerID), Subject: "Who", Channel: "chat"})
	must(t, err)
	for i, a := range authors {
		_, err := svc.PostMessage(ctx, p, ticketd.ByID(tk.ID), ticketd.NewMessage{Body: fmt.Sprint("message ", i), Author: a})
		must(t, err)
	}
	var mu sync.Mutex
	var people []string
	sqlstore.Trace(db, func(q string, _ []any) {
		if f := strings.Fields(q[strings.Index(q, " FROM ")+1:]); len(f) > 1 && (f[1] == "customers" || f[1] == "users") {
			mu.Lock()
			people = append(people, f[1])
			mu.Unlock()
		}
	})
	conv, err := svc.Messages(ctx, p, ticketd.ByID(tk.ID), ticketd.MessageFilter{Page: ticketd.Page{Limit: 50}, Authors: true})
	sqlstore.Trace(db, nil)
	must(t, err)
	if len(conv.People.Customers) != 3 || len(conv.People.Users) != 3 {
		t.Fatalf("authors: %d customers, %d users; want 3 and 3", len(conv.People.Customers), len(conv.People.Users))
	}
	for id, c := range conv.People.Customers {
		if c == nil || c.ID != id {
			t.Fatalf("customer %s not loaded: %+v", id, c)
		}
	}
	want := 6
	if db.Engine() == "postgres" {
		want = 1
	}
	if len(people) != want {
		t.Fatalf("%s read the authors in %d statements %v; want %d", db.Engine(), len(people), people, want)
	}
}

func newPrincipal(t *testing.T, svc *ticketd.Service, name string) *ticketd.Principal {
	t.Helper()
	_, _, key, err := svc.CreateWorkspace(ctx, ticketd.NewWorkspace{Name: name, OwnerEmail: "owner@" + name + ".test"})
	must(t, err)
	p, err := svc.Authenticate(ctx, key)
	must(t, err)
	return p
}
