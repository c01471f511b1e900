package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/blob"
	"github.com/ticketd/ticketd/httpapi"
	"github.com/ticketd/ticketd/httpapi/native"
	"github.com/ticketd/ticketd/httpapi/server"
	"github.com/ticketd/ticketd/mail"
	"github.com/ticketd/ticketd/mail/domainauth"
	"github.com/ticketd/ticketd/mail/inbound"
	"github.com/ticketd/ticketd/mail/outbound"
	"github.com/ticketd/ticketd/metrics"
	"github.com/ticketd/ticketd/secretbox"
	"github.com/ticketd/ticketd/sqlstore"
	"github.com/ticketd/ticketd/triage"
	"github.com/ticketd/ticketd/webhook"
)

// Config is every setting of `ticketd serve` (CONTRACT.md).
type Config struct {
	DB                string
	Addr              string
	SMTPAddr          string
	SMTPRelay         string
	SMTPRelayTLS      string
	SMTPRelayUser     string
	SMTPRelayPassword string
	DNSServer         string
	LogFormat         string
	MaxBodyBytes      int64
	SyncFull          bool
	Demo              bool
	ShutdownTimeout   time.Duration
	OutboxPoll        time.Duration
	SMTPMaxBytes      int64
	SMTPMaxConns      int
	SMTPTLSCert       string
	SMTPTLSKey        string
	SMTPDomain        string
	BlobDir           string
	Languages         string
	// RateLimits are the mounts' limits (--ratelimit-*).
	RateLimits server.RateLimits
	// SurfaceHosts are the --surface-host mount=host pairs, host → mount.
	SurfaceHosts map[string]string

	// Operations (issue 15; opsflags.go).
	Ops OpsConfig

	// Email (issue 14; emailflags.go).
	Email EmailConfig
	// PprofAddr serves Go's profiler (pprof.go).
	PprofAddr string
	// Events and webhooks (issue 12; events.go).
	EventsPoll          time.Duration
	EventsHeartbeat     time.Duration
	WebhookAllowPrivate bool
	WebhookTimeout      time.Duration
}

// Main is the running program: `ticketd serve` as an object, so that tests
// can start the real program on port 0 and stop it.
type Main struct {
	Config Config

	stdout, stderr io.Writer
	logger         *slog.Logger
	db             *sqlstore.DB
	svc            *ticketd.Service
	httpServer     *http.Server
	httpListener   net.Listener
	serveDone      chan error

	smtpServer   *inbound.Server
	smtpListener net.Listener
	smtpAddr     string

	secretBox       *secretbox.Box
	metrics         *metrics.Metrics
	metricsServer   *http.Server
	metricsListener net.Listener
	stopWorkers     context.CancelFunc
	workersCtx      context.Context
	demoRelay       *mail.CaptureRelay // --demo's catch-all relay (demoemail.go)
	workers         sync.WaitGroup

	pprofServer *http.Server
	// demoPassword is the demo owner's console password, printed once.
	demoPassword string
}

// NewMain returns a Main writing to stdout and stderr.
func NewMain(stdout, stderr io.Writer) *Main {
	return &Main{stdout: stdout, stderr: stderr}
}

// dbFlag adds --db, shared by every command that opens the database.
func dbFlag(fs *flag.FlagSet, dst *string) {
	fs.StringVar(dst, "db", "ticketd.db", "SQLite file path, or a postgres:// URL")
}

// ParseFlags reads serve's flags and their TICKETD_* variables.
func (m *Main) ParseFlags(args []string) error {
	fs := newFlagSet("serve", m.stderr)
	c := &m.Config
	dbFlag(fs, &c.DB)
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "HTTP listen address")
	fs.StringVar(&c.SMTPAddr, "smtp-addr", "", "inbound SMTP listen address, e.g. 127.0.0.1:2525 (empty: off)")
	fs.StringVar(&c.SMTPRelay, "smtp-relay", "", "outbound relay host:port (empty: mail waits in the outbox)")
	fs.StringVar(&c.SMTPRelayTLS, "smtp-relay-tls", "none", "relay TLS: none, starttls or tls")
	fs.StringVar(&c.SMTPRelayUser, "smtp-relay-user", "", "relay user name")
	fs.StringVar(&c.SMTPRelayPassword, "smtp-relay-password", "", "relay password")
	fs.StringVar(&c.DNSServer, "dns-server", "", "host:port of the DNS server for domain verification (empty: system resolver)")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", httpapi.DefaultMaxBodyBytes, "largest accepted JSON request body, in bytes")
	fs.BoolVar(&c.SyncFull, "sync-full", false, "SQLite: fsync every commit (survives power loss, slower writes)")
	fs.BoolVar(&c.Demo, "demo", false, "on an empty database, create a demo workspace and print its API key")
	fs.Int64Var(&c.SMTPMaxBytes, "smtp-max-bytes", 25<<20, "largest inbound email, over SMTP or POST /v1/inbound/email")
	fs.IntVar(&c.SMTPMaxConns, "smtp-max-connections", inbound.DefaultMaxConnections, "inbound SMTP sessions open at once; past it a client is told 421, try later")
	fs.StringVar(&c.SMTPTLSCert, "smtp-tls-cert", "", "PEM certificate for STARTTLS on the inbound SMTP listener")
	fs.StringVar(&c.SMTPTLSKey, "smtp-tls-key", "", "PEM key for --smtp-tls-cert")
	fs.StringVar(&c.SMTPDomain, "smtp-domain", "localhost", "the name the inbound SMTP listener greets with")
	fs.StringVar(&c.BlobDir, "blob-dir", "", "where attachments are kept (default: <db>.blobs beside a SQLite file, ./ticketd-blobs for PostgreSQL)")
	fs.StringVar(&c.Languages, "languages", "", "comma-separated ISO 639-1 codes language detection chooses from (default: 36 common languages)")
	fs.DurationVar(&c.OutboxPoll, "outbox-poll", 5*time.Second, "how often the outbox looks for retries that came due")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 20*time.Second, "how long a graceful shutdown may take")
	rateLimitFlags(fs, &c.RateLimits)
	var surfaceHosts string
	fs.StringVar(&surfaceHosts, "surface-host", "", "serve mounts at the root of their own hosts: mount=host[,mount=host...], e.g. ticket0=t0.desk.example.com")
	m.opsFlags(fs)
	m.emailFlags(fs)
	pprofFlag(fs, &c.PprofAddr)
	fs.DurationVar(&c.EventsPoll, "events-poll", 250*time.Millisecond, "how often this node reads new events for its streams and webhooks")
	fs.DurationVar(&c.EventsHeartbeat, "events-heartbeat", 15*time.Second, "how often an idle event stream sends a heartbeat")
	fs.BoolVar(&c.WebhookAllowPrivate, "webhook-allow-private", false, "let webhooks reach loopback, private and link-local addresses (development and tests only)")
	fs.DurationVar(&c.WebhookTimeout, "webhook-timeout", 10*time.Second, "how long one webhook attempt may take")
	if err := parseWithEnv(fs, args); err != nil {
		return err
	}
	var err error
	if c.SurfaceHosts, err = parseSurfaceHosts(surfaceHosts); err != nil {
		return err
	}
	if err := m.checkOpsFlags(); err != nil {
		return err
	}
	if err := m.checkEmailFlags(); err != nil {
		return err
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("--log-format must be text or json, not %q", c.LogFormat)
	}
	if c.SMTPMaxConns < 1 {
		return fmt.Errorf("--smtp-max-connections must be at least 1, not %d", c.SMTPMaxConns)
	}
	switch c.SMTPRelayTLS {
	case "none", "starttls", "tls":
	default:
		return fmt.Errorf("--smtp-relay-tls must be none, starttls or tls, not %q", c.SMTPRelayTLS)
	}
	return nil
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// Run opens and migrates the database, fills it for --demo, and starts
// serving. It returns once the server listens; Close stops it.
func (m *Main) Run(ctx context.Context) (err error) {
	m.logger = newLogger(m.Config.LogFormat, m.stderr)
	m.metrics = metrics.New()
	// Everything that can be refused is checked before the database is
	// opened, so that a start that fails creates and migrates nothing.
	analyzer, err := triage.New(splitList(m.Config.Languages))
	if err != nil {
		return fmt.Errorf("--languages: %w", err)
	}
	if err := m.preflight(); err != nil {
		return err
	}
	if m.db, err = openDB(ctx, m.Config.DB, m.Config.SyncFull); err != nil {
		return err
	}
	if n, err := m.db.Migrate(ctx); err != nil {
		return explainOpenError(m.Config.DB, err)
	} else if n > 0 {
		m.logger.Info("migrated database", "applied", n, "engine", m.db.Engine())
	}
	if err := m.setupSecrets(ctx); err != nil {
		return err
	}
	authority := &mail.Authority{Resolver: domainauth.NewResolver(m.Config.DNSServer)}
	if host, _, err := net.SplitHostPort(m.Config.SMTPRelay); err == nil {
		authority.SPFIncludes = []string{host}
	}
	// The language models take a moment and ~75 MB to load: load them now,
	// beside start-up, rather than in the first email's request. Building
	// them reads and decodes several times what they keep, garbage once
	// they are built: hand that back to the system then, not at the
	// scavenger's pace, so that the process's size is what it holds.
	go func() {
		analyzer.Lang.Preload()
		debug.FreeOSMemory()
	}()
	m.svc = ticketd.NewService(m.db, ticketd.WithLogger(m.logger), ticketd.WithDomainAuthority(authority),
		ticketd.WithAnalyzer(m.metrics.Analyzer(analyzer)), ticketd.WithDeliveryLease(m.Config.Ops.OutboxLease),
		ticketd.WithSendTimeout(m.Config.Ops.SendTimeout), ticketd.WithBlobStore(&blob.Dir{Path: m.blobDir()}),
		ticketd.WithWebhookURLCheck(webhook.CheckURL(m.Config.WebhookAllowPrivate)))
	m.observe()
	if err := m.startDemoRelay(); err != nil {
		return err
	}
	if err := m.startOutbox(); err != nil {
		return err
	}
	hub, err := m.startEvents(m.workersCtx)
	if err != nil {
		return err
	}
	m.startIMAP()
	var demoName, demoKey string
	if m.Config.Demo {
		if demoName, demoKey, err = m.demo(ctx); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}

	m.httpServer = &http.Server{
		Handler: m.demoRoutes(server.New(m.svc, server.Config{Logger: m.logger, MaxBodyBytes: m.Config.MaxBodyBytes,
			MaxEmailBytes: m.Config.SMTPMaxBytes, RateLimits: &m.Config.RateLimits, RateCounter: rateCounter(m.db),
			SurfaceHosts: m.Config.SurfaceHosts, TrustedProxies: m.Config.Ops.trustedProxies, Metrics: m.metrics,
			MetricsElsewhere: m.Config.Ops.MetricsAddr != "", EmailIntake: m.emailIntake(),
			Events: native.EventsConfig{Hub: hub, Heartbeat: m.Config.EventsHeartbeat}})),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(m.logger.Handler(), slog.LevelWarn),
	}
	m.applyTimeouts(m.httpServer)
	if err := m.startPprof(); err != nil {
		return err
	}
	m.serveDone = make(chan error, 1)
	go func() { m.serveDone <- m.httpServer.Serve(m.httpListener) }()
	m.serveMetrics()
	m.logger.Info("listening", "addr", m.httpListener.Addr().String(), "engine", m.db.Engine(), "version", version)
	if demoKey != "" {
		fmt.Fprintf(m.stdout, "Demo workspace %q created.\nAPI key (shown once): %s\nTry:\n  curl -H 'Authorization: Bearer %s' http://%s/v1/tickets\n",
			demoName, demoKey, demoKey, m.Addr())
		fmt.Fprintf(m.stdout, "Console: http://%s/ (sign in as %s with password %s, shown once)\n",
			m.Addr(), demoOwnerEmail, m.demoPassword)
		m.printDemoEmail(demoKey)
	}
	return m.startSMTP()
}

// startSMTP starts the inbound SMTP listener when --smtp-addr is set.
func (m *Main) startSMTP() error {
	if m.Config.SMTPAddr == "" {
		return nil
	}
	var tlsConfig *tls.Config
	if m.Config.SMTPTLSCert != "" {
		cert, err := tls.LoadX509KeyPair(m.Config.SMTPTLSCert, m.Config.SMTPTLSKey)
		if err != nil {
			return fmt.Errorf("--smtp-tls-cert: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	l := m.smtpListener
	m.smtpListener = nil // the server owns it now
	m.smtpServer = inbound.NewServer(m.smtpLimits(inbound.ServerConfig{Domain: m.Config.SMTPDomain, MaxMessageBytes: m.Config.SMTPMaxBytes,
		MaxConnections: m.Config.SMTPMaxConns, TLSConfig: tlsConfig, Logger: m.logger, OnConnection: m.metrics.SMTPConnection}),
		&mail.InboundHandler{Service: m.svc, MaxBytes: m.Config.SMTPMaxBytes, Logger: m.logger, Intake: m.emailIntake()})
	m.smtpAddr = l.Addr().String()
	go func() {
		if err := m.smtpServer.Serve(l); err != nil && !errors.Is(err, inbound.ErrServerClosed) {
			m.logger.Error("smtp", "err", err)
		}
	}()
	m.logger.Info("smtp listening", "addr", m.smtpAddr)
	return nil
}

// SMTPAddr is the address the inbound SMTP listener listens on.
func (m *Main) SMTPAddr() string { return m.smtpAddr }

func (m *Main) blobDir() string { return defaultBlobDir(m.Config.DB, m.Config.BlobDir) }

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// Addr is the address the HTTP server listens on (useful with port 0).
func (m *Main) Addr() string { return m.httpListener.Addr().String() }

// startOutbox starts the worker that delivers queued replies, when a relay is
// configured. Without one, replies are accepted and wait in the outbox.
func (m *Main) startOutbox() error {
	ctx, cancel := context.WithCancel(context.Background())
	m.stopWorkers, m.workersCtx = cancel, ctx
	if m.Config.SMTPRelay == "" {
		m.logger.Warn("no --smtp-relay: outbound email waits in the outbox until one is configured")
		return nil
	}
	relay, err := outbound.NewRelay(outbound.RelayConfig{Addr: m.Config.SMTPRelay, TLS: m.Config.SMTPRelayTLS,
		Username: m.Config.SMTPRelayUser, Password: m.Config.SMTPRelayPassword})
	if err != nil {
		return fmt.Errorf("--smtp-relay: %w", err)
	}
	w := &mail.Worker{Service: m.svc, Mailer: &mail.Sender{Relay: relay}, Logger: m.logger, Interval: m.Config.OutboxPoll}
	w.Start()
	m.workers.Add(1)
	go func() {
		defer m.workers.Done()
		w.Run(ctx)
	}()
	return nil
}

// Close stops accepting, lets in-flight requests finish within the shutdown
// timeout, lets the outbox finish the delivery in flight, then closes the
// database.
func (m *Main) Close() error {
	var errs []error
	if m.smtpServer != nil {
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
		if err := m.smtpServer.Shutdown(ctx); err != nil && !errors.Is(err, inbound.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("smtp shutdown: %w", err))
		}
		cancel()
		m.smtpServer = nil
	}
	if m.httpServer != nil {
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
		defer cancel()
		if err := m.httpServer.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http shutdown: %w", err))
		}
		if err := <-m.serveDone; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
		m.httpServer = nil
	}
	if m.pprofServer != nil {
		m.pprofServer.Close()
		m.pprofServer = nil
	}
	m.closeListeners()
	errs = append(errs, m.closeMetrics())
	if m.stopWorkers != nil {
		m.stopWorkers()
		m.workers.Wait()
		m.stopWorkers = nil
	}
	if m.demoRelay != nil {
		_ = m.demoRelay.Close() // after the outbox, which may be sending to it
		m.demoRelay = nil
	}
	if m.db != nil {
		errs = append(errs, m.db.Close())
		m.db = nil
	}
	if m.logger != nil {
		m.logger.Info("stopped")
	}
	return errors.Join(errs...)
}

// openDB opens the database after checkDBPath has explained any reason a
// SQLite path is unusable (startup.go).
func openDB(ctx context.Context, dsn string, syncFull bool) (*sqlstore.DB, error) {
	if err := checkDBPath(dsn, false); err != nil {
		return nil, err
	}
	db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{SyncFull: syncFull})
	if err != nil {
		return nil, explainOpenError(dsn, err)
	}
	return db, nil
}
