package ticketd

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// EventHub is the one poller of the event log on a node: it reads the events
// every node committed and hands each to the node's live subscribers (the
// streams of GET /v1/events) of its workspace. One poller per node, rather
// than one per stream, keeps the database's load independent of how many
// streams are open; polling the shared table, rather than notifying in
// process, is what lets an event written on one node reach the streams of
// every node.
type EventHub struct {
	svc      *Service
	interval time.Duration
	logger   *slog.Logger

	mu     sync.Mutex
	cursor int64
	subs   map[*Subscription]struct{}
}

// Subscription receives a workspace's events as the hub reads them. A
// subscriber that falls SubscriptionBuffer events behind is dropped (Done is
// closed) rather than let it hold the hub or grow without bound: a stream
// then ends, and its client resumes from the last id it got.
type Subscription struct {
	workspace ID
	c         chan *Event
	done      chan struct{}
	// Cursor is the hub's position when the subscription began: every event
	// after it reaches the subscription, and every event up to it is
	// committed, so a reader of the log up to Cursor misses nothing.
	Cursor int64
}

// SubscriptionBuffer is how many events a subscriber may fall behind.
const SubscriptionBuffer = 128

// Events delivers the subscription's events in id order.
func (s *Subscription) Events() <-chan *Event { return s.c }

// Done is closed when the hub dropped the subscription for falling behind.
func (s *Subscription) Done() <-chan struct{} { return s.done }

// NewEventHub returns a hub polling svc's event log every interval.
func NewEventHub(svc *Service, interval time.Duration) *EventHub {
	return &EventHub{svc: svc, interval: interval, logger: svc.logger, subs: map[*Subscription]struct{}{}}
}

// Start positions the hub at the newest event and polls until ctx ends.
func (h *EventHub) Start(ctx context.Context) error {
	last, err := h.svc.LastEventID(ctx)
	if err != nil {
		return err
	}
	h.mu.Lock()
	h.cursor = last
	h.mu.Unlock()
	go h.run(ctx)
	return nil
}

func (h *EventHub) run(ctx context.Context) {
	t := time.NewTicker(h.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for h.poll(ctx) {
			// A full page: read on without waiting.
		}
	}
}

const hubPage = 500

// poll reads one page after the cursor and fans it out; it reports whether
// the page was full.
func (h *EventHub) poll(ctx context.Context) bool {
	h.mu.Lock()
	cursor := h.cursor
	h.mu.Unlock()
	evs, err := h.svc.AllEventsAfter(ctx, cursor, hubPage)
	if err != nil {
		if ctx.Err() == nil {
			h.logger.Warn("event hub: poll", "err", err)
		}
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range evs {
		for s := range h.subs {
			if s.workspace != e.WorkspaceID {
				continue
			}
			select {
			case s.c <- e:
			default:
				delete(h.subs, s)
				close(s.done)
			}
		}
		h.cursor = e.ID
	}
	return len(evs) == hubPage
}

// Subscribe starts receiving the events of workspace ws.
func (h *EventHub) Subscribe(ws ID) *Subscription {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := &Subscription{workspace: ws, c: make(chan *Event, SubscriptionBuffer), done: make(chan struct{}), Cursor: h.cursor}
	h.subs[s] = struct{}{}
	return s
}

// Unsubscribe stops s; it is safe after the hub dropped s.
func (h *EventHub) Unsubscribe(s *Subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; ok {
		delete(h.subs, s)
		close(s.done)
	}
}

// Cursor is the id up to which the hub has read the log. Every event up to
// it is committed, so what is read after asking includes their changes: a
// page drawn after reading the cursor and then streamed from it (?after=)
// misses nothing, at no cost to the database.
func (h *EventHub) Cursor() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cursor
}

// Subscribers counts the open subscriptions (metrics, tests).
func (h *EventHub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}
