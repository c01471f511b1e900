package httpapi

import (
	"net/http"
	"slices"
	"strings"

	ticketd "github.com/ticketd/ticketd"
)

// Mount is one API surface under its base URL: the product's own paths below
// a prefix ("/helpwave/api/v1"), served again under each alias prefix
// ("/api/v1"), with the surface's authentication, error format, audience and
// rate limits, and a JSON 404/405 catch-all for everything else under the
// prefix. A surface package builds a Mount, adds its routes with Handle and
// the server registers it with one call:
//
//	m := httpapi.NewMount("toptickets", "/toptickets/v1", surface)
//	m.Handle("GET", "/tickets", "tickets:read", h.listTickets)
//	m.Register(mux)
//
// The route table is data, so the route matrix tests (scopes, tenancy) cover
// every registered route without a hand-written list.
type Mount struct {
	// Name names the mount in CONTRACT.md and in test output ("helpwave").
	Name string
	// Base is the canonical prefix; Aliases are further prefixes that serve
	// exactly the same routes, for clients that keep an older base URL.
	Base    string
	Aliases []string
	Surface *Surface
	// PathID renders an object's identity as this mount writes it in a path
	// ("42" on HelpWave, "tkt_…" on Ticket0), so the route matrix can ask for
	// another workspace's object on any route. kind is the path segment
	// before the parameter ("tickets", "customers", ...).
	PathID func(kind string, id ticketd.ID, number int64) string

	routes []*Route
	public []publicRoute
}

// publicRoute is a route that takes no API key (HandlePublic).
type publicRoute struct {
	pattern string
	h       func(w http.ResponseWriter, r *http.Request) error
}

// Route is one registered route of a mount.
type Route struct {
	Method string
	// Path is below the mount's prefix, e.g. "/tickets/{ticketId}".
	Path  string
	Scope ticketd.Scope
	// Also lists further whole prefixes this route alone is served under
	// ("/v1", "" for the Ticket0 messages resource's historical paths). No
	// catch-all is registered for them: they belong to other mounts.
	Also []string
	raw  bool
	// limit, when set, is the route's own body limit (an upload).
	limit int64
	h     HandlerFunc
}

// NewMount starts a mount of surface s under base.
func NewMount(name, base string, s *Surface, aliases ...string) *Mount {
	return &Mount{Name: name, Base: base, Aliases: aliases, Surface: s}
}

// Handle adds a route: method, a path below the mount's prefix, the scope it
// needs and its handler.
func (m *Mount) Handle(method, path string, scope ticketd.Scope, h HandlerFunc) *Route {
	r := &Route{Method: method, Path: path, Scope: scope, h: h}
	m.routes = append(m.routes, r)
	return r
}

// HandleRaw is Handle for routes whose body is a raw email (the email size
// limit instead of the JSON one).
func (m *Mount) HandleRaw(method, path string, scope ticketd.Scope, h HandlerFunc) *Route {
	r := m.Handle(method, path, scope, h)
	r.raw = true
	return r
}

// HandleUpload is Handle for routes whose body is an upload of up to limit
// bytes, which the handler streams instead of reading it whole.
func (m *Mount) HandleUpload(method, path string, scope ticketd.Scope, limit int64, h HandlerFunc) *Route {
	r := m.Handle(method, path, scope, h)
	r.limit = limit
	return r
}

// HandlePublic adds a route that takes no API key: the request itself
// carries what authorizes it (a signed download link). It is served under
// every prefix of the mount with the surface's error format, no body and no
// rate limit by key. It is not in Routes(): the key matrices (no key → 401,
// a missing scope → 403, tenancy) do not apply to it, so it needs tests of
// its own.
func (m *Mount) HandlePublic(method, path string, h func(w http.ResponseWriter, r *http.Request) error) {
	m.public = append(m.public, publicRoute{pattern: method + " " + path, h: h})
}

// Alias serves the route under further whole prefixes as well.
func (r *Route) Alias(prefixes ...string) *Route {
	r.Also = append(r.Also, prefixes...)
	return r
}

// Routes returns the mount's route table, in registration order.
func (m *Mount) Routes() []Route {
	out := make([]Route, len(m.routes))
	for i, r := range m.routes {
		out[i] = *r
	}
	return out
}

// Prefixes returns the base and every alias prefix of the mount.
func (m *Mount) Prefixes() []string { return append([]string{m.Base}, m.Aliases...) }

// URL returns route's path under the mount's base.
func (m *Mount) URL(r Route) string { return m.Base + r.Path }

// Register adds every route under every prefix to mux, and under each
// prefix a catch-all that answers an unknown path with 404, and a known
// path with an unknown method with 405 and Allow, in the mount's own error
// format.
func (m *Mount) Register(mux *http.ServeMux) {
	for _, r := range m.routes {
		limit := m.Surface.maxBody()
		if r.raw {
			limit = m.Surface.maxEmail()
		}
		if r.limit > 0 {
			limit = r.limit
		}
		prefixes := append(m.Prefixes(), r.Also...)
		for _, p := range prefixes {
			m.Surface.handle(mux, r.Method+" "+p+r.Path, r.Scope, limit, r.h)
		}
	}
	for _, pr := range m.public {
		method, path, _ := strings.Cut(pr.pattern, " ")
		for _, p := range m.Prefixes() {
			h := pr.h
			mux.HandleFunc(method+" "+p+path, func(w http.ResponseWriter, r *http.Request) {
				rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
				defer m.Surface.recoverPanic(rec, r)
				r.Body = http.MaxBytesReader(rec, r.Body, 0)
				if err := h(rec, r); err != nil {
					if rec.wrote {
						panic(http.ErrAbortHandler) // the status is out: cut the connection
					}
					m.Surface.Error(rec, r, err)
				}
			})
		}
	}
	for _, p := range m.Prefixes() {
		pattern := p + "/"
		mux.HandleFunc(pattern, m.catchAll(mux, pattern))
	}
}

// probeMethods are the methods a 405's Allow header may list.
var probeMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}

// catchAll answers what no route of the mount matched. A path that some
// route serves with another method is 405 with Allow; anything else is 404.
// The mux itself says which methods a path has, so the answer can never
// disagree with the routes.
func (m *Mount) catchAll(mux *http.ServeMux, self string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, method := range probeMethods {
			probe := r.Clone(r.Context())
			probe.Method = method
			if _, pattern := mux.Handler(probe); pattern != "" && pattern != self && !strings.HasSuffix(pattern, "/") {
				allow = append(allow, method)
			}
		}
		if len(allow) > 0 && !slices.Contains(allow, r.Method) {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			m.Surface.WriteError(w, r, http.StatusMethodNotAllowed,
				ticketd.Errorf(ticketd.EINVALID, "method %s is not allowed on this path", r.Method))
			return
		}
		m.Surface.WriteError(w, r, http.StatusNotFound, ticketd.Errorf(ticketd.ENOTFOUND, "no such route"))
	}
}
