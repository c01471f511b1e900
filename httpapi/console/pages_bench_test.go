package console_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/apitest"
	"github.com/ticketd/ticketd/httpapi/console"
)

// BenchmarkConsolePages is the server's cost of the two pages ticketd-bench
// drives (console-view, console-ticket), one request at a time through the
// real handler: All open with 50 tickets of 50 customers, and a ticket page
// of 50 messages. Run it on either engine (TICKETD_TEST_DB) with -benchmem.
// Besides the wall time it reports the process's CPU time per page
// (cpu-µs/op, user and system, from getrusage), which the other programs of
// a shared machine inflate far less than they inflate the wall time.
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
			start := cpuTime(b)
			for b.Loop() {
				r := httptest.NewRequest("GET", p.path, nil)
				r.AddCookie(&http.Cookie{Name: console.SessionCookie, Value: in.Token})
				w := httptest.NewRecorder()
				e.Handler.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("%s: %d", p.path, w.Code)
				}
			}
			b.ReportMetric(float64((cpuTime(b)-start).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
