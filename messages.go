package ticketd

import (
	"context"
	"encoding/json"
	"strings"
	"time"
)

// NewMessage is the input of PostMessage.
type NewMessage struct {
	// Author writes the message. A zero Author means the principal's agent.
	Author   Author
	Internal bool
	Body     string
	BodyHTML *string
	// Time dates the message; nil means now.
	Time *time.Time
	// Channel is how the message came; "" means the ticket's channel.
	Channel string

	Subject     string
	FromAddress string
	FromName    string
	To          []string
	Cc          []string
	ExternalID  string
	InReplyTo   string
	References  []string

	Tags        []string
	Attachments json.RawMessage

	// Email says whether the surface asks for the message to be emailed.
	Email EmailIntent
	// FromInbox is the inbox address to send from (EmailAlways); "" means
	// the ticket's inbox.
	FromInbox string
}

// MessageUpdate changes the given fields of a message.
type MessageUpdate struct {
	Body     *string
	Internal *bool
}

// PostMessage adds a message to a ticket's conversation and applies the rules
// every surface shares, in one transaction:
//   - the body must not be blank; a customer cannot write an internal note;
//   - the Cc of a team message are bare email addresses (EINVALID "cc"),
//     lower-cased and deduplicated;
//   - the ticket's last message and its time follow the newest public message
//     (an internal note never becomes the preview a customer-facing
//     integration shows);
//   - a customer message sets the unread count to 1 (seed 000) and reopens a
//     ticket that was pending or solved, since the customer is waiting again;
//   - a public team message is emailed when the surface asks for it (see
//     EmailIntent and prepareEmail): stored and queued in the outbox together.
//
// ENOTFOUND if the ticket or the author is not in the workspace.
func (s *Service) PostMessage(ctx context.Context, p *Principal, ticket Ref, in NewMessage) (*Message, error) {
	now := s.Now()
	m := &Message{
		ID: NewID(), WorkspaceID: p.WorkspaceID, Author: in.Author, Internal: in.Internal,
		Body: in.Body, BodyHTML: in.BodyHTML, Time: now, Channel: strings.TrimSpace(in.Channel),
		Subject: in.Subject, FromAddress: in.FromAddress, FromName: in.FromName,
		To: nonNil(in.To), Cc: nonNil(in.Cc), ExternalID: in.ExternalID, InReplyTo: in.InReplyTo,
		References: nonNil(in.References), Attachments: in.Attachments,
		CreatedAt: now, UpdatedAt: now,
	}
	if m.Author.Kind == "" {
		m.Author = Author{Kind: AuthorAgent, UserID: &p.UserID}
	}
	if in.Time != nil {
		m.Time = in.Time.UTC().Truncate(time.Microsecond)
	}
	var err error
	if m.Tags, err = normalizeTags(in.Tags); err != nil {
		return nil, err
	}
	if err := validateMessage(m); err != nil {
		return nil, err
	}
	if m.Author.Kind != AuthorCustomer {
		if m.Cc, err = normalizeCc(m.Cc); err != nil {
			return nil, err
		}
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		t, err := tx.Ticket(ctx, p.WorkspaceID, ticket)
		if err != nil {
			return err
		}
		m.TicketID = t.ID
		before := *t
		if m.Channel == "" {
			m.Channel = t.Channel
		}
		if err := s.checkAuthor(ctx, tx, p.WorkspaceID, m.Author); err != nil {
			return err
		}
		entry, err := s.prepareEmail(ctx, tx, t, m, in.Email, in.FromInbox, now)
		if err != nil {
			return err
		}
		if err := tx.CreateMessage(ctx, m); err != nil {
			return err
		}
		if entry != nil {
			if err := tx.EnqueueOutbox(ctx, entry); err != nil {
				return err
			}
		}
		applyToTicket(t, m, now)
		if err := tx.UpdateTicket(ctx, t); err != nil {
			return err
		}
		return s.emit(ctx, tx, messagePosted(m, &before, t)...)
	})
	if err != nil {
		return nil, err
	}
	if m.Delivery == DeliveryQueued {
		s.notifyQueued()
	}
	return m, nil
}

// applyToTicket is the rule of what a new message does to its ticket.
func applyToTicket(t *Ticket, m *Message, now time.Time) {
	// A ticket without messages has no last message to keep, whatever its
	// LastMessageAt (its creation) says.
	if !m.Internal && (t.LastMessage == "" || !m.Time.Before(t.LastMessageAt)) {
		t.LastMessage = preview(m.Body)
		t.LastMessageAt = m.Time
	}
	if m.Author.Kind == AuthorCustomer {
		t.UnreadCount = 1
		// An automatic reply (out of office) is no sign the customer is
		// waiting again, so it does not reopen the ticket.
		if (t.Status == StatusPending || t.Status == StatusSolved) && !m.AutoReply() {
			t.Status = StatusOpen
			t.ClosedAt = nil
		}
	}
	t.UpdatedAt = now
}

func validateMessage(m *Message) error {
	if strings.TrimSpace(m.Body) == "" {
		return Invalid("body", "value_error.missing", "must not be empty")
	}
	if err := checkText("body", m.Body, 1, maxBodyLen); err != nil {
		return err
	}
	if err := checkText("subject", m.Subject, 0, maxSubjectLen); err != nil {
		return err
	}
	switch m.Author.Kind {
	case AuthorCustomer:
		if m.Author.CustomerID == nil {
			return Invalid("author", "value_error.missing", "a customer message needs its customer")
		}
		if m.Internal {
			return Invalid("is_internal", "value_error.internal", "a customer message cannot be an internal note")
		}
	case AuthorAgent:
		if m.Author.UserID == nil {
			return Invalid("author", "value_error.missing", "an agent message needs its agent")
		}
	case AuthorSystem, AuthorAI:
	default:
		return Invalid("author", "value_error.enum", "unknown author kind %q", m.Author.Kind)
	}
	return nil
}

// maxCc bounds the Cc list of a message the team writes.
const maxCc = 50

// normalizeCc checks the Cc list of a message the team writes: these are
// addresses ticketd may send to, so each must be one bare email address. They
// are lower-cased and deduplicated. A customer's message keeps the Cc its
// email had, whatever that was, since it records what was received.
func normalizeCc(cc []string) ([]string, error) {
	out := []string{}
	seen := map[string]bool{}
	for _, a := range cc {
		n, err := normalizeEmail("cc", a, true)
		if err != nil {
			return nil, Invalid("cc", "value_error.email", "%q is not a valid email address", a)
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	if len(out) > maxCc {
		return nil, Invalid("cc", "value_error.list.max_items", "at most %d addresses", maxCc)
	}
	return out, nil
}

// checkAuthor verifies the author belongs to the workspace.
func (s *Service) checkAuthor(ctx context.Context, tx Tx, ws ID, a Author) error {
	if a.CustomerID != nil {
		if _, err := tx.Customer(ctx, ws, ByID(*a.CustomerID)); err != nil {
			return err
		}
	}
	if a.UserID != nil {
		if _, err := tx.User(ctx, ws, ByID(*a.UserID)); err != nil {
			return NotFound("user")
		}
	}
	return nil
}

// Message returns one message of a ticket. ENOTFOUND if the ticket is not in
// the workspace or the message is not on that ticket.
func (s *Service) Message(ctx context.Context, p *Principal, ticket, msg Ref) (m *Message, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		_, m, err = ticketMessage(ctx, tx, p.WorkspaceID, ticket, msg)
		return err
	})
	return m, err
}

// MessageByID returns one message of the workspace, on whatever ticket.
func (s *Service) MessageByID(ctx context.Context, p *Principal, id ID) (m *Message, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		m, err = tx.Message(ctx, p.WorkspaceID, ByID(id))
		return err
	})
	return m, err
}

func ticketMessage(ctx context.Context, tx Tx, ws ID, ticket, msg Ref) (*Ticket, *Message, error) {
	t, err := tx.Ticket(ctx, ws, ticket)
	if err != nil {
		return nil, nil, err
	}
	m, err := tx.Message(ctx, ws, msg)
	if err != nil {
		return nil, nil, NotFound("comment")
	}
	if m.TicketID != t.ID {
		return nil, nil, NotFound("comment")
	}
	return t, m, nil
}

// Conversation is one page of a ticket's conversation.
type Conversation struct {
	Ticket   *Ticket
	Messages []*Message
	// Total counts every message the filter selects, on all pages.
	Total int
	// More is true when another page follows.
	More bool
}

// Messages lists a ticket's messages. With a page limit it fetches one more
// than asked to tell whether another page follows.
func (s *Service) Messages(ctx context.Context, p *Principal, ticket Ref, f MessageFilter) (*Conversation, error) {
	c := &Conversation{}
	limit := f.Page.Limit
	if limit > 0 {
		f.Page.Limit = limit + 1
	}
	err := s.store.View(ctx, func(tx Tx) (err error) {
		if c.Ticket, err = tx.Ticket(ctx, p.WorkspaceID, ticket); err != nil {
			return err
		}
		if c.Messages, err = tx.Messages(ctx, p.WorkspaceID, c.Ticket.ID, f); err != nil {
			return err
		}
		c.Total, err = tx.CountMessages(ctx, p.WorkspaceID, c.Ticket.ID, f)
		return err
	})
	if err != nil {
		return nil, err
	}
	if limit > 0 && len(c.Messages) > limit {
		c.Messages, c.More = c.Messages[:limit], true
	}
	return c, nil
}

// UpdateMessage changes a message's body or visibility and keeps the ticket's
// last message true to what is left public. Changing visibility sends nothing:
// an email already sent cannot be taken back, and a note made public later is
// the agent's call to send.
func (s *Service) UpdateMessage(ctx context.Context, p *Principal, ticket, msg Ref, in MessageUpdate) (*Message, error) {
	var m *Message
	err := s.store.Update(ctx, func(tx Tx) error {
		t, found, err := ticketMessage(ctx, tx, p.WorkspaceID, ticket, msg)
		if err != nil {
			return err
		}
		m = found
		if in.Body != nil {
			m.Body = *in.Body
		}
		if in.Internal != nil {
			m.Internal = *in.Internal
		}
		if err := validateMessage(m); err != nil {
			return err
		}
		m.UpdatedAt = s.Now()
		if err := tx.UpdateMessage(ctx, m); err != nil {
			return err
		}
		return s.refreshLastMessage(ctx, tx, t)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// DeleteMessage removes a message from every surface, and from the ticket's
// last message if it was that.
func (s *Service) DeleteMessage(ctx context.Context, p *Principal, ticket, msg Ref) error {
	return s.store.Update(ctx, func(tx Tx) error {
		t, m, err := ticketMessage(ctx, tx, p.WorkspaceID, ticket, msg)
		if err != nil {
			return err
		}
		if err := tx.DeleteMessage(ctx, p.WorkspaceID, m.ID); err != nil {
			return err
		}
		return s.refreshLastMessage(ctx, tx, t)
	})
}

// refreshLastMessage recomputes the ticket's last message from its newest
// public message, after an edit or a deletion may have changed which it is.
func (s *Service) refreshLastMessage(ctx context.Context, tx Tx, t *Ticket) error {
	newest, err := tx.Messages(ctx, t.WorkspaceID, t.ID, MessageFilter{Order: NewestByTime, Page: Page{Limit: 1}})
	if err != nil {
		return err
	}
	if len(newest) == 0 {
		t.LastMessage, t.LastMessageAt = "", t.Date
	} else {
		t.LastMessage, t.LastMessageAt = preview(newest[0].Body), newest[0].Time
	}
	t.UpdatedAt = s.Now()
	return tx.UpdateTicket(ctx, t)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Participants are the people who wrote a set of messages.
type Participants struct {
	Customers map[ID]*Customer
	Users     map[ID]*User
}

// Participants loads the authors of msgs, each once, in one read
// transaction, so a surface that shows author names or objects costs one
// look-up per person rather than per message. An author that no longer
// exists is absent from the maps.
func (s *Service) Participants(ctx context.Context, p *Principal, msgs []*Message) (*Participants, error) {
	out := &Participants{Customers: map[ID]*Customer{}, Users: map[ID]*User{}}
	err := s.store.View(ctx, func(tx Tx) error {
		for _, m := range msgs {
			if id := m.Author.CustomerID; id != nil {
				if _, seen := out.Customers[*id]; !seen {
					c, err := tx.Customer(ctx, p.WorkspaceID, ByID(*id))
					if err != nil && ErrorCode(err) != ENOTFOUND {
						return err
					}
					out.Customers[*id] = c
				}
			}
			if id := m.Author.UserID; id != nil {
				if _, seen := out.Users[*id]; !seen {
					u, err := tx.User(ctx, p.WorkspaceID, ByID(*id))
					if err != nil && ErrorCode(err) != ENOTFOUND {
						return err
					}
					out.Users[*id] = u
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
