package main

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// serve's HTTP server gets the read, write and idle timeouts of its flags,
// and bad values are refused before anything starts.
func TestServeTimeoutsAndProxies(t *testing.T) {
	m := NewMain(io.Discard, io.Discard)
	if err := m.ParseFlags([]string{"--db", sqlstoretest.DSN(t), "--addr", "127.0.0.1:0",
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
	for _, bad := range [][]string{{"--http-write-timeout", "0s"}, {"--trusted-proxies", "proxy.local"}} {
		if err := NewMain(io.Discard, io.Discard).ParseFlags(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
