package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// wireCounter is a loopback TCP proxy in front of PostgreSQL that counts
// the round trips its clients make: every message a client sends that makes
// the server answer and wait for the next (Sync ends an extended-protocol
// exchange, Query is the simple protocol, which BEGIN and COMMIT use). It
// reads the protocol only to find message boundaries and forwards every
// byte unchanged. The harness runs ticketd and the ceilings through it for
// --round-trips, where a request's cost in round trips is the measurement.
type wireCounter struct {
	ln       net.Listener
	upstream string
	// trips counts Sync and Query messages; by type, every message type.
	trips  atomic.Int64
	mu     sync.Mutex
	byType map[byte]int64
}

func startWireCounter(upstream string) (*wireCounter, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	w := &wireCounter{ln: ln, upstream: upstream, byType: map[byte]int64{}}
	go w.serve()
	return w, nil
}

func (w *wireCounter) close() { w.ln.Close() }

// dsn returns dsn with its host and port replaced by the counter's.
func (w *wireCounter) dsn(dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", err
	}
	u.Host = w.ln.Addr().String()
	return u.String(), nil
}

func (w *wireCounter) serve() {
	for {
		c, err := w.ln.Accept()
		if err != nil {
			return
		}
		go w.proxy(c)
	}
}

func (w *wireCounter) proxy(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", w.upstream)
	if err != nil {
		return
	}
	defer server.Close()
	go func() {
		io.Copy(client, server)
		client.Close()
	}()
	// The startup message has no type byte: a length, then the rest.
	var hdr [5]byte
	if _, err := io.ReadFull(client, hdr[:4]); err != nil {
		return
	}
	n := binary.BigEndian.Uint32(hdr[:4])
	if n < 4 {
		return
	}
	if _, err := server.Write(hdr[:4]); err != nil {
		return
	}
	if _, err := io.CopyN(server, client, int64(n-4)); err != nil {
		return
	}
	for {
		if _, err := io.ReadFull(client, hdr[:]); err != nil {
			return
		}
		typ := hdr[0]
		n := binary.BigEndian.Uint32(hdr[1:])
		if n < 4 {
			return
		}
		if typ == 'S' || typ == 'Q' {
			w.trips.Add(1)
		}
		w.mu.Lock()
		w.byType[typ]++
		w.mu.Unlock()
		if _, err := server.Write(hdr[:]); err != nil {
			return
		}
		if _, err := io.CopyN(server, client, int64(n-4)); err != nil {
			return
		}
	}
}

// snapshot returns the round trips so far and the count of each message type.
func (w *wireCounter) snapshot() (int64, map[byte]int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := make(map[byte]int64, len(w.byType))
	for k, v := range w.byType {
		m[k] = v
	}
	return w.trips.Load(), m
}

// roundTripRow is one route's round trips per request, ticketd beside its
// ceiling, with the messages behind them.
type roundTripRow struct {
	name             string
	got, ceil        float64
	gotMsgs, ceilMsg string
}

// countRoundTrips sends n requests of t, one at a time after a warm-up (so
// that prepared statements and caches are as they are under load), and
// returns the round trips per request and the messages per request by type.
func countRoundTrips(ctx context.Context, w *wireCounter, t target, n int) (float64, string) {
	drive(ctx, t, 1, time.Minute, 20) // warm-up: statements prepared, key cached
	before, beforeBy := w.snapshot()
	drive(ctx, t, 1, time.Minute, int64(n))
	after, afterBy := w.snapshot()
	msgs := ""
	for _, typ := range []byte{'Q', 'P', 'D', 'B', 'E', 'S', 'C', 'H'} {
		if d := afterBy[typ] - beforeBy[typ]; d > 0 {
			msgs += fmt.Sprintf(" %c %.1f", typ, float64(d)/float64(n))
		}
	}
	return float64(after-before) / float64(n), msgs
}

func (e *env) runRoundTrips(ctx context.Context) []roundTripRow {
	var rows []roundTripRow
	for _, spec := range e.routes() {
		if !e.selected(spec.name) || spec.name == "static" {
			continue
		}
		r := roundTripRow{name: spec.route}
		r.got, r.gotMsgs = countRoundTrips(ctx, e.wire, spec.target, e.c.roundTrips)
		r.ceil, r.ceilMsg = countRoundTrips(ctx, e.wire, spec.ceiling, e.c.roundTrips)
		fmt.Printf("%-14s round trips %.2f (%s) | ceiling %.2f (%s)\n", spec.name, r.got, r.gotMsgs, r.ceil, r.ceilMsg)
		rows = append(rows, r)
	}
	return rows
}

func (e *env) reportRoundTrips(rows []roundTripRow) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s, round trips (%s)\n\n", e.sectionName(false), time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "Command: `go run ./cmd/ticketd-bench %s`: %d requests of each route, one at a time, through a proxy that counts "+
		"the client's Sync and Query messages (one round trip each); the messages per request by type: Q simple query (BEGIN, "+
		"COMMIT), P parse, D describe, B bind, E execute, S sync.\n\n", strings.Join(os.Args[1:], " "), e.c.roundTrips)
	b.WriteString("| route | round trips | messages | ceiling | ceiling round trips | ceiling messages |\n|---|---:|---|---|---:|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| `%s` | %.2f | %s | | %.2f | %s |\n", r.name, r.got, r.gotMsgs, r.ceil, r.ceilMsg)
	}
	b.WriteString("\n")
	return b.String()
}
