package ticketd

import (
	"context"
	"strings"
	"time"
)

// IMAPAccount is the IMAP mailbox an inbox is read from, for teams that
// cannot point MX at ticketd (Gmail, Microsoft 365, any IMAP server with an
// app password). New mail in Folder becomes tickets as if it had come by
// SMTP; mail in SentFolder (what agents typed in their mail client) joins
// its ticket as an outbound agent message.
type IMAPAccount struct {
	Host     string
	Port     int
	Security string // "tls", "starttls" or "none"
	Username string
	// Password is write-only: no surface renders it. The store seals it
	// with the secret box when one is configured.
	Password   string
	Folder     string // default "INBOX"
	SentFolder string // "" reads no sent mail
}

// IMAPMailbox is an inbox's IMAP account with its sync state. UIDs are
// valid for their folder's UIDVALIDITY: a change means the folder was
// recreated, and it is read again from the start (dedupe by Message-ID
// keeps that from repeating what was ingested).
type IMAPMailbox struct {
	InboxID     ID
	WorkspaceID ID
	Account     IMAPAccount

	UIDValidity, LastUID         uint32
	SentUIDValidity, SentLastUID uint32
	LastSyncAt                   *time.Time
	LastError                    string
}

// IMAP security modes.
const (
	IMAPTLS      = "tls"
	IMAPStartTLS = "starttls"
	IMAPNone     = "none"
)

// validate checks and completes an account; a password is required when
// creating one (requirePassword) and otherwise keeps the stored one when
// empty.
func (a *IMAPAccount) validate(requirePassword bool) error {
	a.Host = strings.TrimSpace(a.Host)
	a.Username = strings.TrimSpace(a.Username)
	a.Folder = strings.TrimSpace(a.Folder)
	a.SentFolder = strings.TrimSpace(a.SentFolder)
	if a.Folder == "" {
		a.Folder = "INBOX"
	}
	switch a.Security {
	case "":
		a.Security = IMAPTLS
	case IMAPTLS, IMAPStartTLS, IMAPNone:
	default:
		return Invalid("imap.security", KindEnum, "must be tls, starttls or none")
	}
	if a.Port == 0 {
		a.Port = 993
		if a.Security != IMAPTLS {
			a.Port = 143
		}
	}
	if a.Port < 1 || a.Port > 65535 {
		return Invalid("imap.port", KindRange, "must be between 1 and 65535")
	}
	for _, f := range []struct {
		name, v  string
		min, max int
	}{{"imap.host", a.Host, 1, 253}, {"imap.username", a.Username, 1, 320}, {"imap.folder", a.Folder, 1, 200},
		{"imap.sent_folder", a.SentFolder, 0, 200}, {"imap.password", a.Password, 0, 1000}} {
		if err := checkHeaderText(f.name, f.v, f.min, f.max); err != nil {
			return err
		}
	}
	if requirePassword && a.Password == "" {
		return Invalid("imap.password", KindMissing, "field required")
	}
	return nil
}

// InboxUpdate changes the given fields of an inbox.
type InboxUpdate struct {
	// IMAP replaces the inbox's IMAP account; an empty Password keeps the
	// stored one.
	IMAP *IMAPAccount
}

// UpdateInbox changes an inbox of the principal's workspace.
func (s *Service) UpdateInbox(ctx context.Context, p *Principal, ref Ref, in InboxUpdate) (ib *Inbox, err error) {
	if in.IMAP != nil {
		if err := in.IMAP.validate(false); err != nil {
			return nil, err
		}
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		if ib, err = tx.Inbox(ctx, p.WorkspaceID, ref); err != nil {
			return err
		}
		if in.IMAP == nil {
			return nil
		}
		acc := *in.IMAP
		old, err := tx.InboxIMAP(ctx, p.WorkspaceID, ib.ID)
		switch {
		case err == nil && acc.Password == "":
			acc.Password = old.Account.Password
		case ErrorCode(err) == ENOTFOUND && acc.Password == "":
			return Invalid("imap.password", KindMissing, "field required")
		case err != nil && ErrorCode(err) != ENOTFOUND:
			return err
		}
		return tx.SetInboxIMAP(ctx, &IMAPMailbox{InboxID: ib.ID, WorkspaceID: ib.WorkspaceID, Account: acc})
	})
	return ib, err
}

// Inbox returns an inbox of the principal's workspace.
func (s *Service) Inbox(ctx context.Context, p *Principal, ref Ref) (ib *Inbox, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		ib, err = tx.Inbox(ctx, p.WorkspaceID, ref)
		return err
	})
	return ib, err
}

// InboxIMAP returns an inbox's IMAP mailbox; ENOTFOUND when it has none.
func (s *Service) InboxIMAP(ctx context.Context, p *Principal, inbox ID) (mb *IMAPMailbox, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		mb, err = tx.InboxIMAP(ctx, p.WorkspaceID, inbox)
		return err
	})
	return mb, err
}

// IMAPMailboxes lists every IMAP mailbox, for the watcher.
func (s *Service) IMAPMailboxes(ctx context.Context) (mbs []*IMAPMailbox, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		mbs, err = tx.IMAPMailboxes(ctx)
		return err
	})
	return mbs, err
}

// ClaimIMAP takes or renews owner's lease on a mailbox for d: with several
// nodes, the one holding the lease is the only one that watches it.
func (s *Service) ClaimIMAP(ctx context.Context, inbox ID, owner string, d time.Duration) (ok bool, err error) {
	now := s.Now()
	err = s.store.Update(ctx, func(tx Tx) error {
		ok, err = tx.ClaimIMAP(ctx, inbox, owner, now, now.Add(d))
		return err
	})
	return ok, err
}

// SaveIMAPState records a mailbox's sync state.
func (s *Service) SaveIMAPState(ctx context.Context, mb *IMAPMailbox) error {
	return s.store.Update(ctx, func(tx Tx) error { return tx.SaveIMAPState(ctx, mb) })
}

// InboxByID returns an inbox in any workspace, for the watcher.
func (s *Service) InboxByID(ctx context.Context, ws, id ID) (ib *Inbox, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		ib, err = tx.Inbox(ctx, ws, ByID(id))
		return err
	})
	return ib, err
}

// IngestSent records an email sent from the inbox's own mail client (read
// from its Sent folder: a reply an agent typed in Gmail, say) as an
// outbound agent message on the ticket it answers, found by threading as an
// inbound reply is. It is attributed to the agent whose address sent it,
// else to the workspace's first admin, with the real sender kept in
// FromAddress and FromName; it counts as sent and is never emailed again.
// An email that answers no ticket, or whose Message-ID the workspace knows
// (ticketd's own replies, when the relay files them in Sent too), is
// ignored.
func (s *Service) IngestSent(ctx context.Context, inbox *Inbox, e *InboundEmail) (*IngestResult, error) {
	e = fitEmail(e)
	ws := inbox.WorkspaceID
	var res *IngestResult
	err := s.store.Update(ctx, func(tx Tx) error {
		if m, err := tx.MessageByExternalID(ctx, ws, e.MessageID); err == nil {
			res = &IngestResult{Message: m, Duplicate: true}
			return nil
		} else if ErrorCode(err) != ENOTFOUND {
			return err
		}
		t, err := s.threadTicket(ctx, tx, ws, e)
		if err != nil {
			return err
		}
		if t == nil {
			res = &IngestResult{Ignored: "a sent email that answers no ticket"}
			return nil
		}
		u, err := tx.UserByEmail(ctx, ws, e.From.Address)
		if ErrorCode(err) == ENOTFOUND {
			var users []*User
			if users, err = tx.Users(ctx, ws, Page{Limit: 50}); err == nil {
				err = NotFound("agent")
				for _, cand := range users {
					if cand.Role == RoleAdmin {
						u, err = cand, nil
						break
					}
				}
			}
		}
		if err != nil {
			return err
		}
		now := s.Now()
		m := &Message{ID: NewID(), WorkspaceID: ws, TicketID: t.ID, Author: Author{Kind: AuthorAgent, UserID: &u.ID},
			Body: e.Text, Time: now, Channel: "email", Subject: e.Subject, FromAddress: strings.ToLower(e.From.Address),
			FromName: e.From.Name, To: addresses(e.To), Cc: addresses(e.Cc), ExternalID: e.MessageID,
			InReplyTo: e.InReplyTo, References: nonNil(e.References), Tags: []string{}, Delivery: DeliverySent,
			CreatedAt: now, UpdatedAt: now}
		if strings.TrimSpace(m.Body) == "" {
			m.Body = "(no text)"
		}
		if e.HTML != "" {
			m.BodyHTML = &e.HTML
		}
		if err := validateMessage(m); err != nil {
			return err
		}
		if err := tx.CreateMessage(ctx, m); err != nil {
			return err
		}
		patch := applyToTicket(t, m, now)
		patch.Apply(t)
		if err := tx.UpdateTicket(ctx, t.WorkspaceID, t.ID, patch); err != nil {
			return err
		}
		res = &IngestResult{Ticket: t, Message: m}
		return nil
	})
	return res, err
}
