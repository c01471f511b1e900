// Package metrics exposes ticketd to Prometheus: HTTP requests by surface,
// route pattern and status with latency histograms, the outbox backlog and
// the age of its oldest entry (read from the store on each scrape, so every
// node reports the shared truth), inbound SMTP sessions accepted and refused,
// triage latency, database pool statistics and the Go runtime.
package metrics

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	ticketd "github.com/ticketd/ticketd"
)

// Backlog is a queue whose depth and oldest entry are reported on each
// scrape: the outbox here, and any other durable queue (webhook deliveries)
// its owner registers with AddBacklog.
type Backlog struct {
	// Name labels the queue: "outbox", "webhooks".
	Name string
	// Stats counts the entries and returns the oldest one's time (zero
	// when empty).
	Stats func(ctx context.Context) (n int, oldest time.Time, err error)
}

// Metrics is one registry and the instruments ticketd updates.
type Metrics struct {
	Registry *prometheus.Registry

	requests     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	smtpSessions *prometheus.CounterVec
	triage       prometheus.Histogram
	backlogs     *backlogCollector
	surfaces     SurfaceRoutes
	now          func() time.Time
}

// New returns the metrics of one process, with the Go runtime and process
// collectors registered.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ticketd_http_requests_total",
			Help: "HTTP requests answered, by surface, route pattern, method and status code."},
			[]string{"surface", "route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "ticketd_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by surface and route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}},
			[]string{"surface", "route"}),
		smtpSessions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ticketd_smtp_sessions_total",
			Help: "Inbound SMTP connections, by result: accepted as a session, or refused (421) past --smtp-max-connections."},
			[]string{"result"}),
		triage: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "ticketd_triage_duration_seconds",
			Help:    "Time to triage one inbound message (cleaning, language, sentiment).",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1}}),
		backlogs: &backlogCollector{now: time.Now},
		now:      time.Now,
	}
	m.smtpSessions.WithLabelValues("accepted")
	m.smtpSessions.WithLabelValues("refused")
	reg.MustRegister(m.requests, m.latency, m.smtpSessions, m.triage, m.backlogs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// AddBacklog reports b on every scrape.
func (m *Metrics) AddBacklog(b Backlog) { m.backlogs.add(b) }

// AddDBPools reports the statistics of each connection pool, labelled by
// its role (sqlstore.DB.Pools).
func (m *Metrics) AddDBPools(pools map[string]*sql.DB) {
	for role, db := range pools {
		m.Registry.MustRegister(collectors.NewDBStatsCollector(db, role))
	}
}

// SMTPConnection counts one inbound SMTP connection (inbound.ServerConfig.OnConnection).
func (m *Metrics) SMTPConnection(accepted bool) {
	if accepted {
		m.smtpSessions.WithLabelValues("accepted").Inc()
	} else {
		m.smtpSessions.WithLabelValues("refused").Inc()
	}
}

// Analyzer wraps the triage analyzer to time each message.
func (m *Metrics) Analyzer(a ticketd.Analyzer) ticketd.Analyzer { return timedAnalyzer{a, m} }

type timedAnalyzer struct {
	next ticketd.Analyzer
	m    *Metrics
}

func (t timedAnalyzer) Analyze(ctx context.Context, text, html string) ticketd.Analysis {
	start := time.Now()
	defer func() { t.m.triage.Observe(time.Since(start).Seconds()) }()
	return t.next.Analyze(ctx, text, html)
}

// Instrument counts and times each request. It must wrap the ServeMux
// itself: the mux records the matched pattern (r.Pattern) on the request it
// is given, which is the one this handler still holds afterwards. A request
// no route matched is labelled route="unmatched", so that scanners probing
// random paths cannot grow the label set.
func (m *Metrics) Instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		route := "unmatched"
		if _, path, ok := strings.Cut(r.Pattern, " "); ok {
			route = path
		} else if r.Pattern != "" {
			route = r.Pattern
		}
		surface := m.Surface(route)
		m.requests.WithLabelValues(surface, route, r.Method, strconv.Itoa(rec.code)).Inc()
		m.latency.WithLabelValues(surface, route).Observe(time.Since(start).Seconds())
	})
}

// SurfaceRoutes names the surface of route patterns: Prefixes maps a base
// URL ("/ticket0/api/v1") to its surface, Exact a whole route path served
// outside any base ("/v1/tickets/{id}/messages"). server.New fills it from
// the mounts, so a mount added later is labelled without touching this
// package.
type SurfaceRoutes struct {
	Prefixes map[string]string
	Exact    map[string]string
}

// SetSurfaces sets how routes are labelled; call it before serving.
func (m *Metrics) SetSurfaces(s SurfaceRoutes) { m.surfaces = s }

// opsRoutes are ticketd's own non-API routes.
var opsRoutes = []string{"/healthz", "/readyz", "/metrics", "/openapi", "/docs"}

// Surface names the surface a route pattern belongs to: the mount whose
// longest prefix it has, "ops" for health, metrics and docs, "none" for a
// request no route matched, and "console" for the rest (the agent console).
func (m *Metrics) Surface(route string) string {
	if route == "unmatched" {
		return "none"
	}
	if name, ok := m.surfaces.Exact[route]; ok {
		return name
	}
	best, name := -1, ""
	for p, n := range m.surfaces.Prefixes {
		if (route == p || strings.HasPrefix(route, p+"/")) && len(p) > best {
			best, name = len(p), n
		}
	}
	if name != "" {
		return name
	}
	for _, p := range opsRoutes {
		if strings.HasPrefix(route, p) {
			return "ops"
		}
	}
	return "console"
}

type recorder struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.code, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer (streams).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// backlogCollector queries each backlog on scrape rather than keeping a
// count in memory: with several nodes the queue is shared, and only the
// database knows its depth.
type backlogCollector struct {
	list []Backlog
	now  func() time.Time
}

var (
	backlogDepth = prometheus.NewDesc("ticketd_queue_backlog", "Entries waiting in a durable queue, in every workspace.", []string{"queue"}, nil)
	backlogAge   = prometheus.NewDesc("ticketd_queue_oldest_age_seconds", "Age of the oldest entry waiting in a durable queue (0 when empty).", []string{"queue"}, nil)
	backlogUp    = prometheus.NewDesc("ticketd_queue_scrape_ok", "1 when the queue could be read at this scrape, 0 when the database failed.", []string{"queue"}, nil)
)

func (c *backlogCollector) add(b Backlog) { c.list = append(c.list, b) }

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- backlogDepth
	ch <- backlogAge
	ch <- backlogUp
}

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	for _, b := range c.list {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		n, oldest, err := b.Stats(ctx)
		cancel()
		if err != nil {
			ch <- prometheus.MustNewConstMetric(backlogUp, prometheus.GaugeValue, 0, b.Name)
			continue
		}
		age := 0.0
		if !oldest.IsZero() {
			age = max(c.now().Sub(oldest).Seconds(), 0)
		}
		ch <- prometheus.MustNewConstMetric(backlogUp, prometheus.GaugeValue, 1, b.Name)
		ch <- prometheus.MustNewConstMetric(backlogDepth, prometheus.GaugeValue, float64(n), b.Name)
		ch <- prometheus.MustNewConstMetric(backlogAge, prometheus.GaugeValue, age, b.Name)
	}
}
