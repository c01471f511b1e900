package inbound

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"
)

// rawSession is a client speaking SMTP line by line from a chosen loopback
// address (all of 127.0.0.0/8 reaches the listener on Linux), so a test can
// play several clients.
type rawSession struct {
	c net.Conn
	r *bufio.Reader
}

func dialFrom(t *testing.T, from, addr string) *rawSession {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 10 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	return &rawSession{c: c, r: bufio.NewReader(c)}
}

// reply reads one (possibly multi-line) reply and returns its last line.
func (s *rawSession) reply() string {
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return "EOF " + err.Error()
		}
		if len(line) < 4 || line[3] != '-' {
			return strings.TrimRight(line, "\r\n")
		}
	}
}

func (s *rawSession) cmd(line string) string {
	if _, err := s.c.Write([]byte(line + "\r\n")); err != nil {
		return "EOF " + err.Error()
	}
	return s.reply()
}

// One address holding 100 idle sessions (sending NOOP) gets its share of the
// listener and no more; another address still delivers.
func TestSMTPNoisyAddressCannotLockOutAnother(t *testing.T) {
	h := newFakeHandler("support@shop.test")
	_, addr, logs := startServer(t, ServerConfig{}, h) // the defaults: 100 sessions, 10 per address
	accepted, refused := 0, 0
	var noisy []*rawSession
	for range 100 {
		s := dialFrom(t, "127.0.0.2", addr)
		switch g := s.reply(); {
		case strings.HasPrefix(g, "220 "):
			accepted++
			noisy = append(noisy, s)
		case strings.HasPrefix(g, "421 4.7.0 mx.test Too many connections from your address"):
			refused++
		default:
			t.Fatalf("greeting %q", g)
		}
	}
	if accepted != DefaultMaxConnectionsPerIP || refused != 100-DefaultMaxConnectionsPerIP {
		t.Fatalf("one address got %d sessions (%d refused), want %d", accepted, refused, DefaultMaxConnectionsPerIP)
	}
	for _, s := range noisy {
		if r := s.cmd("NOOP"); !strings.HasPrefix(r, "250") {
			t.Fatalf("NOOP: %q", r)
		}
	}
	if !strings.Contains(logs.String(), "too many connections from your address") {
		t.Errorf("the refusals were not logged")
	}

	quiet := dialFrom(t, "127.0.0.3", addr)
	for _, step := range []struct{ send, want string }{
		{"", "220 "}, {"EHLO quiet.test", "250 "}, {"MAIL FROM:<jane@example.com>", "250 "},
		{"RCPT TO:<support@shop.test>", "250 "}, {"DATA", "354 "},
		{"From: jane@example.com\r\nSubject: hi\r\n\r\nhello\r\n.", "250 "}, {"QUIT", "221 "},
	} {
		var r string
		if step.send == "" {
			r = quiet.reply()
		} else {
			r = quiet.cmd(step.send)
		}
		if !strings.HasPrefix(r, step.want) {
			t.Fatalf("the other address, %q: %q, want %s", step.send, r, step.want)
		}
	}
	if n := len(h.deliveries()); n != 1 {
		t.Fatalf("%d messages delivered, want the other address's 1", n)
	}
}

// A session may send MaxCommands command lines; the next one is answered
// 421 and the connection closed.
func TestSMTPCommandLimit(t *testing.T) {
	_, addr, logs := startServer(t, ServerConfig{MaxCommands: 5}, newFakeHandler("support@shop.test"))
	s := dialFrom(t, "127.0.0.4", addr)
	s.reply()
	for i := 1; i <= 5; i++ {
		if r := s.cmd("NOOP"); !strings.HasPrefix(r, "250") {
			t.Fatalf("NOOP %d: %q", i, r)
		}
	}
	if r := s.cmd("NOOP"); !strings.HasPrefix(r, "421") {
		t.Fatalf("command 6 of 5: %q, want 421", r)
	}
	if r := s.reply(); !strings.HasPrefix(r, "EOF") {
		t.Fatalf("the connection stayed open: %q", r)
	}
	if !strings.Contains(logs.String(), "too many commands") {
		t.Errorf("not logged")
	}
}

// A session busy with NOOP but never sending mail ends at the idle timeout;
// one that keeps starting transactions ends at its maximum lifetime. The
// waits below are upper bounds for a loaded machine, not measurements.
func TestSMTPIdleAndLifetime(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  ServerConfig
		cmd  string
	}{
		{"idle", ServerConfig{IdleTimeout: 300 * time.Millisecond}, "NOOP"},
		{"lifetime", ServerConfig{MaxSessionDuration: 500 * time.Millisecond}, "MAIL FROM:<a@example.com>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, addr, _ := startServer(t, tc.cfg, newFakeHandler("support@shop.test"))
			s := dialFrom(t, "127.0.0.5", addr)
			s.reply()
			s.cmd("EHLO client.test")
			deadline := time.Now().Add(20 * time.Second)
			for {
				r := s.cmd(tc.cmd)
				if strings.HasPrefix(r, "421 4.4.2") {
					return
				}
				if tc.cmd != "NOOP" {
					s.cmd("RSET")
				}
				if !strings.HasPrefix(r, "250") || time.Now().After(deadline) {
					t.Fatalf("%q, want the session ended with 421 4.4.2", r)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}
