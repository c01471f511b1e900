package ticket0

import (
	"encoding/json"
	"fmt"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/typeid"
)

// Ticket0's own id prefixes for the objects of its webhook payloads, from
// its API reference (tickets tkt_, customers cus_, agents usr_, inboxes
// inb_; workspaces ws_ from its webhook envelope). The text after the
// prefix is the same ULID rendering of the UUID as everywhere else
// (typeid.Format), so an id maps to the native one and back. Messages keep
// the messages resource's msg_/conv_ ids, as that resource shows them.
const (
	ticket0Ticket    = typeid.Ticket
	ticket0Customer  = typeid.CustomerAlt
	ticket0User      = typeid.UserAlt
	ticket0Inbox     = typeid.Inbox
	ticket0Workspace = "ws"
)

type ticket0TicketJSON struct {
	ID         string   `json:"id"`
	Subject    string   `json:"subject"`
	Status     string   `json:"status"`
	AssigneeID *string  `json:"assigneeId"`
	CustomerID string   `json:"customerId"`
	InboxID    *string  `json:"inboxId"`
	Tags       []string `json:"tags"`
	CreatedAt  string   `json:"createdAt"`
	UpdatedAt  string   `json:"updatedAt"`
}

func optPrefixed(prefix string, id *ticketd.ID) *string {
	if id == nil {
		return nil
	}
	s := typeid.Format(prefix, *id)
	return &s
}

// renderTicket0Ticket renders t as it was at the event's time: its status in
// the four words the resources use (status in resources.go), so a webhook
// never shows a status a Ticket0 client does not know.
func renderTicket0Ticket(t *ticketd.Ticket, at time.Time) ticket0TicketJSON {
	return ticket0TicketJSON{ID: typeid.Format(ticket0Ticket, t.ID), Subject: t.Subject, Status: status(t, at),
		AssigneeID: optPrefixed(ticket0User, t.AssigneeID), CustomerID: typeid.Format(ticket0Customer, t.CustomerID),
		InboxID: optPrefixed(ticket0Inbox, t.InboxID), Tags: nonNil(t.Tags),
		CreatedAt: t.CreatedAt.UTC().Format(time.RFC3339), UpdatedAt: t.UpdatedAt.UTC().Format(time.RFC3339)}
}

type ticket0CustomerJSON struct {
	ID        string  `json:"id"`
	Email     *string `json:"email"`
	Name      *string `json:"name"`
	Phone     *string `json:"phone"`
	CreatedAt string  `json:"createdAt"`
}

// WebhookPayload renders a delivery of a ticket0-format webhook in the
// envelope Ticket0 documents: {"id": "evt_…", "type", "createdAt",
// "workspaceId", "data"}, data holding "ticket", "message" (as this resource
// renders it, with "ticketId") or "customer", in camelCase.
func WebhookPayload(req *ticketd.WebhookRequest) ([]byte, error) {
	e := req.Event
	data := map[string]any{}
	switch {
	case e.Data.Message != nil:
		m := renderMessage(e.Data.Message, &ticketd.Participants{})
		data["message"] = m
		data["ticketId"] = typeid.Format(ticket0Ticket, e.Data.Message.TicketID)
	case e.Data.Ticket != nil:
		data["ticket"] = renderTicket0Ticket(e.Data.Ticket, e.OccurredAt)
	case e.Data.Customer != nil:
		c := e.Data.Customer
		data["customer"] = ticket0CustomerJSON{ID: typeid.Format(ticket0Customer, c.ID), Email: nullable(c.Email),
			Name: nullable(c.FullName()), Phone: nullable(c.Phone), CreatedAt: c.CreatedAt.UTC().Format(time.RFC3339)}
	case e.Type == ticketd.EventWebhookPing:
		data["webhookId"] = req.Webhook.ID.String()
	default:
		return nil, fmt.Errorf("ticket0 payload: nothing to render for %s", e.Type)
	}
	if e.Type == ticketd.EventTicketTagged {
		data["tagsAdded"] = e.Data.TagsAdded
	}
	return json.Marshal(map[string]any{
		"id":          req.MessageID,
		"type":        req.EventType,
		"createdAt":   e.OccurredAt.UTC().Format(time.RFC3339),
		"workspaceId": typeid.Format(ticket0Workspace, e.WorkspaceID),
		"data":        data,
	})
}
