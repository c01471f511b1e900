package console_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/apitest"
	"github.com/ticketd/ticketd/httpapi/console"
)

// BenchmarkConsolePages is the server's cost of the two pages ticketd-bench
// drives (console-view, console-ticket), one request at a time through the
// real handler: All open with 50 tickets of 50 customers, and a ticket page
// of 50 messages. Run it on either engine (TICKETD_TEST_DB) with -benchmem.
func BenchmarkConsolePages(b *testing.B) {
	e := apitest.New(b)
	if _, err := e.Service.SetPasswordByEmail(ctx, e.WS.Owner.Email, password); err != nil {
		b.Fatal(err)
	}
	in, err := e.Service.SignIn(ctx, e.WS.Owner.Email, password, "127.0.0.1")
	if err != nil {
		b.Fatal(err)
	}
	var long *ticketd.Ticket
	for i := range 50 {
		tk := e.Ticket(e.WS, "email")
		e.Post(e.WS, tk, ticketd.NewMessage{Author: ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &tk.CustomerID},
			Body: fmt.Sprintf("Order %d has not arrived & I'd like to know <why>.", i)})
		if long == nil {
			long = tk
		}
	}
	for i := range 49 {
		in := ticketd.NewMessage{Body: strings.Repeat(fmt.Sprintf("Reply %d: thanks for waiting, the parcel is on its way. ", i), 6)}
		if i%2 == 0 {
			in.Author = ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &long.CustomerID}
		}
		e.Post(e.WS, long, in)
	}
	for _, p := range []struct{ name, path string }{
		{"view", "/?view=open"},
		{"ticket", fmt.Sprintf("/console/tickets/%d", long.Number)},
	} {
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest("GET", p.path, nil)
				r.AddCookie(&http.Cookie{Name: console.SessionCookie, Value: in.Token})
				w := httptest.NewRecorder()
				e.Handler.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("%s: %d", p.path, w.Code)
				}
			}
		})
	}
}
