package console

import (
	"net/http"
	"strconv"

	"github.com/google/uuid"

	ticketd "github.com/ticketd/ticketd"
)

// The webhooks admin pages: the workspace's endpoints with a form to add
// one, and per endpoint its delivery log with a Redeliver button per
// delivery. The domain (webhooks.go) holds every rule; these pages only
// translate forms into its calls.

// deliveriesShown bounds the delivery log on a page: the newest ones are
// what an admin looks at; the native API pages through the rest.
const deliveriesShown = 100

func (c *Console) webhookRoutes() {
	c.admin("GET /console/admin/webhooks", c.webhooks)
	c.admin("POST /console/admin/webhooks", c.createWebhook)
	c.admin("GET /console/admin/webhooks/{id}", c.webhookDeliveries)
	c.admin("POST /console/admin/webhooks/{id}/delete", c.deleteWebhook)
	c.admin("POST /console/admin/webhooks/{id}/test", c.testWebhook)
	c.admin("POST /console/admin/webhooks/{id}/deliveries/{delivery}/redeliver", c.redeliver)
}

type webhooksData struct {
	adminData
	Webhooks      []*ticketd.Webhook
	NewSecret     string
	EventTypes    []ticketd.EventType
	Ticket0Events []string
	Hook          *ticketd.Webhook
	Deliveries    []deliveryView
}

// deliveryView is a delivery as its row shows it: the last attempt's
// answer and the next attempt, already in words.
type deliveryView struct {
	*ticketd.WebhookDelivery
	LastStatus  string
	NextAttempt string
}

func (c *Console) webhooksData(r *http.Request, s *session) (webhooksData, error) {
	d := webhooksData{adminData: c.adminBase(r, s, "webhooks", "Webhooks"),
		EventTypes: ticketd.EventTypes, Ticket0Events: ticketd.Ticket0EventTypes}
	var err error
	d.Webhooks, err = c.svc.Webhooks(r.Context(), s.p)
	return d, err
}

func (c *Console) webhooks(w http.ResponseWriter, r *http.Request, s *session) error {
	d, err := c.webhooksData(r, s)
	if err != nil {
		return err
	}
	c.render(w, r, http.StatusOK, "admin", d)
	return nil
}

// createWebhook shows the new secret once, on the page that answers the
// POST, as createKey does with a key; no later page shows it.
func (c *Console) createWebhook(w http.ResponseWriter, r *http.Request, s *session) error {
	hook, err := c.svc.CreateWebhook(r.Context(), s.p, ticketd.NewWebhook{URL: formText(r, "url"),
		Events: splitList(r.PostForm.Get("events")), Description: formText(r, "description"),
		Format: ticketd.WebhookFormat(formText(r, "format"))})
	if err != nil {
		return err
	}
	d, err := c.webhooksData(r, s)
	if err != nil {
		return err
	}
	d.NewSecret = hook.Secret
	c.render(w, r, http.StatusCreated, "admin", d)
	return nil
}

func (c *Console) deleteWebhook(w http.ResponseWriter, r *http.Request, s *session) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := c.svc.DeleteWebhook(r.Context(), s.p, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/console/admin/webhooks", http.StatusSeeOther)
	return nil
}

func (c *Console) webhookDeliveries(w http.ResponseWriter, r *http.Request, s *session) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d := webhooksData{adminData: c.adminBase(r, s, "webhook", "Webhook deliveries")}
	if d.Hook, err = c.svc.Webhook(r.Context(), s.p, id); err != nil {
		return err
	}
	ds, err := c.svc.WebhookDeliveries(r.Context(), s.p, id, nil, deliveriesShown)
	if err != nil {
		return err
	}
	for _, dl := range ds {
		v := deliveryView{WebhookDelivery: dl, LastStatus: "not attempted yet"}
		if n := len(dl.Log); n > 0 {
			last := dl.Log[n-1]
			switch {
			case last.StatusCode != 0:
				v.LastStatus = strconv.Itoa(last.StatusCode)
			case last.Error != "":
				v.LastStatus = last.Error
			}
		}
		if dl.NextAttemptAt != nil && dl.State == ticketd.DeliveryPending {
			v.NextAttempt = dl.NextAttemptAt.UTC().Format("2 Jan 2006 15:04:05")
		}
		d.Deliveries = append(d.Deliveries, v)
	}
	switch r.URL.Query().Get("flash") {
	case "redelivered":
		d.Flash = "Queued again."
	case "tested":
		d.Flash = "Ping queued."
	}
	c.render(w, r, http.StatusOK, "admin", d)
	return nil
}

// testWebhook queues a ping, the domain's test of an endpoint.
func (c *Console) testWebhook(w http.ResponseWriter, r *http.Request, s *session) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := c.svc.TestWebhook(r.Context(), s.p, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/console/admin/webhooks/"+id.String()+"?flash=tested", http.StatusSeeOther)
	return nil
}

func (c *Console) redeliver(w http.ResponseWriter, r *http.Request, s *session) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	delivery, err := uuid.Parse(r.PathValue("delivery"))
	if err != nil {
		return ticketd.NotFound("delivery")
	}
	if _, err := c.svc.Redeliver(r.Context(), s.p, id, delivery); err != nil {
		return err
	}
	http.Redirect(w, r, "/console/admin/webhooks/"+id.String()+"?flash=redelivered", http.StatusSeeOther)
	return nil
}
