package toptickets

import (
	"testing"

	"github.com/ticketd/ticketd/httpapi/jsoncheck"
)

// The comments resource writes its comments with commentJSON.AppendJSON:
// byte for byte what encoding/json writes, every field included.
func TestCommentJSONAppendsAsEncodingJSON(t *testing.T) { jsoncheck.Same[commentJSON](t, 500) }
