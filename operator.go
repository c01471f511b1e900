package ticketd

import (
	"context"
	"strings"
	"time"
)

// The use cases in this file serve the operator at the command line, who
// holds the database itself and so needs no API key: listing workspaces and
// making a key for an agent who lost theirs.

// AllWorkspaces lists every workspace of the database in creation order.
func (s *Service) AllWorkspaces(ctx context.Context) ([]*Workspace, error) {
	var all []*Workspace
	page := Page{Limit: 500}
	for {
		var ws []*Workspace
		err := s.store.View(ctx, func(tx Tx) (err error) {
			ws, err = tx.Workspaces(ctx, page)
			return err
		})
		if err != nil {
			return nil, err
		}
		all = append(all, ws...)
		if len(ws) < page.Limit {
			return all, nil
		}
		page.AfterNumber = ws[len(ws)-1].Number
	}
}

// OperatorAPIKey makes a new API key acting as the agent with email in
// workspace ws, holding scopes (every scope when empty). It returns
// ENOTFOUND naming the workspace or the user when either does not exist, and
// EINVALID for an unknown scope. The raw key is returned once.
func (s *Service) OperatorAPIKey(ctx context.Context, ws ID, email, name string, scopes []Scope) (*APIKey, string, error) {
	var user *User
	err := s.store.View(ctx, func(tx Tx) error {
		if _, err := tx.Workspace(ctx, ws); err != nil {
			return err
		}
		var err error
		user, err = tx.UserByEmail(ctx, ws, strings.TrimSpace(email))
		return err
	})
	if err != nil {
		return nil, "", err
	}
	if len(scopes) == 0 {
		scopes = AllScopes
	}
	if strings.TrimSpace(name) == "" {
		name = "created by ticketd key create"
	}
	// The operator may grant anything: the principal holds every scope, and
	// the key acts as the named agent.
	op := &Principal{WorkspaceID: ws, UserID: user.ID, Scopes: AllScopes, Role: RoleAdmin}
	return s.CreateAPIKey(ctx, op, NewAPIKeyInput{Name: name, Scopes: scopes, UserID: &user.ID})
}

// OutboxBacklog is how many replies wait in the outbox, in every
// workspace, and when the oldest was queued (zero when none): what an
// operator alerts on when the relay is down.
func (s *Service) OutboxBacklog(ctx context.Context) (n int, oldest time.Time, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		n, oldest, err = tx.OutboxBacklog(ctx)
		return err
	})
	return n, oldest, err
}

// WebhookBacklog is OutboxBacklog for webhook deliveries still pending.
func (s *Service) WebhookBacklog(ctx context.Context) (n int, oldest time.Time, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		n, oldest, err = tx.WebhookBacklog(ctx)
		return err
	})
	return n, oldest, err
}

// WithDeliveryLease sets how long an outbox entry a worker claimed stays
// reserved for it: the time after which another node takes over the entry of
// a node that died mid-delivery. It must exceed the send timeout
// (WithSendTimeout), or a slow send could be taken over while it still runs
// and the reply sent twice; a shorter lease is raised to the send timeout
// plus a second.
func WithDeliveryLease(d time.Duration) Option { return func(s *Service) { s.lease = d } }

// claimLease is the lease of a claimed entry: the send deadline with a
// margin, unless WithDeliveryLease set one.
func (s *Service) claimLease() time.Duration {
	if s.lease > 0 {
		return max(s.lease, s.sendTimeout+time.Second)
	}
	return s.sendTimeout + leaseMargin
}
