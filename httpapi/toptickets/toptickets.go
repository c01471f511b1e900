// Package toptickets is the TopTickets surface of ticketd: the product's
// public API (toptickets.pages.dev) under its own base URL, /toptickets/v1,
// over the same dataset as every other surface. Bare JSON objects and
// arrays, UUID ids, snake_case, {"detail": "..."} errors (a FastAPI-style
// list for validation), offset paging, and the product's scope names and
// wording ("Insufficient permissions. Required scope: X").
//
// Its comments resource (seed 001) is also served at /v1/tickets/{id}/comments,
// where the seeds put it.
package toptickets

import (
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
)

// Prefix is the surface's base path, the product's https://api.toptickets.app/v1.
const Prefix = "/toptickets/v1"

// Handler serves the TopTickets surface.
type Handler struct {
	svc     *ticketd.Service
	surface *httpapi.Surface
	prefix  string
}

// newHandler makes the surface's handler with its dialect set on base.
func newHandler(svc *ticketd.Service, base httpapi.Surface, prefix string) *Handler {
	base.Service = svc
	base.WriteError = WriteError
	base.MissingKey = "Not authenticated"
	base.MissingScope = func(s ticketd.Scope) string { return "Insufficient permissions. Required scope: " + string(s) }
	return &Handler{svc: svc, surface: &base, prefix: prefix}
}

// Register adds every TopTickets route under prefix (normally Prefix) to mux.
func Register(mux *http.ServeMux, prefix string, svc *ticketd.Service, base httpapi.Surface) *Handler {
	h := newHandler(svc, base, prefix)
	s, p := h.surface, prefix

	s.Handle(mux, "POST "+p+"/test", "", h.testKey)

	s.Handle(mux, "GET "+p+"/tickets", "tickets:read", h.listTickets)
	s.Handle(mux, "POST "+p+"/tickets", "tickets:write", h.createTicket)
	s.Handle(mux, "GET "+p+"/tickets/{id}", "tickets:read", h.getTicket)
	s.Handle(mux, "PATCH "+p+"/tickets/{id}", "tickets:write", h.updateTicket)
	s.Handle(mux, "DELETE "+p+"/tickets/{id}", "tickets:delete", h.deleteTicket)

	h.registerComments(mux, p)

	s.Handle(mux, "GET "+p+"/tickets/{ticket_id}/attachments", "attachments:read", h.listAttachments)
	s.HandleUpload(mux, "POST "+p+"/tickets/{ticket_id}/attachments", "attachments:write", maxUploadBody, h.uploadAttachment)
	s.Handle(mux, "GET "+p+"/tickets/{ticket_id}/attachments/{id}", "attachments:read", h.getAttachment)
	s.Handle(mux, "GET "+p+"/tickets/{ticket_id}/attachments/{id}/download", "attachments:read", h.downloadURL)
	s.Handle(mux, "GET "+p+"/tickets/{ticket_id}/attachments/{id}/content", "attachments:read", h.attachmentContent)
	s.Handle(mux, "DELETE "+p+"/tickets/{ticket_id}/attachments/{id}", "attachments:delete", h.deleteAttachment)

	s.Handle(mux, "GET "+p+"/teams", "teams:read", h.listTeams)
	s.Handle(mux, "POST "+p+"/teams", "teams:write", h.createTeam)
	s.Handle(mux, "GET "+p+"/teams/{id}", "teams:read", h.getTeam)
	s.Handle(mux, "PATCH "+p+"/teams/{id}", "teams:write", h.updateTeam)
	s.Handle(mux, "DELETE "+p+"/teams/{id}", "teams:delete", h.deleteTeam)
	s.Handle(mux, "POST "+p+"/teams/{id}/members", "teams:write", h.addMember)
	s.Handle(mux, "DELETE "+p+"/teams/{id}/members/{user_id}", "teams:write", h.removeMember)

	s.Handle(mux, "GET "+p+"/customers", "customers:read", h.listCustomers)
	s.Handle(mux, "POST "+p+"/customers", "customers:write", h.createCustomer)
	s.Handle(mux, "GET "+p+"/customers/{id}", "customers:read", h.getCustomer)
	s.Handle(mux, "PATCH "+p+"/customers/{id}", "customers:write", h.updateCustomer)
	s.Handle(mux, "DELETE "+p+"/customers/{id}", "customers:delete", h.deleteCustomer)

	s.Handle(mux, "GET "+p+"/users", "users:read", h.listUsers)
	s.Handle(mux, "POST "+p+"/users", "users:write", h.createUser)
	s.Handle(mux, "GET "+p+"/users/{id}", "users:read", h.getUser)
	s.Handle(mux, "PATCH "+p+"/users/{id}", "users:write", h.updateUser)
	s.Handle(mux, "DELETE "+p+"/users/{id}", "users:delete", h.deleteUser)
	return h
}

// RegisterCommentsAlias serves the comments resource at prefix (normally
// "/v1"), the path of seed 001, in this surface's dialect.
func RegisterCommentsAlias(mux *http.ServeMux, prefix string, svc *ticketd.Service, base httpapi.Surface) {
	newHandler(svc, base, prefix).registerComments(mux, prefix)
}

// Surface returns the surface, for tests and for wiring that wraps it.
func (h *Handler) Surface() *httpapi.Surface { return h.surface }

type detailItem struct {
	Loc  []any  `json:"loc"`
	Msg  string `json:"msg"`
	Type string `json:"type"`
}

// WriteError renders err as the product does: {"detail": "..."}, or for a
// validation error {"detail": [{"loc", "msg", "type"}]}.
func WriteError(w http.ResponseWriter, _ *http.Request, status int, err error) {
	if fields := ticketd.ErrorFields(err); status == http.StatusUnprocessableEntity && len(fields) > 0 {
		items := make([]detailItem, len(fields))
		for i, f := range fields {
			in := f.In
			if in == "" {
				in = "body"
			}
			items[i] = detailItem{Loc: []any{in, fieldName(f.Field)}, Msg: f.Message, Type: f.Type}
		}
		httpapi.WriteJSON(w, status, map[string]any{"detail": items})
		return
	}
	if status == http.StatusTooManyRequests && w.Header().Get("Retry-After") != "" {
		httpapi.WriteJSON(w, status, map[string]any{"detail": "Rate limit exceeded. Try again in " +
			w.Header().Get("Retry-After") + " seconds."})
		return
	}
	msg := ticketd.ErrorMessage(err)
	switch ticketd.ErrorCode(err) {
	case ticketd.ENOTFOUND, ticketd.EUNAUTHORIZED:
		// The product's words: "Ticket not found", "Invalid API key".
		msg = capitalize(msg)
	}
	httpapi.WriteJSON(w, status, map[string]any{"detail": msg})
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// fieldName names a domain field as this surface does.
func fieldName(f string) string {
	switch f {
	case "body":
		return "content"
	case "phone", "phone_number":
		return "contact_number"
	case "name":
		return "name"
	case "tier":
		return "customer_tier"
	case "country", "city", "state", "zip", "address":
		return "location_" + f
	case "linkedin", "website", "github":
		return "social_" + f
	case "due_at":
		return "due_date"
	}
	return f
}

// pathID parses a UUID path parameter; an id that cannot exist is not found,
// the same answer as for an id of another workspace.
func pathID(r *http.Request, name, kind string) (ticketd.ID, error) {
	id, err := ticketd.ParseID(r.PathValue(name))
	if err != nil {
		return ticketd.ID{}, ticketd.NotFound(kind)
	}
	return id, nil
}

func queryInvalid(field, typ, msg string) error {
	return &ticketd.Error{Code: ticketd.EINVALID, Message: field + ": " + msg,
		Fields: []ticketd.FieldError{{In: "query", Field: field, Message: msg, Type: typ}}}
}

// paging is one list request's window.
type paging struct {
	Offset, Limit int
}

// parsePaging reads the window of a list. The docs show two styles, both
// accepted: offset (the overview and pagination guide) or skip (the users
// and teams pages) with limit; and page (1-based) with limit or page_size,
// which selects offset (page-1)*limit. limit defaults to def and is at most max.
func parsePaging(r *http.Request, def, max int) (paging, error) {
	q := r.URL.Query()
	pg := paging{Limit: def}
	intParam := func(name string, min, max int) (int, bool, error) {
		s := q.Get(name)
		if s == "" {
			return 0, false, nil
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < min || (max > 0 && n > max) {
			msg := "must be an integer of at least " + strconv.Itoa(min)
			if max > 0 {
				msg = "must be an integer from " + strconv.Itoa(min) + " to " + strconv.Itoa(max)
			}
			return 0, false, queryInvalid(name, "type_error.integer", msg)
		}
		return n, true, nil
	}
	limit, ok, err := intParam("limit", 1, max)
	if err != nil {
		return pg, err
	}
	if !ok {
		if limit, ok, err = intParam("page_size", 1, max); err != nil {
			return pg, err
		}
	}
	if ok {
		pg.Limit = limit
	}
	offset, hasOffset, err := intParam("offset", 0, 0)
	if err != nil {
		return pg, err
	}
	skip, hasSkip, err := intParam("skip", 0, 0)
	if err != nil {
		return pg, err
	}
	page, hasPage, err := intParam("page", 1, 0)
	if err != nil {
		return pg, err
	}
	switch {
	case hasOffset && hasSkip && offset != skip:
		return pg, queryInvalid("skip", "value_error.conflict", "offset and skip are the same parameter; give one")
	case hasOffset:
		pg.Offset = offset
	case hasSkip:
		pg.Offset = skip
	case hasPage:
		pg.Offset = (page - 1) * pg.Limit
	}
	if pg.Offset > 1<<30 {
		return pg, queryInvalid("offset", "type_error.integer", "is too large")
	}
	return pg, nil
}

// writeList writes items as a bare JSON array.
func writeList[T any, J any](w http.ResponseWriter, items []T, render func(T) J) {
	out := make([]J, len(items))
	for i, it := range items {
		out[i] = render(it)
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
}

// nullable renders "" as null.
func nullable(s string) *string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return &s
}
