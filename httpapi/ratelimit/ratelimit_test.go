package ratelimit_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/ratelimit"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

var t0 = time.Date(2026, 4, 28, 10, 30, 20, 0, time.UTC)

func principal() *ticketd.Principal {
	return &ticketd.Principal{WorkspaceID: ticketd.NewID(), KeyID: ticketd.NewID()}
}

func admit(l *ratelimit.Limiter, p *ticketd.Principal) (*httptest.ResponseRecorder, error) {
	w := httptest.NewRecorder()
	return w, l.Admit(w, httptest.NewRequest("GET", "/", nil), p)
}

// TestLimitPerKeyRefusesPastTheLimitUntilTheNextWindow: the limit+1st request
// of a window is refused with ETOOMANY and Retry-After; the next window
// admits again.
func TestLimitPerKeyRefusesPastTheLimitUntilTheNextWindow(t *testing.T) {
	now := t0
	l := &ratelimit.Limiter{Name: "t", Counter: ratelimit.NewMemory(), Headers: ratelimit.HeadersXRateLimit,
		PerKey: func(*ticketd.Principal) int { return 3 }, Now: func() time.Time { return now }}
	p := principal()
	for i := 0; i < 3; i++ {
		w, err := admit(l, p)
		if err != nil {
			t.Fatalf("request %d refused: %v", i+1, err)
		}
		if got, want := w.Header().Get("X-RateLimit-Remaining"), string(rune('0'+2-i)); got != want {
			t.Fatalf("remaining %q, want %q", got, want)
		}
	}
	w, err := admit(l, p)
	if ticketd.ErrorCode(err) != ticketd.ETOOMANY {
		t.Fatalf("4th request: %v, want ETOOMANY", err)
	}
	if got := w.Header().Get("Retry-After"); got != "40" {
		t.Fatalf("Retry-After %q, want 40 (the window ends at 10:31:00)", got)
	}
	if got := w.Header().Get("X-RateLimit-Reset"); got != "1777372260" {
		t.Fatalf("X-RateLimit-Reset %q, want the window's end in Unix seconds", got)
	}
	if at, ok := ratelimit.RetryAt(err); !ok || !at.Equal(t0.Truncate(time.Minute).Add(time.Minute)) {
		t.Fatalf("RetryAt %v %v", at, ok)
	}
	// Another key of the same workspace has its own budget.
	if _, err := admit(l, &ticketd.Principal{WorkspaceID: p.WorkspaceID, KeyID: ticketd.NewID()}); err != nil {
		t.Fatalf("another key refused: %v", err)
	}
	now = now.Add(40 * time.Second)
	if _, err := admit(l, p); err != nil {
		t.Fatalf("next window refused: %v", err)
	}
}

// TestLimitPerWorkspaceCountsEveryKey: the workspace limit is shared by all
// the workspace's keys.
func TestLimitPerWorkspaceCountsEveryKey(t *testing.T) {
	l := &ratelimit.Limiter{Name: "t", Counter: ratelimit.NewMemory(), PerWorkspace: 2, Now: func() time.Time { return t0 }}
	ws := ticketd.NewID()
	for i := 0; i < 2; i++ {
		if _, err := admit(l, &ticketd.Principal{WorkspaceID: ws, KeyID: ticketd.NewID()}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := admit(l, &ticketd.Principal{WorkspaceID: ws, KeyID: ticketd.NewID()}); ticketd.ErrorCode(err) != ticketd.ETOOMANY {
		t.Fatalf("third key of the workspace: %v, want ETOOMANY", err)
	}
	if _, err := admit(l, principal()); err != nil {
		t.Fatalf("another workspace refused: %v", err)
	}
}

// TestIETFHeaders: the native style names each policy and the binding one.
func TestIETFHeaders(t *testing.T) {
	l := &ratelimit.Limiter{Name: "n", Counter: ratelimit.NewMemory(), Headers: ratelimit.HeadersIETF, PerWorkspace: 100,
		PerKey: func(*ticketd.Principal) int { return 10 }, Now: func() time.Time { return t0 }}
	w, err := admit(l, principal())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := w.Header().Get("RateLimit-Policy"), `"key";q=10;w=60, "workspace";q=100;w=60`; got != want {
		t.Fatalf("RateLimit-Policy %q, want %q", got, want)
	}
	if got, want := w.Header().Get("RateLimit"), `"key";r=9;t=40`; got != want {
		t.Fatalf("RateLimit %q, want %q", got, want)
	}
}

// TestNoLimitsCountNothing: a limiter without limits sets no header.
func TestNoLimitsCountNothing(t *testing.T) {
	l := &ratelimit.Limiter{Name: "n", Counter: failing{}, Headers: ratelimit.HeadersIETF, PerKey: func(*ticketd.Principal) int { return 0 }}
	w, err := admit(l, principal())
	if err != nil || len(w.Header()) != 0 {
		t.Fatalf("err %v, headers %v", err, w.Header())
	}
}

// TestFailingCounterAdmits: the counter's outage is not the API's.
func TestFailingCounterAdmits(t *testing.T) {
	l := &ratelimit.Limiter{Name: "n", Counter: failing{}, PerWorkspace: 1}
	for i := 0; i < 3; i++ {
		if _, err := admit(l, principal()); err != nil {
			t.Fatal(err)
		}
	}
}

type failing struct{}

func (failing) Hit(context.Context, string, time.Time, time.Duration) (int64, error) {
	return 0, errors.New("down")
}

// TestMemoryStaysBounded: entries of ended windows are swept.
func TestMemoryStaysBounded(t *testing.T) {
	m := ratelimit.NewMemory()
	ctx := context.Background()
	for i := 0; i < 5000; i++ {
		start := t0.Add(time.Duration(i) * time.Minute).Truncate(time.Minute)
		if n, _ := m.Hit(ctx, ticketd.NewID().String(), start, time.Minute); n != 1 {
			t.Fatal("fresh key counted", n)
		}
	}
	if n := m.Len(); n > 2048 {
		t.Fatalf("%d entries kept for 5000 ended windows", n)
	}
}

// TestSQLCounterIsSharedAndAtomic: two counters over one database (two
// nodes) count into the same window without losing a hit, on both engines.
func TestSQLCounterIsSharedAndAtomic(t *testing.T) {
	dsn := sqlstoretest.CopyDSN(t)
	a := ratelimit.SQL{Store: sqlstoretest.OpenDSN(t, dsn)}
	b := ratelimit.SQL{Store: sqlstoretest.OpenDSN(t, dsn)}
	ctx := context.Background()
	start := t0.Truncate(time.Minute)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(c ratelimit.SQL) {
			defer wg.Done()
			if _, err := c.Hit(ctx, "k", start, time.Minute); err != nil {
				t.Error(err)
			}
		}([]ratelimit.SQL{a, b}[i%2])
	}
	wg.Wait()
	n, err := a.Hit(ctx, "k", start, time.Minute)
	if err != nil || n != 21 {
		t.Fatalf("count %d (%v), want 21", n, err)
	}
	// A new window starts from one, and the windows before the previous one
	// are gone.
	if n, _ := b.Hit(ctx, "k", start.Add(2*time.Minute), time.Minute); n != 1 {
		t.Fatalf("new window counted %d", n)
	}
	if n, _ := b.Hit(ctx, "k", start, time.Minute); n != 1 {
		t.Fatalf("expired window still counted: %d", n)
	}
}

// BenchmarkAdmit measures one admission (key and workspace limits) with the
// in-memory counter and with the shared SQL counter of the test engine.
func BenchmarkAdmit(b *testing.B) {
	for _, c := range []struct {
		name string
		new  func() ratelimit.Counter
	}{
		{"memory", func() ratelimit.Counter { return ratelimit.NewMemory() }},
		{"sql", func() ratelimit.Counter { return ratelimit.SQL{Store: sqlstoretest.Open(b)} }},
	} {
		b.Run(c.name, func(b *testing.B) {
			l := &ratelimit.Limiter{Name: "b", Counter: c.new(), Headers: ratelimit.HeadersXRateLimit, PerWorkspace: 1 << 30,
				PerKey: func(*ticketd.Principal) int { return 1 << 30 }}
			p := principal()
			r := httptest.NewRequest("GET", "/", nil)
			w := httptest.NewRecorder()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := l.Admit(w, r, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestSQLCounterCountsBothLimitsInOneStatement: HitAll counts every key of a
// request at once, atomically across two nodes.
func TestSQLCounterCountsBothLimitsInOneStatement(t *testing.T) {
	dsn := sqlstoretest.CopyDSN(t)
	nodes := []ratelimit.SQL{{Store: sqlstoretest.OpenDSN(t, dsn)}, {Store: sqlstoretest.OpenDSN(t, dsn)}}
	ctx := context.Background()
	start := t0.Truncate(time.Minute)
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func(c ratelimit.SQL) {
			defer wg.Done()
			if _, err := c.HitAll(ctx, []string{"k", "w"}, start, time.Minute); err != nil {
				t.Error(err)
			}
		}(nodes[i%2])
	}
	wg.Wait()
	got, err := nodes[0].HitAll(ctx, []string{"w", "k"}, start, time.Minute)
	if err != nil || got[0] != 11 || got[1] != 11 {
		t.Fatalf("counts %v (%v), want [11 11]", got, err)
	}
	// The limiter uses it: a workspace limit of 11 refuses the next.
	l := &ratelimit.Limiter{Name: "n", Counter: nodes[1], PerWorkspace: 1, Now: func() time.Time { return t0 }}
	p := principal()
	if _, err := admit(l, p); err != nil {
		t.Fatal(err)
	}
	if _, err := admit(l, p); ticketd.ErrorCode(err) != ticketd.ETOOMANY {
		t.Fatalf("second request: %v, want ETOOMANY", err)
	}
}
