package webhook_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/apitest"
)

// nopSender accepts every delivery at once: what is measured is the queue
// (claim, record, reschedule), not HTTP.
type nopSender struct{}

func (nopSender) Send(context.Context, *ticketd.WebhookRequest) ticketd.WebhookResult {
	return ticketd.WebhookResult{StatusCode: 200}
}

// BenchmarkWebhookQueue queues b.N deliveries (one per change, each in the
// change's own transaction) and times how fast the queue drains them with
// batches of 16, as the worker claims them. Compare with River's defaults
// in README.md ("Why not River").
func BenchmarkWebhookQueue(b *testing.B) {
	env := apitest.New(b)
	env.As(env.WS.Key, "POST", "/v1/webhooks", map[string]any{"url": "https://hooks.example/",
		"events": []string{"customer.created"}}).Expect(201)
	ctx := context.Background()
	start := time.Now()
	for i := range b.N {
		if _, err := env.Service.CreateCustomer(ctx, env.WS.Principal, ticketd.NewCustomer{Email: fmt.Sprintf("c%d@x.test", i)}); err != nil {
			b.Fatal(err)
		}
	}
	enqueue := time.Since(start)
	b.ResetTimer()
	done := 0
	for done < b.N {
		n, err := env.Service.DeliverWebhooksDue(ctx, nopSender{}, 16)
		if err != nil {
			b.Fatal(err)
		}
		done += n
	}
	b.StopTimer()
	b.ReportMetric(float64(enqueue.Microseconds())/1000/float64(b.N), "ms/change")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
}
