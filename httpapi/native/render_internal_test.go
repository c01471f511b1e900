package native

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/jsoncheck"
)

// The ticket list writes its items with ticketJSON.AppendJSON: byte for
// byte what encoding/json writes, every field included.
func TestTicketJSONAppendsAsEncodingJSON(t *testing.T) { jsoncheck.Same[ticketJSON](t, 500) }

// ticketList renders each ticket as it writes it: its JSON is that of the
// []ticketJSON the list used to build, for empty and filled pages.
func TestTicketListAppendsAsEncodingJSON(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for n := range 8 {
		l := make(ticketList, n)
		rendered := make([]ticketJSON, n)
		for i := range l {
			l[i] = new(ticketd.Ticket)
			jsoncheck.Fill(l[i], rnd)
			rendered[i] = renderTicket(l[i])
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rendered); err != nil {
			t.Fatal(err)
		}
		got, err := l.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		if w := bytes.TrimSuffix(want.Bytes(), []byte("\n")); !bytes.Equal(got, w) {
			t.Fatalf("%d tickets: AppendJSON wrote\n%s\nencoding/json writes\n%s", n, got, w)
		}
	}
}
