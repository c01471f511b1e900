package server_test

import (
	"strconv"
	"testing"

	"github.com/ticketd/ticketd/httpapi/apitest"
)

// TestMountsServeTheirRoutesUnderEveryPrefix: each product answers under its
// own base URL and under the paths served before the mounts existed.
func TestMountsServeTheirRoutesUnderEveryPrefix(t *testing.T) {
	e := apitest.New(t)
	tk := e.Ticket(e.WS, "email")
	n := strconv.FormatInt(tk.Number, 10)
	id := tk.ID.String()
	var cases []apitest.Scenario
	for _, p := range []string{"/helpwave/api/v1", "/api/v1"} {
		cases = append(cases, apitest.Scenario{Name: "helpwave " + p, Method: "GET", Path: p + "/tickets/" + n,
			Headers: map[string]string{"x-api-key": e.WS.Key}, Status: 200, JSON: map[string]any{"success": true}})
	}
	for _, p := range []string{"/ticket0/api/v1", "/v1", ""} {
		cases = append(cases, apitest.Scenario{Name: "ticket0 " + p, Method: "GET", Path: p + "/tickets/" + id + "/messages",
			Key: e.WS.Key, Status: 200, JSON: map[string]any{"total": 0}})
	}
	cases = append(cases, apitest.Scenario{Name: "native", Method: "GET", Path: "/v1/tickets/" + id, Key: e.WS.Key,
		Status: 200, JSON: map[string]any{"id": id}})
	e.Run(t, cases)
}

// TestUnknownPathsAndMethodsAnswerInTheMountsFormat: no mount ever answers
// Go's plain-text 404 or 405.
func TestUnknownPathsAndMethodsAnswerInTheMountsFormat(t *testing.T) {
	e := apitest.New(t)
	k := e.WS.Key
	e.Run(t, []apitest.Scenario{
		{Name: "native 404", Method: "GET", Path: "/v1/nothing", Key: k, Status: 404, JSON: map[string]any{"detail": "no such route"}},
		{Name: "native 405", Method: "DELETE", Path: "/v1/tickets", Key: k, Status: 405,
			JSON: map[string]any{"detail": apitest.Present}, Header: map[string]any{"Allow": "GET, HEAD, POST"}},
		{Name: "helpwave 404", Method: "GET", Path: "/helpwave/api/v1/nothing", Status: 404,
			JSON: map[string]any{"success": false, "error": apitest.Present}},
		{Name: "helpwave alias 404", Method: "GET", Path: "/api/v1/nothing", Status: 404,
			JSON: map[string]any{"success": false, "error": apitest.Present}},
		{Name: "helpwave 405", Method: "PUT", Path: "/helpwave/api/v1/tickets/1/comments", Status: 405,
			JSON: map[string]any{"success": false}, Header: map[string]any{"Allow": "GET, HEAD, POST"}},
		{Name: "ticket0 404", Method: "GET", Path: "/ticket0/api/v1/nothing", Status: 404,
			JSON: map[string]any{"error.code": "NOT_FOUND"}},
		{Name: "ticket0 405", Method: "DELETE", Path: "/ticket0/api/v1/tickets/x/messages", Status: 405,
			JSON: map[string]any{"error.code": "METHOD_NOT_ALLOWED"}, Header: map[string]any{"Allow": "GET, HEAD, POST"}},
	})
}

// TestSurfaceHost: with --surface-host ticket0=t0.desk.test, that host serves
// the Ticket0 mount at its root, with the product's original paths; other
// hosts and the health checks are untouched.
func TestSurfaceHost(t *testing.T) {
	e := apitest.NewWith(t, apitest.Options{SurfaceHosts: map[string]string{"t0.desk.test": "ticket0"}})
	tk := e.Ticket(e.WS, "email")
	host := map[string]string{"Host": "t0.desk.test:8080"}
	e.Run(t, []apitest.Scenario{
		{Name: "tickets at the root", Method: "GET", Path: "/tickets", Key: e.WS.Key, Headers: host, Status: 200,
			JSON: map[string]any{"tickets.0.customerId": apitest.Present, "nextCursor": nil}},
		{Name: "messages at the root", Method: "GET", Path: "/tickets/" + tk.ID.String() + "/messages", Key: e.WS.Key, Headers: host,
			Status: 200, JSON: map[string]any{"total": 0}},
		{Name: "unknown path in Ticket0's format", Method: "GET", Path: "/nothing", Key: e.WS.Key, Headers: host, Status: 404,
			JSON: map[string]any{"error.code": "NOT_FOUND"}},
		{Name: "health untouched", Method: "GET", Path: "/healthz", Headers: host, Status: 200},
		{Name: "other hosts untouched", Method: "GET", Path: "/v1/tickets/" + tk.ID.String(), Key: e.WS.Key, Status: 200,
			JSON: map[string]any{"id": tk.ID.String()}},
	})
}
