package helpwave

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
)

// Bounds of getRecentConversations: the product's docs show only the call
// (developers.helpwave.ai/quickstart, `?days=7`), so ticketd chose them.
const (
	defaultRecentDays = 7
	maxRecentDays     = 365
	maxRecent         = 500
)

// recentConversations is GET /tickets/getRecentConversations?days=N: the
// conversations whose last message is at most N days old (default 7), the
// most recent last message first, at most 500 (the 500 most recent), each as
// POST /tickets returns one, with totalCount.
func (h *Handler) recentConversations(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	days := defaultRecentDays
	if s := strings.TrimSpace(r.URL.Query().Get("days")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxRecentDays {
			return invalid("days", ticketd.KindRange, "must be an integer from 1 to %d", maxRecentDays)
		}
		days = n
	}
	since := h.svc.Now().Add(-time.Duration(days) * 24 * time.Hour)
	ts, err := h.svc.Tickets(r.Context(), p, ticketd.TicketFilter{ActiveSince: &since, ByActivity: true, Limit: maxRecent})
	if err != nil {
		return err
	}
	people, err := h.svc.TicketPeople(r.Context(), p, ts)
	if err != nil {
		return err
	}
	out := make([]ticketJSON, len(ts))
	for i, t := range ts {
		var assignee int64
		if t.AssigneeID != nil {
			if u := people.Users[*t.AssigneeID]; u != nil {
				assignee = u.Number
			}
		}
		var customer int64
		if c := people.Customers[t.CustomerID]; c != nil {
			customer = c.Number
		}
		out[i] = renderTicket(t, customer, assignee)
	}
	httpapi.WriteJSON(w, http.StatusOK, struct {
		ok
		Conversations []ticketJSON `json:"conversations"`
		TotalCount    int          `json:"totalCount"`
	}{success, out, len(out)})
	return nil
}
