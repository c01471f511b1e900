package native

import (
	"errors"
	"net/http"
	"slices"
	"sort"

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
	e := &ticketd.Error{Code: ticketd.EINVALID, Message: "unknown query parameter " + unknown[0]}
	for _, k := range unknown {
		e.Fields = append(e.Fields, ticketd.FieldError{In: "query", Field: k, Message: "unknown query parameter; known: " + joinQuoted(known), Type: ticketd.KindUnknown})
	}
	return e
}

func joinQuoted(ks []string) string {
	out := ""
	for i, k := range ks {
		if i > 0 {
			out += ", "
		}
		out += k
	}
	return out
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
