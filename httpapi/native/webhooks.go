package native

import (
	"encoding/json"
	"net/http"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
)

// registerWebhooks adds the webhook routes under /v1/webhooks.
func (h *Handler) registerWebhooks() {
	m := h.mount
	m.Handle("POST", "/webhooks", "webhooks:write", h.createWebhook)
	m.Handle("GET", "/webhooks", "webhooks:read", h.listWebhooks)
	m.Handle("GET", "/webhooks/{id}", "webhooks:read", h.getWebhook)
	m.Handle("PATCH", "/webhooks/{id}", "webhooks:write", h.updateWebhook)
	m.Handle("DELETE", "/webhooks/{id}", "webhooks:write", h.deleteWebhook)
	m.Handle("POST", "/webhooks/{id}/rotate-secret", "webhooks:write", h.rotateWebhookSecret)
	m.Handle("POST", "/webhooks/{id}/test", "webhooks:write", h.testWebhook)
	m.Handle("GET", "/webhooks/{id}/deliveries", "webhooks:read", h.listDeliveries)
	m.Handle("POST", "/webhooks/{id}/deliveries/{delivery_id}/redeliver", "webhooks:write", h.redeliver)
}

type webhookJSON struct {
	ID                      ticketd.ID `json:"id"`
	Number                  int64      `json:"number"`
	URL                     string     `json:"url"`
	Events                  []string   `json:"events"`
	Description             string     `json:"description"`
	Format                  string     `json:"format"`
	Enabled                 bool       `json:"enabled"`
	DisabledAt              *time.Time `json:"disabled_at"`
	DisabledReason          string     `json:"disabled_reason"`
	FailingSince            *time.Time `json:"failing_since"`
	PreviousSecretExpiresAt *time.Time `json:"previous_secret_expires_at"`
	CreatedAt               time.Time  `json:"created_at"`
	UpdatedAt               time.Time  `json:"updated_at"`
	// Secret is shown in the answers to create and rotate-secret only.
	Secret string `json:"secret,omitempty"`
}

func renderWebhook(w *ticketd.Webhook, showSecret bool) webhookJSON {
	j := webhookJSON{ID: w.ID, Number: w.Number, URL: w.URL, Events: w.Events, Description: w.Description,
		Format: string(w.Format), Enabled: w.DisabledAt == nil, DisabledAt: w.DisabledAt, DisabledReason: w.DisabledReason,
		FailingSince: w.FailingSince, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
	if w.PreviousSecret != "" {
		j.PreviousSecretExpiresAt = w.PreviousSecretUntil // in the past once the overlap is over
	}
	if showSecret {
		j.Secret = w.Secret
	}
	return j
}

type webhookBody struct {
	URL         *string   `json:"url"`
	Events      *[]string `json:"events"`
	Description *string   `json:"description"`
	Format      *string   `json:"format"`
	Enabled     *bool     `json:"enabled"`
}

func (h *Handler) createWebhook(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	var b webhookBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	in := ticketd.NewWebhook{URL: deref(b.URL), Description: deref(b.Description), Format: ticketd.WebhookFormat(deref(b.Format))}
	if b.Events != nil {
		in.Events = *b.Events
	}
	hook, err := h.svc.CreateWebhook(r.Context(), p, in)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, renderWebhook(hook, true))
	return nil
}

func (h *Handler) listWebhooks(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	if err := knownParams(r, "limit", "after"); err != nil {
		return err
	}
	page, err := httpapi.ParsePage(r, "after")
	if err != nil {
		return err
	}
	all, err := h.svc.Webhooks(r.Context(), p)
	if err != nil {
		return err
	}
	id := func(w *ticketd.Webhook) ticketd.ID { return w.ID }
	hooks, err := pageOf(all, page, id)
	if err != nil {
		return err
	}
	writeList(w, r, page, hooks, id, func(w *ticketd.Webhook) webhookJSON { return renderWebhook(w, false) })
	return nil
}

func (h *Handler) getWebhook(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "webhook")
	if err != nil {
		return err
	}
	hook, err := h.svc.Webhook(r.Context(), p, id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, renderWebhook(hook, false))
	return nil
}

func (h *Handler) updateWebhook(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "webhook")
	if err != nil {
		return err
	}
	var b webhookBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	if b.Format != nil {
		return ticketd.Invalid("format", "value_error.immutable", "cannot be changed; create another webhook")
	}
	hook, err := h.svc.UpdateWebhook(r.Context(), p, id, ticketd.WebhookUpdate{URL: b.URL, Events: b.Events,
		Description: b.Description, Enabled: b.Enabled})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, renderWebhook(hook, false))
	return nil
}

func (h *Handler) deleteWebhook(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "webhook")
	if err != nil {
		return err
	}
	if err := h.svc.DeleteWebhook(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) rotateWebhookSecret(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "webhook")
	if err != nil {
		return err
	}
	hook, err := h.svc.RotateWebhookSecret(r.Context(), p, id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, renderWebhook(hook, true))
	return nil
}

type attemptJSON struct {
	Attempt      int       `json:"attempt"`
	At           time.Time `json:"at"`
	Status       *int      `json:"status"`
	LatencyMS    float64   `json:"latency_ms"`
	Error        string    `json:"error"`
	ResponseBody string    `json:"response_body"`
}

type deliveryJSON struct {
	ID            ticketd.ID    `json:"id"`
	EventID       int64         `json:"event_id"`
	EventType     string        `json:"event_type"`
	WebhookID     string        `json:"webhook_id"`
	MessageID     string        `json:"message_id"`
	State         string        `json:"state"`
	AttemptCount  int           `json:"attempt_count"`
	Attempts      []attemptJSON `json:"attempts"`
	NextAttemptAt *time.Time    `json:"next_attempt_at"`
	CreatedAt     time.Time     `json:"created_at"`
	UpdatedAt     time.Time     `json:"updated_at"`
}

func renderDelivery(d *ticketd.WebhookDelivery) deliveryJSON {
	j := deliveryJSON{ID: d.ID, EventID: d.EventID, EventType: d.EventType, WebhookID: d.WebhookID.String(),
		MessageID: ticketd.WebhookMessageID(&ticketd.Event{ID: d.EventID}), State: string(d.State),
		AttemptCount: d.Attempts, Attempts: []attemptJSON{}, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	if d.State == ticketd.DeliveryPending {
		j.NextAttemptAt = d.NextAttemptAt
	}
	for _, a := range d.Log {
		aj := attemptJSON{Attempt: a.Attempt, At: a.At, LatencyMS: float64(a.Latency.Microseconds()) / 1000,
			Error: a.Error, ResponseBody: a.ResponseBody}
		if a.StatusCode != 0 {
			aj.Status = &a.StatusCode
		}
		j.Attempts = append(j.Attempts, aj)
	}
	return j
}

func (h *Handler) testWebhook(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "webhook")
	if err != nil {
		return err
	}
	d, err := h.svc.TestWebhook(r.Context(), p, id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusAccepted, renderDelivery(d))
	return nil
}

func (h *Handler) listDeliveries(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "webhook")
	if err != nil {
		return err
	}
	if err := knownParams(r, "limit", "after"); err != nil {
		return err
	}
	page, err := httpapi.ParsePage(r, "after")
	if err != nil {
		return err
	}
	var before *ticketd.ID
	if page.After != "" {
		b, err := ticketd.ParseID(page.After)
		if err != nil {
			return httpapi.InvalidCursor("after")
		}
		before = &b
	}
	ds, err := h.svc.WebhookDeliveries(r.Context(), p, id, before, page.Limit+1)
	if ticketd.ErrorCode(err) == ticketd.ENOTFOUND && before != nil {
		if _, herr := h.svc.Webhook(r.Context(), p, id); herr == nil {
			return httpapi.InvalidCursor("after")
		}
	}
	if err != nil {
		return err
	}
	writeList(w, r, page, ds, func(d *ticketd.WebhookDelivery) ticketd.ID { return d.ID }, renderDelivery)
	return nil
}

func (h *Handler) redeliver(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "webhook")
	if err != nil {
		return err
	}
	did, err := pathID(r, "delivery_id", "delivery")
	if err != nil {
		return err
	}
	d, err := h.svc.Redeliver(r.Context(), p, id, did)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusAccepted, renderDelivery(d))
	return nil
}

// StandardPayload renders a standard-format delivery, the payload of
// Standard Webhooks: {"type", "timestamp", "data"}, with data the native
// objects of the event (EventData) and its id and type beside them.
func StandardPayload(req *ticketd.WebhookRequest) ([]byte, error) {
	data := EventData(req.Event)
	data["event_id"] = req.Event.ID
	return json.Marshal(map[string]any{
		"type":      req.EventType,
		"timestamp": req.Event.OccurredAt.UTC().Format(time.RFC3339Nano),
		"data":      data,
	})
}
