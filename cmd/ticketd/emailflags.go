package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/ticketd/ticketd/mail/inbound"
)

// EmailConfig is serve's email settings added by issue 14 (SMTP abuse
// limits and the rest). They live in their own struct and file so that
// flags other developers add to serve merge cleanly.
type EmailConfig struct {
	SMTPMaxConnsPerIP int
	SMTPIdleTimeout   time.Duration
	SMTPMaxSession    time.Duration
	SMTPMaxCommands   int
}

func (m *Main) emailFlags(fs *flag.FlagSet) {
	c := &m.Config.Email
	fs.IntVar(&c.SMTPMaxConnsPerIP, "smtp-max-connections-per-ip", inbound.DefaultMaxConnectionsPerIP,
		"inbound SMTP sessions one client address may hold at once; past it that client is told 421")
	fs.DurationVar(&c.SMTPIdleTimeout, "smtp-idle-timeout", inbound.DefaultIdleTimeout,
		"an inbound SMTP session that sends no MAIL, RCPT or DATA for this long is closed (421)")
	fs.DurationVar(&c.SMTPMaxSession, "smtp-max-session", inbound.DefaultMaxSessionDuration,
		"longest an inbound SMTP session may last")
	fs.IntVar(&c.SMTPMaxCommands, "smtp-max-commands", inbound.DefaultMaxCommands,
		"most commands one inbound SMTP session may send")
}

func (m *Main) checkEmailFlags() error {
	c := &m.Config.Email
	for name, n := range map[string]int{"--smtp-max-connections-per-ip": c.SMTPMaxConnsPerIP, "--smtp-max-commands": c.SMTPMaxCommands} {
		if n < 1 {
			return fmt.Errorf("%s must be at least 1, not %d", name, n)
		}
	}
	for name, d := range map[string]time.Duration{"--smtp-idle-timeout": c.SMTPIdleTimeout, "--smtp-max-session": c.SMTPMaxSession} {
		if d <= 0 {
			return fmt.Errorf("%s must be positive, not %v", name, d)
		}
	}
	return nil
}

// smtpLimits applies the abuse limits to the listener's configuration.
func (m *Main) smtpLimits(cfg inbound.ServerConfig) inbound.ServerConfig {
	c := m.Config.Email
	cfg.MaxConnectionsPerIP, cfg.IdleTimeout = c.SMTPMaxConnsPerIP, c.SMTPIdleTimeout
	cfg.MaxSessionDuration, cfg.MaxCommands = c.SMTPMaxSession, c.SMTPMaxCommands
	return cfg
}
