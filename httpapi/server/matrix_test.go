package server_test

import (
	"testing"

	"github.com/ticketd/ticketd/httpapi/apitest"
)

// TestRouteMatrix: every registered route of every mount answers 401 without
// a key, 403 to a key lacking its scope and 404 for another workspace's
// object, in its mount's error format (apitest.RouteMatrix).
func TestRouteMatrix(t *testing.T) {
	apitest.RouteMatrix(t, apitest.New(t))
}
