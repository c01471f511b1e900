package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
	"github.com/ticketd/ticketd/httpapi/apitest"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

func customers(t *testing.T, e *apitest.Env) int {
	t.Helper()
	cs, err := e.Service.Customers(context.Background(), e.WS.Principal, ticketd.Page{})
	if err != nil {
		t.Fatal(err)
	}
	return len(cs)
}

func TestIdempotencyKeyNative(t *testing.T) {
	c := &clock{now: time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)}
	e := apitest.NewWith(t, apitest.Options{ServiceOptions: []ticketd.Option{ticketd.WithClock(c.Now)}})
	key := e.WS.Key
	body := map[string]any{"email": "ada@x.test", "first_name": "Ada"}
	first := e.As(key, "POST", "/v1/customers", body, "Idempotency-Key", `"abc-1"`).Expect(201)
	again := e.As(key, "POST", "/v1/customers", body, "Idempotency-Key", `"abc-1"`).Expect(201)
	if string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replayed") != "true" ||
		!strings.HasPrefix(again.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("replay differs: %s / %s %v", first.Body, again.Body, again.Header)
	}
	if n := customers(t, e); n != 1 {
		t.Fatalf("%d customers after a replay", n)
	}
	// The same key with another body is refused, in the native format.
	r := e.As(key, "POST", "/v1/customers", map[string]any{"email": "bob@x.test"}, "Idempotency-Key", `"abc-1"`).Expect(422)
	if d, _ := r.Object()["detail"].(string); !strings.Contains(d, "Idempotency-Key") {
		t.Fatalf("reused key: %s", r.Body)
	}
	// ... and on another route too: the key names one request.
	e.As(key, "POST", "/v1/users", body, "Idempotency-Key", `"abc-1"`).Expect(422)
	// A bare token works as well as a structured-field string.
	e.As(key, "POST", "/v1/customers", map[string]any{"email": "cy@x.test"}, "Idempotency-Key", "tok").Expect(201)
	e.As(key, "POST", "/v1/customers", map[string]any{"email": "cy@x.test"}, "Idempotency-Key", "tok").Expect(201)
	// A malformed key is 400 and creates nothing.
	e.As(key, "POST", "/v1/customers", map[string]any{"email": "dee@x.test"}, "Idempotency-Key", strings.Repeat("k", 300)).Expect(400)
	if n := customers(t, e); n != 2 {
		t.Fatalf("%d customers, want 2", n)
	}

	// A request that failed kept nothing: the key may be used again.
	e.As(key, "POST", "/v1/customers", map[string]any{"email": "not an email"}, "Idempotency-Key", "k2").Expect(422)
	e.As(key, "POST", "/v1/customers", map[string]any{"email": "eve@x.test"}, "Idempotency-Key", "k2").Expect(201)

	// Keys are the API key's: another key's same Idempotency-Key is its own.
	other := e.KeyWith(e.WS, "customers:write", "customers:read")
	e.As(other, "POST", "/v1/customers", map[string]any{"email": "fay@x.test"}, "Idempotency-Key", `"abc-1"`).Expect(201)

	// After 24 hours a key is forgotten.
	c.Add(24*time.Hour + time.Second)
	e.As(key, "POST", "/v1/customers", map[string]any{"email": "bob@x.test"}, "Idempotency-Key", `"abc-1"`).Expect(201)
	if n := customers(t, e); n != 5 {
		t.Fatalf("%d customers, want 5", n)
	}
	if err := e.Service.PruneIdempotencyKeys(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestIdempotencyKeyShop(t *testing.T) {
	e := apitest.New(t)
	body := map[string]any{"email": "ada@x.test", "firstName": "Ada", "lastName": "L"}
	first := e.As(e.WS.Key, "POST", "/api/v1/customers", body, "Idempotency-Key", "s1")
	if first.Status >= 300 {
		t.Fatalf("create: %d %s", first.Status, first.Body)
	}
	again := e.As(e.WS.Key, "POST", "/api/v1/customers", body, "Idempotency-Key", "s1")
	if again.Status != first.Status || string(again.Body) != string(first.Body) {
		t.Fatalf("replay: %d %s", again.Status, again.Body)
	}
	r := e.As(e.WS.Key, "POST", "/api/v1/customers", map[string]any{"email": "b@x.test"}, "Idempotency-Key", "s1").Expect(422)
	if o := r.Object(); o["success"] != false || !strings.Contains(fmt.Sprint(o["error"]), "Idempotency-Key") {
		t.Fatalf("shop error format: %s", r.Body)
	}
	if n := customers(t, e); n != 1 {
		t.Fatalf("%d customers", n)
	}
}

// TestConcurrentIdempotentPosts sends one request with one key from many
// clients at once: one object is created; every other answer is its replay
// or 409 (still in progress), never a second object.
func TestConcurrentIdempotentPosts(t *testing.T) {
	e := apitest.New(t)
	tk := e.Ticket(e.WS, "chat")
	body := map[string]any{"content": "only once", "is_internal": false}
	const n = 12
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[i] = e.As(e.WS.Key, "POST", "/v1/tickets/"+tk.ID.String()+"/comments", body, "Idempotency-Key", "once").Status
		}()
	}
	close(start)
	wg.Wait()
	created := 0
	for _, s := range statuses {
		switch s {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
		default:
			t.Fatalf("status %d among %v", s, statuses)
		}
	}
	conv, err := e.Service.Messages(context.Background(), e.WS.Principal, ticketd.ByID(tk.ID), ticketd.MessageFilter{IncludeInternal: true})
	if err != nil {
		t.Fatal(err)
	}
	if conv.Total != 1 || created == 0 {
		t.Fatalf("%d messages from %d concurrent posts (%v)", conv.Total, n, statuses)
	}
	// Once the first has answered, every retry replays it.
	e.As(e.WS.Key, "POST", "/v1/tickets/"+tk.ID.String()+"/comments", body, "Idempotency-Key", "once").Expect(201)
}

// FuzzIdempotencyKey: whatever the header holds, the parser answers a
// printable key of at most 255 characters, nothing, or a 400, and never panics.
func FuzzIdempotencyKey(f *testing.F) {
	for _, s := range []string{`"abc"`, "tok", `""`, `"a\"b"`, strings.Repeat("k", 300), "\x00", " "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		r := httptest.NewRequest("POST", "/", nil)
		r.Header["Idempotency-Key"] = []string{v}
		key, ok, err := httpapi.IdempotencyKey(r)
		switch {
		case err != nil:
			if ok || ticketd.ErrorCode(err) != ticketd.EMALFORMED {
				t.Fatalf("%q: %v %v", v, ok, err)
			}
		case ok:
			if key == "" || len(key) > 255 || strings.ContainsFunc(key, func(c rune) bool { return c < 0x20 || c > 0x7e }) {
				t.Fatalf("%q gave key %q", v, key)
			}
		}
	})
}
