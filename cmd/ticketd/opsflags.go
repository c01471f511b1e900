package main

import (
	"flag"
	"fmt"
	"net/http"
	"net/netip"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
	"github.com/ticketd/ticketd/metrics"
)

// OpsConfig is serve's operational settings: timeouts, proxies, metrics
// and secrets. They live in their own struct and file so that flags other
// developers add to serve merge cleanly.
type OpsConfig struct {
	ReadTimeout    time.Duration
	WriteTimeout   time.Duration
	IdleTimeout    time.Duration
	TrustedProxies string
	MetricsAddr    string
	OutboxLease    time.Duration
	SendTimeout    time.Duration
	DBMaxConns     int
	SecretKeyFile  string
	// ConversationCacheMB bounds the conversation cache (0: off).
	ConversationCacheMB int
	// SMTPRelayPasswordFile holds the relay password, so that it is not
	// on the command line for ps to show.
	SMTPRelayPasswordFile string

	trustedProxies []netip.Prefix
}

func (m *Main) opsFlags(fs *flag.FlagSet) {
	c := &m.Config.Ops
	fs.DurationVar(&c.ReadTimeout, "http-read-timeout", 60*time.Second, "longest time to read a whole request, body included")
	fs.DurationVar(&c.WriteTimeout, "http-write-timeout", 60*time.Second,
		"longest time to write a response; streams (GET /v1/events) lift it, downloads move it while they progress")
	fs.DurationVar(&c.IdleTimeout, "http-idle-timeout", 120*time.Second, "how long an idle keep-alive connection stays open")
	fs.StringVar(&c.SecretKeyFile, "secret-key-file", "",
		"key file that seals stored secrets (default: <db>.secret-key beside a SQLite database, created on first start)")
	fs.StringVar(&c.SMTPRelayPasswordFile, "smtp-relay-password-file", "",
		"file holding the relay password (instead of --smtp-relay-password, which ps shows)")
	fs.DurationVar(&c.SendTimeout, "smtp-send-timeout", ticketd.DefaultSendTimeout, "deadline of one send through the relay")
	fs.DurationVar(&c.OutboxLease, "outbox-lease", 0,
		"how long a node keeps a claimed outbox entry before another node may take it over (default: --smtp-send-timeout + 1m; at least --smtp-send-timeout + 1s)")
	fs.IntVar(&c.DBMaxConns, "db-max-conns", 20, "PostgreSQL: connections this node opens at most (SQLite: one writer, four readers)")
	fs.IntVar(&c.ConversationCacheMB, "conversation-cache-mb", ticketd.DefaultConversationCacheBytes>>20,
		"MiB of conversation pages this node keeps, so that a repeated read costs one statement checking the ticket's versions (0: off); never stale, see docs/performance.md")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", "",
		"serve GET /metrics on this address only, e.g. 127.0.0.1:9090 (empty: on --addr)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", "",
		"comma-separated addresses or CIDR prefixes of reverse proxies whose X-Forwarded-For names the client (empty: none)")
}

func (m *Main) checkOpsFlags() error {
	c := &m.Config.Ops
	for name, d := range map[string]time.Duration{"--http-read-timeout": c.ReadTimeout,
		"--http-write-timeout": c.WriteTimeout, "--http-idle-timeout": c.IdleTimeout} {
		if d <= 0 {
			return fmt.Errorf("%s must be positive, not %v", name, d)
		}
	}
	if c.SendTimeout <= 0 {
		return fmt.Errorf("--smtp-send-timeout must be positive, not %v", c.SendTimeout)
	}
	if c.OutboxLease != 0 && c.OutboxLease <= c.SendTimeout {
		return fmt.Errorf("--outbox-lease (%v) must be longer than --smtp-send-timeout (%v), or a slow send could be taken over and sent twice", c.OutboxLease, c.SendTimeout)
	}
	if c.ConversationCacheMB < 0 {
		return fmt.Errorf("--conversation-cache-mb must be 0 (off) or more, not %d", c.ConversationCacheMB)
	}
	if c.DBMaxConns < 1 {
		return fmt.Errorf("--db-max-conns must be at least 1, not %d", c.DBMaxConns)
	}
	var err error
	if c.SMTPRelayPasswordFile != "" {
		if m.Config.SMTPRelayPassword != "" {
			return fmt.Errorf("give --smtp-relay-password-file or --smtp-relay-password, not both")
		}
		if m.Config.SMTPRelayPassword, err = readSecretFile("--smtp-relay-password-file", c.SMTPRelayPasswordFile); err != nil {
			return err
		}
	}
	if c.trustedProxies, err = httpapi.ParseTrustedProxies(c.TrustedProxies); err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	return nil
}

// applyTimeouts bounds every connection: without a write timeout, a client
// that stops reading holds its connection and goroutine forever.
func (m *Main) applyTimeouts(s *http.Server) {
	s.ReadTimeout = m.Config.Ops.ReadTimeout
	s.WriteTimeout = m.Config.Ops.WriteTimeout
	s.IdleTimeout = m.Config.Ops.IdleTimeout
}

// observe registers what the metrics read on each scrape: the outbox
// backlog and the connection pools.
func (m *Main) observe() {
	m.db.SetMaxConns(m.Config.Ops.DBMaxConns)
	m.metrics.AddBacklog(metrics.Backlog{Name: "outbox", Stats: m.svc.OutboxBacklog})
	m.metrics.AddBacklog(metrics.Backlog{Name: "webhooks", Stats: m.svc.WebhookBacklog})
	m.metrics.AddDBPools(m.db.Pools())
}

// serveMetrics serves /metrics on --metrics-addr, when set; preflight took
// the listener.
func (m *Main) serveMetrics() {
	if m.metricsListener == nil {
		return
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.metrics.Handler())
	m.metricsServer = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	l := m.metricsListener
	go func() { _ = m.metricsServer.Serve(l) }()
	m.logger.Info("metrics listening", "addr", l.Addr().String())
}

// MetricsAddr is where --metrics-addr listens ("" when off).
func (m *Main) MetricsAddr() string {
	if m.metricsListener == nil {
		return ""
	}
	return m.metricsListener.Addr().String()
}

func (m *Main) closeMetrics() error {
	if m.metricsServer != nil {
		err := m.metricsServer.Close()
		m.metricsServer = nil
		return err
	}
	if m.metricsListener != nil {
		m.metricsListener.Close()
	}
	return nil
}
