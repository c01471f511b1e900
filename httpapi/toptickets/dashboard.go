package toptickets

import (
	"net/http"
	"time"

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

// activityJSON is one entry of the activity feed: what happened, when, and
// the object as it was after (before, for a deletion), in this surface's
// objects and words: a message or note is a comment.
type activityJSON struct {
	ID         int64           `json:"id"`
	Type       string          `json:"type"`
	OccurredAt time.Time       `json:"occurred_at"`
	TicketID   *ticketd.ID     `json:"ticket_id"`
	Ticket     *ticketJSON     `json:"ticket,omitempty"`
	Comment    *commentJSON    `json:"comment,omitempty"`
	Attachment *attachmentJSON `json:"attachment,omitempty"`
	Customer   *customerJSON   `json:"customer,omitempty"`
	Team       *teamJSON       `json:"team,omitempty"`
	User       *userJSON       `json:"user,omitempty"`
}

// activityType names an event as this surface does: the domain's message
// and note events are the comments resource's, and ticket fields take the
// product's names; "" for what the product has no word for (email delivery).
func activityType(t ticketd.EventType) string {
	switch t {
	case ticketd.EventMessageCreated, ticketd.EventNoteCreated:
		return "comment.created"
	case ticketd.EventMessageUpdated, ticketd.EventNoteUpdated:
		return "comment.updated"
	case ticketd.EventMessageDeleted, ticketd.EventNoteDeleted:
		return "comment.deleted"
	case ticketd.EventMessageDeliveryChanged:
		return ""
	}
	return string(t)
}

// dashboardActivity answers the workspace's latest events its key may read,
// newest first, with the product's offset paging (limit default 100).
func (h *Handler) dashboardActivity(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	pg, err := parsePaging(r, 100, 500)
	if err != nil {
		return err
	}
	// The feed has no entry for a delivery change: left out by the read,
	// so that pages are full and offsets count what is shown.
	evs, err := h.svc.RecentEvents(r.Context(), p, pg.Offset, pg.Limit, ticketd.EventMessageDeliveryChanged)
	if err != nil {
		return err
	}
	user := h.userRenderer(r)
	out := []activityJSON{}
	for _, e := range evs {
		typ := activityType(e.Type)
		if typ == "" {
			continue
		}
		a := activityJSON{ID: e.ID, Type: typ, OccurredAt: e.OccurredAt, TicketID: e.TicketID}
		d := e.Data
		if d.Ticket != nil {
			j := renderTicket(d.Ticket)
			a.Ticket = &j
		}
		if d.Message != nil {
			j := renderComment(d.Message)
			a.Comment = &j
		}
		if d.Attachment != nil {
			j := renderAttachment(d.Attachment)
			a.Attachment = &j
		}
		if d.Customer != nil {
			j := renderCustomer(d.Customer)
			a.Customer = &j
		}
		if d.Team != nil {
			j := renderTeam(d.Team, nil)
			a.Team = &j
		}
		if d.User != nil {
			j := user(d.User)
			a.User = &j
		}
		out = append(out, a)
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}
