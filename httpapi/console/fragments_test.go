package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/apitest"
)

// Rows and messages are rendered once and kept (fragments.go): a page drawn
// from kept pieces is byte for byte the page first drawn, and a change to
// anything a piece shows — the customer's name, in the list and as a
// message's author; the ticket's priority and tags; a new message — is on
// the next page, with nothing of the old piece left.
func TestKeptFragmentsFollowChanges(t *testing.T) {
	e := apitest.New(t)
	setPassword(t, e, e.WS.Owner.Email)
	b := &browser{t: t, h: e.Handler}
	expect(t, b.signIn(e.WS.Owner.Email), http.StatusSeeOther)
	tk := e.Ticket(e.WS, "chat")
	cust := tk.CustomerID
	html := `<p>Dear <b>team</b></p>`
	e.Post(e.WS, tk, ticketd.NewMessage{Author: ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &cust}, Body: "Dear team", BodyHTML: &html})
	path := "/console/tickets/" + itoa(tk.Number)

	first := expect(t, b.do("GET", path, nil), http.StatusOK).body
	if again := expect(t, b.do("GET", path, nil), http.StatusOK).body; again != first {
		t.Fatalf("the ticket page drawn from kept pieces differs:\n%s\n---\n%s", first, again)
	}
	list := expect(t, b.do("GET", "/?view=open", nil), http.StatusOK).body
	if again := expect(t, b.do("GET", "/?view=open", nil), http.StatusOK).body; again != list {
		t.Fatalf("the list drawn from kept rows differs:\n%s\n---\n%s", list, again)
	}
	for _, p := range []string{first, list} {
		if !strings.Contains(p, "Ada Lovelace") {
			t.Fatalf("the customer's name is not shown:\n%s", p)
		}
	}

	name := "Grace"
	if _, err := e.Service.UpdateCustomer(ctx, e.WS.Principal, cust, ticketd.CustomerUpdate{FirstName: &name}); err != nil {
		t.Fatal(err)
	}
	expect(t, b.do("POST", path+"/update", url.Values{"priority": {"urgent"}, "tags": {"renamed"}}), http.StatusSeeOther)
	e.Post(e.WS, tk, ticketd.NewMessage{Author: ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &cust}, Body: "one more thing"})

	ticketPage := expect(t, b.do("GET", path, nil), http.StatusOK).body
	if !strings.Contains(ticketPage, `aria-label="Message from Grace Lovelace"`) || strings.Contains(ticketPage, "Ada Lovelace") {
		t.Fatalf("the message's author is not the customer's new name:\n%s", ticketPage)
	}
	if strings.Count(ticketPage, "<article ") != 2 || !strings.Contains(ticketPage, "one more thing") {
		t.Fatal("the new message is not on the page")
	}
	list = expect(t, b.do("GET", "/?view=open", nil), http.StatusOK).body
	for _, want := range []string{"<td>Grace Lovelace</td>", `<span class="priority urgent">urgent</span>`, `<span class="tag">renamed</span>`,
		`<div class="preview">one more thing</div>`} {
		if !strings.Contains(list, want) {
			t.Errorf("the list lacks %s", want)
		}
	}
	if strings.Contains(list, "Ada Lovelace") {
		t.Error("the list keeps the old name")
	}
}
