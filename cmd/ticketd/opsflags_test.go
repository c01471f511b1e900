package main

import (
	"context"
	"io"
	"net/http"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// serve's HTTP server gets the read, write and idle timeouts of its flags,
// and bad values are refused before anything starts.
func TestServeTimeoutsAndProxies(t *testing.T) {
	m := NewMain(io.Discard, io.Discard)
	if err := m.ParseFlags([]string{"--db", sqlstoretest.CopyDSN(t), "--addr", "127.0.0.1:0",
		"--http-write-timeout", "7s", "--http-read-timeout", "5s", "--http-idle-timeout", "9s", "--trusted-proxies", "10.0.0.0/8,::1"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if s := m.httpServer; s.WriteTimeout != 7*time.Second || s.ReadTimeout != 5*time.Second || s.IdleTimeout != 9*time.Second {
		t.Fatalf("timeouts: read %v write %v idle %v", s.ReadTimeout, s.WriteTimeout, s.IdleTimeout)
	}
	if len(m.Config.Ops.trustedProxies) != 2 {
		t.Fatalf("trusted proxies %v", m.Config.Ops.trustedProxies)
	}
	if n := m.Config.Ops.ConversationCacheMB; n != 64 {
		t.Fatalf("--conversation-cache-mb defaults to %d, README and CONTRACT say 64", n)
	}
	for _, bad := range [][]string{{"--http-write-timeout", "0s"}, {"--trusted-proxies", "proxy.local"},
		{"--outbox-lease", "30s"}, {"--smtp-send-timeout", "5s", "--outbox-lease", "5s"}, {"--db-max-conns", "0"},
		{"--conversation-cache-mb", "-1"}} {
		if err := NewMain(io.Discard, io.Discard).ParseFlags(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// With --metrics-addr, /metrics is served there and not on --addr; the
// scrape counts a real inbound SMTP session and reads the outbox.
func TestMetricsAddr(t *testing.T) {
	m := NewMain(io.Discard, io.Discard)
	if err := m.ParseFlags([]string{"--db", sqlstoretest.CopyDSN(t), "--addr", "127.0.0.1:0",
		"--smtp-addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	c, err := smtp.Dial(m.SMTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	c.Quit()
	if resp, err := http.Get("http://" + m.Addr() + "/metrics"); err != nil || resp.StatusCode != 404 {
		t.Fatalf("/metrics on --addr with --metrics-addr set: %v %v", resp.StatusCode, err)
	}
	resp, err := http.Get("http://" + m.MetricsAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`ticketd_smtp_sessions_total{result="accepted"} 1`, `ticketd_queue_backlog{queue="outbox"} 0`, `ticketd_queue_backlog{queue="webhooks"} 0`, `ticketd_queue_scrape_ok{queue="webhooks"} 1`,
		`ticketd_http_requests_total{code="404",method="GET",route=`, "go_sql_open_connections"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
}
