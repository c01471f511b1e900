package ticketd

import (
	"context"
	crand "crypto/rand"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// WebhookFormat is how a webhook's deliveries are shaped and signed.
type WebhookFormat string

const (
	// FormatStandard follows the Standard Webhooks specification: the native
	// event types and objects, headers webhook-id, webhook-timestamp and
	// webhook-signature.
	FormatStandard WebhookFormat = "standard"
	// FormatTicket0 sends Ticket0's seven events in its shape, signed with
	// its Ticket0-Signature header, on its retry schedule.
	FormatTicket0 WebhookFormat = "ticket0"
)

// Ticket0EventTypes are the events Ticket0 documents, the vocabulary of a
// ticket0 webhook's subscription.
var Ticket0EventTypes = []string{"ticket.created", "ticket.assigned", "ticket.resolved", "ticket.reopened",
	"ticket.tagged", "message.sent", "customer.created"}

// Webhook is an endpoint that receives the workspace's events.
type Webhook struct {
	ID          ID
	Number      int64
	WorkspaceID ID
	URL         string
	// Events lists the subscribed event types, in the format's vocabulary.
	Events      []string
	Description string
	Format      WebhookFormat
	// Secret signs every delivery. PreviousSecret, after a rotation, signs
	// beside it until PreviousSecretUntil, so receivers can switch over.
	Secret              string
	PreviousSecret      string
	PreviousSecretUntil *time.Time
	// Scopes are those of the key that created the webhook: it receives only
	// the events they could read.
	Scopes []Scope
	// FailingSince is the first failed attempt after the last success.
	FailingSince *time.Time
	// DisabledAt is set when the endpoint failed for WebhookDisableAfter;
	// DisabledReason says why. A disabled webhook queues nothing and sends
	// nothing until it is enabled again.
	DisabledAt     *time.Time
	DisabledReason string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Secrets returns the secrets that sign a delivery at now: the current one,
// and the previous one while it is still in its overlap.
func (w *Webhook) Secrets(now time.Time) []string {
	out := []string{w.Secret}
	if w.PreviousSecret != "" && w.PreviousSecretUntil != nil && now.Before(*w.PreviousSecretUntil) {
		out = append(out, w.PreviousSecret)
	}
	return out
}

// DeliveryState is where a webhook delivery stands.
type DeliveryState string

const (
	DeliveryPending   DeliveryState = "pending"   // not yet delivered; NextAttemptAt says when
	DeliverySucceeded DeliveryState = "succeeded" // the endpoint answered 2xx
	DeliveryGaveUp    DeliveryState = "failed"    // out of attempts
)

// WebhookDelivery is one event on its way to one webhook. Its attempts are
// logged; it is retried until it succeeds or its schedule runs out.
type WebhookDelivery struct {
	ID          ID
	Number      int64
	WorkspaceID ID
	WebhookID   ID
	EventID     int64
	// EventType is the event's type in the webhook's vocabulary.
	EventType string
	// OrderKey groups the deliveries that must arrive in order: those of one
	// ticket (or one customer). A delivery waits for every earlier pending
	// delivery of its webhook with the same key.
	OrderKey      string
	State         DeliveryState
	Attempts      int
	NextAttemptAt *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
	// Log lists the attempts, oldest first (filled by WebhookDeliveries).
	Log []*WebhookAttempt
}

// WebhookAttempt is one try at a delivery.
type WebhookAttempt struct {
	DeliveryID ID
	Attempt    int
	At         time.Time
	// StatusCode is the endpoint's answer, 0 when there was none.
	StatusCode int
	Latency    time.Duration
	// Error says why an attempt failed without an answer (refused, timed out).
	Error string
	// ResponseBody is the start of the endpoint's answer (WebhookBodyKept).
	ResponseBody string
}

// Delivery policy of webhooks.
const (
	// WebhookGiveUpAfter is how long a standard delivery is retried.
	WebhookGiveUpAfter = 72 * time.Hour
	// WebhookDisableAfter disables an endpoint that failed every attempt
	// for that long.
	WebhookDisableAfter = 5 * 24 * time.Hour
	// WebhookSecretOverlap is how long a rotated-out secret keeps signing.
	WebhookSecretOverlap = 24 * time.Hour
	// WebhookBodyKept is how much of an endpoint's answer is logged.
	WebhookBodyKept = 4 << 10
	// webhookLease reserves a claimed delivery for the node that claimed it;
	// it is longer than any attempt's timeout, and a delivery whose node
	// died is claimed again after it.
	webhookLease = 2 * time.Minute
)

// ticket0Schedule is Ticket0's documented retry schedule: after the first
// attempt, retries after 1 m, 5 m, 30 m, 2 h and 6 h, then failed.
var ticket0Schedule = []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour}

// nextAttempt is when a delivery that failed its attempt n (1-based) is tried
// again, or ok=false when it has failed for good. Standard deliveries back
// off exponentially (5 s, 20 s, 80 s, ... ×4, capped at 12 h), ±20% jitter
// so that deliveries failing together spread out, for up to three days
// after the delivery was queued.
func nextAttempt(f WebhookFormat, n int, created, now time.Time) (time.Time, bool) {
	if f == FormatTicket0 {
		if n > len(ticket0Schedule) {
			return time.Time{}, false
		}
		return now.Add(ticket0Schedule[n-1]), true
	}
	d := 5 * time.Second << (2 * min(n-1, 10))
	d = min(d, 12*time.Hour)
	next := now.Add(time.Duration(float64(d) * (0.8 + 0.4*rand.Float64())))
	if next.Sub(created) > WebhookGiveUpAfter {
		return time.Time{}, false
	}
	return next, true
}

// WebhookTx is the part of Tx that keeps webhooks and their deliveries.
type WebhookTx interface {
	CreateWebhook(ctx context.Context, w *Webhook) error
	// Webhook returns ENOTFOUND if the webhook is not in workspace ws.
	Webhook(ctx context.Context, ws, id ID) (*Webhook, error)
	// Webhooks lists the workspace's webhooks in creation order.
	Webhooks(ctx context.Context, ws ID) ([]*Webhook, error)
	// ActiveWebhooks lists the workspace's webhooks that are not disabled.
	ActiveWebhooks(ctx context.Context, ws ID) ([]*Webhook, error)
	// PatchWebhook sets the given fields of a webhook of ws, each column on
	// its own, so that two changes of different fields both hold. Enabled
	// true clears the disabled state and the failure record; false disables
	// it (keeping the first reason). ENOTFOUND if the webhook is not in ws.
	PatchWebhook(ctx context.Context, ws, id ID, p WebhookPatch, now time.Time) error
	// RotateWebhookSecret makes secret the webhook's secret and the current
	// one its previous secret until until, in one statement.
	RotateWebhookSecret(ctx context.Context, ws, id ID, secret string, until time.Time) error
	// DeleteWebhook removes a webhook and its deliveries; ENOTFOUND if not in ws.
	DeleteWebhook(ctx context.Context, ws, id ID) error
	// WebhookFailed notes a failed attempt at now: it starts the failing
	// period if none is running, and disables the webhook with reason when
	// the period began before disableBefore. It reports whether it disabled.
	WebhookFailed(ctx context.Context, id ID, now, disableBefore time.Time, reason string) (bool, error)
	// WebhookSucceeded ends the failing period.
	WebhookSucceeded(ctx context.Context, id ID) error

	EnqueueWebhookDelivery(ctx context.Context, d *WebhookDelivery) error
	// ClaimWebhookDeliveries reserves up to limit pending deliveries of
	// enabled webhooks that are due at now and are the oldest pending one of
	// their webhook and order key, until leaseUntil, counting the attempt.
	// Each is claimed by one caller only, whatever the number of nodes.
	ClaimWebhookDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*WebhookDelivery, error)
	// FinishWebhookDelivery sets a claimed delivery's outcome, if it is still
	// at attempt: a delivery claimed again meanwhile is not overwritten.
	FinishWebhookDelivery(ctx context.Context, d *WebhookDelivery, attempt int) error
	RecordWebhookAttempt(ctx context.Context, a *WebhookAttempt) error
	// WebhookDelivery returns ENOTFOUND if the delivery is not of webhook
	// hook in workspace ws.
	WebhookDelivery(ctx context.Context, ws, hook, id ID) (*WebhookDelivery, error)
	// WebhookDeliveries lists a webhook's deliveries newest first, each with
	// its attempts: those before the delivery numbered beforeNumber (0: from
	// the newest), at most limit.
	WebhookDeliveries(ctx context.Context, ws, hook ID, beforeNumber int64, limit int) ([]*WebhookDelivery, error)
	// Event returns one event of the log; ENOTFOUND if it is not in ws or
	// was pruned.
	Event(ctx context.Context, ws ID, id int64) (*Event, error)
	// PruneWebhookDeliveries deletes finished deliveries (and their
	// attempts) queued before cutoff.
	PruneWebhookDeliveries(ctx context.Context, cutoff time.Time) error
}

// WebhookPatch is a validated change of a webhook's settings; a nil field
// is not changed.
type WebhookPatch struct {
	URL         *string
	Events      *[]string
	Description *string
	Enabled     *bool
}

// WebhookRequest is one attempt at a delivery, for the WebhookSender.
type WebhookRequest struct {
	Webhook *Webhook
	Event   *Event
	// EventType is the event's type in the webhook's vocabulary.
	EventType string
	// MessageID is stable across attempts and redeliveries of one event to
	// one endpoint (Standard Webhooks' webhook-id): receivers dedupe on it.
	MessageID string
	// Secrets sign the request (the current secret first).
	Secrets []string
	// Timestamp is when the attempt is made.
	Timestamp time.Time
}

// WebhookResult is what an attempt got.
type WebhookResult struct {
	StatusCode int
	Latency    time.Duration
	Body       string
	// Err is set when there was no answer, or it could not be read.
	Err error
}

// OK reports whether the endpoint accepted the delivery.
func (r WebhookResult) OK() bool { return r.Err == nil && r.StatusCode >= 200 && r.StatusCode < 300 }

// WebhookSender makes one attempt: it renders, signs and posts the request.
// It is implemented over HTTP by package webhook.
type WebhookSender interface {
	Send(ctx context.Context, req *WebhookRequest) WebhookResult
}

// WithWebhookURLCheck sets the check a webhook URL must pass when it is set,
// besides its syntax (package webhook refuses private addresses).
func WithWebhookURLCheck(check func(*url.URL) error) Option {
	return func(s *Service) { s.webhookURLCheck = check }
}

// ---- which events a webhook gets ----------------------------------------------

// Ticket0EventType is the Ticket0 name of e, or "" when Ticket0 has no such
// event: it documents resolution and reopening rather than status changes,
// and message.sent for the team's public replies only (agent or AI).
func Ticket0EventType(e *Event) string {
	switch e.Type {
	case EventTicketCreated, EventTicketAssigned, EventTicketTagged, EventCustomerCreated:
		return string(e.Type)
	case EventTicketStatusChanged:
		now, before := e.Data.Ticket.Status.Done(), e.Data.PreviousStatus.Done()
		if now && !before {
			return "ticket.resolved"
		}
		if before && !now {
			return "ticket.reopened"
		}
	case EventMessageCreated:
		if k := e.Data.Message.Author.Kind; k == AuthorAgent || k == AuthorAI {
			return "message.sent"
		}
	case EventWebhookPing:
		return "ping"
	}
	return ""
}

// deliveredType is e's type for webhook w, or "" when w does not get e:
// its format has no such event, it did not subscribe, or its scopes could
// not read it. A ping goes to the webhook it tests, and only there.
func deliveredType(w *Webhook, e *Event) string {
	if e.Type == EventWebhookPing {
		if e.Data.WebhookID == nil || *e.Data.WebhookID != w.ID {
			return ""
		}
		if w.Format == FormatTicket0 {
			return "ping"
		}
		return string(EventWebhookPing)
	}
	typ := string(e.Type)
	if w.Format == FormatTicket0 {
		typ = Ticket0EventType(e)
	}
	if typ == "" || !slices.Contains(w.Events, typ) || !CanRead(w.Scopes, e.Type) {
		return ""
	}
	return typ
}

func newDelivery(w *Webhook, e *Event, now time.Time) *WebhookDelivery {
	typ := deliveredType(w, e)
	if typ == "" {
		return nil
	}
	d := &WebhookDelivery{ID: NewID(), WorkspaceID: w.WorkspaceID, WebhookID: w.ID, EventID: e.ID, EventType: typ,
		State: DeliveryPending, NextAttemptAt: &now, CreatedAt: now, UpdatedAt: now}
	switch {
	case e.TicketID != nil:
		d.OrderKey = "ticket:" + e.TicketID.String()
	case e.Data.Customer != nil:
		d.OrderKey = "customer:" + e.Data.Customer.ID.String()
	default:
		d.OrderKey = "delivery:" + d.ID.String()
	}
	return d
}

// ---- managing webhooks ----------------------------------------------------------

// NewWebhook is the input of CreateWebhook.
type NewWebhook struct {
	URL         string
	Events      []string
	Description string
	Format      WebhookFormat // "" means standard
}

// WebhookUpdate changes the given fields of a webhook.
type WebhookUpdate struct {
	URL         *string
	Events      *[]string
	Description *string
	// Enabled true re-enables a disabled webhook; false disables it.
	Enabled *bool
}

// newWebhookSecret makes a secret in Standard Webhooks' form: "whsec_" and
// the base64 of 24 random bytes, which are the HMAC key.
func newWebhookSecret() string {
	b := make([]byte, 24)
	_, _ = crand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

func (s *Service) checkWebhookURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if raw == "" {
		return "", Invalid("url", "value_error.missing", "field required")
	}
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || len(raw) > 2000 {
		return "", Invalid("url", "value_error.url", "must be an http or https URL")
	}
	if s.webhookURLCheck != nil {
		if err := s.webhookURLCheck(u); err != nil {
			return "", Invalid("url", "value_error.url", "%s", err.Error())
		}
	}
	return raw, nil
}

// checkWebhookEvents validates a subscription in the format's vocabulary:
// known types, at least one, each readable with the creating key's scopes.
func checkWebhookEvents(f WebhookFormat, events []string, scopes []Scope) ([]string, error) {
	if len(events) == 0 {
		return nil, Invalid("events", "value_error.missing", "at least one event type is required")
	}
	var out []string
	for _, ev := range events {
		var native EventType
		if f == FormatTicket0 {
			if !slices.Contains(Ticket0EventTypes, ev) {
				return nil, Invalid("events", "value_error.enum", "%q is not a Ticket0 event; one of %s", ev, strings.Join(Ticket0EventTypes, ", "))
			}
			native = ticket0Native(ev)
		} else {
			native = EventType(ev)
			if !ValidEventType(native) {
				return nil, Invalid("events", "value_error.enum", "unknown event type %q", ev)
			}
		}
		if !CanRead(scopes, native) {
			return nil, Errorf(EFORBIDDEN, "this API key cannot read %s events", ev)
		}
		if !slices.Contains(out, ev) {
			out = append(out, ev)
		}
	}
	return out, nil
}

// ticket0Native is the native event a Ticket0 event comes from, for scopes.
func ticket0Native(ev string) EventType {
	switch ev {
	case "ticket.resolved", "ticket.reopened":
		return EventTicketStatusChanged
	case "message.sent":
		return EventMessageCreated
	}
	return EventType(ev)
}

// CreateWebhook adds an endpoint to the workspace. The secret is returned
// here, in Webhook.Secret; no later read shows it.
func (s *Service) CreateWebhook(ctx context.Context, p *Principal, in NewWebhook) (*Webhook, error) {
	now := s.Now()
	w := &Webhook{ID: NewID(), WorkspaceID: p.WorkspaceID, Description: strings.TrimSpace(in.Description),
		Format: in.Format, Secret: newWebhookSecret(), Scopes: p.Scopes, CreatedAt: now, UpdatedAt: now}
	if w.Format == "" {
		w.Format = FormatStandard
	}
	if w.Format != FormatStandard && w.Format != FormatTicket0 {
		return nil, Invalid("format", "value_error.enum", "must be standard or ticket0")
	}
	var err error
	if w.URL, err = s.checkWebhookURL(in.URL); err != nil {
		return nil, err
	}
	if w.Events, err = checkWebhookEvents(w.Format, in.Events, p.Scopes); err != nil {
		return nil, err
	}
	if err := checkText("description", w.Description, 0, maxNameLen); err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx Tx) error { return tx.CreateWebhook(ctx, w) })
	return w, err
}

// Webhooks lists the workspace's webhooks.
func (s *Service) Webhooks(ctx context.Context, p *Principal) (ws []*Webhook, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		ws, err = tx.Webhooks(ctx, p.WorkspaceID)
		return err
	})
	return ws, err
}

// Webhook returns one webhook of the workspace.
func (s *Service) Webhook(ctx context.Context, p *Principal, id ID) (w *Webhook, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		w, err = tx.Webhook(ctx, p.WorkspaceID, id)
		return err
	})
	return w, err
}

// UpdateWebhook changes a webhook. Enabling a disabled one clears its
// failure record; its deliveries that were waiting resume.
func (s *Service) UpdateWebhook(ctx context.Context, p *Principal, id ID, in WebhookUpdate) (*Webhook, error) {
	var w *Webhook
	err := s.store.Update(ctx, func(tx Tx) (err error) {
		if w, err = tx.Webhook(ctx, p.WorkspaceID, id); err != nil {
			return err
		}
		patch := WebhookPatch{Enabled: in.Enabled}
		if in.URL != nil {
			u, err := s.checkWebhookURL(*in.URL)
			if err != nil {
				return err
			}
			patch.URL = &u
		}
		if in.Events != nil {
			evs, err := checkWebhookEvents(w.Format, *in.Events, p.Scopes)
			if err != nil {
				return err
			}
			patch.Events = &evs
		}
		if in.Description != nil {
			d := strings.TrimSpace(*in.Description)
			if err := checkText("description", d, 0, maxNameLen); err != nil {
				return err
			}
			patch.Description = &d
		}
		if err := tx.PatchWebhook(ctx, p.WorkspaceID, id, patch, s.Now()); err != nil {
			return err
		}
		w, err = tx.Webhook(ctx, p.WorkspaceID, id)
		return err
	})
	return w, err
}

// DeleteWebhook removes a webhook and its delivery log.
func (s *Service) DeleteWebhook(ctx context.Context, p *Principal, id ID) error {
	return s.store.Update(ctx, func(tx Tx) error { return tx.DeleteWebhook(ctx, p.WorkspaceID, id) })
}

// RotateWebhookSecret gives a webhook a new secret, returned in
// Webhook.Secret. The old one keeps signing beside it for
// WebhookSecretOverlap, so the receiver can switch without losing a delivery.
func (s *Service) RotateWebhookSecret(ctx context.Context, p *Principal, id ID) (*Webhook, error) {
	var w *Webhook
	err := s.store.Update(ctx, func(tx Tx) (err error) {
		if err := tx.RotateWebhookSecret(ctx, p.WorkspaceID, id, newWebhookSecret(), s.Now().Add(WebhookSecretOverlap)); err != nil {
			return err
		}
		w, err = tx.Webhook(ctx, p.WorkspaceID, id)
		return err
	})
	return w, err
}

// TestWebhook queues a ping for the webhook, delivered like any event. The
// ping is sequenced in its own transaction, so its delivery can be returned.
func (s *Service) TestWebhook(ctx context.Context, p *Principal, id ID) (*WebhookDelivery, error) {
	var d *WebhookDelivery
	err := s.store.Update(ctx, func(tx Tx) error {
		w, err := tx.Webhook(ctx, p.WorkspaceID, id)
		if err != nil {
			return err
		}
		e := &Event{WorkspaceID: p.WorkspaceID, Type: EventWebhookPing, OccurredAt: s.Now(), Data: EventData{WebhookID: &w.ID}}
		if err := tx.AppendEvents(ctx, []*Event{e}); err != nil {
			return err
		}
		// A backlog before the ping may take more than one batch.
		for d == nil {
			n, queued, err := s.sequence(ctx, tx)
			if err != nil {
				return err
			}
			for _, q := range queued {
				if q.WebhookID == w.ID && q.EventType == deliveredType(w, e) {
					d = q
				}
			}
			if n == 0 && d == nil {
				return fmt.Errorf("test webhook: the ping was not sequenced")
			}
		}
		return nil
	})
	return d, err
}

// WebhookDeliveries lists a webhook's deliveries newest first with their
// attempts. before is the id of the last delivery of the previous page.
func (s *Service) WebhookDeliveries(ctx context.Context, p *Principal, hook ID, before *ID, limit int) (ds []*WebhookDelivery, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		if _, err := tx.Webhook(ctx, p.WorkspaceID, hook); err != nil {
			return err
		}
		var beforeNumber int64
		if before != nil {
			d, err := tx.WebhookDelivery(ctx, p.WorkspaceID, hook, *before)
			if err != nil {
				return err
			}
			beforeNumber = d.Number
		}
		ds, err = tx.WebhookDeliveries(ctx, p.WorkspaceID, hook, beforeNumber, limit)
		return err
	})
	return ds, err
}

// Redeliver queues the event of a past delivery again, as a new delivery
// with a fresh schedule and the same webhook-id.
func (s *Service) Redeliver(ctx context.Context, p *Principal, hook, delivery ID) (*WebhookDelivery, error) {
	var d *WebhookDelivery
	err := s.store.Update(ctx, func(tx Tx) error {
		w, err := tx.Webhook(ctx, p.WorkspaceID, hook)
		if err != nil {
			return err
		}
		old, err := tx.WebhookDelivery(ctx, p.WorkspaceID, hook, delivery)
		if err != nil {
			return err
		}
		e, err := tx.Event(ctx, p.WorkspaceID, old.EventID)
		if ErrorCode(err) == ENOTFOUND {
			return Errorf(ECONFLICT, "the event of this delivery is past the retention window")
		} else if err != nil {
			return err
		}
		now := s.Now()
		d = &WebhookDelivery{ID: NewID(), WorkspaceID: w.WorkspaceID, WebhookID: w.ID, EventID: e.ID,
			EventType: old.EventType, OrderKey: old.OrderKey, State: DeliveryPending, NextAttemptAt: &now,
			CreatedAt: now, UpdatedAt: now}
		return tx.EnqueueWebhookDelivery(ctx, d)
	})
	return d, err
}

// ---- delivering -----------------------------------------------------------------

// WebhookMessageID is the webhook-id of an event: stable across attempts
// and redeliveries, so receivers can dedupe on it.
func WebhookMessageID(e *Event) string { return fmt.Sprintf("evt_%d", e.ID) }

// DeliverWebhooksDue claims up to limit due deliveries, makes one attempt at
// each (concurrently: a slow endpoint does not hold up the others), and
// records the outcome. It returns how many it attempted.
func (s *Service) DeliverWebhooksDue(ctx context.Context, sender WebhookSender, limit int) (int, error) {
	if err := s.sequenceIfNeeded(ctx); err != nil {
		return 0, fmt.Errorf("sequence events: %w", err)
	}
	now := s.Now()
	var ds []*WebhookDelivery
	err := s.store.Update(ctx, func(tx Tx) (err error) {
		ds, err = tx.ClaimWebhookDeliveries(ctx, now, now.Add(webhookLease), limit)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("claim webhook deliveries: %w", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(ds))
	for i, d := range ds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.attemptDelivery(ctx, sender, d)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return len(ds), err
		}
	}
	return len(ds), nil
}

func (s *Service) attemptDelivery(ctx context.Context, sender WebhookSender, d *WebhookDelivery) error {
	var w *Webhook
	var e *Event
	err := s.store.View(ctx, func(tx Tx) (err error) {
		if w, err = tx.Webhook(ctx, d.WorkspaceID, d.WebhookID); err != nil {
			return err
		}
		e, err = tx.Event(ctx, d.WorkspaceID, d.EventID)
		return err
	})
	if ErrorCode(err) == ENOTFOUND {
		// The webhook was deleted (its deliveries with it) or the event
		// pruned: there is nothing left to send.
		return nil
	} else if err != nil {
		return err
	}
	start := s.Now()
	res := sender.Send(ctx, &WebhookRequest{Webhook: w, Event: e, EventType: d.EventType,
		MessageID: WebhookMessageID(e), Secrets: w.Secrets(start), Timestamp: start})
	now := s.Now()
	attempt := d.Attempts
	// The attempt was made: record it even if the worker is stopping, or
	// it would be made again after the lease for nothing.
	ctx = context.WithoutCancel(ctx)
	return s.store.Update(ctx, func(tx Tx) error {
		a := &WebhookAttempt{DeliveryID: d.ID, Attempt: attempt, At: start, StatusCode: res.StatusCode,
			Latency: res.Latency, ResponseBody: res.Body}
		if res.Err != nil {
			a.Error = res.Err.Error()
		} else if !res.OK() {
			a.Error = fmt.Sprintf("answered %d", res.StatusCode)
		}
		if err := tx.RecordWebhookAttempt(ctx, a); err != nil {
			return err
		}
		d.UpdatedAt = now
		if res.OK() {
			d.State, d.NextAttemptAt = DeliverySucceeded, nil
			if err := tx.WebhookSucceeded(ctx, w.ID); err != nil {
				return err
			}
		} else {
			if next, ok := nextAttempt(w.Format, attempt, d.CreatedAt, now); ok {
				d.NextAttemptAt = &next
			} else {
				d.State, d.NextAttemptAt = DeliveryGaveUp, nil
			}
			reason := fmt.Sprintf("every attempt failed for %s; the last: %s", WebhookDisableAfter, a.Error)
			disabled, err := tx.WebhookFailed(ctx, w.ID, now, now.Add(-WebhookDisableAfter), reason)
			if err != nil {
				return err
			}
			if disabled {
				s.logger.Warn("webhook disabled", "webhook_id", w.ID, "url", w.URL, "reason", reason)
			}
		}
		return tx.FinishWebhookDelivery(ctx, d, attempt)
	})
}
