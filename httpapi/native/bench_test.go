package native_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/apitest"
)

// BenchmarkPostComment measures POST /v1/tickets/{id}/comments through the
// real handler on a real database, and beside it a ceiling measured in the
// same run on the same database: one INSERT of a comparable row per
// transaction, by plain SQL. "x-ceiling" is how many times the ceiling's time
// one comment costs; it moves with the code, not with the machine.
//
//	go test -run '^$' -bench PostComment ./httpapi/native
func BenchmarkPostComment(b *testing.B) {
	e := apitest.New(b)
	tk := e.Ticket(e.WS, "chat")
	path := "/v1/tickets/" + tk.ID.String() + "/comments"
	body := `{"content": "` + strings.Repeat("Thanks for waiting, your refund is on its way. ", 4) + `"}`
	ctx := context.Background()
	if err := e.DB.RawExec(ctx, `CREATE TABLE bench_ceiling (id TEXT PRIMARY KEY, ticket_id TEXT, body TEXT, created_at TIMESTAMP)`); err != nil {
		b.Fatal(err)
	}

	start := time.Now()
	for i := 0; i < b.N; i++ {
		if err := e.DB.RawExec(ctx, `INSERT INTO bench_ceiling (id, ticket_id, body, created_at) VALUES ($1, $2, $3, $4)`,
			ticketd.NewID().String(), tk.ID.String(), body, time.Now().UTC()); err != nil {
			b.Fatal(err)
		}
	}
	ceiling := time.Since(start)

	b.ResetTimer()
	start = time.Now()
	for i := 0; i < b.N; i++ {
		if r := e.As(e.WS.Key, "POST", path, body); r.Status != 201 {
			b.Fatalf("status %d: %s", r.Status, r.Body)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(ceiling.Nanoseconds())/float64(b.N), "ceiling-ns/op")
	b.ReportMetric(float64(time.Since(start))/float64(ceiling), "x-ceiling")
}

// BenchmarkListTickets measures GET /v1/tickets?status=open&assignee_id=…
// (the bench route list-tickets) through the real handler on a real
// database: a page of 50 of the 100 tickets that match, one request at a
// time, so that ns/op and allocs/op are the CPU of one list, not the
// queueing of a loaded machine.
//
//	go test -run '^$' -bench ListTickets -benchmem ./httpapi/native
func BenchmarkListTickets(b *testing.B) {
	e := apitest.New(b)
	ctx := context.Background()
	c := e.Customer(e.WS, "ada@customer.test", "Ada", "Lovelace")
	me := ticketd.ByID(e.WS.Owner.ID)
	due := time.Date(2026, 12, 24, 17, 0, 0, 0, time.UTC)
	for i := range 200 {
		in := ticketd.NewTicket{Customer: ticketd.ByID(c.ID), Subject: "Where is my order?", Channel: "email",
			Status: ticketd.StatusOpen, Assignee: &me, Tags: []string{"billing", "vip"}, Reason: "order",
			Language: "en", Category: "shipping", Description: "The parcel did not arrive.", DueAt: &due}
		if i%2 == 1 {
			in.Status = ticketd.StatusPending
		}
		if _, err := e.Service.CreateTicket(ctx, e.WS.Principal, in); err != nil {
			b.Fatal(err)
		}
	}
	req := httptest.NewRequest("GET", "/v1/tickets?status=open&limit=50&assignee_id="+e.WS.Owner.ID.String(), nil)
	req.Header.Set("Authorization", "Bearer "+e.WS.Key)
	b.ReportAllocs()
	var r0, r1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.Handler.ServeHTTP(rec, req)
		if rec.Code != 200 || rec.Body.Len() < 50*500 {
			b.Fatalf("status %d: %.200s", rec.Code, rec.Body)
		}
	}
	// The process's CPU time per list (the handler's and the garbage
	// collector's): on a shared machine it moves far less than ns/op.
	syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
	cpu := r1.Utime.Nano() + r1.Stime.Nano() - r0.Utime.Nano() - r0.Stime.Nano()
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
}
