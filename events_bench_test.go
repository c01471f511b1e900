package ticketd_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// BenchmarkParallelChanges has eight writers create customers at once, each
// change with its event: on PostgreSQL this is what the event log's
// database-wide append lock costs (README.md, "Events").
func BenchmarkParallelChanges(b *testing.B) {
	ctx := context.Background()
	svc := ticketd.NewService(sqlstoretest.Open(b))
	p := ownerOf(b, svc)
	var n atomic.Int64
	b.SetParallelism(4) // 4 × GOMAXPROCS (2) writers
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := svc.CreateCustomer(ctx, p, ticketd.NewCustomer{Email: fmt.Sprintf("c%d@x.test", n.Add(1))}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
