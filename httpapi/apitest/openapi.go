package apitest

import (
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/ticketd/ticketd/httpapi/openapi"
	"github.com/ticketd/ticketd/httpapi/server"
)

// StrictDocs makes a response on an API route that no OpenAPI document
// describes fail the test, as TestEveryRouteIsDocumented does for the route
// table. It was off while the surfaces were built in parallel (such a route
// was reported with t.Log); every route being documented, it is on: a new
// route comes with its entry in httpapi/openapi/<surface>.yaml. A route a
// document describes is validated strictly either way.
var StrictDocs = true

var (
	apiRoutesOnce sync.Once
	apiPrefixes   []string
	apiAliases    *http.ServeMux
)

// isAPIRoute reports whether req is for an API mount (and so should be in a
// document), as opposed to health checks, metrics, docs or the console.
func isAPIRoute(e *Env, req *http.Request) bool {
	apiRoutesOnce.Do(func() {
		apiAliases = http.NewServeMux()
		for _, m := range server.Mounts(e.Service, server.Config{}) {
			apiPrefixes = append(apiPrefixes, m.Prefixes()...)
			for _, r := range m.Routes() {
				for _, also := range r.Also {
					apiAliases.HandleFunc(r.Method+" "+also+r.Path, func(http.ResponseWriter, *http.Request) {})
				}
			}
		}
	})
	for _, p := range apiPrefixes {
		if strings.HasPrefix(req.URL.Path, p+"/") {
			return true
		}
	}
	_, pattern := apiAliases.Handler(req)
	return pattern != ""
}

// checkDocs validates one recorded response against the surface's OpenAPI
// document (httpapi/openapi), so that every HTTP test of every surface is
// also a test of the documents.
func (e *Env) checkDocs(req *http.Request, status int, header http.Header, body []byte) {
	e.T.Helper()
	doc, err := openapi.Validate(req, status, header, body)
	switch {
	case errors.Is(err, openapi.ErrUndocumented):
		if !isAPIRoute(e, req) || status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
			return // not an API route, or the mount's catch-all for an unknown one
		}
		if StrictDocs {
			e.T.Errorf("openapi: %s %s (%d) is in no surface's document", req.Method, req.URL.Path, status)
		} else {
			e.T.Logf("openapi: %s %s (%d) is in no surface's document yet", req.Method, req.URL.Path, status)
		}
	case err != nil:
		e.T.Errorf("openapi: %s %s answered %d, which its %s document does not allow:\n%v\nbody: %.2000s",
			req.Method, req.URL.Path, status, doc, err, body)
	}
}
