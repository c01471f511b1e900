// Package apitest runs HTTP scenarios against the real handler of every
// surface over a real database (sqlstoretest), so surface tests read as
// tables: a request, the status, and checks on the body.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/server"
	"github.com/ticketd/ticketd/mail"
	"github.com/ticketd/ticketd/sqlstore"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// Env is one server over one fresh database, with a first workspace.
type Env struct {
	T  testing.TB
	DB *sqlstore.DB
	// DSN names the database, so that a test can open it again as another
	// process would (a restarted server, a second node).
	DSN     string
	Service *ticketd.Service
	Handler http.Handler
	// WS is the first workspace; Key is its owner's key with every scope.
	WS  *Workspace
	ctx context.Context
	// fix are the route matrix's objects, made once per workspace.
	fix map[ticketd.ID]fixtures
}

// Workspace is a workspace created for a test, with its owner key.
type Workspace struct {
	*ticketd.Workspace
	Owner     *ticketd.User
	Key       string
	Principal *ticketd.Principal
}

// Options adjust an Env.
type Options struct {
	MaxBodyBytes int64
	// MaxEmailBytes bounds a raw email posted to /v1/inbound/email (0: the
	// server's default).
	MaxEmailBytes int64
	// Wire lets a test add what server.New does not know yet (a worker).
	ServiceOptions []ticketd.Option
	// RateLimits replace the server's default limits; RateClock pins the
	// limits' clock (a fixed time keeps every request in one window).
	RateLimits *server.RateLimits
	RateClock  func() time.Time
	// EmailIntake bounds raw email posted to the API (nil: the server's
	// default).
	EmailIntake *mail.Intake
	// SurfaceHosts serves mounts at the root of hosts (server.Config).
	SurfaceHosts map[string]string
}

// New starts an Env.
func New(t testing.TB) *Env { return NewWith(t, Options{}) }

// NewWith starts an Env with options.
func NewWith(t testing.TB, o Options) *Env {
	if _, fuzzing := t.(*testing.F); fuzzing && o.RateLimits == nil {
		// A fuzz target sends thousands of requests a minute from one key:
		// the products' default limits would answer 429 to most of them.
		// The limits have tests of their own.
		o.RateLimits = &server.RateLimits{}
	}
	t.Helper()
	dsn := sqlstoretest.CopyDSN(t)
	db := sqlstoretest.OpenDSN(t, dsn)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := ticketd.NewService(db, append([]ticketd.Option{ticketd.WithLogger(logger)}, o.ServiceOptions...)...)
	e := &Env{T: t, DB: db, DSN: dsn, Service: svc, ctx: context.Background(),
		Handler: server.New(svc, server.Config{Logger: logger, MaxBodyBytes: o.MaxBodyBytes,
			MaxEmailBytes: o.MaxEmailBytes, RateLimits: o.RateLimits, RateClock: o.RateClock,
			EmailIntake: o.EmailIntake, SurfaceHosts: o.SurfaceHosts})}
	e.WS = e.NewWorkspace("Acme")
	return e
}

// NewWorkspace creates another workspace with an owner key.
func (e *Env) NewWorkspace(name string) *Workspace {
	e.T.Helper()
	ws, owner, key, err := e.Service.CreateWorkspace(e.ctx, ticketd.NewWorkspace{Name: name,
		OwnerEmail: "owner@" + strings.ToLower(name) + ".test", OwnerName: name + " Owner"})
	if err != nil {
		e.T.Fatal(err)
	}
	p, err := e.Service.Authenticate(e.ctx, key)
	if err != nil {
		e.T.Fatal(err)
	}
	// Fixtures are written by the team (they may hold internal notes).
	p.Audience = ticketd.AudienceTeam
	return &Workspace{Workspace: ws, Owner: owner, Key: key, Principal: p}
}

// KeyWith creates a key in ws holding only scopes.
func (e *Env) KeyWith(ws *Workspace, scopes ...ticketd.Scope) string {
	e.T.Helper()
	_, raw, err := e.Service.CreateAPIKey(e.ctx, ws.Principal, ticketd.NewAPIKeyInput{Name: "limited", Scopes: scopes})
	if err != nil {
		e.T.Fatal(err)
	}
	return raw
}

// Customer creates a customer in ws.
func (e *Env) Customer(ws *Workspace, email, first, last string) *ticketd.Customer {
	e.T.Helper()
	c, err := e.Service.CreateCustomer(e.ctx, ws.Principal, ticketd.NewCustomer{Email: email, FirstName: first, LastName: last})
	if err != nil {
		e.T.Fatal(err)
	}
	return c
}

// Ticket creates a ticket in ws for a new customer.
func (e *Env) Ticket(ws *Workspace, channel string) *ticketd.Ticket {
	e.T.Helper()
	c := e.Customer(ws, ticketd.NewID().String()[24:]+"@customer.test", "Ada", "Lovelace")
	t, err := e.Service.CreateTicket(e.ctx, ws.Principal, ticketd.NewTicket{Customer: ticketd.ByID(c.ID), Subject: "Help", Channel: channel})
	if err != nil {
		e.T.Fatal(err)
	}
	return t
}

// Post posts a message to t as ws's owner.
func (e *Env) Post(ws *Workspace, t *ticketd.Ticket, in ticketd.NewMessage) *ticketd.Message {
	e.T.Helper()
	m, err := e.Service.PostMessage(e.ctx, ws.Principal, ticketd.ByID(t.ID), in)
	if err != nil {
		e.T.Fatal(err)
	}
	return m
}

// Response is a recorded response.
type Response struct {
	T      testing.TB
	Status int
	Header http.Header
	Body   []byte
}

// Do sends one request. body is sent as is when it is a string or []byte,
// as JSON otherwise; headers alternate names and values.
func (e *Env) Do(method, path string, body any, headers ...string) *Response {
	e.T.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.T.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, r)
	for i := 0; i+1 < len(headers); i += 2 {
		if http.CanonicalHeaderKey(headers[i]) == "Host" {
			req.Host = headers[i+1] // net/http reads the host from here, not the header map
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, req)
	e.checkDocs(req, rec.Code, rec.Header(), rec.Body.Bytes())
	return &Response{T: e.T, Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// As sends a request with key as a Bearer token.
func (e *Env) As(key, method, path string, body any, headers ...string) *Response {
	e.T.Helper()
	return e.Do(method, path, body, append([]string{"Authorization", "Bearer " + key}, headers...)...)
}

// JSON decodes the body into a generic value.
func (r *Response) JSON() any {
	r.T.Helper()
	var v any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		r.T.Fatalf("body is not JSON (%v): %s", err, r.Body)
	}
	return v
}

// Object decodes the body as a JSON object.
func (r *Response) Object() map[string]any {
	r.T.Helper()
	m, ok := r.JSON().(map[string]any)
	if !ok {
		r.T.Fatalf("body is not a JSON object: %s", r.Body)
	}
	return m
}

// Array decodes the body as a JSON array of objects.
func (r *Response) Array() []map[string]any {
	r.T.Helper()
	a, ok := r.JSON().([]any)
	if !ok {
		r.T.Fatalf("body is not a JSON array: %s", r.Body)
	}
	out := make([]map[string]any, len(a))
	for i, v := range a {
		out[i], _ = v.(map[string]any)
	}
	return out
}

// Expect fails the test unless the status is want.
func (r *Response) Expect(want int) *Response {
	r.T.Helper()
	if r.Status != want {
		r.T.Fatalf("status %d, want %d; body: %s", r.Status, want, r.Body)
	}
	return r
}

// Get walks a decoded JSON value along a dotted path ("a.b.0.c").
func Get(v any, path string) any {
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[part]
		case []any:
			i := 0
			for _, c := range part {
				i = i*10 + int(c-'0')
			}
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// ClockStart is where SteppingClock begins: its first reading is one second later.
var ClockStart = time.Date(2026, 4, 28, 0, 0, 0, 0, time.UTC)

// SteppingClock is a service clock that advances one second per reading, so
// that every write has its own time and "updated_at moves" is observable
// without sleeping.
func SteppingClock() ticketd.Option {
	var mu sync.Mutex
	now := ClockStart
	return ticketd.WithClock(func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Second)
		return now
	})
}

// AllBut returns every scope except s, for scope tests: a key that holds
// everything but the route's scope must be refused. admin, which grants
// every scope, is never among them.
func AllBut(s ticketd.Scope) []ticketd.Scope {
	var out []ticketd.Scope
	for _, v := range ticketd.AllScopes {
		if v != s && v != ticketd.ScopeAdmin {
			out = append(out, v)
		}
	}
	return out
}

// Scenario is one HTTP test as data, in the manner of pocketbase's
// tests.ApiScenario: a request, the status it must answer and checks on the
// answer. A table of them reads as the documentation it tests.
type Scenario struct {
	Name   string
	Method string
	Path   string
	// Key is sent as Authorization: Bearer unless Headers set Authorization
	// or the key is empty.
	Key     string
	Headers map[string]string
	// Body is sent as is when it is a string or []byte, as JSON otherwise.
	Body   any
	Status int
	// JSON checks values of the decoded body by dotted path ("ticket.id");
	// want values are compared as JSON (so 1 equals 1.0). Absent asserts
	// that the path is missing, Present that it exists with any value.
	JSON map[string]any
	// Contains and Lacks are substrings the raw body must (not) contain.
	Contains []string
	Lacks    []string
	// Header checks response headers; Present works here too.
	Header map[string]any
	// Setup runs before the request and may return a path to use instead of
	// Path (for ids created by the setup).
	Setup func(t testing.TB, e *Env) string
	// Check runs any further check.
	Check func(t testing.TB, r *Response)
}

// sentinel values of Scenario checks.
type sentinel string

const (
	// Absent asserts that a JSON path or a header is missing.
	Absent sentinel = "<absent>"
	// Present asserts that a JSON path or a header exists.
	Present sentinel = "<present>"
)

// Run runs each scenario as a subtest against e.
func (e *Env) Run(t *testing.T, scenarios []Scenario) {
	t.Helper()
	for _, s := range scenarios {
		t.Run(s.Name, func(t *testing.T) { e.RunOne(t, s) })
	}
}

// RunOne runs one scenario and returns its response.
func (e *Env) RunOne(t testing.TB, s Scenario) *Response {
	t.Helper()
	path := s.Path
	if s.Setup != nil {
		if p := s.Setup(t, e); p != "" {
			path = p
		}
	}
	var headers []string
	if s.Key != "" {
		headers = append(headers, "Authorization", "Bearer "+s.Key)
	}
	for k, v := range s.Headers {
		headers = append(headers, k, v)
	}
	prev := e.T
	e.T = t
	r := e.Do(s.Method, path, s.Body, headers...)
	e.T = prev
	r.T = t
	if s.Status != 0 && r.Status != s.Status {
		t.Fatalf("%s %s: status %d, want %d; body: %s", s.Method, path, r.Status, s.Status, r.Body)
	}
	if len(s.JSON) > 0 {
		v := r.JSON()
		for p, want := range s.JSON {
			got, ok := lookup(v, p)
			switch want {
			case Absent:
				if ok {
					t.Errorf("%s: present (%v), want absent; body: %s", p, got, r.Body)
				}
				continue
			case Present:
				if !ok {
					t.Errorf("%s: absent, want present; body: %s", p, r.Body)
				}
				continue
			}
			if !ok || !sameJSON(want, got) {
				t.Errorf("%s = %#v, want %#v; body: %s", p, got, want, r.Body)
			}
		}
	}
	for _, c := range s.Contains {
		if !bytes.Contains(r.Body, []byte(c)) {
			t.Errorf("body lacks %q: %s", c, r.Body)
		}
	}
	for _, c := range s.Lacks {
		if bytes.Contains(r.Body, []byte(c)) {
			t.Errorf("body contains %q: %s", c, r.Body)
		}
	}
	for h, want := range s.Header {
		got, ok := r.Header[http.CanonicalHeaderKey(h)]
		switch {
		case want == Absent && ok:
			t.Errorf("header %s = %q, want absent", h, got)
		case want == Present && !ok:
			t.Errorf("header %s absent, want present", h)
		case want != Absent && want != Present && r.Header.Get(h) != want:
			t.Errorf("header %s = %q, want %q", h, r.Header.Get(h), want)
		}
	}
	if s.Check != nil {
		s.Check(t, r)
	}
	return r
}

// lookup is Get that also says whether the path exists.
func lookup(v any, path string) (any, bool) {
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[part]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// sameJSON compares want, any Go value, with got, a decoded JSON value.
func sameJSON(want, got any) bool {
	b, err := json.Marshal(want)
	if err != nil {
		return false
	}
	var w any
	if err := json.Unmarshal(b, &w); err != nil {
		return false
	}
	return reflect.DeepEqual(w, got)
}
