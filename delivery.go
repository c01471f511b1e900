package ticketd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/net/idna"
)

// WithDomainAuthority sets how sending domains get keys and are verified.
func WithDomainAuthority(a DomainAuthority) Option { return func(s *Service) { s.authority = a } }

// OnMessageQueued registers fn to run after a transaction queued an email,
// so that the outbox worker wakes at once instead of at its next poll. fn
// must not block.
func (s *Service) OnMessageQueued(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queued = append(s.queued, fn)
}

func (s *Service) notifyQueued() {
	s.mu.Lock()
	fns := s.queued
	s.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

// ---- sending domains --------------------------------------------------------

// normalizeDomain checks a domain name and returns its lower-case ASCII form.
func normalizeDomain(field, name string) (string, error) {
	name = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
	ascii, err := idna.Lookup.ToASCII(name)
	if err != nil || !strings.Contains(ascii, ".") || len(ascii) > 253 {
		return "", Invalid(field, KindDomain, "not a valid domain name")
	}
	return ascii, nil
}

// CreateSendingDomain adds a domain to the workspace with a fresh DKIM key
// and ownership token. ECONFLICT if the workspace has it already.
func (s *Service) CreateSendingDomain(ctx context.Context, p *Principal, name string) (*SendingDomain, error) {
	name, err := normalizeDomain("name", name)
	if err != nil {
		return nil, err
	}
	if s.authority == nil {
		return nil, errors.New("no domain authority configured")
	}
	keys, err := s.authority.NewKeys(name)
	if err != nil {
		return nil, fmt.Errorf("domain keys: %w", err)
	}
	d := &SendingDomain{ID: NewID(), WorkspaceID: p.WorkspaceID, Name: name, Keys: keys, CreatedAt: s.Now()}
	err = s.store.Update(ctx, func(tx Tx) error { return tx.CreateSendingDomain(ctx, d) })
	return d, conflictMessage(err, "this workspace has the domain already")
}

// SendingDomain returns one domain of the workspace.
func (s *Service) SendingDomain(ctx context.Context, p *Principal, ref Ref) (d *SendingDomain, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		d, err = tx.SendingDomain(ctx, p.WorkspaceID, ref)
		return err
	})
	return d, err
}

// DomainRecords lists the DNS records the domain's owner must publish.
func (s *Service) DomainRecords(d *SendingDomain) []DNSRecord {
	if s.authority == nil {
		return nil
	}
	return s.authority.Records(d)
}

// VerifyDomain checks the domain's DNS records and marks it verified when
// they are all there. A later failing check does not unverify a domain: a
// passing DNS outage must not stop a team's replies.
func (s *Service) VerifyDomain(ctx context.Context, p *Principal, ref Ref) (*SendingDomain, *DomainVerification, error) {
	d, err := s.SendingDomain(ctx, p, ref)
	if err != nil {
		return nil, nil, err
	}
	if s.authority == nil {
		return nil, nil, errors.New("no domain authority configured")
	}
	v, err := s.authority.Verify(ctx, d)
	if err != nil {
		return nil, nil, fmt.Errorf("verify %s: %w", d.Name, err)
	}
	if v.Verified && d.VerifiedAt == nil {
		// The store keeps the first verification time if another node
		// verified meanwhile; read back what it kept.
		err := s.store.Update(ctx, func(tx Tx) (err error) {
			if err = tx.MarkDomainVerified(ctx, d.WorkspaceID, d.ID, s.Now()); err != nil {
				return err
			}
			d, err = tx.SendingDomain(ctx, d.WorkspaceID, ByID(d.ID))
			return err
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return d, v, nil
}

// ---- inboxes ------------------------------------------------------------------

// NewInbox is the input of CreateInbox.
type NewInbox struct {
	Address   string
	Name      string
	Signature string
}

// CreateInbox adds a monitored address on a verified domain of the workspace.
// ECONFLICT if any workspace monitors the address already.
func (s *Service) CreateInbox(ctx context.Context, p *Principal, in NewInbox) (*Inbox, error) {
	address, err := normalizeEmail("address", in.Address, true)
	if err != nil {
		return nil, err
	}
	if strings.Contains(address, "+") {
		// "+" starts the ticket token of reply addresses (see ReplyAddress).
		return nil, Invalid("address", KindEmail, "an inbox address cannot contain +")
	}
	ib := &Inbox{ID: NewID(), WorkspaceID: p.WorkspaceID, Address: address, Name: strings.TrimSpace(in.Name),
		Signature: strings.TrimSpace(in.Signature), CreatedAt: s.Now()}
	if err := checkHeaderText("name", ib.Name, 0, maxNameLen); err != nil {
		return nil, err
	}
	if err := checkText("signature", ib.Signature, 0, 5000); err != nil {
		return nil, err
	}
	_, domain, _ := strings.Cut(address, "@")
	err = s.store.Update(ctx, func(tx Tx) error {
		d, err := tx.SendingDomainByName(ctx, p.WorkspaceID, domain)
		if ErrorCode(err) == ENOTFOUND {
			return Invalid("address", KindDomain, "%s is not a domain of this workspace; add and verify it first", domain)
		} else if err != nil {
			return err
		}
		if d.VerifiedAt == nil {
			return Invalid("address", KindDomain, "the domain %s is not verified yet", domain)
		}
		ib.DomainID = d.ID
		return tx.CreateInbox(ctx, ib)
	})
	return ib, conflictMessage(err, "this address is monitored already")
}

// Inboxes lists the workspace's inboxes in creation order.
func (s *Service) Inboxes(ctx context.Context, p *Principal, page Page) (ibs []*Inbox, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		ibs, err = tx.Inboxes(ctx, p.WorkspaceID, page)
		return err
	})
	return ibs, err
}

// ---- the email side of posting a message ---------------------------------------

// prepareEmail decides whether m goes out by email and, if so, addresses and
// threads it and queues it in the same transaction that stores it. It runs
// before the message is inserted. For EmailAlways every problem is an error
// (the caller promised delivery and must learn it cannot happen); for
// EmailIfEmailTicket a problem marks the message failed, visibly, instead of
// refusing the agent's comment.
func (s *Service) prepareEmail(ctx context.Context, tx Tx, t *Ticket, m *Message, intent EmailIntent, fromInbox string, now time.Time) (*OutboxEntry, error) {
	if m.Internal || m.Author.Kind == AuthorCustomer || intent == EmailNever {
		return nil, nil
	}
	if intent == EmailIfEmailTicket {
		if !IsEmailChannel(t.Channel) {
			return nil, nil
		}
		ws, err := tx.Workspace(ctx, t.WorkspaceID)
		if err != nil {
			return nil, err
		}
		if !ws.Settings.EmailAgentComments {
			return nil, nil
		}
	}
	fail := func(field, format string, args ...any) (*OutboxEntry, error) {
		if intent == EmailAlways {
			return nil, Invalid(field, KindInvalid, format, args...)
		}
		m.Delivery, m.DeliveryError = DeliveryFailed, fmt.Sprintf(format, args...)
		return nil, nil
	}
	inbox, err := s.sendingInbox(ctx, tx, t, fromInbox)
	if ErrorCode(err) == ENOTFOUND {
		if fromInbox != "" {
			return fail("fromAddress", "%s is not a monitored inbox of this workspace", fromInbox)
		}
		return fail("fromAddress", "the workspace has no inbox on a verified domain to send from")
	} else if err != nil {
		return nil, err
	}
	d, err := tx.SendingDomain(ctx, t.WorkspaceID, ByID(inbox.DomainID))
	if err != nil {
		return nil, err
	}
	if d.VerifiedAt == nil {
		return fail("fromAddress", "the domain %s is not verified", d.Name)
	}
	customer, err := tx.Customer(ctx, t.WorkspaceID, ByID(t.CustomerID))
	if err != nil {
		return nil, err
	}
	if customer.Email == "" {
		return fail("ticket", "the customer has no email address")
	}
	if t.InboxID == nil {
		t.InboxID = &inbox.ID
	}

	m.FromAddress, m.FromName = inbox.Address, inbox.Name
	m.To = []string{customer.Email}
	if m.Subject == "" {
		m.Subject = replySubject(t.Subject)
	}
	m.Channel = "email"
	m.ExternalID = "<" + NewID().String() + "@" + d.Name + ">"
	m.InReplyTo, m.References, err = threadOf(ctx, tx, t)
	if err != nil {
		return nil, err
	}
	m.Delivery = DeliveryQueued
	return &OutboxEntry{ID: NewID(), WorkspaceID: t.WorkspaceID, MessageID: m.ID, NextAttemptAt: now, CreatedAt: now}, nil
}

// sendingInbox is the inbox a reply goes out from: the one asked for, else
// the ticket's, else the workspace's first inbox.
func (s *Service) sendingInbox(ctx context.Context, tx Tx, t *Ticket, address string) (*Inbox, error) {
	if address != "" {
		ib, err := tx.InboxByAddress(ctx, strings.ToLower(strings.TrimSpace(address)))
		if err != nil || ib.WorkspaceID != t.WorkspaceID {
			return nil, NotFound("inbox")
		}
		return ib, nil
	}
	if t.InboxID != nil {
		return tx.Inbox(ctx, t.WorkspaceID, ByID(*t.InboxID))
	}
	ibs, err := tx.Inboxes(ctx, t.WorkspaceID, Page{Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(ibs) == 0 {
		return nil, NotFound("inbox")
	}
	return ibs[0], nil
}

// maxReferences bounds the References header of a long conversation: the
// first message and the latest ones are what mail clients thread on.
const maxReferences = 20

// threadOf returns In-Reply-To and References for a new message on t: the
// Message-IDs of the conversation so far, inbound and outbound, the first and
// the newest ones when it is long.
func threadOf(ctx context.Context, tx Tx, t *Ticket) (string, []string, error) {
	ids, err := tx.ExternalIDs(ctx, t.WorkspaceID, t.ID, maxReferences)
	if err != nil || len(ids) == 0 {
		return "", []string{}, err
	}
	return ids[len(ids)-1], ids, nil
}

// ---- delivering the outbox ---------------------------------------------------------

// DeliverDue delivers up to limit due outbox entries, one at a time: it
// claims an entry, sends it through mailer under the send deadline, and
// records the outcome at once: sent (to some recipients at least, the
// refusals noted); retried later with backoff after a temporary failure;
// failed, with the reason, after a permanent failure or too many attempts.
// Claiming one entry at a time keeps each lease longer than the one send it
// covers, however slow the relay: with a batch, the last entries' leases ran
// out while the first were sent, and another node sent them again. It stops
// claiming when ctx ends, but finishes and records the send in flight. It
// returns how many entries it handled.
func (s *Service) DeliverDue(ctx context.Context, mailer Mailer, limit int) (int, error) {
	n := 0
	for ; n < limit && ctx.Err() == nil; n++ {
		now := s.Now()
		var entries []*OutboxEntry
		err := s.store.Update(ctx, func(tx Tx) (err error) {
			entries, err = tx.ClaimOutbox(ctx, now, now.Add(s.claimLease()), 1)
			return err
		})
		if err != nil {
			return n, fmt.Errorf("claim outbox: %w", err)
		}
		if len(entries) == 0 {
			break
		}
		if err := s.deliver(context.WithoutCancel(ctx), mailer, entries[0]); err != nil {
			return n, err
		}
	}
	return n, nil
}

// send hands one email to mailer under the per-send deadline.
func (s *Service) send(ctx context.Context, mailer Mailer, email *OutgoingEmail) error {
	ctx, cancel := context.WithTimeout(ctx, s.sendTimeout)
	defer cancel()
	return mailer.Send(ctx, email)
}

func (s *Service) deliver(ctx context.Context, mailer Mailer, e *OutboxEntry) error {
	// An entry names a message or a system email (an invitation, a reset).
	if system, err := s.deliverSystemEmail(ctx, mailer, e); system || err != nil {
		return err
	}
	email, err := s.outgoing(ctx, e)
	var sendErr error
	if err == nil {
		sendErr = s.send(ctx, mailer, email)
	} else if ErrorCode(err) == ENOTFOUND {
		// The message, its ticket or its inbox was deleted while queued:
		// there is nothing left to send.
		sendErr = fmt.Errorf("%w: %v", ErrPermanentDelivery, err)
	} else {
		return err
	}
	// A relay's reply is outside text: fitText keeps it storable.
	// The outcome is written as a patch of the delivery columns alone, so
	// an agent editing the message meanwhile keeps their edit and the
	// message keeps its outcome, in either order, without a lock.
	return s.store.Update(ctx, func(tx Tx) error {
		patch := MessagePatch{DeliveryAttempts: SetTo(e.Attempts), UpdatedAt: s.Now()}
		retry := false
		var partial *PartialDelivery
		switch {
		case sendErr == nil:
			patch.Delivery, patch.DeliveryError = SetTo(DeliverySent), SetTo("")
		case errors.As(sendErr, &partial):
			patch.Delivery, patch.DeliveryError = SetTo(DeliverySent), SetTo(fitText(partial.Error(), maxHeaderLen))
			s.logger.Warn("email refused for some recipients", "message_id", e.MessageID, "err", sendErr)
		case errors.Is(sendErr, ErrPermanentDelivery) || e.Attempts >= MaxDeliveryAttempts:
			patch.Delivery, patch.DeliveryError = SetTo(DeliveryFailed), SetTo(fitText(sendErr.Error(), maxHeaderLen))
			s.logger.Warn("email delivery failed", "message_id", e.MessageID, "attempts", e.Attempts, "err", sendErr)
		default:
			patch.DeliveryError = SetTo(fitText(sendErr.Error(), maxHeaderLen))
			retry = true
		}
		err := tx.UpdateMessage(ctx, e.WorkspaceID, e.MessageID, patch)
		if ErrorCode(err) == ENOTFOUND {
			return tx.DeleteOutbox(ctx, e.ID) // deleted while queued
		} else if err != nil {
			return err
		}
		if retry {
			return tx.RescheduleOutbox(ctx, e.ID, e.Attempts, s.Now().Add(retryDelay(e.Attempts)))
		}
		if err := tx.DeleteOutbox(ctx, e.ID); err != nil {
			return err
		}
		// An entry in the outbox means the message was queued: its
		// outcome is the change of delivery status the event records.
		m, err := tx.Message(ctx, e.WorkspaceID, ByID(e.MessageID))
		if err != nil {
			return err
		}
		return s.emit(ctx, tx, deliveryChanged(m, DeliveryQueued)...)
	})
}

// outgoing gathers what the mailer needs for one entry.
func (s *Service) outgoing(ctx context.Context, e *OutboxEntry) (*OutgoingEmail, error) {
	var out *OutgoingEmail
	err := s.store.View(ctx, func(tx Tx) error {
		m, err := tx.Message(ctx, e.WorkspaceID, ByID(e.MessageID))
		if err != nil {
			return err
		}
		inbox, err := tx.InboxByAddress(ctx, m.FromAddress)
		if err != nil || inbox.WorkspaceID != e.WorkspaceID {
			return NotFound("inbox")
		}
		d, err := tx.SendingDomain(ctx, e.WorkspaceID, ByID(inbox.DomainID))
		if err != nil {
			return err
		}
		text := m.Body
		if inbox.Signature != "" {
			text += "\n\n-- \n" + inbox.Signature
		}
		out = &OutgoingEmail{MessageID: m.ID, From: EmailAddress{Name: m.FromName, Address: m.FromAddress},
			ReplyTo: ReplyAddress(inbox.Address, m.TicketID),
			Subject: m.Subject, ExternalID: m.ExternalID, InReplyTo: m.InReplyTo, References: m.References,
			Text: text, Date: m.Time, Domain: d.Name, Keys: d.Keys}
		if m.BodyHTML != nil {
			out.HTML = *m.BodyHTML
		}
		for _, a := range m.To {
			out.To = append(out.To, EmailAddress{Address: a})
		}
		for _, a := range m.Cc {
			out.Cc = append(out.Cc, EmailAddress{Address: a})
		}
		if len(out.To) > 0 {
			c, err := tx.Ticket(ctx, e.WorkspaceID, ByID(m.TicketID))
			if err == nil {
				if cust, err := tx.Customer(ctx, e.WorkspaceID, ByID(c.CustomerID)); err == nil && cust.Email == out.To[0].Address {
					out.To[0].Name = cust.FullName()
				}
			}
		}
		return nil
	})
	return out, err
}
