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

func (h *Handler) eventsJSON(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	page, err := httpapi.ParsePage(r, "after")
	if err != nil {
		return err
	}
	after, _, err := httpapi.ResumeAfter(r)
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

// eventStream serves the feed as server-sent events (httpapi.EventStream),
// every event rendered as the JSON feed renders it; a revoked key's stream
// ends at its next heartbeat.
func (h *Handler) eventStream(w http.ResponseWriter, r *http.Request, p *ticketd.Principal, cfg EventsConfig) error {
	after, given, err := httpapi.ResumeAfter(r)
	if err != nil {
		return err
	}
	s := httpapi.EventStream{Hub: cfg.Hub, Heartbeat: cfg.Heartbeat, WriteTimeout: cfg.WriteTimeout, Format: FormatSSE,
		StillAllowed: func(r *http.Request) error {
			_, err := h.surface.Authenticate(r)
			return err
		}}
	s.Serve(w, r, h.svc, p, after, given)
	return nil
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
