// Package console is the agents' web console: HTML rendered on the server
// from embedded templates, one small plain-JavaScript file for keyboard
// shortcuts and live updates (server-sent events of the event log), no build
// step and no request to another host.
// It is a surface like the APIs: it signs agents in with a session cookie,
// calls the domain's use cases with the agent's principal and renders the
// result; every rule (who may do what, passwords, views) is the domain's.
package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// SessionCookie is the name of the session cookie.
const SessionCookie = "ticketd_session"

// Config is what the console needs besides the service.
type Config struct {
	Logger *slog.Logger
	// TrustedProxies are the addresses of reverse proxies whose
	// X-Forwarded-For and X-Forwarded-Proto are believed: the client's
	// address for login throttling, and whether the browser speaks HTTPS
	// (the cookie is then Secure).
	TrustedProxies []netip.Prefix
	// MaxBodyBytes bounds a form post.
	MaxBodyBytes int64
	// Hub is the node's event hub, which feeds the pages' live updates
	// (GET /console/events); without one the pages are not live.
	Hub *ticketd.EventHub
	// Heartbeat is how often an idle live stream sends a comment and checks
	// that its session still stands (15 s when 0).
	Heartbeat time.Duration
}

// Console serves the console's pages.
type Console struct {
	svc    *ticketd.Service
	cfg    Config
	pages  map[string]*template.Template
	assets map[string]asset
	mux    *http.ServeMux
	frags  *fragments
}

type asset struct {
	body        []byte
	contentType string
	hash        string
}

// Register mounts the console on mux: "/" (the views), "/login", "/logout"
// and everything under "/console/". The API routes are untouched.
func Register(mux *http.ServeMux, svc *ticketd.Service, cfg Config) {
	h := New(svc, cfg)
	mux.Handle("GET /{$}", h)
	mux.Handle("/login", h)
	mux.Handle("/logout", h)
	mux.Handle("/console/", h)
}

// New returns the console's handler.
func New(svc *ticketd.Service, cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 2 << 20
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 15 * time.Second
	}
	c := &Console{svc: svc, cfg: cfg, pages: map[string]*template.Template{}, assets: map[string]asset{}, mux: http.NewServeMux(),
		frags: newFragments()}
	c.loadAssets()
	c.loadTemplates()
	c.routes()
	// Go's cross-origin protection refuses a state-changing request that a
	// browser marks as coming from another site (Sec-Fetch-Site, else
	// Origin against Host): the CSRF defence of every POST below, on top of
	// the SameSite=Lax cookie.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.errorPage(w, r, nil, http.StatusForbidden, "This request came from another site and was refused.")
	}))
	return c.secure(csrf.Handler(c.mux))
}

func (c *Console) loadAssets() {
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		b, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(b)
		ct := "text/css; charset=utf-8"
		if strings.HasSuffix(e.Name(), ".js") {
			ct = "text/javascript; charset=utf-8"
		}
		c.assets[e.Name()] = asset{body: b, contentType: ct, hash: hex.EncodeToString(sum[:6])}
	}
}

func (c *Console) loadTemplates() {
	funcs := template.FuncMap{
		// asset names a static file with its content hash, so it can be
		// cached for good and still change with a new binary.
		"asset": func(name string) string { return "/console/static/" + name + "?v=" + c.assets[name].hash },
		"when": func(t time.Time) string {
			return t.UTC().Format("2 Jan 2006 15:04")
		},
		"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"join": strings.Join,
		"ago":  ago,
	}
	pages, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, p := range pages {
		name := path.Base(p)
		if name == "layout.html" {
			continue
		}
		c.pages[strings.TrimSuffix(name, ".html")] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", p))
	}
}

// secure sets the security headers of every console response and turns a
// panic into an error page.
func (c *Console) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		// Scripts only from this server, never inline; nothing from another
		// host at all (the console works air-gapped); no framing of the
		// console. An email's HTML is shown in a sandboxed srcdoc frame,
		// which inherits this policy: no scripts, no remote images.
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"connect-src 'self'; form-action 'self'; frame-src 'self'; base-uri 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				c.cfg.Logger.ErrorContext(r.Context(), "console panic", "request_id", httpapi.RequestID(r.Context()), "panic", v, "stack", string(debug.Stack()))
				c.errorPage(w, r, nil, http.StatusInternalServerError, "Something went wrong on our side.")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// session is the signed-in agent of a request.
type session struct {
	p     *ticketd.Principal
	user  *ticketd.User
	token string
	// counts are the views' counts, read with the session for a page that
	// shows them (a GET); nil otherwise.
	counts map[ticketd.View]int
}

// admin reports whether the agent manages the workspace.
func (s *session) admin() bool { return s.p.Can("settings:write") }

type handlerFunc func(w http.ResponseWriter, r *http.Request, s *session) error

// page registers a route that needs a signed-in agent. Without a session a
// GET is sent to the sign-in page (and back after); anything else is 401.
func (c *Console) page(pattern string, h handlerFunc) { c.handle(pattern, h, true) }

// download registers a GET route that needs a signed-in agent but shows no
// page (so no views' counts), as page does.
func (c *Console) download(pattern string, h handlerFunc) { c.handle(pattern, h, false) }

// handle registers h behind the session check; pages, a GET's page with
// counts, read the views' counts with the session.
func (c *Console) handle(pattern string, h handlerFunc, pages bool) {
	c.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		s, err := c.session(r, pages && r.Method == http.MethodGet)
		if err != nil {
			if ticketd.ErrorCode(err) != ticketd.EUNAUTHORIZED {
				c.fail(w, r, nil, err)
				return
			}
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			c.errorPage(w, r, nil, http.StatusUnauthorized, "Your session has ended. Sign in again.")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, c.cfg.MaxBodyBytes)
		if err := h(w, r, s); err != nil {
			c.fail(w, r, s, err)
		}
	})
}

// session reads the request's session; with counts (for a page that
// shows the views), the views' counts too, in the same read.
func (c *Console) session(r *http.Request, counts bool) (*session, error) {
	ck, err := r.Cookie(SessionCookie)
	if err != nil {
		return nil, ticketd.Errorf(ticketd.EUNAUTHORIZED, "not signed in")
	}
	s := &session{token: ck.Value}
	if counts {
		s.p, s.user, s.counts, err = c.svc.SessionPage(r.Context(), ck.Value)
	} else {
		s.p, s.user, err = c.svc.SessionPrincipal(r.Context(), ck.Value)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// secureRequest reports whether the browser reached us over HTTPS: directly,
// or through a trusted proxy that says so.
func (c *Console) secureRequest(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return c.fromTrustedProxy(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func (c *Console) fromTrustedProxy(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	for _, p := range c.cfg.TrustedProxies {
		if p.Contains(addr.Unmap()) {
			return true
		}
	}
	return false
}

// clientAddr is the address sign-in attempts are counted against: the peer,
// or the client a trusted proxy forwarded for (httpapi.ClientAddresses).
func (c *Console) clientAddr(r *http.Request) string { return httpapi.ClientIP(r).String() }

func (c *Console) setSessionCookie(w http.ResponseWriter, r *http.Request, in *ticketd.SignedIn) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: in.Token, Path: "/", Expires: in.Session.ExpiresAt,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.secureRequest(r)})
}

func (c *Console) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.secureRequest(r)})
}

// fail renders a use case's error as a page: the domain's message when it
// is safe to show, "internal error" (and a log line) otherwise.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		c.errorPage(w, r, s, http.StatusRequestEntityTooLarge, "That was more than we accept in one form.")
		return
	}
	status := httpapi.Status(err)
	if ticketd.ErrorCode(err) == ticketd.ETHROTTLED {
		status = http.StatusTooManyRequests
	}
	if status == http.StatusInternalServerError {
		httpapi.LogInternal(c.cfg.Logger, r, "console error", err)
	}
	c.errorPage(w, r, s, status, ticketd.ErrorMessage(err))
}

func (c *Console) errorPage(w http.ResponseWriter, r *http.Request, s *session, status int, msg string) {
	d := c.base(r, s, http.StatusText(status))
	d.Error = msg
	d.Back = r.Referer()
	if u, err := url.Parse(d.Back); err != nil || u.Host != r.Host {
		d.Back = "/"
	}
	c.render(w, r, status, "error", d)
}

// render writes a page. Templates render into a buffer first, so a failing
// template is a clean 500 rather than half a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	t, ok := c.pages[page]
	if !ok {
		panic("console: no page " + page)
	}
	b := renderBuffers.Get().(*bytes.Buffer)
	defer putRenderBuffer(b)
	if err := t.ExecuteTemplate(b, "layout", data); err != nil {
		c.cfg.Logger.ErrorContext(r.Context(), "console template", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// renderBuffers are the pages' buffers, reused: a page is tens of
// kilobytes, and growing a fresh buffer to that for every request was a
// good part of a page's allocation.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func putRenderBuffer(b *bytes.Buffer) {
	if b.Cap() > 1<<20 {
		return // an outsized page's buffer is not kept
	}
	b.Reset()
	renderBuffers.Put(b)
}

func (c *Console) serveAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := c.assets[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.contentType)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(a.body)
}
