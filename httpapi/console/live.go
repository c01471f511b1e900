package console

import (
	"fmt"
	"net/http"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
)

// Live updates: every page that shows tickets names a stream of the event
// log (GET /console/events?after=N, N the hub's cursor read before the page
// was drawn, so nothing between the page and the stream is missed). The
// stream says only which ticket changed; the page fetches itself again and
// swaps its live part, so what is shown is decided by the page's own read,
// with the agent's visibility, as on a reload. The stream is the native
// API's (httpapi.EventStream): the node's hub polls the shared event log, so
// a change made through any node reaches every node's pages.

// maxReplay bounds what a reconnecting page is replayed (the events, with
// the snapshots they carry, are held while it is sent): further behind, it
// is told to redraw instead, which costs one page rather than the events.
const maxReplay = 100

// liveStream is the URL of the stream a page drawn now follows ("" without
// a hub: the page is not live). Read it before reading the page's data.
func (c *Console) liveStream() string {
	if c.cfg.Hub == nil {
		return ""
	}
	return fmt.Sprintf("/console/events?after=%d", c.cfg.Hub.Cursor())
}

// events is GET /console/events: the signed-in agent's workspace's ticket
// events, as server-sent events named "ticket" with data
// {"ticket_id", "type"}, and "resync" when the page should redraw. An
// ended session ends the stream at its next heartbeat and is then a 401,
// which EventSource does not retry.
func (c *Console) events(w http.ResponseWriter, r *http.Request) {
	if c.cfg.Hub == nil {
		http.NotFound(w, r)
		return
	}
	s, err := c.session(r, false)
	if err != nil {
		if ticketd.ErrorCode(err) != ticketd.EUNAUTHORIZED {
			c.fail(w, r, nil, err)
			return
		}
		http.Error(w, "not signed in", http.StatusUnauthorized)
		return
	}
	after, given, err := httpapi.ResumeAfter(r)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	stream := httpapi.EventStream{Hub: c.cfg.Hub, Heartbeat: c.cfg.Heartbeat, WriteTimeout: 30 * time.Second,
		Format: liveEvent, MaxReplay: maxReplay,
		Resync: func(cursor int64) string { return fmt.Sprintf("id: %d\nevent: resync\ndata: {}\n\n", cursor) },
		StillAllowed: func(r *http.Request) error {
			_, err := c.session(r, false)
			return err
		}}
	stream.Serve(w, r, c.svc, s.p, after, given)
}

// liveEvent renders an event about a ticket (its messages included) as the
// pages need it: which ticket, and what happened. Nothing of the content
// travels: the page reads that itself.
func liveEvent(e *ticketd.Event) string {
	if e.TicketID == nil {
		return ""
	}
	return fmt.Sprintf("id: %d\nevent: ticket\ndata: {\"ticket_id\":%q,\"type\":%q}\n\n", e.ID, e.TicketID.String(), string(e.Type))
}
