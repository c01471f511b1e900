package outbound

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Relay TLS modes, as RelayConfig.TLS takes them.
const (
	TLSNone     = "none"     // plain text; only sensible for a relay on localhost
	TLSStartTLS = "starttls" // upgrade after connecting, usually port 587 (the default)
	TLSImplicit = "tls"      // TLS from the first byte, usually port 465
)

// DefaultRelayTimeout bounds one Send when RelayConfig.Timeout is 0.
const DefaultRelayTimeout = time.Minute

// RelayConfig says how to reach the operator's SMTP relay (their mail
// server, or a provider such as a transactional mail service).
type RelayConfig struct {
	Addr string // "host:port"
	// TLS is TLSNone, TLSStartTLS or TLSImplicit; empty means TLSStartTLS,
	// so that forgetting to configure TLS does not mean sending in clear.
	TLS string
	// Username and Password, when Username is set, are sent with AUTH PLAIN.
	// NewRelay refuses them with TLSNone unless the relay is on loopback.
	Username string
	Password string
	// HeloName is the name ticketd gives in EHLO; the host name when empty.
	// With STARTTLS the first, pre-TLS EHLO says "localhost" (a limit of
	// the SMTP client); RFC 3207 has the server forget it anyway.
	HeloName string
	// Timeout bounds a whole Send: connecting, the conversation and the
	// data. DefaultRelayTimeout when 0.
	Timeout time.Duration
	// InsecureSkipVerify disables certificate checks. For tests only.
	InsecureSkipVerify bool
}

// Relay sends messages through one SMTP relay. It opens a connection per
// Send: an outbox sends a reply now and then, and a fresh connection never
// finds itself closed by the relay's idle timeout. A Relay is safe for
// concurrent use.
type Relay struct {
	cfg  RelayConfig
	host string
	helo string
}

// NewRelay checks cfg and returns a Relay. It does not connect: a relay that
// is down at start-up must not stop ticketd from accepting replies, which
// the outbox delivers once the relay is back.
func NewRelay(cfg RelayConfig) (*Relay, error) {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" {
		return nil, fmt.Errorf("relay: address %q is not host:port", cfg.Addr)
	}
	switch cfg.TLS {
	case "":
		cfg.TLS = TLSStartTLS
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		return nil, fmt.Errorf("relay: TLS mode %q is not none, starttls or tls", cfg.TLS)
	}
	if cfg.Username != "" && cfg.TLS == TLSNone && !isLoopback(host) {
		return nil, fmt.Errorf("relay: refusing to send a password in clear to %s; use starttls or tls", host)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultRelayTimeout
	}
	helo := cfg.HeloName
	if helo == "" {
		helo, _ = os.Hostname()
	}
	if helo == "" || strings.ContainsAny(helo, " \r\n") {
		helo = "localhost"
	}
	return &Relay{cfg: cfg, host: host, helo: helo}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// SendError is the error Send returns. Its text includes the relay's reply,
// so the caller can store it as the reason a delivery failed.
type SendError struct {
	// Op is the step that failed: "connect", "EHLO", "STARTTLS", "AUTH",
	// "MAIL FROM", "RCPT TO" or "DATA".
	Op string
	// Code is the relay's SMTP reply code, 0 when there was no reply
	// (connection refused, timeout, TLS failure).
	Code int
	// Permanent says whether retrying can never help; see IsPermanent.
	Permanent bool
	// Rejected lists the recipients the relay refused. When some were
	// accepted, the message was delivered to those, Permanent is true, and
	// the message must not be sent again.
	Rejected []string
	// Reasons holds the relay's reply for each of Rejected, in order.
	Reasons []string
	// Delivered is true when the relay accepted the message for the other
	// recipients: it has been sent and must not be sent again.
	Delivered bool
	Err       error
}

// Error names the failed step and carries the relay's reply, e.g.
// "relay DATA: smtp.example.com:587: SMTP error 550: 5.7.1 Message rejected".
func (e *SendError) Error() string {
	return fmt.Sprintf("relay %s: %v", e.Op, e.Err)
}

// Unwrap exposes the cause, so errors.As finds the *smtp.SMTPError or the
// context error underneath.
func (e *SendError) Unwrap() error { return e.Err }

// IsPermanent reports whether err means the message will never be accepted,
// so an outbox should mark it failed instead of retrying: the relay answered
// with a 5xx reply to the message or its recipients, or accepted only some
// recipients (retrying would send it twice to the others).
//
// It is false for everything a later attempt may cure: 4xx replies,
// connection refused, timeouts, TLS failures, and authentication failures,
// 5xx included, since those are the operator's configuration to fix, not a
// fault of the message.
func IsPermanent(err error) bool {
	var se *SendError
	if errors.As(err, &se) {
		return se.Permanent
	}
	var smtpErr *smtp.SMTPError
	if errors.As(err, &smtpErr) {
		return smtpErr.Code >= 500 && smtpErr.Code < 600
	}
	return false
}

// Send delivers raw (a composed and signed message) to recipients through
// the relay, with envelopeFrom as the return path for bounces. It returns
// nil once the relay has accepted the message for every recipient, and
// otherwise a *SendError.
//
// If the connection breaks after the message was transmitted but before the
// relay's answer arrived, Send reports a temporary error although the relay
// may have accepted the message; a retry then delivers it twice, with the
// same Message-ID, which receivers use to drop the copy.
func (r *Relay) Send(ctx context.Context, envelopeFrom string, recipients []string, raw []byte) error {
	if len(recipients) == 0 {
		return &SendError{Op: "RCPT TO", Permanent: true, Err: errors.New("no recipients")}
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()

	conn, err := r.dial(ctx)
	if err != nil {
		return r.fail(ctx, "connect", err)
	}
	// Closing the connection is the one way to interrupt the SMTP client
	// wherever it is blocked, including in the middle of DATA.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()

	var c *smtp.Client
	if r.cfg.TLS == TLSStartTLS {
		c, err = smtp.NewClientStartTLS(conn, r.tlsConfig())
		if err != nil {
			_ = conn.Close()
			return r.fail(ctx, "STARTTLS", err)
		}
	} else {
		c = smtp.NewClient(conn)
	}
	defer c.Close()
	// The client's own per-command deadlines are set just past ours, so
	// that the context, which knows why it ended, always fires first.
	if deadline, ok := ctx.Deadline(); ok {
		c.CommandTimeout = time.Until(deadline) + time.Second
		c.SubmissionTimeout = c.CommandTimeout
	}

	if err := c.Hello(r.helo); err != nil {
		return r.fail(ctx, "EHLO", err)
	}
	if r.cfg.Username != "" {
		if !c.SupportsAuth(sasl.Plain) {
			return r.fail(ctx, "AUTH", errors.New("relay does not offer AUTH PLAIN"))
		}
		if err := c.Auth(sasl.NewPlainClient("", r.cfg.Username, r.cfg.Password)); err != nil {
			se := r.fail(ctx, "AUTH", err)
			se.Permanent = false // the operator's credentials, not the message
			return se
		}
	}

	var mailOpts *smtp.MailOptions
	if !isASCII(envelopeFrom) || !isASCII(strings.Join(recipients, "")) {
		mailOpts = &smtp.MailOptions{UTF8: true}
	}
	if err := c.Mail(envelopeFrom, mailOpts); err != nil {
		return r.fail(ctx, "MAIL FROM", err)
	}

	var rejected, reasons []string
	var rejections []error
	allPermanent := true
	for _, rcpt := range recipients {
		err := c.Rcpt(rcpt, nil)
		if err == nil {
			continue
		}
		var smtpErr *smtp.SMTPError
		if !errors.As(err, &smtpErr) {
			return r.fail(ctx, "RCPT TO", err) // the connection, not the recipient
		}
		rejected = append(rejected, rcpt)
		rejections = append(rejections, fmt.Errorf("<%s>: %w", rcpt, err))
		reasons = append(reasons, err.Error())
		if smtpErr.Code < 500 {
			allPermanent = false
		}
	}
	if len(rejected) == len(recipients) {
		se := r.fail(ctx, "RCPT TO", errorList(rejections))
		se.Code = firstCode(rejections)
		se.Permanent = allPermanent
		se.Rejected, se.Reasons = rejected, reasons
		return se
	}

	w, err := c.Data()
	if err != nil {
		return r.fail(ctx, "DATA", err)
	}
	if _, err := w.Write(raw); err != nil {
		_ = w.Close()
		return r.fail(ctx, "DATA", err)
	}
	if err := w.Close(); err != nil {
		return r.fail(ctx, "DATA", err)
	}
	// The relay has the message; a failed QUIT changes nothing.
	_ = c.Quit()

	if len(rejected) > 0 {
		return &SendError{
			Op:        "RCPT TO",
			Code:      firstCode(rejections),
			Permanent: true,
			Rejected:  rejected,
			Reasons:   reasons,
			Delivered: true,
			Err: fmt.Errorf("delivered to %d of %d recipients; rejected: %w",
				len(recipients)-len(rejected), len(recipients), errorList(rejections)),
		}
	}
	return nil
}

func (r *Relay) dial(ctx context.Context) (net.Conn, error) {
	d := &net.Dialer{}
	if r.cfg.TLS == TLSImplicit {
		td := &tls.Dialer{NetDialer: d, Config: r.tlsConfig()}
		return td.DialContext(ctx, "tcp", r.cfg.Addr)
	}
	return d.DialContext(ctx, "tcp", r.cfg.Addr)
}

func (r *Relay) tlsConfig() *tls.Config {
	return &tls.Config{
		ServerName:         r.host,
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: r.cfg.InsecureSkipVerify, //nolint:gosec // opt-in, for tests
	}
}

// fail wraps err from step op. When the context ended, that is the cause
// worth reporting, not the "use of closed connection" it provoked.
func (r *Relay) fail(ctx context.Context, op string, err error) *SendError {
	if ctxErr := ctx.Err(); ctxErr != nil {
		err = fmt.Errorf("%w (%v)", ctxErr, err)
	}
	se := &SendError{Op: op, Err: fmt.Errorf("%s: %w", r.cfg.Addr, err)}
	var smtpErr *smtp.SMTPError
	if errors.As(err, &smtpErr) {
		se.Code = smtpErr.Code
		se.Permanent = smtpErr.Code >= 500 && smtpErr.Code < 600
	}
	return se
}

func firstCode(errs []error) int {
	for _, err := range errs {
		var smtpErr *smtp.SMTPError
		if errors.As(err, &smtpErr) {
			return smtpErr.Code
		}
	}
	return 0
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// errorList joins recipient rejections on one line, so the whole reason
// fits a log line or a database column, while errors.As still finds each
// *smtp.SMTPError.
type errorList []error

func (l errorList) Error() string {
	parts := make([]string, len(l))
	for i, err := range l {
		parts[i] = err.Error()
	}
	return strings.Join(parts, "; ")
}

func (l errorList) Unwrap() []error { return l }
