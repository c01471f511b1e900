package main

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/mail"
)

// The demo's email loop: a sending domain that counts as verified, an inbox
// on it, and a catch-all relay whose captured mail /demo/mail shows, so that
// `serve --demo` sends and receives email on one machine with nothing else
// installed.
const (
	demoDomain = "demo.ticketd.test"
	demoInbox  = "support@" + demoDomain
)

// startDemoRelay, for --demo without --smtp-relay, starts the capture relay
// and sends the outbox there.
func (m *Main) startDemoRelay() error {
	if !m.Config.Demo || m.Config.SMTPRelay != "" {
		return nil
	}
	r, err := mail.StartCaptureRelay()
	if err != nil {
		return err
	}
	m.demoRelay = r
	m.Config.SMTPRelay, m.Config.SMTPRelayTLS = r.Addr(), "none"
	m.logger.Info("--demo: outbound email goes to the built-in catch-all relay", "relay", r.Addr())
	return nil
}

// fillDemoEmail adds the demo's trusted domain and inbox.
func (m *Main) fillDemoEmail(ctx context.Context, p *ticketd.Principal) error {
	if _, err := m.svc.TrustDomain(ctx, p, demoDomain); err != nil {
		return err
	}
	_, err := m.svc.CreateInbox(ctx, p, ticketd.NewInbox{Address: demoInbox, Name: "Demo Shop Support"})
	return err
}

// demoRoutes serves the captured mail beside the API when the demo relay
// runs: GET /demo/mail (a page) and GET /demo/mail.json. They need no key:
// the relay exists only in a demo, and holds only the demo's mail.
func (m *Main) demoRoutes(next http.Handler) http.Handler {
	if m.demoRelay == nil {
		return next
	}
	mux := http.NewServeMux()
	mux.Handle("/", next)
	mux.HandleFunc("GET /demo/mail.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"relay": m.demoRelay.Addr(), "emails": m.demoRelay.Emails()})
	})
	mux.HandleFunc("GET /demo/mail", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = demoMailPage.Execute(w, m.demoRelay.Emails())
	})
	return mux
}

var demoMailPage = template.Must(template.New("mail").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ticketd demo: captured email</title>
<meta http-equiv="refresh" content="5">
<style>body{font:15px system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
article{border:1px solid #ccc;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
pre{white-space:pre-wrap;background:#f6f6f6;padding:.5rem}details pre{font-size:12px}</style></head>
<body><h1>Email sent by the demo</h1>
<p>Every email ticketd sends in the demo lands here instead of a mail server (newest first; the page refreshes
itself). The same list as JSON: <a href="/demo/mail.json">/demo/mail.json</a>.</p>
{{range .}}<article><h2>{{.Subject}}</h2>
<p>To {{range .To}}{{.}} {{end}} · from {{.From}} · {{.At.Format "2006-01-02 15:04:05 UTC"}}</p>
<pre>{{.Text}}</pre><details><summary>Raw message</summary><pre>{{.Raw}}</pre></details></article>
{{else}}<p>No email yet: reply to an email ticket (a comment, or POST /v1/tickets/{id}/messages).</p>{{end}}
</body></html>`))

// printDemoEmail tells a new user how to try the email loop.
func (m *Main) printDemoEmail(key string) {
	fmt.Fprintf(m.stdout, "Email: mail to %s becomes tickets; send the sample in with\n"+
		"  curl -H 'Authorization: Bearer %s' -H 'Content-Type: message/rfc822' --data-binary @examples/demo-email.eml http://%s/v1/inbound/email\n",
		demoInbox, key, m.Addr())
	if m.demoRelay != nil {
		fmt.Fprintf(m.stdout, "Replies are sent to a built-in catch-all relay; read them at http://%s/demo/mail (JSON: /demo/mail.json)\n", m.Addr())
	}
}
