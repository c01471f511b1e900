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

// validateTicketFields checks the planning fields of t.
func validateTicketFields(t *Ticket) error {
	if !t.Priority.Valid() {
		return Invalid("priority", KindEnum,
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

// ticketFieldsPatch adds the planning fields of in to patch; ENOTFOUND if
// the team is not in the workspace.
func ticketFieldsPatch(ctx context.Context, tx Tx, p *Principal, in TicketUpdate, patch *TicketPatch) error {
	if in.Priority != nil {
		patch.Priority = SetTo(*in.Priority)
	}
	if in.Category != nil {
		patch.Category = SetTo(strings.TrimSpace(*in.Category))
	}
	if in.Description != nil {
		patch.Description = SetTo(*in.Description)
	}
	if in.ClearDueAt {
		patch.DueAt = SetTo[*time.Time](nil)
	} else if in.DueAt != nil {
		due := in.DueAt.UTC().Truncate(time.Microsecond)
		patch.DueAt = SetTo(&due)
	}
	if in.Unteam {
		patch.TeamID = SetTo[*ID](nil)
	} else if in.Team != nil {
		team, err := tx.Team(ctx, p.WorkspaceID, *in.Team)
		if err != nil {
			return err
		}
		patch.TeamID = SetTo(&team.ID)
	}
	return nil
}
