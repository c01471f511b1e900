package native

import (
	"net/http"
	"strconv"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
)

// registerSearch adds GET /v1/search: ranked full-text search over ticket
// subjects, message bodies and customer names and emails, with the console
// views' filters. Internal notes are searched only for a key that may read
// them (ticketd.Principal.ReadsNotes). The answer is a JSON array of
// tickets, best match first.
func (h *Handler) registerSearch() {
	h.mount.Handle("GET", "/search", "tickets:read", h.search)
}

func (h *Handler) search(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	if err := knownParams(r, "q", "limit", "status", "assignee_id", "inbox_id", "tag"); err != nil {
		return err
	}
	q := r.URL.Query()
	text := q.Get("q")
	if len(text) > 1000 {
		return queryInvalid("q", "value_error.any_str.max_length", "must be at most 1000 characters")
	}
	limit := 50
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > ticketd.MaxSearchResults {
			return queryInvalid("limit", "value_error.number", "must be an integer from 1 to 100")
		}
		limit = n
	}
	var f ticketd.ViewFilter
	if s := q.Get("status"); s != "" {
		st := ticketd.Status(s)
		if !st.Valid() {
			return queryInvalid("status", "value_error.enum", "must be one of open, pending, solved, closed")
		}
		f.Status = &st
	}
	for _, param := range []struct {
		name string
		dst  **ticketd.ID
	}{{"assignee_id", &f.AssigneeID}, {"inbox_id", &f.InboxID}} {
		if s := q.Get(param.name); s != "" {
			id, err := ticketd.ParseID(s)
			if err != nil {
				return queryInvalid(param.name, "type_error.uuid", "must be a UUID")
			}
			*param.dst = &id
		}
	}
	f.Tag = q.Get("tag")
	ts, err := h.svc.Search(r.Context(), p, text, f, limit)
	if ticketd.ErrorCode(err) == ticketd.EINVALID {
		return queryInvalid("q", "value_error.missing", "give at least one word to search for")
	} else if err != nil {
		return err
	}
	items := make([]ticketJSON, len(ts))
	for i, t := range ts {
		items[i] = renderTicket(t)
	}
	httpapi.WriteJSON(w, http.StatusOK, items)
	return nil
}
