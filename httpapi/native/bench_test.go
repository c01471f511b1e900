package native_test

import (
	"context"
	"strings"
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
