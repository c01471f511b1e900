package openapi

import (
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Register serves GET /openapi/<surface>.json and the reference page GET /docs.
func Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /openapi/{file}", serveDoc)
	mux.HandleFunc("GET /docs", serveDocs)
}

func serveDoc(w http.ResponseWriter, r *http.Request) {
	all, err := Docs()
	if err != nil {
		http.Error(w, "documents unavailable", http.StatusInternalServerError)
		return
	}
	name, ok := strings.CutSuffix(r.PathValue("file"), ".json")
	for _, d := range all {
		if ok && d.Name == name {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			_, _ = w.Write(d.JSON)
			return
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte(`{"detail": "no such document; see /docs"}` + "\n"))
}

// operation is one method on one path, flattened for the page.
type operation struct {
	Method, Path, Scope, Summary, Description, Anchor string
	Params                                            []param
	Body                                              []field
	BodyType                                          string
	Responses                                         []response
}

type param struct{ Name, In, Type, Description string }

type field struct{ Name, Type, Description string }

type response struct {
	Code, Description string
	Fields            []field
	Type              string
}

type surface struct {
	Name, Title, Description string
	Servers                  []string
	Ops                      []operation
}

func serveDocs(w http.ResponseWriter, r *http.Request) {
	all, err := Docs()
	if err != nil {
		http.Error(w, "documents unavailable", http.StatusInternalServerError)
		return
	}
	var page []surface
	for _, d := range all {
		page = append(page, flatten(d))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_ = docsPage.Execute(w, page)
}

func flatten(d *Doc) surface {
	s := surface{Name: d.Name, Title: d.T.Info.Title, Description: d.T.Info.Description}
	for _, srv := range d.T.Servers {
		s.Servers = append(s.Servers, srv.URL)
	}
	for _, p := range d.T.Paths.InMatchingOrder() {
		item := d.T.Paths.Value(p)
		ops := item.Operations()
		methods := make([]string, 0, len(ops))
		for m := range ops {
			methods = append(methods, m)
		}
		slices.Sort(methods)
		for _, m := range methods {
			op := ops[m]
			o := operation{Method: m, Path: p, Summary: op.Summary, Description: op.Description,
				Anchor: d.Name + "-" + strings.ToLower(m) + strings.NewReplacer("/", "-", "{", "", "}", "").Replace(p)}
			if sc, ok := op.Extensions["x-scope"].(string); ok {
				o.Scope = sc
			}
			for _, pr := range append(item.Parameters, op.Parameters...) {
				if pr.Value != nil {
					o.Params = append(o.Params, param{pr.Value.Name, pr.Value.In, typeOf(pr.Value.Schema), pr.Value.Description})
				}
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for ct, mt := range op.RequestBody.Value.Content {
					o.BodyType = ct
					o.Body = fields(mt.Schema)
				}
			}
			if op.Responses != nil {
				codes := make([]string, 0)
				for c := range op.Responses.Map() {
					codes = append(codes, c)
				}
				slices.Sort(codes)
				for _, c := range codes {
					rv := op.Responses.Value(c).Value
					if rv == nil {
						continue
					}
					resp := response{Code: c}
					if rv.Description != nil {
						resp.Description = *rv.Description
					}
					if mt := rv.Content.Get("application/json"); mt != nil {
						resp.Type = typeOf(mt.Schema)
						resp.Fields = fields(mt.Schema)
					}
					o.Responses = append(o.Responses, resp)
				}
			}
			s.Ops = append(s.Ops, o)
		}
	}
	return s
}

// typeOf renders a schema's type in a few words: "string", "array of Customer".
func typeOf(ref *openapi3.SchemaRef) string {
	if ref == nil || ref.Value == nil {
		return ""
	}
	if ref.Ref != "" {
		return ref.Ref[strings.LastIndex(ref.Ref, "/")+1:]
	}
	v := ref.Value
	if v.Type != nil && v.Type.Is("array") {
		return "array of " + typeOf(v.Items)
	}
	switch {
	case len(v.OneOf) > 0:
		parts := []string{}
		for _, o := range v.OneOf {
			parts = append(parts, typeOf(o))
		}
		return strings.Join(parts, " or ")
	case len(v.AllOf) > 0:
		return typeOf(v.AllOf[0]) + " (extended)"
	case v.Type != nil:
		t := strings.Join(v.Type.Slice(), " or ")
		if v.Format != "" {
			t += " (" + v.Format + ")"
		}
		if len(v.Enum) > 0 {
			var e []string
			for _, x := range v.Enum {
				if s, ok := x.(string); ok {
					e = append(e, s)
				}
			}
			t += ": " + strings.Join(e, ", ")
		}
		return t
	}
	return "any"
}

// fields lists an object schema's properties, one level deep.
func fields(ref *openapi3.SchemaRef) []field {
	if ref == nil || ref.Value == nil {
		return nil
	}
	v := ref.Value
	if v.Type != nil && v.Type.Is("array") {
		return fields(v.Items)
	}
	var out []field
	names := make([]string, 0, len(v.Properties))
	for n := range v.Properties {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		p := v.Properties[n]
		desc := ""
		if p.Value != nil {
			desc = p.Value.Description
		}
		if slices.Contains(v.Required, n) {
			n += " *"
		}
		out = append(out, field{n, typeOf(p), desc})
	}
	return out
}

var docsPage = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>ticketd API reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
code,.m{font-family:ui-monospace,monospace;font-size:.92em}
h2{border-bottom:2px solid #ddd;margin-top:3rem}h3{margin-bottom:.2rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0}td,th{text-align:left;padding:.2rem .5rem;border-bottom:1px solid #eee;vertical-align:top}
.m{display:inline-block;min-width:4.2rem;font-weight:bold}.s{color:#666}nav a{margin-right:1rem}
</style></head><body>
<h1>ticketd API reference</h1>
<p>Each surface has its own OpenAPI 3.1 document. Fields marked * are always present. Every test response of ticketd is validated against these documents.</p>
<nav>{{range .}}<a href="#{{.Name}}">{{.Title}}</a>{{end}}</nav>
{{range .}}<h2 id="{{.Name}}">{{.Title}}</h2>
<p>{{.Description}}</p>
<p>Document: <a href="/openapi/{{.Name}}.json"><code>/openapi/{{.Name}}.json</code></a>. Base URLs: {{range .Servers}}<code>{{.}}</code> {{end}}</p>
<table>{{range .Ops}}<tr><td><span class="m">{{.Method}}</span> <a href="#{{.Anchor}}"><code>{{.Path}}</code></a></td><td>{{.Summary}}</td><td class="s">{{.Scope}}</td></tr>{{end}}</table>
{{range .Ops}}<h3 id="{{.Anchor}}"><span class="m">{{.Method}}</span> <code>{{.Path}}</code></h3>
<p>{{.Summary}}{{if .Scope}} <span class="s">(scope <code>{{.Scope}}</code>)</span>{{end}}</p>{{if .Description}}<p>{{.Description}}</p>{{end}}
{{if .Params}}<table><tr><th>parameter</th><th>in</th><th>type</th><th></th></tr>{{range .Params}}<tr><td><code>{{.Name}}</code></td><td>{{.In}}</td><td>{{.Type}}</td><td>{{.Description}}</td></tr>{{end}}</table>{{end}}
{{if .Body}}<table><tr><th>body field ({{.BodyType}})</th><th>type</th><th></th></tr>{{range .Body}}<tr><td><code>{{.Name}}</code></td><td>{{.Type}}</td><td>{{.Description}}</td></tr>{{end}}</table>{{end}}
<table><tr><th>status</th><th>response</th></tr>{{range .Responses}}<tr><td><code>{{.Code}}</code></td><td>{{.Description}}{{if .Type}} — {{.Type}}{{end}}{{if .Fields}}<br>{{range .Fields}}<code>{{.Name}}</code> {{.Type}}<br>{{end}}{{end}}</td></tr>{{end}}</table>
{{end}}{{end}}
</body></html>
`))
