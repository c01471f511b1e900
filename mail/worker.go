package mail

import (
	"context"
	"log/slog"
	"time"

	ticketd "github.com/ticketd/ticketd"
)

// Worker delivers the outbox: it wakes when a reply is queued and polls at
// Interval for retries that have come due and for entries whose worker died
// (see ticketd.Service.DeliverDue).
type Worker struct {
	Service  *ticketd.Service
	Mailer   ticketd.Mailer
	Logger   *slog.Logger
	Interval time.Duration // default 5 s
	// Batch is how many entries one pass delivers before the worker looks
	// at its context again; each send has its own deadline, set on the
	// service (ticketd.WithSendTimeout), and a shutdown waits for the send
	// in flight up to that long.
	Batch int // default 20

	wake chan struct{}
}

// Start registers the worker's wake-up with the service; call it before Run.
func (w *Worker) Start() {
	w.wake = make(chan struct{}, 1)
	w.Service.OnMessageQueued(func() {
		select {
		case w.wake <- struct{}{}:
		default: // a wake-up is pending already
		}
	})
}

// Run delivers until ctx ends. A delivery in flight when ctx ends is
// finished, not abandoned (DeliverDue sends under its own deadline), so that
// a message the relay accepted is also recorded as sent.
func (w *Worker) Run(ctx context.Context) {
	if w.wake == nil {
		w.Start()
	}
	interval, batch := w.Interval, w.Batch
	if interval <= 0 {
		interval = 5 * time.Second
	}
	if batch <= 0 {
		batch = 20
	}
	logger := w.Logger
	if logger == nil {
		logger = slog.Default()
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		for ctx.Err() == nil {
			n, err := w.Service.DeliverDue(ctx, w.Mailer, batch)
			if err != nil {
				logger.Error("outbox", "err", err)
				break
			}
			if n < batch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-ticker.C:
		}
	}
}
