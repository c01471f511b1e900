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
	ticket0Workspace = "ws"
)

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
		// The ticket object of the resources (GET /tickets/:id), as it was
		// at the event's time: one rendering, so a webhook never shows a
		// status or field spelling a Ticket0 client does not know.
		data["ticket"] = renderTicket(e.Data.Ticket, e.OccurredAt)
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
