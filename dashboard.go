package ticketd

import (
	"bytes"
	"context"
	"slices"
)

// TicketStats is a workspace's tickets at a glance, as a dashboard shows
// them. It is computed from the kept ticket counts (one row per status and
// assignee, written by the database in each ticket's own transaction), so it
// costs one indexed read of a few rows however many tickets there are.
type TicketStats struct {
	Total    int
	ByStatus map[Status]int
	// Active counts the tickets still being worked on: not solved, not
	// closed.
	Active int
	// Unassigned counts the active tickets without an agent.
	Unassigned int
	// Workload is each agent's active tickets, the busiest first (ties by
	// id), agents without any left out.
	Workload []AgentWorkload
}

// AgentWorkload is how many active tickets one agent holds.
type AgentWorkload struct {
	UserID ID
	Active int
}

// Statuses lists every ticket status, in the order of a ticket's life.
var Statuses = []Status{StatusNew, StatusOpen, StatusPending, StatusSolved, StatusClosed}

// TicketStats counts the workspace's tickets by status and its active
// tickets by agent.
func (s *Service) TicketStats(ctx context.Context, p *Principal) (*TicketStats, error) {
	var counts []TicketCount
	err := s.store.View(ctx, func(tx Tx) (err error) {
		counts, err = tx.TicketCounts(ctx, p.WorkspaceID)
		return err
	})
	if err != nil {
		return nil, err
	}
	st := &TicketStats{ByStatus: map[Status]int{}}
	for _, s := range Statuses {
		st.ByStatus[s] = 0
	}
	load := map[ID]int{}
	for _, c := range counts {
		st.Total += c.N
		st.ByStatus[c.Status] += c.N
		if c.Status.Done() {
			continue
		}
		st.Active += c.N
		if c.AssigneeID == nil {
			st.Unassigned += c.N
		} else {
			load[*c.AssigneeID] += c.N
		}
	}
	for id, n := range load {
		if n > 0 {
			st.Workload = append(st.Workload, AgentWorkload{UserID: id, Active: n})
		}
	}
	slices.SortFunc(st.Workload, func(a, b AgentWorkload) int {
		if a.Active != b.Active {
			return b.Active - a.Active
		}
		return bytes.Compare(a.UserID[:], b.UserID[:])
	})
	return st, nil
}
