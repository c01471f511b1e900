package ticketd

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// NewTicket is the input of CreateTicket.
type NewTicket struct {
	Customer    Ref
	Subject     string
	Channel     string
	Status      Status // "" means open
	Assignee    *Ref
	Tags        []string
	InboxID     *ID
	Date        *time.Time
	UnreadCount int

	// LastMessage and LastMessageAt let an importer (the shop API) seed the
	// conversation preview; posting a message replaces them.
	LastMessage   string
	LastMessageAt *time.Time

	ThreadID      string
	EmailUsed     string
	ContactReason string
	LanguageCode  string
	Via           string
	// OpenHuman opens a human ticket on the conversation (the shop API's
	// isOpenedTicket).
	OpenHuman bool
}

// TicketUpdate changes the given fields of a ticket.
type TicketUpdate struct {
	Subject  *string
	Status   *Status
	Channel  *string
	Tags     *[]string
	Assignee *Ref
	// Unassign removes the assignee; it wins over Assignee.
	Unassign bool
}

// CreateTicket opens a ticket for an existing customer of the workspace.
// ENOTFOUND if the customer or the assignee is not in the workspace.
func (s *Service) CreateTicket(ctx context.Context, p *Principal, in NewTicket) (*Ticket, error) {
	now := s.Now()
	t := &Ticket{
		ID: NewID(), WorkspaceID: p.WorkspaceID, Subject: strings.TrimSpace(in.Subject),
		Channel: strings.TrimSpace(in.Channel), Status: in.Status, InboxID: in.InboxID,
		UnreadCount: in.UnreadCount, LastMessage: preview(in.LastMessage),
		ThreadID: in.ThreadID, EmailUsed: in.EmailUsed, ContactReason: in.ContactReason,
		LanguageCode: in.LanguageCode, Via: in.Via,
		Date: now, LastMessageAt: now, CreatedAt: now, UpdatedAt: now,
	}
	if t.Status == "" {
		t.Status = StatusOpen
	}
	if in.Date != nil {
		t.Date = in.Date.UTC().Truncate(time.Microsecond)
	}
	if in.LastMessageAt != nil {
		t.LastMessageAt = in.LastMessageAt.UTC().Truncate(time.Microsecond)
	}
	if in.OpenHuman {
		t.HumanOpenedAt = &now
	}
	if t.Status.Done() {
		t.ClosedAt = &now
	}
	var err error
	if t.Tags, err = normalizeTags(in.Tags); err != nil {
		return nil, err
	}
	if err := validateTicket(t); err != nil {
		return nil, err
	}
	if t.UnreadCount < 0 {
		return nil, Invalid("unread_count", "value_error.number.not_ge", "must not be negative")
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		c, err := tx.Customer(ctx, p.WorkspaceID, in.Customer)
		if err != nil {
			return err
		}
		t.CustomerID = c.ID
		if in.Assignee != nil {
			u, err := tx.User(ctx, p.WorkspaceID, *in.Assignee)
			if err != nil {
				return NotFound("assignee")
			}
			t.AssigneeID = &u.ID
		}
		if err := tx.CreateTicket(ctx, t); err != nil {
			return err
		}
		return s.emit(ctx, tx, ticketCreated(t)...)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

func validateTicket(t *Ticket) error {
	if err := checkText("subject", t.Subject, 0, maxSubjectLen); err != nil {
		return err
	}
	if err := checkText("channel", t.Channel, 1, 40); err != nil {
		return err
	}
	if !t.Status.Valid() {
		return Invalid("status", "value_error.enum", "must be one of open, pending, solved, closed")
	}
	return nil
}

// normalizeTags trims tags, drops empty ones and duplicates, and bounds them.
func normalizeTags(tags []string) ([]string, error) {
	out := []string{}
	seen := map[string]bool{}
	for _, tag := range tags {
		tag = strings.TrimSpace(tag)
		if tag == "" || seen[tag] {
			continue
		}
		if err := checkText("tags", tag, 1, maxTagLen); err != nil {
			return nil, err
		}
		seen[tag] = true
		out = append(out, tag)
	}
	if len(out) > maxTags {
		return nil, Invalid("tags", "value_error.list.max_items", "at most %d tags", maxTags)
	}
	return out, nil
}

// Ticket returns one ticket of the workspace.
func (s *Service) Ticket(ctx context.Context, p *Principal, ref Ref) (t *Ticket, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		t, err = tx.Ticket(ctx, p.WorkspaceID, ref)
		return err
	})
	return t, err
}

// Tickets lists the workspace's tickets newest first.
func (s *Service) Tickets(ctx context.Context, p *Principal, f TicketFilter) (ts []*Ticket, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		ts, err = tx.Tickets(ctx, p.WorkspaceID, f)
		return err
	})
	return ts, err
}

// UpdateTicket changes the given fields of a ticket. Moving to solved or
// closed records ClosedAt; moving back clears it.
func (s *Service) UpdateTicket(ctx context.Context, p *Principal, ref Ref, in TicketUpdate) (*Ticket, error) {
	var t *Ticket
	err := s.store.Update(ctx, func(tx Tx) (err error) {
		if t, err = tx.Ticket(ctx, p.WorkspaceID, ref); err != nil {
			return err
		}
		before := *t
		now := s.Now()
		setTrimmed(&t.Subject, in.Subject)
		setTrimmed(&t.Channel, in.Channel)
		if in.Status != nil && *in.Status != t.Status {
			t.Status = *in.Status
			t.ClosedAt = nil
			if t.Status.Done() {
				t.ClosedAt = &now
			}
		}
		if in.Tags != nil {
			if t.Tags, err = normalizeTags(*in.Tags); err != nil {
				return err
			}
		}
		if in.Unassign {
			t.AssigneeID = nil
		} else if in.Assignee != nil {
			u, err := tx.User(ctx, p.WorkspaceID, *in.Assignee)
			if err != nil {
				return NotFound("assignee")
			}
			t.AssigneeID = &u.ID
		}
		if err := validateTicket(t); err != nil {
			return err
		}
		t.UpdatedAt = now
		if err := tx.UpdateTicket(ctx, t); err != nil {
			return err
		}
		return s.emit(ctx, tx, ticketChanged(&before, t)...)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// preview bounds the text a ticket keeps as its last message.
func preview(body string) string {
	if utf8.RuneCountInString(body) <= lastMessagePreview {
		return body
	}
	r := []rune(body)
	return string(r[:lastMessagePreview])
}
