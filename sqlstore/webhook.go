package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	ticketd "github.com/ticketd/ticketd"
)

// sealWebhookSecret is the one place a webhook secret is turned into what
// is stored, and openWebhookSecret the one place it is turned back: both go
// through the store's SecretBox (secrets.go), so the secrets are sealed at
// rest whenever the server has a key. An empty value (no previous secret)
// stays empty.
func (t *Tx) sealWebhookSecret(secret string) (string, error) {
	if secret == "" {
		return "", nil
	}
	return t.sealSecret([]byte(secret))
}

func (t *Tx) openWebhookSecret(stored string) (string, error) {
	if stored == "" {
		return "", nil
	}
	b, err := t.openSecret(stored)
	return string(b), err
}

const webhookColumns = `number, id, workspace_id, url, events, description, format, secret, previous_secret,
	previous_secret_until, scopes, failing_since, disabled_at, disabled_reason, created_at, updated_at`

func (t *Tx) scanWebhook(row scanner) (*ticketd.Webhook, error) {
	var w ticketd.Webhook
	var id, ws, events, secret, previous, scopes string
	var until, failing, disabled sql.NullTime
	if err := row.Scan(&w.Number, &id, &ws, &w.URL, &events, &w.Description, &w.Format, &secret, &previous,
		&until, &scopes, &failing, &disabled, &w.DisabledReason, &w.CreatedAt, &w.UpdatedAt); err != nil {
		return nil, err
	}
	var err error
	if w.ID, err = parseID(id); err != nil {
		return nil, err
	}
	if w.WorkspaceID, err = parseID(ws); err != nil {
		return nil, err
	}
	if w.Events, err = parseStrings(events); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(scopes), &w.Scopes); err != nil {
		return nil, fmt.Errorf("stored scopes: %w", err)
	}
	if w.Secret, err = t.openWebhookSecret(secret); err != nil {
		return nil, err
	}
	if w.PreviousSecret, err = t.openWebhookSecret(previous); err != nil {
		return nil, err
	}
	w.PreviousSecretUntil, w.FailingSince, w.DisabledAt = optTime(until), optTime(failing), optTime(disabled)
	w.CreatedAt, w.UpdatedAt = w.CreatedAt.UTC(), w.UpdatedAt.UTC()
	return &w, nil
}

// CreateWebhook inserts w and assigns its number.
func (t *Tx) CreateWebhook(ctx context.Context, w *ticketd.Webhook) error {
	secret, err := t.sealWebhookSecret(w.Secret)
	if err != nil {
		return err
	}
	previous, err := t.sealWebhookSecret(w.PreviousSecret)
	if err != nil {
		return err
	}
	err = t.queryRow(ctx, `INSERT INTO webhooks (id, workspace_id, url, events, description, format, secret,
		previous_secret, previous_secret_until, scopes, failing_since, disabled_at, disabled_reason, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING number`,
		idArg(w.ID), idArg(w.WorkspaceID), w.URL, jsonArg(w.Events), w.Description, string(w.Format), secret,
		previous, optTimeArg(w.PreviousSecretUntil), jsonArg(w.Scopes), optTimeArg(w.FailingSince),
		optTimeArg(w.DisabledAt), w.DisabledReason, w.CreatedAt, w.UpdatedAt).Scan(&w.Number)
	return t.d.normalize(err)
}

// Webhook returns a webhook of ws.
func (t *Tx) Webhook(ctx context.Context, ws, id ticketd.ID) (*ticketd.Webhook, error) {
	w, err := t.scanWebhook(t.queryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE workspace_id = $1 AND id = $2`,
		idArg(ws), idArg(id)))
	if err != nil {
		return nil, t.notFound(err, "webhook")
	}
	return w, nil
}

// Webhooks lists the webhooks of ws in creation order.
func (t *Tx) Webhooks(ctx context.Context, ws ticketd.ID) ([]*ticketd.Webhook, error) {
	rows, err := t.query(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE workspace_id = $1 ORDER BY number`, idArg(ws))
	if err != nil {
		return nil, t.d.normalize(err)
	}
	return collect(rows, t.scanWebhook)
}

// ActiveWebhooks lists the webhooks of ws that are not disabled.
func (t *Tx) ActiveWebhooks(ctx context.Context, ws ticketd.ID) ([]*ticketd.Webhook, error) {
	rows, err := t.query(ctx, `SELECT `+webhookColumns+` FROM webhooks
		WHERE workspace_id = $1 AND disabled_at IS NULL ORDER BY number`, idArg(ws))
	if err != nil {
		return nil, t.d.normalize(err)
	}
	return collect(rows, t.scanWebhook)
}

// PatchWebhook sets the given columns only. enabled is -1 (unchanged), 0
// (disable) or 1 (enable).
func (t *Tx) PatchWebhook(ctx context.Context, ws, id ticketd.ID, p ticketd.WebhookPatch, now time.Time) error {
	var events any
	if p.Events != nil {
		events = jsonArg(*p.Events)
	}
	enabled := -1
	if p.Enabled != nil {
		enabled = 0
		if *p.Enabled {
			enabled = 1
		}
	}
	return t.execOne(ctx, "webhook", `UPDATE webhooks SET
		url = COALESCE(CAST($1 AS TEXT), url),
		events = COALESCE(CAST($2 AS TEXT), events),
		description = COALESCE(CAST($3 AS TEXT), description),
		disabled_reason = CASE WHEN $4 = 1 THEN '' WHEN $4 = 0 AND disabled_at IS NULL THEN 'disabled by request' ELSE disabled_reason END,
		disabled_at = CASE WHEN $4 = 1 THEN NULL WHEN $4 = 0 THEN COALESCE(disabled_at, $5) ELSE disabled_at END,
		failing_since = CASE WHEN $4 = 1 THEN NULL ELSE failing_since END,
		updated_at = $5
		WHERE workspace_id = $6 AND id = $7`,
		optStringArg(p.URL), events, optStringArg(p.Description), enabled, now, idArg(ws), idArg(id))
}

// RotateWebhookSecret moves the secret to previous_secret and sets the new
// one in one statement, so two rotations at once cannot lose a secret.
func (t *Tx) RotateWebhookSecret(ctx context.Context, ws, id ticketd.ID, secret string, until time.Time) error {
	sealed, err := t.sealWebhookSecret(secret)
	if err != nil {
		return err
	}
	return t.execOne(ctx, "webhook", `UPDATE webhooks SET previous_secret = secret, previous_secret_until = $1,
		secret = $2, updated_at = $3 WHERE workspace_id = $4 AND id = $5`,
		until, sealed, until.Add(-ticketd.WebhookSecretOverlap), idArg(ws), idArg(id))
}

// DeleteWebhook deletes a webhook; its deliveries and attempts go with it.
func (t *Tx) DeleteWebhook(ctx context.Context, ws, id ticketd.ID) error {
	return t.execOne(ctx, "webhook", `DELETE FROM webhooks WHERE workspace_id = $1 AND id = $2`, idArg(ws), idArg(id))
}

// WebhookFailed starts the failing period if none runs, then disables the
// webhook if the period began before disableBefore.
func (t *Tx) WebhookFailed(ctx context.Context, id ticketd.ID, now, disableBefore time.Time, reason string) (bool, error) {
	if _, err := t.exec(ctx, `UPDATE webhooks SET failing_since = COALESCE(failing_since, $1) WHERE id = $2`, now, idArg(id)); err != nil {
		return false, err
	}
	res, err := t.exec(ctx, `UPDATE webhooks SET disabled_at = $1, disabled_reason = $2
		WHERE id = $3 AND disabled_at IS NULL AND failing_since < $4`, now, reason, idArg(id), disableBefore)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// WebhookSucceeded ends the failing period.
func (t *Tx) WebhookSucceeded(ctx context.Context, id ticketd.ID) error {
	_, err := t.exec(ctx, `UPDATE webhooks SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`, idArg(id))
	return err
}

const deliveryColumns = `number, id, workspace_id, webhook_id, event_id, event_type, order_key, state, attempts,
	next_attempt_at, created_at, updated_at`

func scanDelivery(row scanner) (*ticketd.WebhookDelivery, error) {
	var d ticketd.WebhookDelivery
	var id, ws, hook string
	var next sql.NullTime
	if err := row.Scan(&d.Number, &id, &ws, &hook, &d.EventID, &d.EventType, &d.OrderKey, &d.State, &d.Attempts,
		&next, &d.CreatedAt, &d.UpdatedAt); err != nil {
		return nil, err
	}
	var err error
	if d.ID, err = parseID(id); err != nil {
		return nil, err
	}
	if d.WorkspaceID, err = parseID(ws); err != nil {
		return nil, err
	}
	if d.WebhookID, err = parseID(hook); err != nil {
		return nil, err
	}
	d.NextAttemptAt = optTime(next)
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return &d, nil
}

// EnqueueWebhookDelivery inserts d and assigns its number.
func (t *Tx) EnqueueWebhookDelivery(ctx context.Context, d *ticketd.WebhookDelivery) error {
	err := t.queryRow(ctx, `INSERT INTO webhook_deliveries (id, workspace_id, webhook_id, event_id, event_type,
		order_key, state, attempts, next_attempt_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING number`,
		idArg(d.ID), idArg(d.WorkspaceID), idArg(d.WebhookID), d.EventID, d.EventType, d.OrderKey, string(d.State),
		d.Attempts, optTimeArg(d.NextAttemptAt), d.CreatedAt, d.UpdatedAt).Scan(&d.Number)
	return t.d.normalize(err)
}

// ClaimWebhookDeliveries is the email outbox's claim (ClaimOutbox) with one
// condition more: a delivery is claimable only while no earlier delivery of
// its webhook and order key is pending, which is what keeps one ticket's
// events in order. The head of a key stays pending while it is leased, so
// its successors wait for its outcome, not just its claim. On PostgreSQL
// SKIP LOCKED lets several nodes claim different rows at once; a row a
// concurrent claim has locked is skipped, and its successors still see it
// pending and wait.
func (t *Tx) ClaimWebhookDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*ticketd.WebhookDelivery, error) {
	rows, err := t.query(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $1, updated_at = $2
		WHERE id IN (SELECT d.id FROM webhook_deliveries d
			WHERE d.state = 'pending' AND d.next_attempt_at <= $2
			AND d.webhook_id IN (SELECT id FROM webhooks WHERE disabled_at IS NULL)
			AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
				WHERE e.webhook_id = d.webhook_id AND e.order_key = d.order_key AND e.state = 'pending'
				AND (e.event_id < d.event_id OR (e.event_id = d.event_id AND e.number < d.number)))
			ORDER BY d.next_attempt_at LIMIT $3`+t.d.skipLocked()+`)
		RETURNING `+deliveryColumns, leaseUntil, now, limitArg(limit))
	if err != nil {
		return nil, t.d.normalize(err)
	}
	return collect(rows, scanDelivery)
}

// FinishWebhookDelivery writes the outcome of attempt, unless the delivery
// was claimed again since (its attempts moved on).
func (t *Tx) FinishWebhookDelivery(ctx context.Context, d *ticketd.WebhookDelivery, attempt int) error {
	_, err := t.exec(ctx, `UPDATE webhook_deliveries SET state = $1, next_attempt_at = $2, updated_at = $3
		WHERE id = $4 AND attempts = $5 AND state = 'pending'`,
		string(d.State), optTimeArg(d.NextAttemptAt), d.UpdatedAt, idArg(d.ID), attempt)
	return err
}

// RecordWebhookAttempt logs one attempt.
func (t *Tx) RecordWebhookAttempt(ctx context.Context, a *ticketd.WebhookAttempt) error {
	_, err := t.exec(ctx, `INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, latency_us, error, response_body)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		idArg(a.DeliveryID), a.Attempt, a.At, a.StatusCode, a.Latency.Microseconds(), a.Error, a.ResponseBody)
	return err
}

// WebhookDelivery returns a delivery of webhook hook in ws.
func (t *Tx) WebhookDelivery(ctx context.Context, ws, hook, id ticketd.ID) (*ticketd.WebhookDelivery, error) {
	d, err := scanDelivery(t.queryRow(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries
		WHERE workspace_id = $1 AND webhook_id = $2 AND id = $3`, idArg(ws), idArg(hook), idArg(id)))
	if err != nil {
		return nil, t.notFound(err, "delivery")
	}
	return d, nil
}

// WebhookDeliveries lists deliveries newest first and fills their logs
// with one more query for the whole page.
func (t *Tx) WebhookDeliveries(ctx context.Context, ws, hook ticketd.ID, beforeNumber int64, limit int) ([]*ticketd.WebhookDelivery, error) {
	rows, err := t.query(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries
		WHERE workspace_id = $1 AND webhook_id = $2 AND ($3 = 0 OR number < $3)
		ORDER BY number DESC LIMIT $4`, idArg(ws), idArg(hook), beforeNumber, limitArg(limit))
	if err != nil {
		return nil, t.d.normalize(err)
	}
	ds, err := collect(rows, scanDelivery)
	if err != nil || len(ds) == 0 {
		return ds, err
	}
	byID := map[ticketd.ID]*ticketd.WebhookDelivery{}
	for _, d := range ds {
		d.Log = []*ticketd.WebhookAttempt{}
		byID[d.ID] = d
	}
	rows, err = t.query(ctx, `SELECT a.delivery_id, a.attempt, a.at, a.status_code, a.latency_us, a.error, a.response_body
		FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
		WHERE d.webhook_id = $1 AND d.number BETWEEN $2 AND $3 ORDER BY a.delivery_id, a.attempt`,
		idArg(hook), ds[len(ds)-1].Number, ds[0].Number)
	if err != nil {
		return nil, t.d.normalize(err)
	}
	attempts, err := collect(rows, func(row scanner) (*ticketd.WebhookAttempt, error) {
		var a ticketd.WebhookAttempt
		var id string
		var us int64
		if err := row.Scan(&id, &a.Attempt, &a.At, &a.StatusCode, &us, &a.Error, &a.ResponseBody); err != nil {
			return nil, err
		}
		var err error
		a.DeliveryID, err = parseID(id)
		a.Latency, a.At = time.Duration(us)*time.Microsecond, a.At.UTC()
		return &a, err
	})
	if err != nil {
		return nil, err
	}
	for _, a := range attempts {
		if d := byID[a.DeliveryID]; d != nil {
			d.Log = append(d.Log, a)
		}
	}
	return ds, nil
}

// Event returns one event of ws.
func (t *Tx) Event(ctx context.Context, ws ticketd.ID, id int64) (*ticketd.Event, error) {
	e, err := scanEvent(t.queryRow(ctx, `SELECT position, workspace_id, type, ticket_id, occurred_at, data FROM events
		WHERE workspace_id = $1 AND position = $2`, idArg(ws), id))
	if err != nil {
		return nil, t.notFound(err, "event")
	}
	return e, nil
}

// PruneWebhookDeliveries deletes finished deliveries queued before cutoff.
func (t *Tx) PruneWebhookDeliveries(ctx context.Context, cutoff time.Time) error {
	_, err := t.exec(ctx, `DELETE FROM webhook_deliveries WHERE state <> 'pending' AND created_at < $1`, cutoff)
	return err
}
