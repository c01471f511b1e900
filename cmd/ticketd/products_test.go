package main

import (
	"io"
	"testing"

	"github.com/ticketd/ticketd/httpapi/ratelimit"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// TestSurfaceHostAndRateLimitFlags: --surface-host reads mount=host pairs
// and refuses anything else before anything starts; --ratelimit-* default to
// the products' limits and the native API's none.
func TestSurfaceHostAndRateLimitFlags(t *testing.T) {
	m := NewMain(io.Discard, io.Discard)
	if err := m.ParseFlags([]string{"--surface-host", "ticket0=T0.desk.example.com, helpwave=hw.example.com", "--ratelimit-native-key", "50"}); err != nil {
		t.Fatal(err)
	}
	if got := m.Config.SurfaceHosts; got["t0.desk.example.com"] != "ticket0" || got["hw.example.com"] != "helpwave" || len(got) != 2 {
		t.Fatalf("surface hosts %v", got)
	}
	if rl := m.Config.RateLimits; rl.NativeKey != 50 || rl.NativeWorkspace != 0 || rl.Ticket0Key != 1000 || rl.HelpWaveKey != 600 {
		t.Fatalf("rate limits %+v", rl)
	}
	for _, bad := range []string{"ticket0", "nosuch=h.example.com", "ticket0=", "ticket0=a.test,helpwave=a.test"} {
		if err := NewMain(io.Discard, io.Discard).ParseFlags([]string{"--surface-host", bad}); err == nil {
			t.Errorf("--surface-host %q accepted", bad)
		}
	}
}

// TestRateCounterPerEngine: on SQLite (one node) the limits count in the
// process's memory, so a request writes nothing to the database for them;
// on PostgreSQL every node counts in the shared table, so the limits hold
// however many nodes serve (CONTRACT.md, "Rate limits").
func TestRateCounterPerEngine(t *testing.T) {
	db := sqlstoretest.Open(t)
	switch c := rateCounter(db).(type) {
	case *ratelimit.Memory:
		if db.Engine() != "sqlite" {
			t.Fatalf("%s counts in memory: other nodes would not see the counts", db.Engine())
		}
	case ratelimit.SQL:
		if db.Engine() != "postgres" {
			t.Fatalf("%s counts in the database: a write per request", db.Engine())
		}
	default:
		t.Fatalf("counter %T", c)
	}
}
