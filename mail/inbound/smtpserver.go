package inbound

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// Handler is what the SMTP listener delivers to; the domain implements it.
type Handler interface {
	// AcceptRecipient reports whether mail for addr is accepted, i.e. addr
	// is a monitored inbox. false is answered with 550 at RCPT, which is
	// what keeps the listener from being an open relay. An error is answered
	// with 451 so the sender retries later.
	AcceptRecipient(ctx context.Context, addr string) (bool, error)
	// Deliver ingests one message received for the accepted recipients. It
	// must not return until the message is stored, because nil makes the
	// listener answer 250 and the sender forget the message. An error marked
	// with Permanent (or wrapping ErrNotEmail, ErrTooLarge or ErrTooComplex)
	// is answered with 554 and the sender bounces; any other error,
	// including one marked with Temporary, with 451 and the sender retries.
	Deliver(ctx context.Context, env Envelope, raw []byte) error
}

// Envelope is the SMTP envelope of one message: who the sending server says
// it is from and for, which can differ from the From/To headers (Bcc,
// forwarding, mailing lists, bounces with an empty From).
type Envelope struct {
	// From is the MAIL FROM reverse path; "" for bounces (MAIL FROM:<>).
	From string
	// To lists the accepted RCPT TO addresses, without duplicates.
	To []string
	// RemoteAddr is the client's IP address and port.
	RemoteAddr string
	// HeloName is the name the client gave in HELO/EHLO.
	HeloName string
}

// ServerConfig configures the SMTP listener. Zero fields take the defaults
// noted on each.
type ServerConfig struct {
	// Addr is the TCP address to listen on; default ":25".
	Addr string
	// Domain is the name announced in the greeting; default the host name.
	Domain string
	// MaxMessageBytes caps DATA (552 beyond it); default DefaultMaxBytes.
	MaxMessageBytes int64
	// MaxRecipients caps RCPT TO per message (452 beyond it); default 50.
	MaxRecipients int
	// ReadTimeout and WriteTimeout bound each command read and reply write
	// so a stalled client cannot hold a connection; default 5 minutes each,
	// the RFC 5321 section 4.5.3.2 server timeout.
	ReadTimeout, WriteTimeout time.Duration
	// MaxConnections caps the sessions open at once; a client past it is
	// greeted with 421 and disconnected, which a sending server treats as
	// "try again later". Default DefaultMaxConnections.
	MaxConnections int
	// MaxConnectionsPerIP caps the sessions one client address holds at
	// once, so that one noisy sender cannot take every slot of
	// MaxConnections and lock the others out; past it the client is
	// greeted with 421. Default DefaultMaxConnectionsPerIP.
	MaxConnectionsPerIP int
	// IdleTimeout ends a session that makes no progress (no MAIL, RCPT or
	// DATA) for this long, however busy it keeps itself with NOOP or RSET;
	// default DefaultIdleTimeout.
	IdleTimeout time.Duration
	// MaxSessionDuration ends any session this long after it opened;
	// default DefaultMaxSessionDuration.
	MaxSessionDuration time.Duration
	// MaxCommands caps the commands of one session (every command line,
	// NOOP included); default DefaultMaxCommands.
	MaxCommands int
	// TLSConfig, when set, enables STARTTLS.
	TLSConfig *tls.Config
	// Logger receives one record per session and per message; default slog.Default().
	Logger *slog.Logger
	// OnConnection, when set, is told of each connection: accepted as a
	// session, or refused past MaxConnections (for metrics).
	OnConnection func(accepted bool)
}

// DefaultMaxConnections is the default ServerConfig.MaxConnections: Postfix's
// default process limit, far above what the senders of a helpdesk's mail
// open at once, and low enough that a flood of idle connections cannot
// exhaust the process's file descriptors.
const DefaultMaxConnections = 100

// Defaults of the per-session limits (see ServerConfig). A real sending
// server opens a few sessions, sends within seconds and quits; the limits
// are far above that and bound what an abusive client can hold.
const (
	DefaultMaxConnectionsPerIP = 10
	DefaultIdleTimeout         = 2 * time.Minute
	DefaultMaxSessionDuration  = 30 * time.Minute
	DefaultMaxCommands         = 1000
)

// ErrServerClosed is returned by Serve and ListenAndServe after Shutdown.
var ErrServerClosed = errors.New("smtp server closed")

// Server is an inbound SMTP listener for monitored inboxes. It never relays
// and never authenticates: every recipient must be accepted by the Handler.
type Server struct {
	cfg     ServerConfig
	handler Handler
	log     *slog.Logger
	smtp    *smtp.Server

	// ctx is the parent of every handler call; it is cancelled when
	// Shutdown gives up waiting, so stuck handlers see cancellation.
	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	listener net.Listener
	conns    map[*trackedConn]struct{}
	perIP    map[string]int // open sessions by client IP
	closing  bool
}

// NewServer returns a Server for cfg that delivers to h. It does not listen
// until ListenAndServe or Serve is called.
func NewServer(cfg ServerConfig, h Handler) *Server {
	if cfg.Addr == "" {
		cfg.Addr = ":25"
	}
	if cfg.Domain == "" {
		cfg.Domain, _ = os.Hostname()
		if cfg.Domain == "" {
			cfg.Domain = "localhost"
		}
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = DefaultMaxBytes
	}
	if cfg.MaxRecipients <= 0 {
		cfg.MaxRecipients = 50
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 5 * time.Minute
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 5 * time.Minute
	}
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = DefaultMaxConnections
	}
	if cfg.MaxConnectionsPerIP <= 0 {
		cfg.MaxConnectionsPerIP = DefaultMaxConnectionsPerIP
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxSessionDuration <= 0 {
		cfg.MaxSessionDuration = DefaultMaxSessionDuration
	}
	if cfg.MaxCommands <= 0 {
		cfg.MaxCommands = DefaultMaxCommands
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{
		cfg:     cfg,
		handler: h,
		log:     cfg.Logger,
		conns:   make(map[*trackedConn]struct{}),
		perIP:   make(map[string]int),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())

	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Addr = cfg.Addr
	srv.Domain = cfg.Domain
	srv.MaxMessageBytes = cfg.MaxMessageBytes
	srv.MaxRecipients = cfg.MaxRecipients
	srv.ReadTimeout = cfg.ReadTimeout
	srv.WriteTimeout = cfg.WriteTimeout
	srv.TLSConfig = cfg.TLSConfig
	// Internationalised addresses are just strings to us, and refusing
	// SMTPUTF8 would bounce customers who have one.
	srv.EnableSMTPUTF8 = true
	srv.ErrorLog = slogPrinter{cfg.Logger}
	s.smtp = srv
	return s
}

// ListenAndServe listens on cfg.Addr and serves until Shutdown, after which
// it returns ErrServerClosed.
func (s *Server) ListenAndServe() error {
	l, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("smtp listen: %w", err)
	}
	return s.Serve(l)
}

// Serve accepts SMTP connections on l until Shutdown, after which it
// returns ErrServerClosed. Tests pass a listener on 127.0.0.1:0.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	if s.listener != nil {
		s.mu.Unlock()
		return errors.New("smtp server: already serving")
	}
	s.listener = l
	s.mu.Unlock()

	s.log.Info("smtp listening", "addr", l.Addr().String(), "starttls", s.cfg.TLSConfig != nil)
	err := s.smtp.Serve(&trackingListener{Listener: l, s: s})
	s.mu.Lock()
	closing := s.closing
	s.mu.Unlock()
	if closing {
		return ErrServerClosed
	}
	if err == nil {
		err = ErrServerClosed
	}
	return err
}

// Addr returns the address being listened on, or nil before Serve; useful
// with port 0.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener == nil {
		return nil
	}
	return s.listener.Addr()
}

// Shutdown stops accepting connections, lets messages whose delivery is in
// progress finish and get their reply, and closes idle connections (with
// 421). A transfer still being received is cut off; the sender has no 250,
// so it retries. If ctx ends first, every remaining connection is closed,
// handler contexts are cancelled and ctx's error is returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.closing = true
	serving := s.listener != nil
	for c := range s.conns {
		c.drain()
	}
	s.mu.Unlock()
	if !serving {
		s.cancel()
		return nil
	}

	// Close the listener ourselves as well: if Serve is between recording
	// it and handing it to go-smtp, go-smtp's Shutdown would not see it
	// and Accept would block forever.
	_ = s.listener.Close()
	err := s.smtp.Shutdown(ctx)
	if ctx.Err() != nil {
		s.mu.Lock()
		for c := range s.conns {
			c.Conn.Close()
		}
		s.mu.Unlock()
		s.cancel()
		return ctx.Err()
	}
	s.cancel()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// trackingListener records connections so Shutdown can drain and, if need
// be, close them: go-smtp's own Shutdown waits for clients to QUIT, which
// an idle client may never do.
type trackingListener struct {
	net.Listener
	s *Server
}

func (l *trackingListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		now := time.Now()
		tc := &trackedConn{Conn: c, s: l.s, ip: clientIP(c), opened: now}
		tc.progress.Store(now.UnixNano())
		l.s.mu.Lock()
		why := ""
		switch {
		case len(l.s.conns) >= l.s.cfg.MaxConnections:
			why = "too many connections"
		case l.s.perIP[tc.ip] >= l.s.cfg.MaxConnectionsPerIP:
			why = "too many connections from your address"
		default:
			l.s.conns[tc] = struct{}{}
			l.s.perIP[tc.ip]++
			if l.s.closing {
				tc.drain()
			}
		}
		l.s.mu.Unlock()
		if f := l.s.cfg.OnConnection; f != nil {
			f(why == "")
		}
		if why == "" {
			return tc, nil
		}
		// Off the accept loop: a client that does not read must not stall
		// the clients behind it.
		go l.s.refuse(c, why)
	}
}

// clientIP is the host part of a connection's remote address.
func clientIP(c net.Conn) string {
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return host
}

// refuse tells a client past MaxConnections or MaxConnectionsPerIP to come
// back later (RFC 5321 section 3.8: a 421 greeting, then the server closes).
func (s *Server) refuse(c net.Conn, why string) {
	defer c.Close()
	s.log.Warn("smtp connection refused: "+why, "remote", c.RemoteAddr().String(),
		"max", s.cfg.MaxConnections, "max_per_ip", s.cfg.MaxConnectionsPerIP)
	_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, _ = fmt.Fprintf(c, "421 4.7.0 %s %s, try again later\r\n", s.cfg.Domain, strings.ToUpper(why[:1])+why[1:])
}

// trackedConn lets Shutdown end a connection at its next read: once
// draining, every read deadline go-smtp sets is pulled into the past, so the
// client gets "421 idle timeout" instead of another command being accepted.
// The same hook enforces the per-session limits: go-smtp sets a read
// deadline before reading each command line, so each call counts one
// command, and the deadline is pulled in to the session's idle and lifetime
// limits; past any of them the read times out and the client gets 421.
type trackedConn struct {
	net.Conn
	s        *Server
	ip       string
	opened   time.Time
	progress atomic.Int64 // UnixNano of the last MAIL, RCPT or DATA
	commands atomic.Int64
	draining atomic.Bool
	once     sync.Once
}

var past = time.Unix(1, 0)

func (c *trackedConn) drain() {
	c.draining.Store(true)
	_ = c.Conn.SetReadDeadline(past)
}

// progressed records a step of a mail transaction, which resets the idle
// timeout.
func (c *trackedConn) progressed() { c.progress.Store(time.Now().UnixNano()) }

func (c *trackedConn) SetReadDeadline(t time.Time) error {
	if c.draining.Load() {
		t = past
	} else if !t.IsZero() {
		cfg := &c.s.cfg
		if n := c.commands.Add(1); n > int64(cfg.MaxCommands) {
			c.s.log.Warn("smtp session ended: too many commands", "remote", c.RemoteAddr().String(), "max", cfg.MaxCommands)
			t = past
		}
		if idle := time.Unix(0, c.progress.Load()).Add(cfg.IdleTimeout); idle.Before(t) {
			t = idle
		}
		if end := c.opened.Add(cfg.MaxSessionDuration); end.Before(t) {
			t = end
		}
	}
	return c.Conn.SetReadDeadline(t)
}

func (c *trackedConn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetWriteDeadline(t); err != nil {
		return err
	}
	return c.SetReadDeadline(t)
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.s.mu.Lock()
		delete(c.s.conns, c)
		if c.s.perIP[c.ip]--; c.s.perIP[c.ip] <= 0 {
			delete(c.s.perIP, c.ip)
		}
		c.s.mu.Unlock()
	})
	return c.Conn.Close()
}

// session is one SMTP session (a connection, or its part after STARTTLS,
// which starts a new session as RFC 3207 requires).
type session struct {
	s       *Server
	conn    *trackedConn // nil if go-smtp hands us a connection we did not wrap
	remote  string
	helo    string
	tls     bool
	started time.Time

	env      Envelope
	rejected int // recipients refused in this session

	delivered, failed int
	lastErr           string
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	nc := c.Conn()
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn() // after STARTTLS
	}
	tracked, _ := nc.(*trackedConn)
	return &session{
		s:       s,
		conn:    tracked,
		remote:  c.Conn().RemoteAddr().String(),
		helo:    c.Hostname(),
		tls:     isTLS,
		started: time.Now(),
	}, nil
}

func (ss *session) progressed() {
	if ss.conn != nil {
		ss.conn.progressed()
	}
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.progressed()
	ss.env = Envelope{From: from, RemoteAddr: ss.remote, HeloName: ss.helo}
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.progressed()
	ok, err := ss.s.handler.AcceptRecipient(ss.s.ctx, to)
	if err != nil {
		ss.s.log.Warn("smtp recipient check failed", "remote", ss.remote, "rcpt", to, "err", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure checking recipient, try again later"}
	}
	if !ok {
		ss.rejected++
		ss.s.log.Debug("smtp recipient refused", "remote", ss.remote, "rcpt", to)
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox here; relaying denied"}
	}
	for _, have := range ss.env.To {
		if strings.EqualFold(have, to) {
			return nil
		}
	}
	ss.env.To = append(ss.env.To, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	defer ss.progressed() // a delivery that took long must not count as idle
	ss.progressed()
	start := time.Now()
	raw, err := io.ReadAll(r)
	if err != nil {
		ss.failed++
		code := 451
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			code = se.Code // 552 when over MaxMessageBytes
		}
		ss.logMessage(code, len(raw), start, err)
		if se != nil {
			return se
		}
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 4, 2}, Message: "Error receiving message"}
	}

	env := ss.env
	env.To = append([]string(nil), env.To...)
	err = ss.s.handler.Deliver(ss.s.ctx, env, raw)
	reply := deliveryReply(err)
	code := 250
	if reply != nil {
		code = reply.Code
		ss.failed++
	} else {
		ss.delivered++
	}
	ss.logMessage(code, len(raw), start, err)
	if reply != nil {
		return reply
	}
	return nil
}

func (ss *session) logMessage(code, size int, start time.Time, err error) {
	attrs := []any{
		"remote", ss.remote, "helo", ss.helo, "tls", ss.tls,
		"from", ss.env.From, "to", ss.env.To, "bytes", size,
		"code", code, "duration", time.Since(start),
	}
	if err != nil {
		ss.lastErr = err.Error()
		attrs = append(attrs, "err", err)
		ss.s.log.Warn("smtp message refused", attrs...)
		return
	}
	ss.s.log.Info("smtp message accepted", attrs...)
}

func (ss *session) Reset() {
	ss.env = Envelope{}
}

func (ss *session) Logout() error {
	level := slog.LevelInfo
	if ss.failed > 0 {
		level = slog.LevelWarn
	}
	ss.s.log.Log(context.Background(), level, "smtp session",
		"remote", ss.remote, "helo", ss.helo, "tls", ss.tls,
		"delivered", ss.delivered, "failed", ss.failed, "rejected_rcpts", ss.rejected,
		"last_err", ss.lastErr, "duration", time.Since(ss.started))
	return nil
}

// DeliveryError marks a Deliver error as temporary or permanent. Use
// Temporary and Permanent to make one.
type DeliveryError struct {
	// Err is the handler's error, kept for logging and errors.Is.
	Err       error
	temporary bool
}

// Error returns the marked error's message unchanged.
func (e *DeliveryError) Error() string { return e.Err.Error() }

// Unwrap returns the marked error so errors.Is sees through the mark.
func (e *DeliveryError) Unwrap() error { return e.Err }

// Temporary reports whether the sender should retry.
func (e *DeliveryError) Temporary() bool { return e.temporary }

// Temporary marks err as a transient failure (database down, timeout): the
// listener answers 451 and the sending server retries later. It returns nil
// for nil.
func Temporary(err error) error {
	if err == nil {
		return nil
	}
	return &DeliveryError{Err: err, temporary: true}
}

// Permanent marks err as a failure that retrying cannot fix (the message
// is unacceptable): the listener answers 554 and the sending server returns
// the message to its author. It returns nil for nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &DeliveryError{Err: err, temporary: false}
}

// IsTemporary reports how the listener classifies a Deliver error: false
// for errors marked Permanent and for this package's parse errors, true for
// everything else. Unmarked errors count as temporary because bouncing a
// customer's mail over our own outage loses it, while a retry costs nothing.
// Other Temporary() methods (net.Error's) are deliberately ignored: a
// refused database connection says Temporary() == false, and that must not
// bounce mail.
func IsTemporary(err error) bool {
	var de *DeliveryError
	if errors.As(err, &de) {
		return de.temporary
	}
	return !(errors.Is(err, ErrNotEmail) || errors.Is(err, ErrTooLarge) || errors.Is(err, ErrTooComplex))
}

// deliveryReply maps a Deliver result to the SMTP reply. Error text is not
// sent to the client, since it may describe our internals; it is logged.
func deliveryReply(err error) *smtp.SMTPError {
	switch {
	case err == nil:
		return nil
	case IsTemporary(err):
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure storing message, try again later"}
	case errors.Is(err, ErrTooLarge):
		return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: "Message too large"}
	case errors.Is(err, ErrNotEmail), errors.Is(err, ErrTooComplex):
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Message could not be parsed"}
	default:
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 0, 0}, Message: "Message rejected"}
	}
}

// slogPrinter adapts slog to go-smtp's Printf-style error log, which reports
// connection-level failures (TLS handshakes, broken pipes).
type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Printf(format string, v ...any) {
	p.l.Warn("smtp: " + fmt.Sprintf(format, v...))
}

func (p slogPrinter) Println(v ...any) {
	p.l.Warn("smtp: " + strings.TrimSuffix(fmt.Sprintln(v...), "\n"))
}
