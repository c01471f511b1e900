package mailtest

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// DNSServer is an authoritative-only DNS server on 127.0.0.1 that answers TXT
// queries from records set by the test. It listens on UDP and TCP on the same
// port, so a client can fall back to TCP after a truncated UDP answer.
type DNSServer struct {
	addr string
	udp  *dns.Server
	tcp  *dns.Server

	mu       sync.Mutex
	txt      map[string][][]string // fqdn -> records -> character-strings
	servfail map[string]bool
	queries  int
}

// NewDNSServer starts a DNS server on a free loopback port and stops it when
// the test ends.
func NewDNSServer(t testing.TB) *DNSServer {
	t.Helper()
	s, err := StartDNSServer()
	if err != nil {
		t.Fatalf("mailtest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// StartDNSServer starts a DNS server on a free loopback port, for programs
// outside tests (the mail flood measurement); Close stops it.
func StartDNSServer() (*DNSServer, error) {
	s := &DNSServer{
		txt:      make(map[string][][]string),
		servfail: make(map[string]bool),
	}
	pc, ln, err := listenUDPAndTCP()
	if err != nil {
		return nil, err
	}
	s.addr = pc.LocalAddr().String()

	handler := dns.HandlerFunc(s.serve)
	s.udp = &dns.Server{PacketConn: pc, Handler: handler}
	s.tcp = &dns.Server{Listener: ln, Handler: handler}
	for _, srv := range []*dns.Server{s.udp, s.tcp} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go func() { _ = srv.ActivateAndServe() }()
		<-started
	}
	return s, nil
}

// Close stops the server.
func (s *DNSServer) Close() {
	_ = s.udp.Shutdown()
	_ = s.tcp.Shutdown()
}

// listenUDPAndTCP finds a port that is free for both protocols. The kernel
// picks the UDP port; the TCP port of the same number is usually free too,
// and a few retries cover the rare case where it is not.
func listenUDPAndTCP() (net.PacketConn, net.Listener, error) {
	var lastErr error
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, fmt.Errorf("listen udp: %w", err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln, nil
		}
		lastErr = err
		_ = pc.Close()
	}
	return nil, nil, fmt.Errorf("no port free for both udp and tcp: %w", lastErr)
}

// Addr returns the server's "host:port", as a resolver configuration takes it.
func (s *DNSServer) Addr() string { return s.addr }

// SetTXT replaces the TXT records at name with one record per value. A value
// longer than 255 bytes is split into several character-strings of one
// record, as DNS requires and as DNS providers do with long DKIM keys.
func (s *DNSServer) SetTXT(name string, values ...string) {
	recs := make([][]string, 0, len(values))
	for _, v := range values {
		recs = append(recs, splitTXT(v))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.txt[dns.CanonicalName(name)] = recs
	delete(s.servfail, dns.CanonicalName(name))
}

// AddTXTStrings adds one TXT record at name made of exactly the given
// character-strings, so a test can control how a value is split.
func (s *DNSServer) AddTXTStrings(name string, strs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := dns.CanonicalName(name)
	rec := make([]string, len(strs))
	for i, str := range strs {
		rec[i] = escapeTXT(str)
	}
	s.txt[n] = append(s.txt[n], rec)
}

// ServFail makes queries for name answer SERVFAIL until SetTXT is called for
// it again, to exercise a resolver's error path.
func (s *DNSServer) ServFail(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.servfail[dns.CanonicalName(name)] = true
}

// Queries returns how many queries the server has answered, over both
// protocols.
func (s *DNSServer) Queries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries
}

func splitTXT(v string) []string {
	if v == "" {
		return []string{""}
	}
	var parts []string
	for len(v) > 255 {
		parts = append(parts, escapeTXT(v[:255]))
		v = v[255:]
	}
	return append(parts, escapeTXT(v))
}

// escapeTXT protects backslashes from miekg/dns, which reads TXT strings in
// presentation format when it packs them (\X and \DDD are escapes).
func escapeTXT(s string) string { return strings.ReplaceAll(s, `\`, `\\`) }

func (s *DNSServer) serve(w dns.ResponseWriter, req *dns.Msg) {
	resp := new(dns.Msg)
	resp.SetReply(req)
	resp.Authoritative = true

	s.mu.Lock()
	s.queries++
	if len(req.Question) == 1 {
		q := req.Question[0]
		name := strings.ToLower(q.Name)
		recs, known := s.txt[name]
		switch {
		case s.servfail[name]:
			resp.Rcode = dns.RcodeServerFailure
		case !known:
			resp.Rcode = dns.RcodeNameError
		case q.Qtype == dns.TypeTXT || q.Qtype == dns.TypeANY:
			for _, strs := range recs {
				resp.Answer = append(resp.Answer, &dns.TXT{
					Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60},
					Txt: strs,
				})
			}
		}
	}
	s.mu.Unlock()

	// Over UDP an answer must fit the client's advertised buffer; Truncate
	// sets the TC bit so the client retries over TCP.
	if _, isUDP := w.RemoteAddr().(*net.UDPAddr); isUDP {
		size := dns.MinMsgSize
		if opt := req.IsEdns0(); opt != nil {
			size = int(opt.UDPSize())
		}
		resp.Truncate(size)
	}
	_ = w.WriteMsg(resp)
}
