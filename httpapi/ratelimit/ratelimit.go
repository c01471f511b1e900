// Package ratelimit limits API requests per key and per workspace in fixed
// windows (one minute by default), as each product's docs describe, and
// renders the quota in the headers the product's clients read.
//
// Counting is behind Counter: Memory for a single node (SQLite: no database
// write per request) and SQL for several nodes on one PostgreSQL, where one
// atomic upsert per request and limit keeps every node's count the same.
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	ticketd "github.com/ticketd/ticketd"
)

// Counter counts requests in fixed windows.
type Counter interface {
	// Hit counts one request against key in the window that starts at start
	// and lasts window, and returns the window's count including this one.
	Hit(ctx context.Context, key string, start time.Time, window time.Duration) (int64, error)
}

// MultiCounter is a Counter that counts several keys in one call (one
// database round trip for a request's key and workspace limits).
type MultiCounter interface {
	Counter
	HitAll(ctx context.Context, keys []string, start time.Time, window time.Duration) ([]int64, error)
}

// Headers says how a mount tells its clients about their quota.
type Headers int

const (
	// HeadersNone sends only Retry-After, on a 429.
	HeadersNone Headers = iota
	// HeadersXRateLimit sends X-RateLimit-Limit, -Remaining and -Reset (Unix
	// seconds) on every answer, as Ticket0 and HelpWave clients read them.
	HeadersXRateLimit
	// HeadersIETF sends RateLimit-Policy and RateLimit, the IETF httpapi
	// draft's structured fields, on every answer (the native API).
	HeadersIETF
)

// Limiter admits requests within their key's and their workspace's limits.
// A zero limit is no limit; a Limiter without limits admits everything and
// counts nothing.
type Limiter struct {
	// Name keeps each mount's counts apart ("ticket0").
	Name    string
	Counter Counter
	// Window is the length of a window; one minute when 0.
	Window time.Duration
	// PerKey is the limit of one API key, which may depend on the key (an
	// admin key may get more); PerWorkspace is the limit of all keys of one
	// workspace together.
	PerKey       func(p *ticketd.Principal) int
	PerWorkspace int
	Headers      Headers
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Exceeded is the error of a refused request. It is an ETOOMANY
// *ticketd.Error (errors.As finds both), and says when to come back, for the
// surfaces whose error body tells it (Ticket0's retryAfter).
type Exceeded struct {
	Err     *ticketd.Error
	RetryAt time.Time
}

func (e *Exceeded) Error() string { return e.Err.Error() }
func (e *Exceeded) Unwrap() error { return e.Err }

// RetryAt returns when a refused request may be retried, if err says.
func RetryAt(err error) (time.Time, bool) {
	var e *Exceeded
	if errors.As(err, &e) {
		return e.RetryAt, true
	}
	return time.Time{}, false
}

// quota is one limit's state after counting this request.
type quota struct {
	name  string
	limit int
	hits  int64
}

func (q quota) remaining() int64 { return max(0, int64(q.limit)-q.hits) }

// Admit counts the request against the principal's key and workspace and
// refuses it with Exceeded (ETOOMANY) when either is over its limit. It sets
// the mount's quota headers on w either way. A counter that fails admits
// the request: an outage of the counter must not become an outage of the API.
func (l *Limiter) Admit(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	keyLimit := 0
	if l.PerKey != nil {
		keyLimit = l.PerKey(p)
	}
	if keyLimit <= 0 && l.PerWorkspace <= 0 {
		return nil
	}
	window := l.window()
	now := l.now()
	start := now.Truncate(window)
	reset := start.Add(window)
	var qs []quota
	var keys []string
	for _, c := range []struct {
		name, key string
		limit     int
	}{
		{"key", "key:" + p.KeyID.String(), keyLimit},
		{"workspace", "ws:" + p.WorkspaceID.String(), l.PerWorkspace},
	} {
		if c.limit > 0 {
			qs = append(qs, quota{name: c.name, limit: c.limit})
			keys = append(keys, l.Name+":"+c.key)
		}
	}
	counts, err := l.count(r.Context(), keys, start, window)
	if err != nil {
		return nil
	}
	for i := range qs {
		qs[i].hits = counts[i]
	}
	// The binding quota is the one with the least left.
	tight := qs[0]
	for _, q := range qs[1:] {
		if q.remaining() < tight.remaining() {
			tight = q
		}
	}
	retry := int(math.Ceil(reset.Sub(now).Seconds()))
	h := w.Header()
	switch l.Headers {
	case HeadersXRateLimit:
		h.Set("X-RateLimit-Limit", strconv.Itoa(tight.limit))
		h.Set("X-RateLimit-Remaining", strconv.FormatInt(tight.remaining(), 10))
		h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	case HeadersIETF:
		policy := ""
		for i, q := range qs {
			if i > 0 {
				policy += ", "
			}
			policy += fmt.Sprintf(`"%s";q=%d;w=%d`, q.name, q.limit, int(window.Seconds()))
		}
		h.Set("RateLimit-Policy", policy)
		h.Set("RateLimit", fmt.Sprintf(`"%s";r=%d;t=%d`, tight.name, tight.remaining(), retry))
	}
	for _, q := range qs {
		if q.hits > int64(q.limit) {
			h.Set("Retry-After", strconv.Itoa(retry))
			return &Exceeded{RetryAt: reset, Err: ticketd.Errorf(ticketd.ETOOMANY,
				"rate limit exceeded: %d requests per %s per %s; retry after %d seconds", q.limit, window, q.name, retry)}
		}
	}
	return nil
}

// count counts the request against every key, in one call when the
// counter can.
func (l *Limiter) count(ctx context.Context, keys []string, start time.Time, window time.Duration) ([]int64, error) {
	if mc, ok := l.Counter.(MultiCounter); ok {
		return mc.HitAll(ctx, keys, start, window)
	}
	out := make([]int64, len(keys))
	for i, k := range keys {
		n, err := l.Counter.Hit(ctx, k, start, window)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

func (l *Limiter) window() time.Duration {
	if l.Window <= 0 {
		return time.Minute
	}
	return l.Window
}

func (l *Limiter) now() time.Time {
	if l.Now == nil {
		return time.Now()
	}
	return l.Now()
}

// Memory counts in this process: right for one node, where it costs no
// database write. Memory stays bounded: a key's entry is replaced when its
// next window opens, and entries of ended windows are swept once the map
// has grown past what the last sweep left.
type Memory struct {
	mu      sync.Mutex
	entries map[string]memEntry
	sweepAt int
}

type memEntry struct {
	start time.Time
	end   time.Time
	hits  int64
}

// NewMemory returns an empty in-process counter.
func NewMemory() *Memory { return &Memory{entries: map[string]memEntry{}, sweepAt: 1024} }

// Hit implements Counter.
func (m *Memory) Hit(_ context.Context, key string, start time.Time, window time.Duration) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	if !ok || !e.start.Equal(start) {
		e = memEntry{start: start, end: start.Add(window)}
	}
	e.hits++
	m.entries[key] = e
	if len(m.entries) > m.sweepAt {
		for k, v := range m.entries {
			if !v.end.After(start) {
				delete(m.entries, k)
			}
		}
		m.sweepAt = max(1024, 2*len(m.entries))
	}
	return e.hits, nil
}

// WindowStore is the storage a SQL counter needs (sqlstore.DB has it).
type WindowStore interface {
	HitWindow(ctx context.Context, key string, windowStart, expireBefore int64) (int64, error)
	HitWindows(ctx context.Context, keys []string, windowStart, expireBefore int64) ([]int64, error)
}

// SQL counts in the shared database, for several nodes on one PostgreSQL.
type SQL struct{ Store WindowStore }

// Hit implements Counter: one atomic upsert; windows older than the previous
// one are expired as new windows open.
func (s SQL) Hit(ctx context.Context, key string, start time.Time, window time.Duration) (int64, error) {
	return s.Store.HitWindow(ctx, key, start.Unix(), start.Add(-window).Unix())
}

// Len reports how many windows the counter holds (tests: memory stays bounded).
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// HitAll implements MultiCounter: every key in one statement.
func (s SQL) HitAll(ctx context.Context, keys []string, start time.Time, window time.Duration) ([]int64, error) {
	return s.Store.HitWindows(ctx, keys, start.Unix(), start.Add(-window).Unix())
}
