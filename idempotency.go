package ticketd

import (
	"bytes"
	"context"
	"time"
)

// Idempotency keys (the IETF Idempotency-Key header) let a client retry a
// request whose answer it lost without doing the work twice: the first
// request with a key reserves it, its answer is kept for IdempotencyWindow,
// and a retry with the same key and the same request gets that answer back.

// IdempotencyWindow is how long a key's answer is kept and replayed.
const IdempotencyWindow = 24 * time.Hour

// idempotencyAbandoned is how long a reservation may stay unanswered before
// a retry may take it over: longer than any request may run, so it is only
// reached when the node serving the first request died.
const idempotencyAbandoned = 5 * time.Minute

// IdempotentResponse is the kept answer to a request.
type IdempotentResponse struct {
	Status      int
	ContentType string
	Body        []byte
}

// IdempotencyRecord is one key's reservation or kept answer.
type IdempotencyRecord struct {
	// Owner is whom the key belongs to: keys are scoped to the API key.
	Owner string
	Key   string
	// Fingerprint identifies the request (method, path and body), so the
	// same key cannot be replayed for a different request.
	Fingerprint []byte
	// Response is nil while the first request is still running.
	Response  *IdempotentResponse
	CreatedAt time.Time
}

// IdempotencyTx is the part of Tx that keeps idempotency keys.
type IdempotencyTx interface {
	// ReserveIdempotencyKey inserts r as a reservation; ECONFLICT if its
	// owner already has the key (the unique constraint is what makes two
	// concurrent requests with one key create one object).
	ReserveIdempotencyKey(ctx context.Context, r *IdempotencyRecord) error
	// IdempotencyRecord returns ENOTFOUND if the owner has no such key.
	IdempotencyRecord(ctx context.Context, owner, key string) (*IdempotencyRecord, error)
	// CompleteIdempotencyKey keeps the answer of the reservation made at createdAt.
	CompleteIdempotencyKey(ctx context.Context, owner, key string, createdAt time.Time, resp *IdempotentResponse) error
	// DeleteIdempotencyKey removes the record made at createdAt (and no
	// newer one that took its place).
	DeleteIdempotencyKey(ctx context.Context, owner, key string, createdAt time.Time) error
	// PruneIdempotencyKeys deletes the records made before cutoff.
	PruneIdempotencyKeys(ctx context.Context, cutoff time.Time) error
}

// Errors of idempotent requests. They are values so surfaces can tell them
// apart (a surface that answers 400 for bad input still answers 422 here).
var (
	ErrIdempotencyKeyReused = &Error{Code: EINVALID,
		Message: "this Idempotency-Key was used with a different request; use a new key for a new request"}
	ErrIdempotencyInProgress = &Error{Code: ECONFLICT,
		Message: "a request with this Idempotency-Key is still being processed; retry later"}
)

// Reservation is a reserved key, held by the request that reserved it until
// it is completed or released.
type Reservation struct {
	owner, key string
	createdAt  time.Time
}

func idempotencyOwner(p *Principal) string {
	if p.KeyID != (ID{}) {
		return "key:" + p.KeyID.String()
	}
	return "user:" + p.UserID.String()
}

// ReserveIdempotencyKey starts an idempotent request. It returns the kept
// response to replay when the key was used before for the same request; a
// reservation to complete or release when the request is new; or
// ErrIdempotencyKeyReused (a different request) or ErrIdempotencyInProgress
// (the first request with the key has not answered yet: the second is not
// made to wait, so no connection is held open on another's behalf).
func (s *Service) ReserveIdempotencyKey(ctx context.Context, p *Principal, key string, fingerprint []byte) (*IdempotentResponse, *Reservation, error) {
	now := s.Now()
	rec := &IdempotencyRecord{Owner: idempotencyOwner(p), Key: key, Fingerprint: fingerprint, CreatedAt: now}
	var replay *IdempotentResponse
	err := s.store.Update(ctx, func(tx Tx) error {
		replay = nil
		old, err := tx.IdempotencyRecord(ctx, rec.Owner, key)
		switch {
		case ErrorCode(err) == ENOTFOUND:
		case err != nil:
			return err
		case old.CreatedAt.Before(now.Add(-IdempotencyWindow)),
			old.Response == nil && old.CreatedAt.Before(now.Add(-idempotencyAbandoned)):
			// Expired, or abandoned by a node that died: start afresh.
			if err := tx.DeleteIdempotencyKey(ctx, rec.Owner, key, old.CreatedAt); err != nil {
				return err
			}
		case !bytes.Equal(old.Fingerprint, fingerprint):
			return ErrIdempotencyKeyReused
		case old.Response == nil:
			return ErrIdempotencyInProgress
		default:
			replay = old.Response
			return nil
		}
		return tx.ReserveIdempotencyKey(ctx, rec)
	})
	if ErrorCode(err) == ECONFLICT && err != ErrIdempotencyInProgress {
		// A concurrent request reserved the key between our read and insert.
		return nil, nil, ErrIdempotencyInProgress
	}
	if err != nil || replay != nil {
		return replay, nil, err
	}
	return nil, &Reservation{owner: rec.Owner, key: key, createdAt: now}, nil
}

// CompleteIdempotencyKey keeps resp as the answer to replay for r's key.
func (s *Service) CompleteIdempotencyKey(ctx context.Context, r *Reservation, resp *IdempotentResponse) error {
	return s.store.Update(ctx, func(tx Tx) error {
		return tx.CompleteIdempotencyKey(ctx, r.owner, r.key, r.createdAt, resp)
	})
}

// ReleaseIdempotencyKey frees r's key: the request created nothing (it
// failed), so a retry with the key may run again.
func (s *Service) ReleaseIdempotencyKey(ctx context.Context, r *Reservation) error {
	return s.store.Update(ctx, func(tx Tx) error {
		return tx.DeleteIdempotencyKey(ctx, r.owner, r.key, r.createdAt)
	})
}

// PruneIdempotencyKeys deletes keys past the window.
func (s *Service) PruneIdempotencyKeys(ctx context.Context) error {
	cutoff := s.Now().Add(-IdempotencyWindow)
	return s.store.Update(ctx, func(tx Tx) error { return tx.PruneIdempotencyKeys(ctx, cutoff) })
}
