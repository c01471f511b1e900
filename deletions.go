package ticketd

import (
	"context"
	"fmt"
	"time"
)

// What users may delete: sending domains, inboxes, and a customer with all
// their data (the right to be forgotten). Each deletion writes an audit
// entry in the same transaction, so the record of it cannot be lost while
// the deletion holds, nor exist for a deletion that was rolled back.

// AuditEntry records one destructive act in a workspace. It names objects
// by id and kind and counts what went with them; it never copies personal
// data (an erased customer's email would defeat the erasure).
type AuditEntry struct {
	ID          ID
	Number      int64
	WorkspaceID ID
	// ActorUserID and ActorKeyID are who did it: the agent the API key
	// acts as, and the key.
	ActorUserID *ID
	ActorKeyID  *ID
	// Action is "domain.deleted", "inbox.deleted" or "customer.erased".
	Action     string
	ObjectType string
	ObjectID   ID
	// Detail says what went with the object ("3 tickets, 12 messages").
	Detail    string
	CreatedAt time.Time
}

// Erasure is what EraseCustomer removed.
type Erasure struct {
	Tickets, Messages, Attachments int
	// UnusedBlobs are the blob keys no attachment names any more; their
	// bytes are deleted after the transaction commits.
	UnusedBlobs []string
}

// BlobDeleter is a BlobStore that can delete bytes (erasure).
type BlobDeleter interface {
	Delete(ctx context.Context, key string) error
}

func (s *Service) audit(ctx context.Context, tx Tx, p *Principal, action, kind string, id ID, detail string) error {
	e := &AuditEntry{ID: NewID(), WorkspaceID: p.WorkspaceID, Action: action, ObjectType: kind, ObjectID: id,
		Detail: detail, CreatedAt: s.Now()}
	if p.UserID != (ID{}) {
		e.ActorUserID = &p.UserID
	}
	if p.KeyID != (ID{}) {
		e.ActorKeyID = &p.KeyID
	}
	return tx.CreateAuditEntry(ctx, e)
}

// DeleteSendingDomain deletes a domain and its keys. ENOTFOUND if it is not
// the workspace's; ECONFLICT while inboxes use it (delete them first, so
// that no reply is left without an address to go out from).
func (s *Service) DeleteSendingDomain(ctx context.Context, p *Principal, id ID) error {
	return s.store.Update(ctx, func(tx Tx) error {
		d, err := tx.SendingDomain(ctx, p.WorkspaceID, ByID(id))
		if err != nil {
			return err
		}
		if err := tx.DeleteSendingDomain(ctx, p.WorkspaceID, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, p, "domain.deleted", "domain", id, d.Name)
	})
}

// DeleteInbox stops monitoring an inbox. Its tickets stay; their replies go
// out from the workspace's first remaining inbox. ENOTFOUND if it is not
// the workspace's; ECONFLICT while mail queued from it still waits.
func (s *Service) DeleteInbox(ctx context.Context, p *Principal, id ID) error {
	return s.store.Update(ctx, func(tx Tx) error {
		ib, err := tx.Inbox(ctx, p.WorkspaceID, ByID(id))
		if err != nil {
			return err
		}
		if err := tx.DeleteInbox(ctx, p.WorkspaceID, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, p, "inbox.deleted", "inbox", id, ib.Address)
	})
}

// EraseCustomer deletes a customer and everything of theirs: their
// tickets with every message on them (agent replies and internal notes
// included), messages they wrote elsewhere, attachments and their bytes,
// and replies still queued for them, whether or not the customer was marked
// deleted before. The audit entry keeps only ids and counts. ENOTFOUND if
// the customer is not the workspace's.
func (s *Service) EraseCustomer(ctx context.Context, p *Principal, id ID) (*Erasure, error) {
	var er *Erasure
	// The store finds the customer itself: one marked deleted (DeleteCustomer),
	// which lookups no longer show, may still be erased.
	err := s.store.Update(ctx, func(tx Tx) (err error) {
		if er, err = tx.EraseCustomer(ctx, p.WorkspaceID, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, p, "customer.erased", "customer", id,
			fmt.Sprintf("%d tickets, %d messages, %d attachments", er.Tickets, er.Messages, er.Attachments))
	})
	if err != nil {
		return nil, err
	}
	// The rows are gone; bytes no attachment names may go too. A failure
	// here leaves unreachable bytes, which is logged, not an error: the
	// erasure itself is committed.
	if del, ok := s.blobs.(BlobDeleter); ok {
		for _, key := range er.UnusedBlobs {
			if err := del.Delete(ctx, key); err != nil {
				s.logger.WarnContext(ctx, "erase customer: blob left behind", "blob", key, "err", err)
			}
		}
	}
	return er, nil
}

// AuditLog lists up to limit of the workspace's audit entries, oldest
// first, after the entry after (ENOTFOUND when it is not the workspace's).
func (s *Service) AuditLog(ctx context.Context, p *Principal, after *ID, limit int) (es []*AuditEntry, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		es, err = tx.AuditEntries(ctx, p.WorkspaceID, after, limit)
		return err
	})
	return es, err
}
