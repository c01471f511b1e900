package console_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/apitest"
	"github.com/ticketd/ticketd/webhook"
)

// The webhooks admin page: a webhook created through the form shows its
// secret once and is listed; its deliveries page lists the ping and
// redelivers it; delete removes it; an agent who is not an admin gets 403.
func TestAdminWebhooks(t *testing.T) {
	// Loopback endpoints are refused unless the private-address check is off.
	e := apitest.NewWith(t, apitest.Options{ServiceOptions: []ticketd.Option{
		ticketd.WithWebhookURLCheck(webhook.CheckURL(true))}})
	setPassword(t, e, e.WS.Owner.Email)
	b := &browser{t: t, h: e.Handler}
	expect(t, b.signIn(e.WS.Owner.Email), http.StatusSeeOther)

	list := expect(t, b.do("GET", "/console/admin/webhooks", nil), http.StatusOK)
	for _, want := range []string{`<label for="webhook-url">URL</label>`, `<label for="webhook-format">Format</label>`,
		`<label for="webhook-events">`, `<label for="webhook-description">Description</label>`, `href="/console/admin/webhooks" aria-current="page"`} {
		if !strings.Contains(list.body, want) {
			t.Errorf("webhooks page lacks %s", want)
		}
	}
	if nav := expect(t, b.do("GET", "/console/admin/agents", nil), http.StatusOK); !strings.Contains(nav.body, `href="/console/admin/webhooks"`) {
		t.Error("the admin navigation does not link the webhooks page")
	}

	// Bad input is a 4xx and creates nothing.
	if p := b.do("POST", "/console/admin/webhooks", url.Values{"url": {"ftp://x"}, "events": {"ticket.created"}}); p.status < 400 || p.status >= 500 {
		t.Fatalf("bad url: status %d", p.status)
	}
	if p := b.do("POST", "/console/admin/webhooks", url.Values{"url": {"http://127.0.0.1:9/h"}, "events": {"no.such"}}); p.status < 400 || p.status >= 500 {
		t.Fatalf("bad event: status %d", p.status)
	}

	p := expect(t, b.do("POST", "/console/admin/webhooks", url.Values{"url": {"http://127.0.0.1:9/hook"},
		"events": {"ticket.created, message.created"}, "format": {"standard"}}), http.StatusCreated)
	secret := regexp.MustCompile(`<code>(whsec_[^<]+)</code>`).FindStringSubmatch(p.body)
	if secret == nil {
		t.Fatalf("the secret is not shown: %s", p.body)
	}
	// The secret is base64: html/template writes its "+" as "&#43;".
	if raw := html.UnescapeString(secret[1]); !regexp.MustCompile(`^whsec_[A-Za-z0-9+/]{32}$`).MatchString(raw) {
		t.Fatalf("secret %q", raw)
	}
	hooks, err := e.Service.Webhooks(ctx, e.WS.Principal)
	if err != nil || len(hooks) != 1 {
		t.Fatalf("webhooks %v, %v", hooks, err)
	}
	hook := hooks[0]
	if hook.URL != "http://127.0.0.1:9/hook" || strings.Join(hook.Events, " ") != "ticket.created message.created" || hook.Format != ticketd.FormatStandard {
		t.Fatalf("webhook %+v", hook)
	}
	list = expect(t, b.do("GET", "/console/admin/webhooks", nil), http.StatusOK)
	if strings.Contains(list.body, secret[1]) {
		t.Fatal("the secret is shown again")
	}
	for _, want := range []string{"http://127.0.0.1:9/hook", `<span class="tag">ticket.created</span>`, "standard", "enabled"} {
		if !strings.Contains(list.body, want) {
			t.Errorf("list lacks %s", want)
		}
	}

	// The deliveries page: empty, then the ping queued by its button.
	path := "/console/admin/webhooks/" + hook.ID.String()
	if d := expect(t, b.do("GET", path, nil), http.StatusOK); !strings.Contains(d.body, "No deliveries yet.") {
		t.Fatal("deliveries page not empty")
	}
	expect(t, b.do("POST", path+"/test", url.Values{}), http.StatusSeeOther)
	ds, err := e.Service.WebhookDeliveries(ctx, e.WS.Principal, hook.ID, nil, 10)
	if err != nil || len(ds) != 1 {
		t.Fatalf("deliveries %v, %v", ds, err)
	}
	d := expect(t, b.do("GET", path, nil), http.StatusOK)
	redeliver := path + "/deliveries/" + ds[0].ID.String() + "/redeliver"
	for _, want := range []string{string(ticketd.EventWebhookPing), "pending", "not attempted yet", `action="` + redeliver + `"`} {
		if !strings.Contains(d.body, want) {
			t.Errorf("deliveries page lacks %s", want)
		}
	}
	expect(t, b.do("POST", redeliver, url.Values{}), http.StatusSeeOther)
	if ds, _ = e.Service.WebhookDeliveries(ctx, e.WS.Principal, hook.ID, nil, 10); len(ds) != 2 || ds[0].EventID != ds[1].EventID {
		t.Fatalf("after redelivery: %v", ds)
	}
	expect(t, b.do("GET", path+"/deliveries/"+ds[0].ID.String()+"x/redeliver", nil), http.StatusMethodNotAllowed)

	// An agent who is not an admin sees none of it.
	sam, err := e.Service.CreateUser(ctx, e.WS.Principal, ticketd.NewUser{Email: "sam@acme.test", Name: "Sam"})
	if err != nil {
		t.Fatal(err)
	}
	setPassword(t, e, sam.Email)
	agent := &browser{t: t, h: e.Handler}
	expect(t, agent.signIn(sam.Email), http.StatusSeeOther)
	expect(t, agent.do("GET", "/console/admin/webhooks", nil), http.StatusForbidden)
	expect(t, agent.do("GET", path, nil), http.StatusForbidden)
	expect(t, agent.do("POST", path+"/delete", url.Values{}), http.StatusForbidden)
	expect(t, agent.do("POST", "/console/admin/webhooks", url.Values{"url": {"http://127.0.0.1:9/x"}, "events": {"ticket.created"}}), http.StatusForbidden)

	// Delete removes it.
	expect(t, b.do("POST", path+"/delete", url.Values{}), http.StatusSeeOther)
	if hooks, _ = e.Service.Webhooks(ctx, e.WS.Principal); len(hooks) != 0 {
		t.Fatalf("after delete: %v", hooks)
	}
	if list = expect(t, b.do("GET", "/console/admin/webhooks", nil), http.StatusOK); strings.Contains(list.body, "127.0.0.1:9/hook") {
		t.Fatal("a deleted webhook is listed")
	}
	expect(t, b.do("GET", path, nil), http.StatusNotFound)
}
