package ticket0

import (
	"encoding/json"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
)

// A Ticket0 webhook names a ticket's status in the four words the resources
// use (docs.ticket0.ai, "Tickets": open, pending, resolved, snoozed): a new
// ticket is open, a solved one resolved, a snoozed one snoozed at the event's
// time — never ticketd's own "new" or "solved".
func TestWebhookTicketStatusInTicket0Words(t *testing.T) {
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	later := at.Add(time.Hour)
	cases := []struct {
		name   string
		ticket ticketd.Ticket
		want   string
	}{
		{"new", ticketd.Ticket{Status: ticketd.StatusNew}, "open"},
		{"open", ticketd.Ticket{Status: ticketd.StatusOpen}, "open"},
		{"pending", ticketd.Ticket{Status: ticketd.StatusPending}, "pending"},
		{"solved", ticketd.Ticket{Status: ticketd.StatusSolved}, "resolved"},
		{"closed", ticketd.Ticket{Status: ticketd.StatusClosed}, "resolved"},
		{"snoozed", ticketd.Ticket{Status: ticketd.StatusPending, SnoozedUntil: &later}, "snoozed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tk := c.ticket
			tk.ID, tk.WorkspaceID, tk.CustomerID = ticketd.NewID(), ticketd.NewID(), ticketd.NewID()
			tk.CreatedAt, tk.UpdatedAt = at, at
			body, err := WebhookPayload(&ticketd.WebhookRequest{
				Webhook:   &ticketd.Webhook{ID: ticketd.NewID()},
				Event:     &ticketd.Event{WorkspaceID: tk.WorkspaceID, Type: ticketd.EventTicketUpdated, OccurredAt: at, Data: ticketd.EventData{Ticket: &tk}},
				EventType: "ticket.updated", MessageID: "evt_1",
			})
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				Data struct {
					Ticket struct {
						Status string `json:"status"`
					} `json:"ticket"`
				} `json:"data"`
			}
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			if got.Data.Ticket.Status != c.want {
				t.Fatalf("status %q, want %q (%s)", got.Data.Ticket.Status, c.want, body)
			}
		})
	}
}
