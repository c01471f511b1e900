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

	ChannelThread  string
	ContactAddress string
	Reason         string
	Language       string
	Source         string
	// HandOff opens a human ticket on the conversation (the shop API's
	// isOpenedTicket).
	OpenHuman bool

	// Planning fields (ticketfields.go); Priority "" means medium.
	Priority    Priority
	Category    string
	Description string
	DueAt       *time.Time
	Team        *Ref
	HandOff     bool
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

	// Planning fields (ticketfields.go).
	Priority    *Priority
	Category    *string
	Description *string
	DueAt       *time.Time
	// ClearDueAt removes the due date; it wins over DueAt.
	ClearDueAt bool
	Team       *Ref
	// Unteam removes the team; it wins over Team.
	Unteam bool
	// Snooze sets or clears (nil value) the time the ticket is snoozed until.
	Snooze Set[*time.Time]
}

// CreateTicket opens a ticket for an existing customer of the workspace.
// ENOTFOUND if the customer or the assignee is not in the workspace.
func (s *Service) CreateTicket(ctx context.Context, p *Principal, in NewTicket) (*Ticket, error) {
	t, err := s.newTicket(p, in)
	if err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx Tx) error { return s.createTicket(ctx, tx, p, t, in) })
	if err != nil {
		return nil, err
	}
	return t, nil
}

// newTicket builds and checks the ticket in asks for, before any
// transaction; createTicket stores it.
func (s *Service) newTicket(p *Principal, in NewTicket) (*Ticket, error) {
	now := s.Now()
	t := &Ticket{
		ID: NewID(), WorkspaceID: p.WorkspaceID, Subject: strings.TrimSpace(in.Subject),
		Channel: strings.TrimSpace(in.Channel), Status: in.Status, InboxID: in.InboxID,
		UnreadCount: in.UnreadCount, LastMessage: preview(in.LastMessage),
		ChannelThread: in.ChannelThread, ContactAddress: in.ContactAddress, Reason: in.Reason,
		Language: in.Language, Source: in.Source,
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
	if in.HandOff {
		t.HandedOffAt = &now
	}
	if t.Status.Done() {
		t.ClosedAt = &now
		t.ResolvedAt = &now
	}
	t.Priority, t.Category, t.Description = in.Priority, strings.TrimSpace(in.Category), in.Description
	if t.Priority == "" {
		t.Priority = PriorityMedium
	}
	if in.DueAt != nil {
		due := in.DueAt.UTC().Truncate(time.Microsecond)
		t.DueAt = &due
	}
	t.TrackingToken = newTrackingToken()
	if err := validateTicketFields(t); err != nil {
		return nil, err
	}
	var err error
	if t.Tags, err = normalizeTags(in.Tags); err != nil {
		return nil, err
	}
	if err := validateTicket(t); err != nil {
		return nil, err
	}
	if t.UnreadCount < 0 {
		return nil, Invalid("unread_count", KindRange, "must not be negative")
	}
	return t, nil
}

// createTicket stores t, built by newTicket from in, in tx: it resolves the
// customer, inbox, assignee and team in the workspace and records the
// ticket's events.
func (s *Service) createTicket(ctx context.Context, tx Tx, p *Principal, t *Ticket, in NewTicket) error {
	c, err := tx.Customer(ctx, p.WorkspaceID, in.Customer)
	if err != nil {
		return err
	}
	t.CustomerID = c.ID
	if t.InboxID != nil {
		if _, err := tx.Inbox(ctx, p.WorkspaceID, ByID(*t.InboxID)); err != nil {
			return NotFound("inbox")
		}
	}
	if in.Assignee != nil {
		u, err := tx.User(ctx, p.WorkspaceID, *in.Assignee)
		if err != nil {
			return NotFound("assignee")
		}
		t.AssigneeID = &u.ID
	}
	if in.Team != nil {
		team, err := tx.Team(ctx, p.WorkspaceID, *in.Team)
		if err != nil {
			return err
		}
		t.TeamID = &team.ID
	}
	if err := tx.CreateTicket(ctx, t); err != nil {
		return err
	}
	return s.emit(ctx, tx, ticketCreated(t)...)
}

// validateTicket checks every stored field of a ticket (tags are checked by
// normalizeTags).
func validateTicket(t *Ticket) error {
	if err := checkOneLine("subject", t.Subject); err != nil {
		return err
	}
	if err := checkTexts(
		textField{"subject", t.Subject, 0, maxSubjectLen},
		textField{"channel", t.Channel, 1, 40},
		textField{"last_message", t.LastMessage, 0, lastMessagePreview},
		textField{"channel_thread", t.ChannelThread, 0, maxHeaderLen},
		textField{"contact_address", t.ContactAddress, 0, maxHeaderLen},
		textField{"reason", t.Reason, 0, maxSubjectLen},
		textField{"language", t.Language, 0, maxLabelLen},
		textField{"source", t.Source, 0, maxLabelLen},
	); err != nil {
		return err
	}
	if err := checkTime("date", t.Date); err != nil {
		return err
	}
	if err := checkTime("last_message_at", t.LastMessageAt); err != nil {
		return err
	}
	if !t.Status.Valid() {
		return Invalid("status", KindEnum, "must be one of new, open, pending, solved, closed")
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
		return nil, Invalid("tags", KindTooMany, "at most %d tags", maxTags)
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

// Tickets lists the workspace's tickets newest first, resolving the cursor
// f.BeforeID in the same read. ErrCursor if it names no ticket.
func (s *Service) Tickets(ctx context.Context, p *Principal, f TicketFilter) (ts []*Ticket, err error) {
	f.Match = nil
	if f.Search != "" {
		m, err := textMatch(p, "search", f.Search)
		if err != nil {
			return nil, err
		}
		f.Match = &m
	}
	err = s.store.View(ctx, func(tx Tx) error {
		if f.BeforeID != nil {
			t, err := tx.Ticket(ctx, p.WorkspaceID, ByID(*f.BeforeID))
			if ErrorCode(err) == ENOTFOUND {
				return ErrCursor
			} else if err != nil {
				return err
			}
			f.BeforeNumber, f.BeforeID = t.Number, nil
		}
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
		// Locked: the status change below decides closed_at from the
		// status as it is, which another node must not change meanwhile.
		if t, err = tx.TicketForUpdate(ctx, p.WorkspaceID, ref); err != nil {
			return err
		}
		before := *t
		now := s.Now()
		patch := TicketPatch{UpdatedAt: now}
		if in.Subject != nil {
			patch.Subject = SetTo(strings.TrimSpace(*in.Subject))
		}
		if in.Channel != nil {
			patch.Channel = SetTo(strings.TrimSpace(*in.Channel))
		}
		if err := ticketFieldsPatch(ctx, tx, p, in, &patch); err != nil {
			return err
		}
		if in.Status != nil && *in.Status != t.Status {
			patch.Status = SetTo(*in.Status)
			patch.ResolvedAt = SetTo(resolvedAt(t.Status, *in.Status, t.ResolvedAt, now))
			patch.ClosedAt = SetTo[*time.Time](nil)
			if in.Status.Done() {
				patch.ClosedAt = SetTo(&now)
			}
		}
		if in.Tags != nil {
			tags, err := normalizeTags(*in.Tags)
			if err != nil {
				return err
			}
			patch.Tags = SetTo(tags)
		}
		if in.Snooze.OK {
			if v := in.Snooze.V; v != nil {
				if !v.After(now) {
					return Invalid("snoozed_until", KindRange, "must be in the future")
				}
				u := v.UTC().Truncate(time.Microsecond)
				in.Snooze.V = &u
			}
			patch.SnoozedUntil = in.Snooze
		}
		if in.Unassign {
			patch.AssigneeID = SetTo[*ID](nil)
		} else if in.Assignee != nil {
			u, err := tx.User(ctx, p.WorkspaceID, *in.Assignee)
			if err != nil {
				return NotFound("assignee")
			}
			patch.AssigneeID = SetTo(&u.ID)
		}
		patch.Apply(t)
		if err := validateTicket(t); err != nil {
			return err
		}
		if err := validateTicketFields(t); err != nil {
			return err
		}
		if err := tx.UpdateTicket(ctx, t.WorkspaceID, t.ID, patch); err != nil {
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
