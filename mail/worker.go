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
	Batch    int           // default 20
	// SendTimeout bounds one delivery; a shutdown waits for the delivery in
	// flight up to this long.
	SendTimeout time.Duration // default 2 min

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
// finished, not abandoned: it runs under its own context, so that a message
// the relay accepted is also recorded as sent.
func (w *Worker) Run(ctx context.Context) {
	if w.wake == nil {
		w.Start()
	}
	interval, batch, timeout := w.Interval, w.Batch, w.SendTimeout
	if interval <= 0 {
		interval = 5 * time.Second
	}
	if batch <= 0 {
		batch = 20
	}
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	logger := w.Logger
	if logger == nil {
		logger = slog.Default()
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		for ctx.Err() == nil {
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
			n, err := w.Service.DeliverDue(dctx, w.Mailer, batch)
			cancel()
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
