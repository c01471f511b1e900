package ticketd

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Priority says how soon a ticket needs the team.
type Priority string

const (
	PriorityLow    Priority = "low"
	PriorityMedium Priority = "medium" // the default: normal priority
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Priorities lists every priority, lowest first.
var Priorities = []Priority{PriorityLow, PriorityMedium, PriorityHigh, PriorityUrgent}

// Valid reports whether p is one of the four priorities.
func (p Priority) Valid() bool {
	switch p {
	case PriorityLow, PriorityMedium, PriorityHigh, PriorityUrgent:
		return true
	}
	return false
}

// Limits of the planning fields.
const (
	maxCategoryLen    = 100
	maxDescriptionLen = 100_000
)

// TicketFieldsPatch is the part of a ticket change that the store writes
// column by column: only the fields that are set are written, so two callers
// changing different fields of one ticket never undo each other.
type TicketFieldsPatch struct {
	Priority    *Priority
	Category    *string
	Description *string
	// DueAt and TeamID are double pointers: nil leaves the column alone, a
	// pointer to nil clears it.
	DueAt      **time.Time
	ResolvedAt **time.Time
	TeamID     **ID
}

// Empty reports whether the patch writes nothing.
func (p TicketFieldsPatch) Empty() bool {
	return p.Priority == nil && p.Category == nil && p.Description == nil && p.DueAt == nil &&
		p.ResolvedAt == nil && p.TeamID == nil
}

// validateTicketFields checks the planning fields of t.
func validateTicketFields(t *Ticket) error {
	if !t.Priority.Valid() {
		return Invalid("priority", "type_error.enum",
			"value is not a valid enumeration member; permitted: 'low', 'medium', 'high', 'urgent'")
	}
	if err := checkText("category", t.Category, 0, maxCategoryLen); err != nil {
		return err
	}
	return checkText("description", t.Description, 0, maxDescriptionLen)
}

// resolvedAt is the rule for ResolvedAt when a ticket moves from one status
// to another at now: entering solved, or closed straight from an open status,
// resolves it; solved to closed keeps the time it was resolved; any move back
// to an open status clears it.
func resolvedAt(from, to Status, was *time.Time, now time.Time) *time.Time {
	switch {
	case !to.Done():
		return nil
	case to == StatusSolved && from != StatusSolved, !from.Done():
		return &now
	case was == nil:
		return &now
	}
	return was
}

// newTrackingToken makes a ticket's tracking token: random (version 4), not
// time-ordered like ids, since whoever holds it may follow the ticket.
func newTrackingToken() *ID {
	id := uuid.New()
	return &id
}

// ticketFieldsPatch applies the planning fields of in to t and returns the
// patch that writes them; ENOTFOUND if the team is not in the workspace.
func (s *Service) ticketFieldsPatch(ctx context.Context, tx Tx, p *Principal, t *Ticket, in TicketUpdate) (TicketFieldsPatch, error) {
	var patch TicketFieldsPatch
	if in.Priority != nil {
		t.Priority = *in.Priority
		patch.Priority = &t.Priority
	}
	if in.Category != nil {
		t.Category = strings.TrimSpace(*in.Category)
		patch.Category = &t.Category
	}
	if in.Description != nil {
		t.Description = *in.Description
		patch.Description = &t.Description
	}
	if in.ClearDueAt {
		t.DueAt = nil
		patch.DueAt = &t.DueAt
	} else if in.DueAt != nil {
		due := in.DueAt.UTC().Truncate(time.Microsecond)
		t.DueAt = &due
		patch.DueAt = &t.DueAt
	}
	if in.Unteam {
		t.TeamID = nil
		patch.TeamID = &t.TeamID
	} else if in.Team != nil {
		team, err := tx.Team(ctx, p.WorkspaceID, *in.Team)
		if err != nil {
			return patch, err
		}
		t.TeamID = &team.ID
		patch.TeamID = &t.TeamID
	}
	return patch, validateTicketFields(t)
}
