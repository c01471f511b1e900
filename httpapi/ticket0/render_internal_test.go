package ticket0

import (
	"testing"

	"github.com/ticketd/ticketd/httpapi/jsoncheck"
)

// The messages resource writes its messages with messageJSON.AppendJSON:
// byte for byte what encoding/json writes, every field included.
func TestMessageJSONAppendsAsEncodingJSON(t *testing.T) { jsoncheck.Same[messageJSON](t, 500) }
