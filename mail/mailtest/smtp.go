package mailtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is one message the SMTP server accepted.
type Received struct {
	From string   // MAIL FROM
	To   []string // accepted RCPT TO, in order
	Data []byte   // the message as transmitted, dot-unstuffed
	// TLS reports whether the session was encrypted (STARTTLS or implicit
	// TLS) when the message was sent.
	TLS bool
	// User is the authenticated username, empty without AUTH.
	User string
}

// SMTPOption configures an SMTPServer.
type SMTPOption func(*SMTPServer)

// WithAuth requires AUTH PLAIN with these credentials before MAIL FROM.
// Without TLS the server still accepts AUTH, so tests can cover a relay on
// loopback; the client decides whether to risk that.
func WithAuth(username, password string) SMTPOption {
	return func(s *SMTPServer) { s.user, s.pass = username, password }
}

// WithSTARTTLS advertises STARTTLS with a self-signed certificate for
// 127.0.0.1 and localhost, generated for the test.
func WithSTARTTLS() SMTPOption {
	return func(s *SMTPServer) { s.tlsMode = "starttls" }
}

// WithImplicitTLS makes the server speak TLS from the first byte (the
// "smtps" style of port 465), with a self-signed certificate.
func WithImplicitTLS() SMTPOption {
	return func(s *SMTPServer) { s.tlsMode = "tls" }
}

// SMTPServer is a real SMTP server on 127.0.0.1 that records messages. It
// stands in for the operator's relay: a test can make it refuse deliveries,
// or stop and restart it on the same address to simulate an outage.
type SMTPServer struct {
	t       testing.TB
	user    string
	pass    string
	tlsMode string // "", "starttls" or "tls"
	tlsConf *tls.Config
	cert    *x509.Certificate
	addr    string

	mu        sync.Mutex
	srv       *smtp.Server
	received  []Received
	changed   chan struct{} // closed and replaced whenever received grows
	rejects   []*smtp.SMTPError
	rcptRej   map[string]*smtp.SMTPError
	onData    func(n int)
	dataCount int
	// hold, when set, makes the next RCPT TO wait for a release.
	hold *deliveryHold
}

type deliveryHold struct {
	held    chan string
	release chan struct{}
}

// HoldNextDelivery makes the next RCPT TO wait for its reply until release
// is called: a delivery caught mid-way (MAIL FROM accepted, no message sent
// yet), for tests that kill the sender then. held receives the client's
// address once it waits. A client that goes away meanwhile delivers nothing;
// holding before DATA rather than during it keeps the test about ticketd,
// not about the duplicate every SMTP client risks when it dies after sending
// the final dot but before reading the reply.
func (s *SMTPServer) HoldNextDelivery() (held <-chan string, release func()) {
	h := &deliveryHold{held: make(chan string, 1), release: make(chan struct{})}
	s.mu.Lock()
	s.hold = h
	s.mu.Unlock()
	var once sync.Once
	return h.held, func() { once.Do(func() { close(h.release) }) }
}

// NewSMTPServer starts an SMTP server on a free loopback port and closes it
// when the test ends.
func NewSMTPServer(t testing.TB, opts ...SMTPOption) *SMTPServer {
	t.Helper()
	s := &SMTPServer{t: t, changed: make(chan struct{}), rcptRej: make(map[string]*smtp.SMTPError)}
	for _, o := range opts {
		o(s)
	}
	if s.tlsMode != "" {
		s.tlsConf, s.cert = selfSignedTLS(t)
	}
	s.start("127.0.0.1:0")
	t.Cleanup(s.Close)
	return s
}

// Addr returns the server's "host:port". It stays the same across Restart.
func (s *SMTPServer) Addr() string { return s.addr }

// Certificate returns the self-signed certificate the server presents, or
// nil without TLS, so a test can trust it instead of skipping verification.
func (s *SMTPServer) Certificate() *x509.Certificate { return s.cert }

// Messages returns a copy of every message accepted so far.
func (s *SMTPServer) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// WaitFor waits until at least n messages have been accepted and returns
// them all. It fails the test if that does not happen within timeout, so it
// must be called from the test's goroutine.
func (s *SMTPServer) WaitFor(n int, timeout time.Duration) []Received {
	s.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if len(s.received) >= n {
			out := append([]Received(nil), s.received...)
			s.mu.Unlock()
			return out
		}
		changed := s.changed
		have := len(s.received)
		s.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			s.t.Fatalf("mailtest: waited %v for %d messages, have %d", timeout, n, have)
			return nil
		}
	}
}

// RejectNext answers the next n messages with code and text after their
// data has been received, the way a relay refuses a message it has read
// (4xx: try again later, 5xx: never). A code without an enhanced status gets
// one derived from its class.
func (s *SMTPServer) RejectNext(n, code int, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.rejects = append(s.rejects, smtpErr(code, text))
	}
}

// OnData calls fn with the message's number (1, 2, ...) each time a message's
// data has been read, before the server answers; fn runs in the session's
// goroutine, so the client waits for it. A test uses it as a slow relay:
// advancing a pinned clock while the sender waits, or letting another node
// act in the middle of a send.
func (s *SMTPServer) OnData(fn func(n int)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onData = fn
}

// RejectRecipient answers RCPT TO for address with code and text, for as
// long as the server runs, to simulate one bad recipient among good ones.
func (s *SMTPServer) RejectRecipient(address string, code int, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rcptRej[strings.ToLower(address)] = smtpErr(code, text)
}

func smtpErr(code int, text string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: text}
}

// Close stops the server and drops open connections. The address stays
// reserved in name only: until Restart, connecting to it is refused, which
// is what a relay outage looks like to a client.
func (s *SMTPServer) Close() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// Restart starts the server again on the address it had, keeping the
// messages received so far and the pending rejections.
func (s *SMTPServer) Restart() {
	s.t.Helper()
	s.Close()
	s.start(s.addr)
}

func (s *SMTPServer) start(addr string) {
	s.t.Helper()
	var ln net.Listener
	var err error
	// Right after Close the kernel may briefly still hold the port.
	for range 50 {
		ln, err = net.Listen("tcp", addr)
		if err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("mailtest: listen smtp on %s: %v", addr, err)
	}
	s.addr = ln.Addr().String()

	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "mailtest.localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0)
	switch s.tlsMode {
	case "starttls":
		srv.TLSConfig = s.tlsConf
	case "tls":
		srv.TLSConfig = s.tlsConf
		ln = tls.NewListener(ln, s.tlsConf)
	}

	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

func (s *SMTPServer) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{srv: s, conn: c}, nil
}

// session implements smtp.Session and smtp.AuthSession.
type session struct {
	srv  *SMTPServer
	conn *smtp.Conn
	user string
	from string
	to   []string
}

func (ss *session) AuthMechanisms() []string {
	if ss.srv.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if ss.srv.user == "" || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != ss.srv.user || password != ss.srv.pass {
			return smtp.ErrAuthFailed
		}
		ss.user = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.srv.user != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.srv.mu.Lock()
	h := ss.srv.hold
	ss.srv.hold = nil
	ss.srv.mu.Unlock()
	if h != nil {
		h.held <- ss.conn.Conn().RemoteAddr().String()
		<-h.release
	}
	ss.srv.mu.Lock()
	rej := ss.srv.rcptRej[strings.ToLower(to)]
	ss.srv.mu.Unlock()
	if rej != nil {
		return rej
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := ss.conn.TLSConnectionState()

	s := ss.srv
	s.mu.Lock()
	s.dataCount++
	n, hook := s.dataCount, s.onData
	s.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.rejects) > 0 {
		rej := s.rejects[0]
		s.rejects = s.rejects[1:]
		return rej
	}
	s.received = append(s.received, Received{
		From: ss.from,
		To:   append([]string(nil), ss.to...),
		Data: data,
		TLS:  isTLS,
		User: ss.user,
	})
	close(s.changed)
	s.changed = make(chan struct{})
	return nil
}

func (ss *session) Reset() {
	ss.from = ""
	ss.to = nil
}

func (ss *session) Logout() error { return nil }

// selfSignedTLS makes a throwaway certificate for loopback. ECDSA keeps
// generation fast enough to do per test.
func selfSignedTLS(t testing.TB) (*tls.Config, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("mailtest: generate key: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "mailtest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("mailtest: create certificate: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("mailtest: parse certificate: %v", err)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}},
		MinVersion:   tls.VersionTLS12,
	}, cert
}
