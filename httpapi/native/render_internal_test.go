package native

import (
	"testing"

	"github.com/ticketd/ticketd/httpapi/jsoncheck"
)

// The ticket list writes its items with ticketJSON.AppendJSON: byte for
// byte what encoding/json writes, every field included.
func TestTicketJSONAppendsAsEncodingJSON(t *testing.T) { jsoncheck.Same[ticketJSON](t, 500) }
