package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/ticketd/ticketd/mail"
	"github.com/ticketd/ticketd/mail/domainauth"
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
	InboundBudget     int64
	InboundParseBytes int64
	SpoolDir          string
	IMAPPoll          time.Duration

	intake *mail.Intake
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
	fs.Int64Var(&c.InboundBudget, "inbound-budget", 256<<20,
		"bytes of inbound email in flight (SMTP and HTTP together); past it SMTP answers 421/452 and HTTP 503, and senders retry")
	fs.Int64Var(&c.InboundParseBytes, "inbound-parse-bytes", 64<<20,
		"bytes of inbound email parsed at once; the rest waits its turn on disk")
	fs.DurationVar(&c.IMAPPoll, "imap-poll", 30*time.Second, "how often inboxes with an IMAP mailbox are read without IDLE; with IDLE, the longest wait")
	fs.StringVar(&c.SpoolDir, "spool-dir", "", "where inbound email over 1 MiB is spooled while it is received (default: the system's temporary directory)")
}

func (m *Main) checkEmailFlags() error {
	c := &m.Config.Email
	for name, n := range map[string]int{"--smtp-max-connections-per-ip": c.SMTPMaxConnsPerIP, "--smtp-max-commands": c.SMTPMaxCommands} {
		if n < 1 {
			return fmt.Errorf("%s must be at least 1, not %d", name, n)
		}
	}
	if c.InboundBudget < m.Config.SMTPMaxBytes {
		return fmt.Errorf("--inbound-budget (%d) must hold at least one email of --smtp-max-bytes (%d)", c.InboundBudget, m.Config.SMTPMaxBytes)
	}
	if c.InboundParseBytes < 1 {
		return fmt.Errorf("--inbound-parse-bytes must be positive, not %d", c.InboundParseBytes)
	}
	for name, d := range map[string]time.Duration{"--smtp-idle-timeout": c.SMTPIdleTimeout, "--smtp-max-session": c.SMTPMaxSession,
		"--imap-poll": c.IMAPPoll} {
		if d <= 0 {
			return fmt.Errorf("%s must be positive, not %v", name, d)
		}
	}
	return nil
}

// smtpLimits applies the abuse limits and the budget of email in flight
// to the listener's configuration.
func (m *Main) smtpLimits(cfg inbound.ServerConfig) inbound.ServerConfig {
	c := m.Config.Email
	cfg.MaxConnectionsPerIP, cfg.IdleTimeout = c.SMTPMaxConnsPerIP, c.SMTPIdleTimeout
	cfg.MaxSessionDuration, cfg.MaxCommands = c.SMTPMaxSession, c.SMTPMaxCommands
	cfg.Budget, cfg.SpoolDir = m.emailIntake().Budget, c.SpoolDir
	return cfg
}

// emailIntake is the one intake of the process: SMTP and HTTP share its
// budget.
func (m *Main) emailIntake() *mail.Intake {
	c := &m.Config.Email
	if c.intake == nil {
		c.intake = mail.NewIntake(c.InboundBudget, c.InboundParseBytes, m.Config.SMTPMaxBytes, c.SpoolDir)
		c.intake.Verifier = &mail.Verifier{Resolver: domainauth.NewResolver(m.Config.DNSServer)}
	}
	return c.intake
}

// startIMAP starts the watcher of inboxes read from IMAP mailboxes; it
// stops with the other workers.
func (m *Main) startIMAP() {
	ctx, cancel := context.WithCancel(context.Background())
	prev := m.stopWorkers
	m.stopWorkers = func() {
		cancel()
		if prev != nil {
			prev()
		}
	}
	w := &mail.IMAPWatcher{Service: m.svc, Intake: m.emailIntake(), Logger: m.logger, Interval: m.Config.Email.IMAPPoll}
	m.workers.Add(1)
	go func() {
		defer m.workers.Done()
		w.Run(ctx)
	}()
}
