// Package openapi holds the OpenAPI 3.1 document of each HTTP surface,
// embedded in the binary, serves them at /openapi/<surface>.json and renders
// them as a reference page at /docs, with no script and no CDN, so it works
// air-gapped. The shared test helpers (httpapi/apitest) validate every test
// response against its document, so a document cannot drift from the code.
package openapi

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

//go:embed *.yaml
var files embed.FS

// Doc is one surface's document.
type Doc struct {
	// Name is the surface, as in /openapi/<Name>.json: "native", "helpwave", ...
	Name string
	T    *openapi3.T
	// JSON is the document as served.
	JSON   []byte
	router routers.Router
}

var (
	loadOnce sync.Once
	docs     []*Doc
	loadErr  error
)

// Docs returns every surface's document, loaded and checked once.
func Docs() ([]*Doc, error) {
	loadOnce.Do(func() { docs, loadErr = load() })
	return docs, loadErr
}

func load() ([]*Doc, error) {
	entries, err := files.ReadDir(".")
	if err != nil {
		return nil, err
	}
	var out []*Doc
	for _, e := range entries {
		b, err := files.ReadFile(e.Name())
		if err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(e.Name(), path.Ext(e.Name()))
		loader := openapi3.NewLoader()
		t, err := loader.LoadFromData(b)
		if err != nil {
			return nil, fmt.Errorf("openapi %s: %w", e.Name(), err)
		}
		if err := t.Validate(context.Background()); err != nil {
			return nil, fmt.Errorf("openapi %s: %w", e.Name(), err)
		}
		j, err := json.MarshalIndent(t, "", "  ")
		if err != nil {
			return nil, err
		}
		r, err := legacy.NewRouter(t)
		if err != nil {
			return nil, fmt.Errorf("openapi %s: %w", e.Name(), err)
		}
		out = append(out, &Doc{Name: name, T: t, JSON: j, router: r})
	}
	return out, nil
}

// ErrUndocumented is returned by Validate for a request no document has a
// route for.
var ErrUndocumented = errors.New("no OpenAPI document describes this route")

// Validate checks a response against the document that describes its
// request's route: the status must be documented (or covered by default),
// the body must match its schema, the documented headers must be present.
// It returns the document's name, or ErrUndocumented.
func Validate(req *http.Request, status int, header http.Header, body []byte) (string, error) {
	all, err := Docs()
	if err != nil {
		return "", err
	}
	for _, d := range all {
		route, params, err := d.router.FindRoute(req)
		if err != nil || !sameMethod(route, req) {
			continue
		}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status:                 status,
			Header:                 header,
			Body:                   io.NopCloser(bytes.NewReader(body)),
			Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		return d.Name, openapi3filter.ValidateResponse(req.Context(), in)
	}
	return "", ErrUndocumented
}

// Names lists the surfaces that have a document.
func Names() []string {
	all, _ := Docs()
	var out []string
	for _, d := range all {
		out = append(out, d.Name)
	}
	slices.Sort(out)
	return out
}

// Describes names the document with a route for req, or returns "".
func Describes(req *http.Request) string {
	all, _ := Docs()
	for _, d := range all {
		if route, _, err := d.router.FindRoute(req); err == nil && sameMethod(route, req) {
			return d.Name
		}
	}
	return ""
}

// sameMethod guards against the router answering with another method's
// operation on the same path: a GET must not be checked against the POST.
func sameMethod(route *routers.Route, req *http.Request) bool {
	return route.Operation != nil && strings.EqualFold(route.Method, req.Method)
}
