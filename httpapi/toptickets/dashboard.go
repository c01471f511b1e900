package toptickets

import (
	"net/http"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
)

// The dashboard (scope dashboard:read, "View dashboard statistics"): the
// product's docs name the scope but show no route or object, so the route
// and its fields are ticketd's choice, in the product's words (CONTRACT.md).

type workloadJSON struct {
	AssignedUserID ticketd.ID `json:"assigned_user_id"`
	OpenTickets    int        `json:"open_tickets"`
}

type statsJSON struct {
	TotalTickets      int            `json:"total_tickets"`
	OpenTickets       int            `json:"open_tickets"`
	UnassignedTickets int            `json:"unassigned_tickets"`
	TicketsByStatus   map[string]int `json:"tickets_by_status"`
	TicketsByUser     []workloadJSON `json:"tickets_by_assigned_user"`
}

// dashboardStats answers the ticket counts: by the product's five statuses,
// the open ones (every status but resolved and closed), those of them
// without an agent, and each agent's open tickets.
func (h *Handler) dashboardStats(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	st, err := h.svc.TicketStats(r.Context(), p)
	if err != nil {
		return err
	}
	out := statsJSON{TotalTickets: st.Total, OpenTickets: st.Active, UnassignedTickets: st.Unassigned,
		TicketsByStatus: map[string]int{}, TicketsByUser: []workloadJSON{}}
	for s, n := range st.ByStatus {
		out.TicketsByStatus[fromStatus(s)] = n
	}
	for _, l := range st.Workload {
		out.TicketsByUser = append(out.TicketsByUser, workloadJSON{AssignedUserID: l.UserID, OpenTickets: l.Active})
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}
