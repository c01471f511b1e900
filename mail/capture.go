package mail

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/jhillyerd/enmime/v2"
)

// CaptureRelay is the catch-all relay of `serve --demo`: an SMTP server on
// loopback that accepts every message the outbox sends and keeps the most
// recent ones in memory, so a new user sees a reply leave without any mail
// server of their own. It delivers nothing anywhere.
type CaptureRelay struct {
	srv  *smtp.Server
	addr string

	mu   sync.Mutex
	mail []CapturedEmail
	next int
}

// CapturedEmail is one message the relay accepted.
type CapturedEmail struct {
	ID      int       `json:"id"`
	At      time.Time `json:"received_at"`
	From    string    `json:"envelope_from"`
	To      []string  `json:"envelope_to"`
	Subject string    `json:"subject"`
	Text    string    `json:"text"`
	Raw     string    `json:"raw"`
}

// Bounds of what the capture keeps: the demo's mail, not a mail archive.
const (
	captureKeep     = 100
	captureMaxBytes = 1 << 20
)

// StartCaptureRelay listens on a free loopback port.
func StartCaptureRelay() (*CaptureRelay, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &CaptureRelay{addr: l.Addr().String()}
	r.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &captureSession{r: r}, nil }))
	r.srv.Domain = "demo-relay.ticketd.test"
	r.srv.MaxMessageBytes = captureMaxBytes
	r.srv.ReadTimeout, r.srv.WriteTimeout = time.Minute, time.Minute
	r.srv.AllowInsecureAuth = true
	go func() { _ = r.srv.Serve(l) }()
	return r, nil
}

// Addr is the relay's "host:port", for --smtp-relay.
func (r *CaptureRelay) Addr() string { return r.addr }

// Close stops the relay.
func (r *CaptureRelay) Close() error { return r.srv.Close() }

// Emails returns the captured messages, newest first.
func (r *CaptureRelay) Emails() []CapturedEmail {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]CapturedEmail, len(r.mail))
	for i, m := range r.mail {
		out[len(r.mail)-1-i] = m
	}
	return out
}

type captureSession struct {
	r    *CaptureRelay
	from string
	to   []string
}

func (s *captureSession) Mail(from string, _ *smtp.MailOptions) error { s.from = from; return nil }
func (s *captureSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *captureSession) Reset()        { s.from, s.to = "", nil }
func (s *captureSession) Logout() error { return nil }

func (s *captureSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(io.LimitReader(r, captureMaxBytes+1))
	if err != nil {
		return err
	}
	if len(raw) > captureMaxBytes {
		return errors.New("too large for the demo relay")
	}
	m := CapturedEmail{At: time.Now().UTC(), From: s.from, To: append([]string(nil), s.to...), Raw: string(raw)}
	if env, err := enmime.ReadEnvelope(bytes.NewReader(raw)); err == nil {
		m.Subject, m.Text = env.GetHeader("Subject"), env.Text
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	s.r.next++
	m.ID = s.r.next
	s.r.mail = append(s.r.mail, m)
	if len(s.r.mail) > captureKeep {
		s.r.mail = s.r.mail[len(s.r.mail)-captureKeep:]
	}
	return nil
}
