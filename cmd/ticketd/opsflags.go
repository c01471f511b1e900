package main

import (
	"flag"
	"fmt"
	"net/http"
	"net/netip"
	"time"

	"github.com/ticketd/ticketd/httpapi"
)

// OpsConfig is serve's operational settings: timeouts, proxies, metrics
// and secrets. They live in their own struct and file so that flags other
// developers add to serve merge cleanly.
type OpsConfig struct {
	ReadTimeout    time.Duration
	WriteTimeout   time.Duration
	IdleTimeout    time.Duration
	TrustedProxies string

	trustedProxies []netip.Prefix
}

func (m *Main) opsFlags(fs *flag.FlagSet) {
	c := &m.Config.Ops
	fs.DurationVar(&c.ReadTimeout, "http-read-timeout", 60*time.Second, "longest time to read a whole request, body included")
	fs.DurationVar(&c.WriteTimeout, "http-write-timeout", 60*time.Second,
		"longest time to write a response; streams (GET /v1/events) lift it, downloads move it while they progress")
	fs.DurationVar(&c.IdleTimeout, "http-idle-timeout", 120*time.Second, "how long an idle keep-alive connection stays open")
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
	var err error
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
