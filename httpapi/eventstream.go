package httpapi

import (
	"io"
	"net/http"
	"strconv"
	"time"

	ticketd "github.com/ticketd/ticketd"
)

// EventStream serves the event log as server-sent events: the native API's
// GET /v1/events and the console's live updates share it, each with its own
// rendering and its own check of the caller.
type EventStream struct {
	Hub *ticketd.EventHub
	// Heartbeat is how often an idle stream sends a comment line, so that
	// proxies and clients can tell a quiet stream from a dead one.
	Heartbeat time.Duration
	// WriteTimeout bounds each write: a client that does not read for that
	// long is cut off.
	WriteTimeout time.Duration
	// Format renders one event the caller may read; "" sends nothing.
	Format func(*ticketd.Event) string
	// StillAllowed is asked at every heartbeat; an error ends the stream (a
	// revoked key, a session that ended).
	StillAllowed func(r *http.Request) error
	// MaxReplay bounds the catch-up from the log (0: none), read in one
	// page. A client further behind gets Resync instead, and the stream goes
	// on from now: for a client that redraws what it shows rather than
	// applying each event.
	MaxReplay int
	// Resync renders what a client too far behind is sent; cursor is the
	// id the stream goes on from.
	Resync func(cursor int64) string
}

// ResumeAfter reads a stream's resume point: Last-Event-ID (what
// EventSource sends on reconnecting) or ?after=. given is false when
// neither is there; a value that is no event id is EINVALID.
func ResumeAfter(r *http.Request) (after int64, given bool, err error) {
	v, field := r.Header.Get("Last-Event-ID"), "Last-Event-ID"
	if v == "" {
		v, field = r.URL.Query().Get("after"), "after"
	}
	if v == "" {
		return 0, false, nil
	}
	n, perr := strconv.ParseInt(v, 10, 64)
	if perr != nil || n < 0 {
		return 0, false, &ticketd.Error{Code: ticketd.EINVALID, Message: field + " must be an event id",
			Fields: []ticketd.FieldError{{In: "query", Field: field, Message: "must be an event id (a non-negative integer)", Type: "value_error.number"}}}
	}
	return n, true, nil
}

// Serve streams p's events after the event with id after; given says
// whether the client named a resume point at all (without one it gets the
// events from now on). It subscribes to the node's hub first and reads the
// log from the resume point second, so an event is either in what it reads
// or arrives from the hub: nothing between the two is lost, and what both
// have is sent once (ids only go up). The hub's poll of the shared log is
// what brings another node's events.
func (s *EventStream) Serve(w http.ResponseWriter, r *http.Request, svc *ticketd.Service, p *ticketd.Principal, after int64, given bool) {
	sub := s.Hub.Subscribe(p.WorkspaceID)
	defer s.Hub.Unsubscribe(sub)
	if !given {
		after = sub.Cursor // no history asked for: from now on
	}
	rc := http.NewResponseController(w)
	// A stream outlives the server's ReadTimeout, whose expiry would cancel
	// the request's context: the request is read, so lift the deadline.
	_ = rc.SetReadDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	write := func(text string) error {
		_ = rc.SetWriteDeadline(time.Now().Add(s.WriteTimeout))
		if _, err := io.WriteString(w, text); err != nil {
			return err
		}
		return rc.Flush()
	}
	if err := write("retry: 2000\n\n"); err != nil {
		return
	}
	last := after
	send := func(e *ticketd.Event) error {
		if e.ID <= last || !p.CanReadEvent(e.Type) {
			return nil
		}
		last = e.ID
		if text := s.Format(e); text != "" {
			return write(text)
		}
		return nil
	}
	// Catch up from the log, page by page, to where the hub takes over; or,
	// bounded, in one page, a client further behind being told to resync.
	pageSize := 200
	if s.MaxReplay > 0 {
		pageSize = s.MaxReplay
	}
	for {
		page, err := svc.Events(r.Context(), p, last, pageSize)
		if err != nil {
			return // the headers are out: all we can do is end the stream
		}
		if s.MaxReplay > 0 && page.More {
			last = max(last, sub.Cursor)
			if err := write(s.Resync(last)); err != nil {
				return
			}
			break
		}
		for _, e := range page.Events {
			if err := send(e); err != nil {
				return
			}
		}
		if !page.More {
			break
		}
	}
	heartbeat := time.NewTicker(s.Heartbeat)
	defer heartbeat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-sub.Done():
			// Too slow to keep up: end the stream; the client resumes from
			// the last id it got, within the retention window.
			return
		case e := <-sub.Events():
			if err := send(e); err != nil {
				return
			}
		case <-heartbeat.C:
			if err := s.StillAllowed(r); err != nil {
				return
			}
			if err := write(": heartbeat\n\n"); err != nil {
				return
			}
		}
	}
}
