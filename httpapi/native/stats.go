package native

import (
	"net/http"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
)

// GET /v1/ticket-stats: the counts TopTickets' dashboard shows, under the
// native API's names (solved, assignee_id, active), from the kept counts.

type workloadJSON struct {
	AssigneeID ticketd.ID `json:"assignee_id"`
	Active     int        `json:"active"`
}

type ticketStatsJSON struct {
	Total      int            `json:"total"`
	Active     int            `json:"active"`
	Unassigned int            `json:"unassigned"`
	ByStatus   map[string]int `json:"by_status"`
	Workload   []workloadJSON `json:"workload"`
}

func (h *Handler) registerStats() {
	h.mount.Handle("GET", "/ticket-stats", "dashboard:read", h.ticketStats)
}

func (h *Handler) ticketStats(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	if err := knownParams(r); err != nil {
		return err
	}
	st, err := h.svc.TicketStats(r.Context(), p)
	if err != nil {
		return err
	}
	out := ticketStatsJSON{Total: st.Total, Active: st.Active, Unassigned: st.Unassigned,
		ByStatus: map[string]int{}, Workload: []workloadJSON{}}
	for s, n := range st.ByStatus {
		out.ByStatus[string(s)] = n
	}
	for _, l := range st.Workload {
		out.Workload = append(out.Workload, workloadJSON{AssigneeID: l.UserID, Active: l.Active})
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}
