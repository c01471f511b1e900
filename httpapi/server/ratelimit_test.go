package server_test

import (
	"testing"
	"time"

	"github.com/ticketd/ticketd/httpapi/apitest"
	"github.com/ticketd/ticketd/httpapi/server"
)

var fixed = func() time.Time { return time.Date(2026, 4, 28, 10, 30, 20, 0, time.UTC) }

// TestRateLimitsByDefault: each product's mount is limited out of the box,
// with its documented limit (docs.ticket0.ai/docs/api-reference/rate-limiting:
// 1,000 per minute per key, X-RateLimit-* on every response); the native API
// is not, and sends no rate-limit header.
func TestRateLimitsByDefault(t *testing.T) {
	e := apitest.NewWith(t, apitest.Options{RateClock: fixed})
	tk := e.Ticket(e.WS, "email")
	e.Run(t, []apitest.Scenario{
		{Name: "ticket0 headers", Method: "GET", Path: "/ticket0/api/v1/tickets/" + tk.ID.String() + "/messages", Key: e.WS.Key,
			Status: 200, Header: map[string]any{"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "999", "X-RateLimit-Reset": "1777372260"}},
		{Name: "native has none", Method: "GET", Path: "/v1/tickets/" + tk.ID.String(), Key: e.WS.Key,
			Status: 200, Header: map[string]any{"RateLimit": apitest.Absent, "RateLimit-Policy": apitest.Absent, "X-RateLimit-Limit": apitest.Absent}},
	})
}

// TestRateLimitedAnswersInEachMountsFormat: the request past the limit is 429
// with Retry-After, in the mount's own error format.
func TestRateLimitedAnswersInEachMountsFormat(t *testing.T) {
	e := apitest.NewWith(t, apitest.Options{RateClock: fixed, RateLimits: &server.RateLimits{
		NativeKey: 1, HelpWaveKey: 1, Ticket0Key: 1}})
	tk := e.Ticket(e.WS, "email")
	k := e.WS.Key
	for _, c := range []struct {
		name, path string
		headers    map[string]string
		json       map[string]any
		header     map[string]any
	}{
		{"ticket0", "/ticket0/api/v1/tickets/" + tk.ID.String() + "/messages", nil,
			// Both versions of the rate-limiting page: RATE_LIMITED with
			// Retry-After, and retryAfter in the body.
			map[string]any{"error.code": "RATE_LIMITED", "error.message": "Too many requests. Please slow down.", "error.retryAfter": "2026-04-28T10:31:00Z"},
			map[string]any{"Retry-After": "40", "X-RateLimit-Remaining": "0"}},
		{"helpwave", "/helpwave/api/v1/tickets/1", map[string]string{"x-api-key": k},
			map[string]any{"success": false, "error": apitest.Present}, map[string]any{"Retry-After": "40"}},
		{"native", "/v1/tickets/" + tk.ID.String(), nil,
			map[string]any{"detail": apitest.Present}, map[string]any{"Retry-After": "40", "RateLimit": `"key";r=0;t=40`, "RateLimit-Policy": `"key";q=1;w=60`}},
	} {
		key := k
		if c.headers != nil {
			key = ""
		}
		e.Run(t, []apitest.Scenario{
			{Name: c.name + " first", Method: "GET", Path: c.path, Key: key, Headers: c.headers, Status: 200},
			{Name: c.name + " second", Method: "GET", Path: c.path, Key: key, Headers: c.headers, Status: 429, JSON: c.json, Header: c.header},
		})
	}
}
