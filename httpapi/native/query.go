package native

import (
	"errors"
	"net/http"
	"slices"
	"sort"
	"strings"

	ticketd "github.com/ticketd/ticketd"
)

// knownParams refuses a list request naming a query parameter the route
// does not know (422 naming each), so that a typo (?stauts=open) is an
// answer, not a silently unfiltered list.
func knownParams(r *http.Request, known ...string) error {
	var unknown []string
	for k := range r.URL.Query() {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	msg := "unknown query parameter; this route takes none"
	if len(known) > 0 {
		msg = "unknown query parameter; known: " + strings.Join(known, ", ")
	}
	e := &ticketd.Error{Code: ticketd.EINVALID, Message: unknown[0] + ": " + msg}
	for _, k := range unknown {
		e.Fields = append(e.Fields, ticketd.FieldError{In: "query", Field: k, Message: msg, Type: ticketd.KindUnknown})
	}
	return e
}

// asQuery places a domain validation error about a filter in the query.
func asQuery(err error) error {
	var e *ticketd.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = append([]ticketd.FieldError(nil), e.Fields...)
	for i := range out.Fields {
		out.Fields[i].In = "query"
	}
	return &out
}
