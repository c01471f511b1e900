package main

import (
	"context"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/server"
	"github.com/ticketd/ticketd/webhook"
)

// pruneInterval is how often a node deletes events past the retention
// window, and idempotency keys past theirs. Every node prunes; the DELETE is idempotent, so several nodes
// pruning at once only repeat each other's work.
const pruneInterval = time.Hour

// startEvents starts the node's event hub (the one poller that feeds the
// node's streams), its webhook worker and the pruning of the event log, on
// the workers' context.
func (m *Main) startEvents(ctx context.Context) (*ticketd.EventHub, error) {
	hub := ticketd.NewEventHub(m.svc, m.Config.EventsPoll)
	if err := hub.Start(ctx); err != nil {
		return nil, err
	}
	m.workers.Add(1)
	go func() {
		defer m.workers.Done()
		t := time.NewTicker(pruneInterval)
		defer t.Stop()
		for {
			if n, err := m.svc.PruneEvents(ctx); err != nil && ctx.Err() == nil {
				m.logger.Warn("prune events", "err", err)
			} else if n > 0 {
				m.logger.Info("pruned events", "deleted", n)
			}
			if err := m.svc.PruneIdempotencyKeys(ctx); err != nil && ctx.Err() == nil {
				m.logger.Warn("prune idempotency keys", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	sender := webhook.NewSender(server.WebhookPayload, webhook.Options{Timeout: m.Config.WebhookTimeout,
		AllowPrivate: m.Config.WebhookAllowPrivate})
	w := &webhook.Worker{Service: m.svc, Sender: sender, Logger: m.logger, Interval: m.Config.EventsPoll}
	m.workers.Add(1)
	go func() {
		defer m.workers.Done()
		w.Run(ctx)
	}()
	return hub, nil
}
