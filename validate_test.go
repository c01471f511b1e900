package ticketd_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
)

// The domain refuses, for every use case and so on both engines alike, text
// that one engine would store and the other refuse (NUL, invalid UTF-8), and
// times that could not be read back or rendered.
func TestDomainRefusesWhatCannotBeReadBack(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	year10000 := time.Date(9999, 12, 31, 23, 0, 0, 0, time.FixedZone("EST", -5*3600))
	year0 := time.Date(1, 1, 1, 0, 30, 0, 0, time.FixedZone("CET", 3600))
	html := "<p>\xff</p>"
	for name, err := range map[string]error{
		"ticket via invalid UTF-8": func() error {
			_, err := w.svc.CreateTicket(ctx, w.p, ticketd.NewTicket{Customer: ticketd.ByID(w.customer.ID), Channel: "chat", Source: "\xff"})
			return err
		}(),
		"ticket date year 10000": func() error {
			_, err := w.svc.CreateTicket(ctx, w.p, ticketd.NewTicket{Customer: ticketd.ByID(w.customer.ID), Channel: "chat", Date: &year10000})
			return err
		}(),
		"ticket last message at year 0": func() error {
			_, err := w.svc.CreateTicket(ctx, w.p, ticketd.NewTicket{Customer: ticketd.ByID(w.customer.ID), Channel: "chat", LastMessageAt: &year0})
			return err
		}(),
		"message time year 10000": func() error {
			_, err := w.svc.PostMessage(ctx, w.p, ticketd.ByID(w.ticket.ID), ticketd.NewMessage{Body: "x", Time: &year10000})
			return err
		}(),
		"message body invalid UTF-8": func() error {
			_, err := w.svc.PostMessage(ctx, w.p, ticketd.ByID(w.ticket.ID), ticketd.NewMessage{Body: "a\xffb"})
			return err
		}(),
		"message html invalid UTF-8": func() error {
			_, err := w.svc.PostMessage(ctx, w.p, ticketd.ByID(w.ticket.ID), ticketd.NewMessage{Body: "x", BodyHTML: &html})
			return err
		}(),
		"message to NUL": func() error {
			_, err := w.svc.PostMessage(ctx, w.p, ticketd.ByID(w.ticket.ID), ticketd.NewMessage{Body: "x", To: []string{"a\x00"}})
			return err
		}(),
		"message attachments invalid UTF-8": func() error {
			_, err := w.svc.PostMessage(ctx, w.p, ticketd.ByID(w.ticket.ID), ticketd.NewMessage{Body: "x", ExternalAttachments: json.RawMessage("[\"\xff\"]")})
			return err
		}(),
		"message edit NUL": func() error {
			m, _ := w.post(t, ticketd.NewMessage{Body: "fine"})
			nul := "a\x00"
			_, err := w.svc.UpdateMessage(ctx, w.p, ticketd.ByID(w.ticket.ID), ticketd.ByID(m.ID), ticketd.MessageUpdate{Body: &nul})
			return err
		}(),
		"customer email NUL": func() error {
			_, err := w.svc.CreateCustomer(ctx, w.p, ticketd.NewCustomer{Email: "a\x00@example.com"})
			return err
		}(),
	} {
		if ticketd.ErrorCode(err) != ticketd.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
	c, err := w.svc.Messages(ctx, w.p, ticketd.ByID(w.ticket.ID), ticketd.MessageFilter{IncludeInternal: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Messages) != 1 || c.Total != 1 {
		t.Fatalf("%d messages (total %d) stored, want only the one valid post", len(c.Messages), c.Total)
	}
}
