package native

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
)

// EventsConfig tunes GET /v1/events.
type EventsConfig struct {
	// Hub feeds the live streams; without one, only the JSON feed is served.
	Hub *ticketd.EventHub
	// Heartbeat is how often an idle stream sends a comment line, so that
	// proxies and clients can tell a quiet stream from a dead one (15 s when 0).
	Heartbeat time.Duration
	// WriteTimeout bounds each write to a stream: a client that does not read
	// for that long is cut off (30 s when 0).
	WriteTimeout time.Duration
}

// Option configures the native mount.
type Option func(*EventsConfig)

// WithEvents configures GET /v1/events: without a hub, it serves the JSON
// feed only.
func WithEvents(cfg EventsConfig) Option { return func(c *EventsConfig) { *c = cfg } }

// registerEvents adds GET /v1/events. It needs no one scope: a caller gets
// the events its key's scopes can read (ticketd.CanRead) and is refused only
// when they can read none.
func (h *Handler) registerEvents(opts []Option) {
	var cfg EventsConfig
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 15 * time.Second
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 30 * time.Second
	}
	h.mount.Handle("GET", "/events", "", func(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
		if err := knownParams(r, "after", "limit", "format"); err != nil {
			return err
		}
		if len(ticketd.EventTypesFor(p)) == 0 {
			return ticketd.Errorf(ticketd.EFORBIDDEN, "this API key can read no events")
		}
		if err := knownParams(r, "after", "limit", "format"); err != nil {
			return err
		}
		if wantsJSON(r) || cfg.Hub == nil {
			return h.eventsJSON(w, r, p)
		}
		return h.eventStream(w, r, p, cfg)
	})
}

// wantsJSON decides between the two forms of the feed: JSON for format=json
// or an Accept that asks for JSON and not for an event stream; the stream
// otherwise (EventSource sends Accept: text/event-stream, curl */*).
func wantsJSON(r *http.Request) bool {
	switch r.URL.Query().Get("format") {
	case "json":
		return true
	case "sse":
		return false
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/event-stream")
}

// afterParam reads the resume point: Last-Event-ID (what EventSource sends
// on reconnecting) or ?after=. ok is false when neither is given.
func afterParam(r *http.Request) (after int64, ok bool, err error) {
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

func (h *Handler) eventsJSON(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	page, err := httpapi.ParsePage(r, "after")
	if err != nil {
		return err
	}
	after, _, err := afterParam(r)
	if err != nil {
		return err
	}
	res, err := h.svc.Events(r.Context(), p, after, page.Limit)
	if err != nil {
		return err
	}
	out := make([]EventJSON, len(res.Events))
	for i, e := range res.Events {
		out[i] = RenderEvent(e)
	}
	if res.More {
		httpapi.SetNextLink(w, r, "after", strconv.FormatInt(res.Events[len(res.Events)-1].ID, 10), page.Limit)
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

// eventStream serves the feed as server-sent events. It subscribes to the
// node's hub first and reads the log from the resume point second, so an
// event is either in what it reads or arrives from the hub: nothing between
// the two is lost, and what both have is sent once (ids only go up).
func (h *Handler) eventStream(w http.ResponseWriter, r *http.Request, p *ticketd.Principal, cfg EventsConfig) error {
	after, given, err := afterParam(r)
	if err != nil {
		return err
	}
	sub := cfg.Hub.Subscribe(p.WorkspaceID)
	defer cfg.Hub.Unsubscribe(sub)
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
	write := func(s string) error {
		_ = rc.SetWriteDeadline(time.Now().Add(cfg.WriteTimeout))
		if _, err := fmt.Fprint(w, s); err != nil {
			return err
		}
		return rc.Flush()
	}
	if err := write("retry: 2000\n\n"); err != nil {
		return nil
	}
	last := after
	send := func(e *ticketd.Event) error {
		if e.ID <= last || !p.CanReadEvent(e.Type) {
			return nil
		}
		last = e.ID
		return write(FormatSSE(e))
	}
	// Catch up from the log, page by page, to where the hub takes over.
	for {
		page, err := h.svc.Events(r.Context(), p, last, 200)
		if err != nil {
			return nil // the headers are out: all we can do is end the stream
		}
		for _, e := range page.Events {
			if err := send(e); err != nil {
				return nil
			}
		}
		if !page.More {
			break
		}
	}
	heartbeat := time.NewTicker(cfg.Heartbeat)
	defer heartbeat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-sub.Done():
			// Too slow to keep up: end the stream; the client resumes from
			// the last id it got, within the retention window.
			return nil
		case e := <-sub.Events():
			if err := send(e); err != nil {
				return nil
			}
		case <-heartbeat.C:
			// A revoked key's stream ends at its next heartbeat.
			if _, err := h.surface.Authenticate(r); err != nil {
				return nil
			}
			if err := write(": heartbeat\n\n"); err != nil {
				return nil
			}
		}
	}
}

// FormatSSE renders one event as a server-sent event: its id (what
// Last-Event-ID resumes from), its type as the event name, and the JSON of
// RenderEvent on one data line.
func FormatSSE(e *ticketd.Event) string {
	b, _ := json.Marshal(RenderEvent(e)) // plain structs always marshal
	return fmt.Sprintf("id: %d\nevent: %s\ndata: %s\n\n", e.ID, e.Type, b)
}

// EventJSON is an event as the native API renders it, in the feed, the
// stream and (as its data) the standard webhook payload.
type EventJSON struct {
	ID         int64          `json:"id"`
	Type       string         `json:"type"`
	OccurredAt time.Time      `json:"occurred_at"`
	TicketID   *ticketd.ID    `json:"ticket_id,omitempty"`
	Data       map[string]any `json:"data"`
}

// RenderEvent renders e.
func RenderEvent(e *ticketd.Event) EventJSON {
	return EventJSON{ID: e.ID, Type: string(e.Type), OccurredAt: e.OccurredAt, TicketID: e.TicketID, Data: EventData(e)}
}

// EventData is the data of an event in native objects: "ticket", "message"
// (as GET /v1/messages/{id} shows it) or "customer", and what the change was.
func EventData(e *ticketd.Event) map[string]any {
	d := e.Data
	out := map[string]any{}
	if d.Ticket != nil {
		out["ticket"] = renderTicket(d.Ticket)
	}
	if d.Message != nil {
		out["message"] = renderMessage(d.Message) // as GET /v1/messages/{id}, delivery status included
	}
	if d.Customer != nil {
		out["customer"] = renderCustomer(d.Customer)
	}
	if d.Attachment != nil {
		out["attachment"] = renderFile(d.Attachment) // as GET /v1/tickets/{id}/attachments/{attachment_id}
	}
	if d.Team != nil {
		out["team"] = renderTeam(d.Team)
	}
	if d.User != nil {
		out["user"] = RenderUser(d.User)
	}
	if d.Changed != nil {
		out["changed_fields"] = d.Changed
	}
	switch e.Type {
	case ticketd.EventTicketStatusChanged:
		out["previous_status"] = d.PreviousStatus
	case ticketd.EventTicketAssigned, ticketd.EventTicketUnassigned:
		out["previous_assignee_id"] = d.PreviousAssigneeID
	case ticketd.EventTicketTagged:
		out["tags_added"] = d.TagsAdded
	case ticketd.EventMessageDeliveryChanged:
		out["previous_delivery_status"] = d.PreviousDelivery
	case ticketd.EventWebhookPing:
		out["webhook_id"] = d.WebhookID
	}
	return out
}
