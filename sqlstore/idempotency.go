package sqlstore

import (
	"context"
	"time"

	ticketd "github.com/ticketd/ticketd"
)

// ReserveIdempotencyKey inserts a reservation; the primary key turns a
// second one into ECONFLICT.
func (t *Tx) ReserveIdempotencyKey(ctx context.Context, r *ticketd.IdempotencyRecord) error {
	_, err := t.exec(ctx, `INSERT INTO idempotency_keys (owner, idem_key, fingerprint, done, status, content_type, body, created_at)
		VALUES ($1, $2, $3, FALSE, 0, '', $4, $5)`, r.Owner, r.Key, r.Fingerprint, []byte{}, r.CreatedAt)
	return err
}

// IdempotencyRecord returns the owner's record of key.
func (t *Tx) IdempotencyRecord(ctx context.Context, owner, key string) (*ticketd.IdempotencyRecord, error) {
	r := &ticketd.IdempotencyRecord{Owner: owner, Key: key}
	var done bool
	var resp ticketd.IdempotentResponse
	err := t.queryRow(ctx, `SELECT fingerprint, done, status, content_type, body, created_at FROM idempotency_keys
		WHERE owner = $1 AND idem_key = $2`, owner, key).Scan(&r.Fingerprint, &done, &resp.Status, &resp.ContentType, &resp.Body, &r.CreatedAt)
	if err != nil {
		return nil, t.notFound(err, "idempotency key")
	}
	if done {
		r.Response = &resp
	}
	r.CreatedAt = r.CreatedAt.UTC()
	return r, nil
}

// CompleteIdempotencyKey keeps the answer of the reservation made at createdAt.
func (t *Tx) CompleteIdempotencyKey(ctx context.Context, owner, key string, createdAt time.Time, resp *ticketd.IdempotentResponse) error {
	_, err := t.exec(ctx, `UPDATE idempotency_keys SET done = TRUE, status = $1, content_type = $2, body = $3
		WHERE owner = $4 AND idem_key = $5 AND created_at = $6 AND done = FALSE`,
		resp.Status, resp.ContentType, resp.Body, owner, key, createdAt)
	return err
}

// DeleteIdempotencyKey deletes the record made at createdAt.
func (t *Tx) DeleteIdempotencyKey(ctx context.Context, owner, key string, createdAt time.Time) error {
	_, err := t.exec(ctx, `DELETE FROM idempotency_keys WHERE owner = $1 AND idem_key = $2 AND created_at = $3`,
		owner, key, createdAt)
	return err
}

// PruneIdempotencyKeys deletes records made before cutoff.
func (t *Tx) PruneIdempotencyKeys(ctx context.Context, cutoff time.Time) error {
	_, err := t.exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, cutoff)
	return err
}
