package inbound

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// fakeHandler is the in-test stand-in for the domain: a set of monitored
// inboxes, the messages delivered, and switchable failures.
type fakeHandler struct {
	mu        sync.Mutex
	inboxes   map[string]bool
	rcptErr   error
	deliverFn func(raw []byte) error
	got       []delivery
}

type delivery struct {
	env Envelope
	raw []byte
}

func newFakeHandler(inboxes ...string) *fakeHandler {
	h := &fakeHandler{inboxes: map[string]bool{}}
	for _, a := range inboxes {
		h.inboxes[a] = true
	}
	return h
}

func (h *fakeHandler) AcceptRecipient(_ context.Context, addr string) (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rcptErr != nil {
		return false, h.rcptErr
	}
	return h.inboxes[strings.ToLower(addr)], nil
}

func (h *fakeHandler) Deliver(_ context.Context, env Envelope, raw []byte) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.deliverFn != nil {
		if err := h.deliverFn(raw); err != nil {
			return err
		}
	}
	h.got = append(h.got, delivery{env, raw})
	return nil
}

func (h *fakeHandler) deliveries() []delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]delivery(nil), h.got...)
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServer serves on a loopback port and shuts down at test end.
func startServer(t *testing.T, cfg ServerConfig, h Handler) (*Server, string, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	cfg.Domain = "mx.test"
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := NewServer(cfg, h)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, ErrServerClosed) {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return srv, l.Addr().String(), logs
}

func dial(t *testing.T, addr string) *smtp.Client {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	return c
}

func smtpCode(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

// sendData runs DATA with body and returns the server's reply to it.
func sendData(t *testing.T, c *smtp.Client, body []byte) error {
	t.Helper()
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(body); err != nil {
		return err
	}
	return w.Close()
}

func TestSMTPDeliversAcceptedMessage(t *testing.T) {
	h := newFakeHandler("support@shop.example.com", "sales@shop.example.com")
	_, addr, logs := startServer(t, ServerConfig{}, h)
	raw := readFixture(t, "gmail_reply.eml")

	c := dial(t, addr)
	if err := c.Mail("jane.smith@gmail.com", nil); err != nil {
		t.Fatal(err)
	}
	for _, rcpt := range []string{"support@shop.example.com", "sales@shop.example.com", "support@shop.example.com"} {
		if err := c.Rcpt(rcpt, nil); err != nil {
			t.Fatalf("Rcpt %s: %v", rcpt, err)
		}
	}
	if err := sendData(t, c, raw); err != nil {
		t.Fatalf("DATA: %v", err)
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}

	got := h.deliveries()
	if len(got) != 1 {
		t.Fatalf("%d deliveries, want 1", len(got))
	}
	env := got[0].env
	if env.From != "jane.smith@gmail.com" || env.HeloName != "client.test" || !strings.HasPrefix(env.RemoteAddr, "127.0.0.1:") {
		t.Errorf("envelope = %+v", env)
	}
	if want := []string{"support@shop.example.com", "sales@shop.example.com"}; fmt.Sprint(env.To) != fmt.Sprint(want) {
		t.Errorf("To = %q, want %q (duplicates dropped)", env.To, want)
	}
	// The bytes arrive unchanged (line endings aside: SMTP is CRLF), so
	// both ingest paths parse the same message.
	if !bytes.Equal(bytes.ReplaceAll(got[0].raw, []byte("\r\n"), []byte("\n")), raw) {
		t.Error("delivered bytes differ from the message sent")
	}
	e, err := Parse(got[0].raw)
	if err != nil || e.MessageID != "<CAJ0x8kQ2yV=4Hd+r7nq@mail.gmail.com>" {
		t.Errorf("Parse delivered message: %v, %+v", err, e)
	}
	waitForLog(t, logs, "smtp session")
	if !strings.Contains(logs.String(), "smtp message accepted") {
		t.Errorf("no per-message log line:\n%s", logs)
	}
}

// waitForLog waits for the session record, written when the server sees the
// connection close, which happens after the client's Quit returns.
func waitForLog(t *testing.T, logs *syncBuffer, s string) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if strings.Contains(logs.String(), s) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("log never contained %q:\n%s", s, logs)
}

func TestSMTPRefusesUnknownRecipient(t *testing.T) {
	h := newFakeHandler("support@shop.example.com")
	_, addr, _ := startServer(t, ServerConfig{}, h)
	c := dial(t, addr)
	if err := c.Mail("spammer@example.net", nil); err != nil {
		t.Fatal(err)
	}
	// Not a monitored inbox, and not ours at all: both 550, never relayed.
	for _, rcpt := range []string{"nobody@shop.example.com", "victim@elsewhere.example.org"} {
		if err := c.Rcpt(rcpt, nil); smtpCode(err) != 550 {
			t.Errorf("Rcpt %s: %v, want 550", rcpt, err)
		}
	}
	if err := sendData(t, c, []byte("Subject: x\r\n\r\nx\r\n")); err == nil {
		t.Error("DATA accepted without any accepted recipient")
	}
	if n := len(h.deliveries()); n != 0 {
		t.Errorf("%d deliveries, want 0", n)
	}
}

func TestSMTPRecipientCheckErrorIsTemporary(t *testing.T) {
	h := newFakeHandler("support@shop.example.com")
	h.rcptErr = errors.New("database is locked")
	_, addr, _ := startServer(t, ServerConfig{}, h)
	c := dial(t, addr)
	if err := c.Mail("jane@example.com", nil); err != nil {
		t.Fatal(err)
	}
	err := c.Rcpt("support@shop.example.com", nil)
	if smtpCode(err) != 451 {
		t.Fatalf("Rcpt: %v, want 451", err)
	}
	if strings.Contains(err.Error(), "database") {
		t.Errorf("internal error leaked to the client: %v", err)
	}
}

func TestSMTPOversizedMessage(t *testing.T) {
	h := newFakeHandler("support@shop.example.com")
	_, addr, _ := startServer(t, ServerConfig{MaxMessageBytes: 2048}, h)
	c := dial(t, addr)
	if size, ok := c.MaxMessageSize(); !ok || size != 2048 {
		t.Errorf("SIZE = %d, %v; want 2048 advertised", size, ok)
	}
	if err := c.Mail("jane@example.com", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("support@shop.example.com", nil); err != nil {
		t.Fatal(err)
	}
	big := "Subject: big\r\n\r\n" + strings.Repeat("0123456789abcdef\r\n", 1000)
	if err := sendData(t, c, []byte(big)); smtpCode(err) != 552 {
		t.Fatalf("DATA: %v, want 552", err)
	}
	if n := len(h.deliveries()); n != 0 {
		t.Errorf("%d deliveries, want 0", n)
	}
	// The session survives for the next, smaller message.
	if err := c.Mail("jane@example.com", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("support@shop.example.com", nil); err != nil {
		t.Fatal(err)
	}
	if err := sendData(t, c, []byte("Subject: small\r\n\r\nok\r\n")); err != nil {
		t.Fatalf("small DATA after 552: %v", err)
	}
}

func TestSMTPTooManyRecipients(t *testing.T) {
	h := newFakeHandler("a@shop.example.com", "b@shop.example.com", "c@shop.example.com")
	_, addr, _ := startServer(t, ServerConfig{MaxRecipients: 2}, h)
	c := dial(t, addr)
	if err := c.Mail("jane@example.com", nil); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"a@shop.example.com", "b@shop.example.com"} {
		if err := c.Rcpt(r, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Rcpt("c@shop.example.com", nil); smtpCode(err) != 452 {
		t.Fatalf("third Rcpt: %v, want 452", err)
	}
	if err := sendData(t, c, []byte("Subject: x\r\n\r\nx\r\n")); err != nil {
		t.Fatal(err)
	}
	if got := h.deliveries(); len(got) != 1 || len(got[0].env.To) != 2 {
		t.Errorf("deliveries = %+v, want one for the two accepted recipients", got)
	}
}

func TestSMTPDeliverErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code int
	}{
		{"temporary", Temporary(errors.New("disk full")), 451},
		{"unmarked counts as temporary", errors.New("connection refused"), 451},
		{"permanent", Permanent(errors.New("inbox disabled")), 554},
		{"parse error is permanent", fmt.Errorf("ingest: %w", ErrNotEmail), 554},
		{"too complex is permanent", fmt.Errorf("ingest: %w", ErrTooComplex), 554},
		{"marked temporary wins over parse error", Temporary(ErrNotEmail), 451},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newFakeHandler("support@shop.example.com")
			h.deliverFn = func([]byte) error { return tc.err }
			_, addr, _ := startServer(t, ServerConfig{}, h)
			c := dial(t, addr)
			if err := c.Mail("jane@example.com", nil); err != nil {
				t.Fatal(err)
			}
			if err := c.Rcpt("support@shop.example.com", nil); err != nil {
				t.Fatal(err)
			}
			err := sendData(t, c, readFixture(t, "iphone.eml"))
			if smtpCode(err) != tc.code {
				t.Fatalf("DATA: %v, want %d", err, tc.code)
			}
			if strings.Contains(err.Error(), tc.err.Error()) {
				t.Errorf("handler error text leaked to the client: %v", err)
			}
		})
	}
}

func TestSMTPStartTLS(t *testing.T) {
	cert, pool := selfSignedCert(t)
	h := newFakeHandler("support@shop.example.com")
	_, addr, logs := startServer(t, ServerConfig{TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}, h)

	c, err := smtp.DialStartTLS(addr, &tls.Config{RootCAs: pool, ServerName: "mx.test"})
	if err != nil {
		t.Fatalf("DialStartTLS: %v", err)
	}
	defer c.Close()
	if err := c.Mail("jane@example.com", nil); err != nil {
		t.Fatal(err)
	}
	// The handshake completes lazily, on the first command after STARTTLS.
	if state, ok := c.TLSConnectionState(); !ok || !state.HandshakeComplete {
		t.Fatal("connection is not TLS after STARTTLS")
	}
	if err := c.Rcpt("support@shop.example.com", nil); err != nil {
		t.Fatal(err)
	}
	if err := sendData(t, c, readFixture(t, "latin1.eml")); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
	if n := len(h.deliveries()); n != 1 {
		t.Fatalf("%d deliveries, want 1", n)
	}
	waitForLog(t, logs, "tls=true")

	// Without a TLS config STARTTLS is not offered.
	_, plainAddr, _ := startServer(t, ServerConfig{}, h)
	pc := dial(t, plainAddr)
	if ok, _ := pc.Extension("STARTTLS"); ok {
		t.Error("STARTTLS advertised without a TLS config")
	}
}

func selfSignedCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mx.test"},
		DNSNames:              []string{"mx.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// Shutdown must not wait for an idle client that never sends QUIT.
func TestSMTPShutdownClosesIdleConnections(t *testing.T) {
	h := newFakeHandler("support@shop.example.com")
	srv := NewServer(ServerConfig{Domain: "mx.test", Logger: slog.New(slog.NewTextHandler(&syncBuffer{}, nil))}, h)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()

	c := dial(t, l.Addr().String()) // connected, greeted, then idle
	if got := srv.Addr(); got == nil || got.String() != l.Addr().String() {
		t.Errorf("Addr() = %v, want %v", got, l.Addr())
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-done; !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve returned %v, want ErrServerClosed", err)
	}
	if err := c.Noop(); err == nil {
		t.Error("idle connection still usable after Shutdown")
	}
	if _, err := net.Dial("tcp", l.Addr().String()); err == nil {
		t.Error("still accepting connections after Shutdown")
	}
}

// Past MaxConnections a client is greeted with 421 and disconnected, so a
// flood of idle connections cannot take the listener's file descriptors; a
// slot freed by a client that leaves is given to the next one.
func TestSMTPMaxConnections(t *testing.T) {
	_, addr, logs := startServer(t, ServerConfig{MaxConnections: 2}, newFakeHandler("support@shop.test"))
	first, second := dial(t, addr), dial(t, addr)

	greeting := func() string {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		line := make([]byte, 256)
		n, _ := c.Read(line)
		return string(line[:n])
	}
	if g := greeting(); !strings.HasPrefix(g, "421 4.7.0 mx.test ") {
		t.Fatalf("a third connection was greeted with %q, want 421", g)
	}
	if !strings.Contains(logs.String(), "too many connections") {
		t.Errorf("the refusal was not logged:\n%s", logs)
	}
	// The two sessions already open are unaffected.
	for _, c := range []*smtp.Client{first, second} {
		if err := c.Noop(); err != nil {
			t.Fatalf("an open session after the refusal: %v", err)
		}
	}
	// When one leaves, a newcomer gets its place (the server notices the
	// QUIT asynchronously, so allow it a moment).
	if err := first.Quit(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for g := greeting(); !strings.HasPrefix(g, "220 "); g = greeting() {
		if time.Now().After(deadline) {
			t.Fatalf("after a client left, a newcomer was still greeted with %q", g)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
