package server_test

import (
	"strconv"
	"testing"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/apitest"
	"github.com/ticketd/ticketd/httpapi/typeid"
)

// TestEditsAndDeletionsRecordEventsOnEverySurface: a comment edited and
// deleted over the comments resource (seed 001, TopTickets' mount), a
// customer's metadata merged over Ticket0 and a ticket deleted over the
// native API each record their event in the one event log, as every
// creation does.
func TestEditsAndDeletionsRecordEventsOnEverySurface(t *testing.T) {
	e := apitest.New(t)
	tk := e.Ticket(e.WS, "email")
	m := e.Post(e.WS, tk, ticketd.NewMessage{Body: "Hello"})
	comment := "/v1/tickets/" + tk.ID.String() + "/comments/" + m.ID.String()
	before := e.As(e.WS.Key, "GET", "/v1/events?format=json", nil).Expect(200).Array()
	after := before[len(before)-1]["id"].(float64)
	e.Run(t, []apitest.Scenario{
		{Name: "edit", Method: "PATCH", Path: comment, Key: e.WS.Key, Body: map[string]any{"content": "Hello there"}, Status: 200},
		{Name: "delete", Method: "DELETE", Path: comment, Key: e.WS.Key, Status: 204},
		{Name: "metadata", Method: "PATCH", Path: "/ticket0/api/v1/customers/" + typeid.Format(typeid.CustomerAlt, tk.CustomerID),
			Key: e.WS.Key, Body: map[string]any{"metadata": map[string]any{"plan": "pro"}}, Status: 200},
		{Name: "delete ticket", Method: "DELETE", Path: "/v1/tickets/" + tk.ID.String(), Key: e.WS.Key, Status: 204},
	})
	evs := e.As(e.WS.Key, "GET", "/v1/events?format=json&after="+strconv.FormatInt(int64(after), 10), nil).Expect(200).Array()
	want := []struct{ typ, check, value string }{
		{"message.updated", "data.message.body", "Hello there"},
		{"message.deleted", "data.message.id", m.ID.String()},
		{"customer.updated", "data.changed_fields.0", "profile.metadata"},
		{"ticket.deleted", "data.ticket.id", tk.ID.String()},
	}
	if len(evs) != len(want) {
		t.Fatalf("events %v, want %v", evs, want)
	}
	for i, w := range want {
		if evs[i]["type"] != w.typ || apitest.Get(evs[i], w.check) != w.value {
			t.Errorf("event %d: %v, want %s with %s %q", i, evs[i], w.typ, w.check, w.value)
		}
	}
}
