// Package native is ticketd's own API under /v1 — customers, users, API
// keys, tickets — in snake_case JSON
// with UUID ids. Its errors follow the comments API's family: {"detail": "..."}
// for a single problem and, for validation, 422 with
// {"detail": [{"loc": [...], "msg": "...", "type": "..."}]}.
package native

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
	"github.com/ticketd/ticketd/mail"
	"sync"
)

// Handler serves the native API.
type Handler struct {
	svc     *ticketd.Service
	surface *httpapi.Surface
	mount   *httpapi.Mount

	intakeOnce    sync.Once
	defaultIntake *mail.Intake
}

// Base is the native API's prefix.
const Base = "/v1"

// Mount returns the native API's mount.
func Mount(svc *ticketd.Service, base httpapi.Surface, opts ...Option) *httpapi.Mount {
	base.Service = svc
	base.WriteError = WriteError
	// The native API is the team's own: it sees and writes internal notes.
	base.Audience = ticketd.AudienceTeam
	h := &Handler{svc: svc, surface: &base}
	s := httpapi.NewMount("native", Base, h.surface)
	s.PathID = func(_ string, id ticketd.ID, _ int64) string { return id.String() }
	h.mount = s

	s.Handle("POST", "/customers", "customers:write", h.createCustomer)
	s.Handle("GET", "/customers", "customers:read", h.listCustomers)
	s.Handle("GET", "/customers/{id}", "customers:read", h.getCustomer)
	s.Handle("PATCH", "/customers/{id}", "customers:write", h.updateCustomer)

	s.Handle("POST", "/users", "users:write", h.createUser)
	s.Handle("GET", "/users", "users:read", h.listUsers)
	s.Handle("GET", "/users/{id}", "users:read", h.getUser)
	s.Handle("PATCH", "/users/{id}", "users:write", h.updateUser)

	s.Handle("POST", "/api-keys", "settings:write", h.createAPIKey)
	s.Handle("GET", "/api-keys", "settings:write", h.listAPIKeys)
	s.Handle("DELETE", "/api-keys/{id}", "settings:write", h.deleteAPIKey)

	s.Handle("POST", "/tickets", "tickets:write", h.createTicket)
	s.Handle("GET", "/tickets", "tickets:read", h.listTickets)
	s.Handle("GET", "/tickets/{id}", "tickets:read", h.getTicket)
	s.Handle("PATCH", "/tickets/{id}", "tickets:write", h.updateTicket)

	// The comments resource (seed 001) at /v1/tickets/{id}/comments is the
	// TopTickets surface's (package toptickets), served there as an alias.
	h.registerEmail()
	h.registerInbound()
	h.registerWorkspace()
	h.registerOps()
	h.registerPlanning()
	h.registerArticles()
	h.registerSearch()
	h.registerEvents(opts)
	h.registerWebhooks()
	h.registerStats()
	return s
}

type detailItem struct {
	Loc  []any  `json:"loc"`
	Msg  string `json:"msg"`
	Type string `json:"type"`
}

// WriteError renders err in the /v1 dialect.
func WriteError(w http.ResponseWriter, _ *http.Request, status int, err error) {
	if fields := ticketd.ErrorFields(err); status == http.StatusUnprocessableEntity && len(fields) > 0 {
		items := make([]detailItem, len(fields))
		for i, f := range fields {
			in := f.In
			if in == "" {
				in = "body"
			}
			items[i] = detailItem{Loc: []any{in, apiField(f.Field)}, Msg: f.Message, Type: fastAPIType(f.Type)}
		}
		httpapi.WriteJSON(w, status, map[string]any{"detail": items})
		return
	}
	httpapi.WriteJSON(w, status, map[string]any{"detail": ticketd.ErrorMessage(err)})
}

// fastAPITypes name the domain's kinds of field problems as FastAPI does,
// which the comments resource's clients (seed 001) were written against.
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
	ticketd.KindDomain:     "value_error.domain",
	ticketd.KindScope:      "value_error.scope",
	ticketd.KindNotAllowed: "value_error.not_allowed",
	ticketd.KindReference:  "value_error.reference",
	ticketd.KindCursor:     "value_error.cursor",
	ticketd.KindUnknown:    "value_error.extra",
}

// fastAPIType names a kind as FastAPI does; a kind it does not know (one a
// newer domain rule uses) is shown as it is.
func fastAPIType(kind string) string {
	if t, ok := fastAPITypes[kind]; ok {
		return t
	}
	return kind
}

// apiField names a domain field as this API does.
func apiField(f string) string {
	switch f {
	case "body":
		return "content"
	case "phone":
		return "phone_number"
	case "internal":
		return "is_internal"
	}
	return f
}

// pathID parses a UUID path parameter; an id that cannot exist is simply not
// found, the same answer as for an id of another workspace.
func pathID(r *http.Request, name, kind string) (ticketd.ID, error) {
	id, err := ticketd.ParseID(r.PathValue(name))
	if err != nil {
		return uuid.Nil, ticketd.NotFound(kind)
	}
	return id, nil
}

// cursorNumber resolves an `after` cursor (an id) to the number it stands
// for, through lookup; an unknown id is an invalid cursor.
// cursorID parses an after cursor for a use case that resolves it in its
// own read; nil when there is none.
func cursorID(after string) (*ticketd.ID, error) {
	if after == "" {
		return nil, nil
	}
	id, err := ticketd.ParseID(after)
	if err != nil {
		return nil, httpapi.InvalidCursor("after")
	}
	return &id, nil
}

func cursorNumber(after string, lookup func(ticketd.ID) (int64, error)) (int64, error) {
	if after == "" {
		return 0, nil
	}
	id, err := ticketd.ParseID(after)
	if err != nil {
		return 0, httpapi.InvalidCursor("after")
	}
	n, err := lookup(id)
	if ticketd.ErrorCode(err) == ticketd.ENOTFOUND {
		return 0, httpapi.InvalidCursor("after")
	}
	return n, err
}

// writeList writes one page of a list as a bare JSON array. items is what
// was read for page.Limit+1 rows: a row past the limit proves that a next
// page exists, and only then is there a Link header, so a client never
// follows a link to an empty page.
// listAfter answers a list route that takes only limit and after: the
// cursor (the id of the last item seen) is resolved to its number through
// get, one item more than the page is read to tell whether another page
// follows, and the page is written with its Link.
func listAfter[T any, J any](w http.ResponseWriter, r *http.Request, get func(ticketd.ID) (T, error), number func(T) int64,
	list func(ticketd.Page) ([]T, error), id func(T) ticketd.ID, render func(T) J) error {
	if err := knownParams(r, "limit", "after"); err != nil {
		return err
	}
	page, err := httpapi.ParsePage(r, "after")
	if err != nil {
		return err
	}
	after, err := cursorNumber(page.After, func(x ticketd.ID) (int64, error) {
		v, err := get(x)
		if err != nil {
			return 0, err
		}
		return number(v), nil
	})
	if err != nil {
		return err
	}
	items, err := list(ticketd.Page{AfterNumber: after, Limit: page.Limit + 1})
	if err != nil {
		return err
	}
	writeList(w, r, page, items, id, render)
	return nil
}

func writeList[T any, J any](w http.ResponseWriter, r *http.Request, page httpapi.PageParams, items []T, id func(T) ticketd.ID, render func(T) J) {
	items = pageItems(w, r, page, items, id)
	out := make([]J, len(items))
	for i, it := range items {
		out[i] = render(it)
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.List(out))
}

// pageItems cuts a list read with one item more than the page (is there a
// next page?) to the page, and sets the Link header to the next page when
// there is one.
func pageItems[T any](w http.ResponseWriter, r *http.Request, page httpapi.PageParams, items []T, id func(T) ticketd.ID) []T {
	if len(items) > page.Limit {
		items = items[:page.Limit]
		httpapi.SetNextLink(w, r, "after", id(items[len(items)-1]).String(), page.Limit)
	}
	return items
}

// pageOf cuts the page that writeList expects out of a list read whole
// (inboxes and API keys, which a workspace has few of): the items after the
// one whose id is page.After, at most page.Limit+1 of them.
func pageOf[T any](all []T, page httpapi.PageParams, id func(T) ticketd.ID) ([]T, error) {
	start := 0
	if page.After != "" {
		start = -1
		for i, it := range all {
			if id(it).String() == page.After {
				start = i + 1
			}
		}
		if start < 0 {
			return nil, httpapi.InvalidCursor("after")
		}
	}
	rest := all[start:]
	return rest[:min(len(rest), page.Limit+1)], nil
}

// ---- customers ------------------------------------------------------------

type customerBody struct {
	Email       *string `json:"email"`
	PhoneNumber *string `json:"phone_number"`
	FirstName   *string `json:"first_name"`
	LastName    *string `json:"last_name"`
	// Profile sets the given profile fields (planning.go).
	Profile *profileJSON `json:"profile"`
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (h *Handler) createCustomer(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	var b customerBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	c, err := h.svc.CreateCustomer(r.Context(), p, ticketd.NewCustomer{Email: deref(b.Email), Phone: deref(b.PhoneNumber),
		FirstName: deref(b.FirstName), LastName: deref(b.LastName), Profile: b.Profile.profile()})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, renderCustomer(c))
	return nil
}

func (h *Handler) listCustomers(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	if err := knownParams(r, "limit", "after", "email", "identity"); err != nil {
		return err
	}
	page, err := httpapi.ParsePage(r, "after")
	if err != nil {
		return err
	}
	after, err := cursorNumber(page.After, func(id ticketd.ID) (int64, error) {
		c, err := h.svc.Customer(r.Context(), p, ticketd.ByID(id))
		if err != nil {
			return 0, err
		}
		return c.Number, nil
	})
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := ticketd.CustomerFilter{Email: q.Get("email"), Page: ticketd.Page{AfterNumber: after, Limit: page.Limit + 1}}
	if s := q.Get("identity"); s != "" {
		// identity=shopify:987654321 finds the customer with that id there.
		sys, id, ok := strings.Cut(s, ":")
		if !ok || sys == "" || id == "" {
			return queryInvalid("identity", ticketd.KindInvalid, "must be system:id, e.g. shopify:987654321")
		}
		f.System, f.ExternalID = sys, id
	}
	cs, err := h.svc.FindCustomers(r.Context(), p, f)
	if err != nil {
		return err
	}
	writeList(w, r, page, cs, func(c *ticketd.Customer) ticketd.ID { return c.ID }, renderCustomer)
	return nil
}

func (h *Handler) getCustomer(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "customer")
	if err != nil {
		return err
	}
	c, err := h.svc.Customer(r.Context(), p, ticketd.ByID(id))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, renderCustomer(c))
	return nil
}

func (h *Handler) updateCustomer(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "customer")
	if err != nil {
		return err
	}
	var b customerBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	c, err := h.svc.UpdateCustomer(r.Context(), p, id, ticketd.CustomerUpdate{Email: b.Email, Phone: b.PhoneNumber,
		FirstName: b.FirstName, LastName: b.LastName, Profile: b.Profile.update()})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, renderCustomer(c))
	return nil
}

// ---- users ----------------------------------------------------------------

type userBody struct {
	Email *string       `json:"email"`
	Name  *string       `json:"name"`
	Role  *ticketd.Role `json:"role"`
	userProfileBody
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	var b userBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	in := ticketd.NewUser{Email: deref(b.Email), Name: deref(b.Name), Profile: b.userProfileBody.patch()}
	if b.Role != nil {
		in.Role = *b.Role
	}
	u, err := h.svc.CreateUser(r.Context(), p, in)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, RenderUser(u))
	return nil
}

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	ctx := r.Context()
	return listAfter(w, r, func(id ticketd.ID) (*ticketd.User, error) { return h.svc.User(ctx, p, ticketd.ByID(id)) },
		func(u *ticketd.User) int64 { return u.Number },
		func(pg ticketd.Page) ([]*ticketd.User, error) { return h.svc.Users(ctx, p, pg) },
		func(u *ticketd.User) ticketd.ID { return u.ID }, RenderUser)
}

func (h *Handler) getUser(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "user")
	if err != nil {
		return err
	}
	u, err := h.svc.User(r.Context(), p, ticketd.ByID(id))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, RenderUser(u))
	return nil
}

func (h *Handler) updateUser(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "user")
	if err != nil {
		return err
	}
	var b userBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	u, err := h.svc.UpdateUser(r.Context(), p, id, ticketd.UserUpdate{Email: b.Email, Name: b.Name, Role: b.Role,
		Profile: b.userProfileBody.patch()})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, RenderUser(u))
	return nil
}

// ---- API keys -------------------------------------------------------------

type apiKeyBody struct {
	Name   string          `json:"name"`
	Scopes []ticketd.Scope `json:"scopes"`
	UserID *string         `json:"user_id"`
	// ExpiresAt is when the key stops working (a read-only admin's keys
	// always expire after 72 hours).
	ExpiresAt *time.Time `json:"expires_at"`
	// AllowedIPs are the addresses or CIDR prefixes the key may be used
	// from (TopTickets' IP restrictions); none, anywhere.
	AllowedIPs []string `json:"allowed_ips"`
}

func (h *Handler) createAPIKey(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	var b apiKeyBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	in := ticketd.NewAPIKeyInput{Name: b.Name, Scopes: b.Scopes, ExpiresAt: b.ExpiresAt, AllowedIPs: b.AllowedIPs}
	if b.UserID != nil {
		id, err := ticketd.ParseID(*b.UserID)
		if err != nil {
			return ticketd.NotFound("user")
		}
		in.UserID = &id
	}
	k, raw, err := h.svc.CreateAPIKey(r.Context(), p, in)
	if err != nil {
		return err
	}
	httpapi.NoStore(w) // the response shows the key, once
	httpapi.WriteJSON(w, http.StatusCreated, renderAPIKey(k, raw))
	return nil
}

func (h *Handler) listAPIKeys(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	if err := knownParams(r, "limit", "after"); err != nil {
		return err
	}
	page, err := httpapi.ParsePage(r, "after")
	if err != nil {
		return err
	}
	all, err := h.svc.APIKeys(r.Context(), p, ticketd.Page{})
	if err != nil {
		return err
	}
	keyID := func(k *ticketd.APIKey) ticketd.ID { return k.ID }
	keys, err := pageOf(all, page, keyID)
	if err != nil {
		return err
	}
	writeList(w, r, page, keys, keyID,
		func(k *ticketd.APIKey) apiKeyJSON { return renderAPIKey(k, "") })
	return nil
}

func (h *Handler) deleteAPIKey(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "api key")
	if err != nil {
		return err
	}
	if err := h.svc.DeleteAPIKey(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- helpers for optional JSON values ---------------------------------------

// optionalID is a JSON field that may be absent, null or a UUID string; PATCH
// needs all three (null unassigns).
type optionalID struct {
	Set  bool
	Null bool
	ID   ticketd.ID
	Raw  string
}

func (o *optionalID) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	if err := json.Unmarshal(b, &o.Raw); err != nil {
		return err
	}
	id, err := ticketd.ParseID(o.Raw)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "string " + strconv.Quote(o.Raw), Type: uuidType}
	}
	o.ID = id
	return nil
}
