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

// Mount returns the TopTickets mount: every route of the product under
// Prefix, its comments also under /v1 (seed 001's path).
func Mount(svc *ticketd.Service, base httpapi.Surface) *httpapi.Mount {
	base.Service = svc
	base.WriteError = WriteError
	base.MissingKey = "Not authenticated"
	base.MissingScope = func(s ticketd.Scope) string { return "Insufficient permissions. Required scope: " + string(s) }
	// TopTickets is the team's own helpdesk API: it marks internal notes
	// (is_internal) and writes them.
	base.Audience = ticketd.AudienceTeam
	h := &Handler{svc: svc, surface: &base, prefix: Prefix}
	m := httpapi.NewMount("toptickets", Prefix, h.surface)
	m.PathID = func(_ string, id ticketd.ID, _ int64) string { return id.String() }

	// The api-keys page's curl posts, its Python example gets: both answer.
	m.Handle("POST", "/test", "", h.testKey)
	m.Handle("GET", "/test", "", h.testKey)

	m.Handle("GET", "/tickets", "tickets:read", h.listTickets)
	m.Handle("POST", "/tickets", "tickets:write", h.createTicket)
	m.Handle("GET", "/tickets/{id}", "tickets:read", h.getTicket)
	m.Handle("PATCH", "/tickets/{id}", "tickets:write", h.updateTicket)
	m.Handle("DELETE", "/tickets/{id}", "tickets:delete", h.deleteTicket)

	m.Handle("GET", "/tickets/{ticket_id}/comments", "comments:read", h.listComments).Alias("/v1")
	m.Handle("POST", "/tickets/{ticket_id}/comments", "comments:write", h.createComment).Alias("/v1")
	m.Handle("GET", "/tickets/{ticket_id}/comments/{id}", "comments:read", h.getComment).Alias("/v1")
	m.Handle("PATCH", "/tickets/{ticket_id}/comments/{id}", "comments:write", h.updateComment).Alias("/v1")
	m.Handle("DELETE", "/tickets/{ticket_id}/comments/{id}", "comments:delete", h.deleteComment).Alias("/v1")

	m.Handle("GET", "/tickets/{ticket_id}/attachments", "attachments:read", h.listAttachments)
	m.HandleUpload("POST", "/tickets/{ticket_id}/attachments", "attachments:write", maxUploadBody, h.uploadAttachment)
	m.Handle("GET", "/tickets/{ticket_id}/attachments/{id}", "attachments:read", h.getAttachment)
	m.Handle("GET", "/tickets/{ticket_id}/attachments/{id}/download", "attachments:read", h.downloadURL)
	m.Handle("GET", "/tickets/{ticket_id}/attachments/{id}/content", "attachments:read", h.attachmentContent)
	m.Handle("DELETE", "/tickets/{ticket_id}/attachments/{id}", "attachments:delete", h.deleteAttachment)
	// The download URL's target: the link is its own authorization.
	m.HandlePublic("GET", "/downloads/{token}", h.signedDownload)

	m.Handle("GET", "/dashboard/stats", "dashboard:read", h.dashboardStats)
	m.Handle("GET", "/dashboard/activity", "dashboard:read", h.dashboardActivity)

	m.Handle("GET", "/teams", "teams:read", h.listTeams)
	m.Handle("POST", "/teams", "teams:write", h.createTeam)
	m.Handle("GET", "/teams/{id}", "teams:read", h.getTeam)
	m.Handle("PATCH", "/teams/{id}", "teams:write", h.updateTeam)
	m.Handle("DELETE", "/teams/{id}", "teams:delete", h.deleteTeam)
	m.Handle("POST", "/teams/{id}/members", "teams:write", h.addMember)
	m.Handle("DELETE", "/teams/{id}/members/{user_id}", "teams:write", h.removeMember)

	m.Handle("GET", "/customers", "customers:read", h.listCustomers)
	m.Handle("POST", "/customers", "customers:write", h.createCustomer)
	m.Handle("GET", "/customers/{id}", "customers:read", h.getCustomer)
	m.Handle("PATCH", "/customers/{id}", "customers:write", h.updateCustomer)
	m.Handle("DELETE", "/customers/{id}", "customers:delete", h.deleteCustomer)

	m.Handle("GET", "/users", "users:read", h.listUsers)
	m.Handle("POST", "/users", "users:write", h.createUser)
	m.Handle("GET", "/users/{id}", "users:read", h.getUser)
	m.Handle("PATCH", "/users/{id}", "users:write", h.updateUser)
	m.Handle("DELETE", "/users/{id}", "users:delete", h.deleteUser)
	m.HandleUpload("POST", "/users/me/avatar", "users:write", ticketd.MaxAvatarBytes+1<<20, h.uploadAvatar)
	m.Handle("DELETE", "/users/me/avatar", "users:write", h.deleteAvatar)
	m.Handle("GET", "/users/{id}/avatar", "users:read", h.getAvatar)
	return m
}

// KeyLimit is the product's per-key rate limit: 2,000 requests a minute for
// an admin's key, 200 for every other (the rate limits page).
func KeyLimit(admin, other int) func(*ticketd.Principal) int {
	return func(p *ticketd.Principal) int {
		if p.Role == ticketd.RoleAdmin {
			return admin
		}
		return other
	}
}

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
			items[i] = detailItem{Loc: []any{in, fieldName(f.Field)}, Msg: f.Message, Type: fastAPIType(f.Type)}
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

// fastAPITypes name the domain's kinds of field problems as the product's
// errors do (FastAPI's, guides/error-handling: "value_error.missing",
// "type_error.enum").
var fastAPITypes = map[string]string{
	ticketd.KindMissing:    "value_error.missing",
	ticketd.KindType:       "type_error",
	ticketd.KindInvalid:    "value_error",
	ticketd.KindEnum:       "type_error.enum",
	ticketd.KindText:       "value_error.str",
	ticketd.KindTooShort:   "value_error.any_str.min_length",
	ticketd.KindTooLong:    "value_error.any_str.max_length",
	ticketd.KindTooMany:    "value_error.list.max_items",
	ticketd.KindRange:      "value_error.number",
	ticketd.KindEmail:      "value_error.email",
	ticketd.KindNotAllowed: "value_error.not_allowed",
	ticketd.KindReference:  "value_error.reference",
	ticketd.KindCursor:     "value_error.cursor",
	ticketd.KindUnknown:    "value_error.extra",
}

func fastAPIType(kind string) string {
	if t, ok := fastAPITypes[kind]; ok {
		return t
	}
	return kind
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
			return 0, false, queryInvalid(name, ticketd.KindRange, msg)
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
		return pg, queryInvalid("skip", ticketd.KindInvalid, "offset and skip are the same parameter; give one")
	case hasOffset:
		pg.Offset = offset
	case hasSkip:
		pg.Offset = skip
	case hasPage:
		pg.Offset = (page - 1) * pg.Limit
	}
	if pg.Offset > 1<<30 {
		return pg, queryInvalid("offset", ticketd.KindRange, "is too large")
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
