package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/httpapi/apitest"
	"github.com/ticketd/ticketd/httpapi/openapi"
	"github.com/ticketd/ticketd/httpapi/server"
)

// Each surface's document is served as JSON, and /docs renders all of them
// from the documents themselves, with no script and nothing fetched from
// elsewhere.
func TestDocumentsServedAndRendered(t *testing.T) {
	e := apitest.New(t)
	docs, err := openapi.Docs()
	if err != nil {
		t.Fatal(err)
	}
	if names := openapi.Names(); len(names) < 3 {
		t.Fatalf("documents: %v", names)
	}
	page := e.Do("GET", "/docs", nil).Expect(200)
	if ct := page.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("/docs content type %q", ct)
	}
	html := string(page.Body)
	if strings.Contains(html, "<script") || regexp.MustCompile(`(src|href)="(https?:)?//`).MatchString(html) {
		t.Fatal("/docs loads something from elsewhere; it must work air-gapped")
	}
	for _, d := range docs {
		r := e.Do("GET", "/openapi/"+d.Name+".json", nil).Expect(200)
		var doc struct {
			OpenAPI string                    `json:"openapi"`
			Paths   map[string]map[string]any `json:"paths"`
		}
		if err := json.Unmarshal(r.Body, &doc); err != nil || doc.OpenAPI != "3.1.0" || len(doc.Paths) == 0 {
			t.Fatalf("/openapi/%s.json: %v %.200s", d.Name, err, r.Body)
		}
		if !strings.Contains(html, `href="/openapi/`+d.Name+`.json"`) {
			t.Errorf("/docs does not link the %s document", d.Name)
		}
		for p, ops := range doc.Paths {
			for m := range ops {
				if m == "parameters" {
					continue
				}
				if !strings.Contains(html, strings.ToUpper(m)+`</span> <code>`+p+`</code>`) {
					t.Errorf("/docs lacks %s %s of %s", strings.ToUpper(m), p, d.Name)
				}
			}
		}
	}
	e.Do("GET", "/openapi/nope.json", nil).Expect(404)
}

// routeMux is the mux of every mount, to ask which pattern serves a path.
func routeMux(e *apitest.Env) *http.ServeMux {
	mux := http.NewServeMux()
	for _, m := range server.Mounts(e.Service, server.Config{}) {
		m.Register(mux)
	}
	return mux
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// Every operation a document describes is a route ticketd serves, under
// every base URL the document names: a document cannot promise a route
// that is not there.
func TestDocumentedRoutesExist(t *testing.T) {
	e := apitest.New(t)
	mux := routeMux(e)
	docs, _ := openapi.Docs()
	for _, d := range docs {
		for _, p := range d.T.Paths.InMatchingOrder() {
			for method := range d.T.Paths.Value(p).Operations() {
				for _, srv := range d.T.Servers {
					path := strings.TrimSuffix(srv.URL, "/") + pathParam.ReplaceAllString(p, "x1")
					_, pattern := mux.Handler(httptest.NewRequest(method, path, nil))
					if pattern == "" || strings.HasSuffix(pattern, "/") {
						t.Errorf("%s documents %s %s, which no route serves (matched %q)", d.Name, method, path, pattern)
					}
				}
			}
		}
	}
}

// Every route of every mount is in its surface's document. Until the
// routes other developers are adding have been documented, a missing one is
// reported, not failed (apitest.StrictDocs).
func TestEveryRouteIsDocumented(t *testing.T) {
	e := apitest.New(t)
	missing := 0
	for _, m := range server.Mounts(e.Service, server.Config{}) {
		for _, r := range m.Routes() {
			for _, prefix := range append(m.Prefixes(), r.Also...) {
				path := prefix + pathParam.ReplaceAllString(r.Path, "x1")
				if openapi.Describes(httptest.NewRequest(r.Method, path, nil)) == "" {
					missing++
					if apitest.StrictDocs {
						t.Errorf("%s %s (mount %s) is in no document", r.Method, prefix+r.Path, m.Name)
					} else {
						t.Logf("%s %s (mount %s) is in no document yet", r.Method, prefix+r.Path, m.Name)
					}
				}
			}
		}
	}
	t.Logf("%d mount routes undocumented", missing)
}
