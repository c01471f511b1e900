package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
	"github.com/ticketd/ticketd/httpapi/apitest"
	"github.com/ticketd/ticketd/httpapi/helpwave"
	"github.com/ticketd/ticketd/httpapi/native"
	"github.com/ticketd/ticketd/httpapi/ticket0"
)

// A response that cannot be encoded (here a time in year 10000, which RFC
// 3339 cannot write) is a logged 500 in the surface's own error format, never
// a 2xx with an empty body.
func TestEncodeFailureIsALogged500(t *testing.T) {
	e := apitest.New(t)
	for _, tc := range []struct {
		name       string
		writeError httpapi.ErrorWriter
		want       string
	}{
		{"shop", helpwave.WriteError, "error"},
		{"native", native.WriteError, "detail"},
		{"messages", ticket0.WriteError, "error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, nil))
			mux := http.NewServeMux()
			s := httpapi.Surface{Service: e.Service, WriteError: tc.writeError, Logger: logger}
			s.Handle(mux, "GET /poison", ticketd.Scope("tickets:read"), func(w http.ResponseWriter, _ *http.Request, _ *ticketd.Principal) error {
				httpapi.WriteJSON(w, http.StatusOK, map[string]any{"date": time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)})
				return nil
			})
			srv := httptest.NewServer(httpapi.Middleware(slog.New(slog.NewTextHandler(io.Discard, nil)), mux))
			defer srv.Close()
			req, _ := http.NewRequest("GET", srv.URL+"/poison", nil)
			req.Header.Set("Authorization", "Bearer "+e.WS.Key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			var got map[string]any
			if resp.StatusCode != 500 || json.Unmarshal(body, &got) != nil || got[tc.want] == nil {
				t.Fatalf("%d %q, want 500 with the message under %q", resp.StatusCode, body, tc.want)
			}
			if !strings.Contains(logs.String(), "encode response") {
				t.Fatalf("the encoding failure was not logged: %s", logs.String())
			}
		})
	}
}

// WriteJSON outside any surface (Middleware's own routes) also answers 500.
func TestEncodeFailureOutsideASurface(t *testing.T) {
	h := httpapi.Middleware(slog.New(slog.NewTextHandler(io.Discard, nil)), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		httpapi.WriteJSON(w, http.StatusOK, map[string]any{"bad": func() {}})
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "internal error") {
		t.Fatalf("%d %q", rec.Code, rec.Body.String())
	}
}

// A time that is outside years 0001..9999 once converted to UTC is refused on
// every surface that takes a time, and nothing is stored: the listing that
// used to break on such a ticket still answers.
func TestTimesOutsideTheRenderableRangeAreRefused(t *testing.T) {
	e := apitest.New(t)
	c := e.Customer(e.WS, "ada@example.com", "Ada", "Lovelace")
	tk := e.Ticket(e.WS, "chat")
	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
	}{
		{"native ticket date", "POST", "/v1/tickets", map[string]any{"customer_id": c.ID.String(), "subject": "x",
			"date": "9999-12-31T23:00:00-05:00"}, 422},
		{"native ticket date year 0", "POST", "/v1/tickets", map[string]any{"customer_id": c.ID.String(), "subject": "x",
			"date": "0001-01-01T00:30:00+01:00"}, 422},
		{"shop ticket date", "POST", "/api/v1/tickets", map[string]any{"customerId": c.Number, "Channel": "Mail",
			"date": "9999-12-31T23:00:00-05:00"}, 400},
		{"shop ticket lastMessageTime", "POST", "/api/v1/tickets", map[string]any{"customerId": c.Number, "Channel": "Mail",
			"lastMessageTime": "9999-12-31T23:30:00-01:00"}, 400},
		{"shop comment time", "POST", "/api/v1/tickets/" + itoa(tk.Number) + "/comments", map[string]any{"text": "hi",
			"time": "9999-12-31T23:30:00-01:00"}, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.As(e.WS.Key, tc.method, tc.path, tc.body)
			if r.Status != tc.status {
				t.Fatalf("%d %s, want %d", r.Status, r.Body, tc.status)
			}
		})
	}
	e.As(e.WS.Key, "GET", "/v1/tickets", nil).Expect(200)
	e.As(e.WS.Key, "GET", "/v1/tickets/"+tk.ID.String()+"/comments", nil).Expect(200)
}

// A NUL in any stored text field is refused the same way on both engines
// (PostgreSQL cannot store it; SQLite could), by the domain, before the store.
func TestNULIsRefusedOnEveryTextField(t *testing.T) {
	e := apitest.New(t)
	c := e.Customer(e.WS, "ada@example.com", "Ada", "Lovelace")
	tk := e.Ticket(e.WS, "chat")
	nul := "a\x00b"
	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
	}{
		{"native ticket channel_thread", "POST", "/v1/tickets", map[string]any{"customer_id": c.ID.String(), "channel_thread": nul}, 422},
		{"native ticket source", "POST", "/v1/tickets", map[string]any{"customer_id": c.ID.String(), "source": nul}, 422},
		{"native ticket contact_address", "POST", "/v1/tickets", map[string]any{"customer_id": c.ID.String(), "contact_address": nul}, 422},
		{"native ticket subject", "PATCH", "/v1/tickets/" + tk.ID.String(), map[string]any{"subject": nul}, 422},
		{"native comment", "POST", "/v1/tickets/" + tk.ID.String() + "/comments", map[string]any{"content": nul}, 422},
		{"native customer name", "PATCH", "/v1/customers/" + c.ID.String(), map[string]any{"first_name": nul}, 422},
		{"native user name", "POST", "/v1/users", map[string]any{"email": "x@example.com", "name": nul}, 422},
		{"shop ticket lastMessage", "POST", "/api/v1/tickets", map[string]any{"customerId": c.Number, "Channel": "Mail", "lastMessage": nul}, 400},
		{"shop ticket contact_reason", "POST", "/api/v1/tickets", map[string]any{"customerId": c.Number, "Channel": "Mail", "contact_reason": nul}, 400},
		{"shop comment fromEmail", "POST", "/api/v1/tickets/" + itoa(tk.Number) + "/comments", map[string]any{"text": "hi", "fromEmail": nul}, 400},
		{"shop comment Channel", "POST", "/api/v1/tickets/" + itoa(tk.Number) + "/comments", map[string]any{"text": "hi", "Channel": nul}, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.As(e.WS.Key, tc.method, tc.path, tc.body)
			if r.Status != tc.status {
				t.Fatalf("%d %s, want %d", r.Status, r.Body, tc.status)
			}
		})
	}
	got := e.As(e.WS.Key, "GET", "/v1/tickets/"+tk.ID.String()+"/comments", nil).Expect(200).Array()
	if len(got) != 0 {
		t.Fatalf("a refused comment was stored: %v", got)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A request whose client has gone away is not an internal error: its
// failure (context canceled) is logged at info, never at error level, while
// the same failure with the client still there is.
func TestClientGoneIsNotAnInternalError(t *testing.T) {
	var logs bytes.Buffer
	s := httpapi.Surface{Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		WriteError: func(w http.ResponseWriter, _ *http.Request, status int, _ error) { w.WriteHeader(status) }}
	r := httptest.NewRequest("GET", "/", nil)
	ctx, cancel := context.WithCancel(r.Context())
	cancel()
	s.Error(httptest.NewRecorder(), r.WithContext(ctx), context.Canceled)
	if strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "request ended by the client") {
		t.Fatalf("a canceled request was logged as %q", logs.String())
	}
	logs.Reset()
	s.Error(httptest.NewRecorder(), r, context.Canceled)
	if !strings.Contains(logs.String(), "level=ERROR") {
		t.Fatalf("the same failure with the client there was logged as %q", logs.String())
	}
}
