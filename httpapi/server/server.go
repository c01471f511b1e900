// Package server assembles every HTTP surface of ticketd into one handler:
// health checks, the native API with the comments resource, and the
// compatibility surfaces, behind request ids, logging and panic recovery.
package server

import (
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
	"github.com/ticketd/ticketd/httpapi/console"
	"github.com/ticketd/ticketd/httpapi/helpwave"
	"github.com/ticketd/ticketd/httpapi/native"
	"github.com/ticketd/ticketd/httpapi/openapi"
	"github.com/ticketd/ticketd/httpapi/ratelimit"
	"github.com/ticketd/ticketd/httpapi/ticket0"
	"github.com/ticketd/ticketd/httpapi/toptickets"
	"github.com/ticketd/ticketd/mail"
	"github.com/ticketd/ticketd/metrics"
)

// Config is what the handler needs besides the service.
type Config struct {
	Logger       *slog.Logger
	MaxBodyBytes int64
	// MaxEmailBytes bounds a raw email posted to /v1/inbound/email.
	MaxEmailBytes int64
	// RateLimits are each mount's limits; nil means DefaultRateLimits.
	RateLimits *RateLimits
	// RateCounter counts requests for the limits: ratelimit.SQL on a shared
	// PostgreSQL, in memory (the default) on a single node.
	RateCounter ratelimit.Counter
	// RateClock is the limits' clock (tests pin it); time.Now when nil.
	RateClock func() time.Time
	// SurfaceHosts serves a mount at the root of a host of its own: a
	// request for one of these host names (without port) is served as if its
	// path were below that mount's base, so a product's client keeps its
	// original paths (--surface-host ticket0=t0.desk.example.com).
	SurfaceHosts map[string]string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (--trusted-proxies).
	TrustedProxies []netip.Prefix
	// EmailIntake bounds the raw email posted to /v1/inbound/email,
	// together with the SMTP listener's (nil: a default of its own).
	EmailIntake *mail.Intake
	// Metrics, when set, counts and times every request and is served at
	// GET /metrics, unless MetricsElsewhere (--metrics-addr serves it).
	Metrics          *metrics.Metrics
	MetricsElsewhere bool
	// Events configures GET /v1/events (its hub, heartbeats).
	Events native.EventsConfig
}

// RateLimits are requests per minute per API key and per workspace, by
// mount; 0 is no limit (CONTRACT.md, "Rate limits").
type RateLimits struct {
	NativeKey, NativeWorkspace     int
	HelpWaveKey, HelpWaveWorkspace int
	Ticket0Key, Ticket0Workspace   int
	// TopTickets limits a key by its role: TopTicketsAdminKey for an
	// admin's key, TopTicketsKey for every other.
	TopTicketsAdminKey, TopTicketsKey, TopTicketsWorkspace int
}

// DefaultRateLimits are the products' documented limits where their docs
// give one, and none on the native API, so that a self-hosted instance never
// throttles its own imports, benchmarks or tests unless its operator asks.
var DefaultRateLimits = RateLimits{
	// HelpWave's docs name no limit: generous enough for any shop
	// integration, low enough to stop a runaway loop.
	HelpWaveKey: 600, HelpWaveWorkspace: 1200,
	// Ticket0's rate-limiting page: 1,000 per minute per key. Its other
	// version of the page says 60 per minute per workspace; ticketd takes
	// the larger so that no client written for either is refused
	// (--ratelimit-ticket0-workspace 60 restores the strict one).
	Ticket0Key: 1000, Ticket0Workspace: 1000,
	// TopTickets' rate limits page: 2,000 per minute for admin keys, 200
	// for read-only and agent keys; it names no workspace limit.
	TopTicketsAdminKey: 2000, TopTicketsKey: 200,
}

// New returns the handler of every route of ticketd.
func New(svc *ticketd.Service, cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := svc.Store().Ping(r.Context()); err != nil {
			cfg.Logger.WarnContext(r.Context(), "not ready", "err", err)
			httpapi.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
			return
		}
		httpapi.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	openapi.Register(mux) // /openapi/<surface>.json and /docs
	mounts := Mounts(svc, cfg)
	for _, m := range mounts {
		m.Register(mux)
	}
	// The agent console: "/", "/login", "/logout" and "/console/...".
	console.Register(mux, svc, console.Config{Logger: cfg.Logger, TrustedProxies: cfg.TrustedProxies,
		Hub: cfg.Events.Hub, Heartbeat: cfg.Events.Heartbeat})
	var h http.Handler = mux
	if len(cfg.SurfaceHosts) > 0 {
		h = surfaceHosts(cfg.SurfaceHosts, mounts, mux)
	}
	if cfg.Metrics != nil {
		cfg.Metrics.SetSurfaces(surfaceRoutes(mounts))
		if !cfg.MetricsElsewhere {
			mux.Handle("GET /metrics", cfg.Metrics.Handler())
		}
		h = cfg.Metrics.Instrument(h)
	}
	return httpapi.ClientAddresses(cfg.TrustedProxies, httpapi.SecurityHeaders(httpapi.Middleware(cfg.Logger, h)))
}

// Mounts returns every API mount: the native API and one per product, each
// under its own base URL. The route matrix tests walk this list, so a mount
// added here is covered by them.
func Mounts(svc *ticketd.Service, cfg Config) []*httpapi.Mount {
	base := httpapi.Surface{Logger: cfg.Logger, MaxBodyBytes: cfg.MaxBodyBytes, MaxEmailBytes: cfg.MaxEmailBytes,
		EmailIntake: cfg.EmailIntake}
	rl := DefaultRateLimits
	if cfg.RateLimits != nil {
		rl = *cfg.RateLimits
	}
	counter := cfg.RateCounter
	if counter == nil {
		counter = ratelimit.NewMemory()
	}
	limiter := func(name string, h ratelimit.Headers, key, ws int) *ratelimit.Limiter {
		return &ratelimit.Limiter{Name: name, Counter: counter, Headers: h, PerWorkspace: ws, Now: cfg.RateClock,
			PerKey: func(*ticketd.Principal) int { return key }}
	}
	mounts := []*httpapi.Mount{
		native.Mount(svc, base, native.WithEvents(cfg.Events)),
		helpwave.Mount(svc, base),
		ticket0.Mount(svc, base),
		toptickets.Mount(svc, base),
	}
	limits := map[string]*ratelimit.Limiter{
		"native":   limiter("native", ratelimit.HeadersIETF, rl.NativeKey, rl.NativeWorkspace),
		"helpwave": limiter("helpwave", ratelimit.HeadersXRateLimit, rl.HelpWaveKey, rl.HelpWaveWorkspace),
		"ticket0":  limiter("ticket0", ratelimit.HeadersXRateLimit, rl.Ticket0Key, rl.Ticket0Workspace),
	}
	// TopTickets documents only Retry-After, and a limit by the key's role.
	tt := limiter("toptickets", ratelimit.HeadersNone, 0, rl.TopTicketsWorkspace)
	tt.PerKey = toptickets.KeyLimit(rl.TopTicketsAdminKey, rl.TopTicketsKey)
	limits["toptickets"] = tt
	for _, m := range mounts {
		if l, ok := limits[m.Name]; ok {
			m.Surface.Limiter = l
		}
	}
	return mounts
}

// surfaceRoutes tells the metrics which mount each route pattern belongs to.
func surfaceRoutes(mounts []*httpapi.Mount) metrics.SurfaceRoutes {
	s := metrics.SurfaceRoutes{Prefixes: map[string]string{}, Exact: map[string]string{}}
	for _, m := range mounts {
		for _, p := range m.Prefixes() {
			s.Prefixes[p] = m.Name
		}
		for _, r := range m.Routes() {
			for _, also := range r.Also {
				s.Exact[also+r.Path] = m.Name
			}
		}
	}
	return s
}

// surfaceHosts puts a mount's base in front of the path of every request for
// one of the mount's own hosts (hosts maps host name to mount name).
func surfaceHosts(hosts map[string]string, mounts []*httpapi.Mount, next http.Handler) http.Handler {
	base := map[string]string{}
	for host, name := range hosts {
		for _, m := range mounts {
			if m.Name == name {
				base[strings.ToLower(host)] = m.Base
			}
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		health := r.URL.Path == "/healthz" || r.URL.Path == "/readyz"
		if b, ok := base[strings.ToLower(host)]; ok && !health && !strings.HasPrefix(r.URL.Path, b+"/") {
			r2 := r.Clone(r.Context())
			r2.URL.Path = b + r.URL.Path
			r2.URL.RawPath = ""
			r = r2
		}
		next.ServeHTTP(w, r)
	})
}

// WebhookPayload renders a webhook delivery in its webhook's format: the
// native objects for standard, Ticket0's shape for ticket0.
func WebhookPayload(req *ticketd.WebhookRequest) ([]byte, error) {
	if req.Webhook.Format == ticketd.FormatTicket0 {
		return ticket0.WebhookPayload(req)
	}
	return native.StandardPayload(req)
}
