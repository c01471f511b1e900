package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	ticketd "github.com/ticketd/ticketd"
)

const domainColumns = `number, id, workspace_id, name, selector, token, private_key, public_key, verified_at, created_at`

func scanDomain(row scanner) (*ticketd.SendingDomain, error) {
	var d ticketd.SendingDomain
	var id, ws, key string
	var verified sql.NullTime
	if err := row.Scan(&d.Number, &id, &ws, &d.Name, &d.Keys.Selector, &d.Keys.Token, &key, &d.Keys.PublicKey,
		&verified, &d.CreatedAt); err != nil {
		return nil, err
	}
	var err error
	if d.ID, err = parseID(id); err != nil {
		return nil, err
	}
	if d.WorkspaceID, err = parseID(ws); err != nil {
		return nil, err
	}
	d.Keys.PrivateKeyPEM = []byte(key)
	d.VerifiedAt = optTime(verified)
	d.CreatedAt = d.CreatedAt.UTC()
	return &d, nil
}

// CreateSendingDomain inserts d and assigns its number.
func (t *Tx) CreateSendingDomain(ctx context.Context, d *ticketd.SendingDomain) error {
	key, err := t.sealSecret(d.Keys.PrivateKeyPEM)
	if err != nil {
		return err
	}
	err = t.queryRow(ctx, `INSERT INTO sending_domains (id, workspace_id, name, selector, token, private_key,
		public_key, verified_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING number`,
		idArg(d.ID), idArg(d.WorkspaceID), d.Name, d.Keys.Selector, d.Keys.Token, key,
		d.Keys.PublicKey, optTimeArg(d.VerifiedAt), d.CreatedAt).Scan(&d.Number)
	return t.d.normalize(err)
}

// SendingDomain returns the domain ref names in workspace ws.
func (t *Tx) SendingDomain(ctx context.Context, ws ticketd.ID, ref ticketd.Ref) (*ticketd.SendingDomain, error) {
	d, err := scanDomain(t.queryRow(ctx, `SELECT `+domainColumns+` FROM sending_domains
		WHERE workspace_id = $1 AND `+refCond(ref), idArg(ws), refArg(ref)))
	if err != nil {
		return nil, t.notFound(err, "domain")
	}
	return d, t.openDomainKey(d)
}

// SendingDomainByName finds a domain of ws by name.
func (t *Tx) SendingDomainByName(ctx context.Context, ws ticketd.ID, name string) (*ticketd.SendingDomain, error) {
	d, err := scanDomain(t.queryRow(ctx, `SELECT `+domainColumns+` FROM sending_domains
		WHERE workspace_id = $1 AND name = $2`, idArg(ws), name))
	if err != nil {
		return nil, t.notFound(err, "domain")
	}
	return d, t.openDomainKey(d)
}

// MarkDomainVerified sets verified_at unless it is set: the decision is the
// statement's own, so two nodes verifying at once need no lock.
func (t *Tx) MarkDomainVerified(ctx context.Context, ws, id ticketd.ID, at time.Time) error {
	return t.execOne(ctx, "domain", `UPDATE sending_domains SET verified_at = COALESCE(verified_at, $1)
		WHERE workspace_id = $2 AND id = $3`, at.UTC(), idArg(ws), idArg(id))
}

const inboxColumns = `number, id, workspace_id, domain_id, address, name, signature, created_at`

func scanInbox(row scanner) (*ticketd.Inbox, error) {
	var ib ticketd.Inbox
	var id, ws, domain string
	if err := row.Scan(&ib.Number, &id, &ws, &domain, &ib.Address, &ib.Name, &ib.Signature, &ib.CreatedAt); err != nil {
		return nil, err
	}
	var err error
	if ib.ID, err = parseID(id); err != nil {
		return nil, err
	}
	if ib.WorkspaceID, err = parseID(ws); err != nil {
		return nil, err
	}
	if ib.DomainID, err = parseID(domain); err != nil {
		return nil, err
	}
	ib.CreatedAt = ib.CreatedAt.UTC()
	return &ib, nil
}

// CreateInbox inserts ib and assigns its number.
func (t *Tx) CreateInbox(ctx context.Context, ib *ticketd.Inbox) error {
	err := t.queryRow(ctx, `INSERT INTO inboxes (id, workspace_id, domain_id, address, name, signature, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING number`,
		idArg(ib.ID), idArg(ib.WorkspaceID), idArg(ib.DomainID), ib.Address, ib.Name, ib.Signature, ib.CreatedAt).Scan(&ib.Number)
	return t.d.normalize(err)
}

// Inbox returns the inbox ref names in workspace ws.
func (t *Tx) Inbox(ctx context.Context, ws ticketd.ID, ref ticketd.Ref) (*ticketd.Inbox, error) {
	ib, err := scanInbox(t.queryRow(ctx, `SELECT `+inboxColumns+` FROM inboxes
		WHERE workspace_id = $1 AND `+refCond(ref), idArg(ws), refArg(ref)))
	if err != nil {
		return nil, t.notFound(err, "inbox")
	}
	return ib, nil
}

// InboxByAddress finds an inbox by address in any workspace.
func (t *Tx) InboxByAddress(ctx context.Context, address string) (*ticketd.Inbox, error) {
	ib, err := scanInbox(t.queryRow(ctx, `SELECT `+inboxColumns+` FROM inboxes WHERE address = $1`, address))
	if err != nil {
		return nil, t.notFound(err, "inbox")
	}
	return ib, nil
}

// Inboxes lists the workspace's inboxes in creation order.
func (t *Tx) Inboxes(ctx context.Context, ws ticketd.ID, page ticketd.Page) ([]*ticketd.Inbox, error) {
	rows, err := t.query(ctx, `SELECT `+inboxColumns+` FROM inboxes
		WHERE workspace_id = $1 AND number > $2 ORDER BY number LIMIT $3`,
		idArg(ws), page.AfterNumber, limitArg(page.Limit))
	if err != nil {
		return nil, t.d.normalize(err)
	}
	return collect(rows, scanInbox)
}

// EnqueueOutbox inserts an outbox entry.
func (t *Tx) EnqueueOutbox(ctx context.Context, e *ticketd.OutboxEntry) error {
	_, err := t.exec(ctx, `INSERT INTO outbox (id, workspace_id, message_id, attempts, next_attempt_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		idArg(e.ID), idArg(e.WorkspaceID), idArg(e.MessageID), e.Attempts, e.NextAttemptAt, e.CreatedAt)
	return err
}

// ClaimOutbox reserves due entries by moving their next attempt to the end of
// the lease and counting the attempt: a worker that dies mid-delivery leaves
// the entry to be claimed again when the lease ends, so nothing is lost
// (delivery is at least once). On PostgreSQL the rows are locked with SKIP
// LOCKED so that several nodes claim different entries without waiting.
func (t *Tx) ClaimOutbox(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*ticketd.OutboxEntry, error) {
	rows, err := t.query(ctx, `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1
		WHERE id IN (SELECT id FROM outbox WHERE next_attempt_at <= $2 ORDER BY next_attempt_at LIMIT $3`+t.d.skipLocked()+`)
		RETURNING id, workspace_id, message_id, attempts, next_attempt_at, created_at`,
		leaseUntil, now, limitArg(limit))
	if err != nil {
		return nil, t.d.normalize(err)
	}
	return collect(rows, func(row scanner) (*ticketd.OutboxEntry, error) {
		var e ticketd.OutboxEntry
		var id, ws, msg string
		if err := row.Scan(&id, &ws, &msg, &e.Attempts, &e.NextAttemptAt, &e.CreatedAt); err != nil {
			return nil, err
		}
		var err error
		if e.ID, err = parseID(id); err != nil {
			return nil, err
		}
		if e.WorkspaceID, err = parseID(ws); err != nil {
			return nil, err
		}
		if e.MessageID, err = parseID(msg); err != nil {
			return nil, err
		}
		return &e, nil
	})
}

// RescheduleOutbox sets an entry's next attempt.
func (t *Tx) RescheduleOutbox(ctx context.Context, id ticketd.ID, attempts int, next time.Time) error {
	return t.execOne(ctx, "outbox entry", `UPDATE outbox SET attempts = $1, next_attempt_at = $2 WHERE id = $3`,
		attempts, next, idArg(id))
}

// DeleteOutbox removes an entry.
func (t *Tx) DeleteOutbox(ctx context.Context, id ticketd.ID) error {
	_, err := t.exec(ctx, `DELETE FROM outbox WHERE id = $1`, idArg(id))
	return err
}

// openDomainKey opens the sealed private key scanDomain read.
func (t *Tx) openDomainKey(d *ticketd.SendingDomain) error {
	key, err := t.openSecret(string(d.Keys.PrivateKeyPEM))
	if err != nil {
		return fmt.Errorf("domain %s: %w", d.Name, err)
	}
	d.Keys.PrivateKeyPEM = key
	return nil
}
