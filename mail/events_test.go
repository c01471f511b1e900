package mail_test

import (
	"bytes"
	"context"
	"slices"
	"testing"

	ticketd "github.com/ticketd/ticketd"
)

func eventTypes(t *testing.T, e *env, after int64) ([]ticketd.EventType, []*ticketd.Event) {
	t.Helper()
	page, err := e.Service.Events(context.Background(), e.WS.Principal, after, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []ticketd.EventType
	for _, ev := range page.Events {
		out = append(out, ev.Type)
	}
	return out, page.Events
}

// TestInboundEmailAndBounceRecordEvents: an email from a new customer
// records the customer, the ticket and the message; a bounce of our reply
// records the reply's delivery status change.
func TestInboundEmailAndBounceRecordEvents(t *testing.T) {
	e := newEnv(t)
	_, before := eventTypes(t, e, 0)
	last := int64(0)
	if len(before) > 0 {
		last = before[len(before)-1].ID
	}
	ticketID, _ := e.ingest(e.WS, fixture(t, "iphone.eml"))
	got, evs := eventTypes(t, e, last)
	if want := []ticketd.EventType{"customer.created", "ticket.created", "message.created"}; !slices.Equal(got, want) {
		t.Fatalf("inbound email recorded %v, want %v", got, want)
	}
	if evs[2].Data.Message.Author.Kind != ticketd.AuthorCustomer || evs[1].TicketID.String() != ticketID {
		t.Fatalf("inbound message event: %+v", evs[2])
	}
	last = evs[len(evs)-1].ID

	out := e.reply(e.WS, ticketID, "We are sending a new box today.")
	got, evs = eventTypes(t, e, last)
	if len(got) != 1 || got[0] != "message.created" || evs[0].Data.Message.Delivery != ticketd.DeliveryQueued {
		t.Fatalf("reply recorded %v", got)
	}
	last = evs[0].ID
	raw := bytes.ReplaceAll(fixture(t, "bounce_dsn.eml"), []byte("<abc123@support.example.com>"), []byte(out["external_id"].(string)))
	e.post(e.WS, raw).Expect(202)
	got, evs = eventTypes(t, e, last)
	if len(got) != 1 || got[0] != "message.delivery_status_changed" ||
		evs[0].Data.PreviousDelivery != ticketd.DeliveryQueued || evs[0].Data.Message.Delivery != ticketd.DeliveryBounced {
		t.Fatalf("bounce recorded %v %+v", got, evs)
	}
}
