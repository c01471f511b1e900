package httpapi

import (
	"net/http"
	"net/url"
	"strconv"

	ticketd "github.com/ticketd/ticketd"
)

// Paging limits of every list route (CONTRACT.md).
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// PageParams are a list route's paging parameters.
type PageParams struct {
	Limit int
	// After is the cursor: the id of the last item of the previous page, in
	// whatever form the surface shows ids. "" starts at the beginning.
	After string
	// Given reports whether the caller asked for paging at all, for the
	// routes whose documented response is unpaged unless asked.
	Given bool
}

// ParsePage reads limit (default 50, at most 500) and the cursor parameter
// named cursorParam from the query. A bad limit is EINVALID, not clamped: a
// client asking for 1000 should learn it gets at most 500.
func ParsePage(r *http.Request, cursorParam string) (PageParams, error) {
	q := r.URL.Query()
	p := PageParams{Limit: DefaultLimit, After: q.Get(cursorParam)}
	p.Given = q.Has("limit") || q.Has(cursorParam)
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			return p, &ticketd.Error{Code: ticketd.EINVALID, Message: "limit must be an integer from 1 to 500",
				Fields: []ticketd.FieldError{{In: "query", Field: "limit", Message: "must be an integer from 1 to 500", Type: ticketd.KindRange}}}
		}
		p.Limit = n
	}
	return p, nil
}

// InvalidCursor is the error for a cursor that names nothing we can page from.
func InvalidCursor(param string) error {
	return &ticketd.Error{Code: ticketd.EINVALID, Message: param + " is not a valid cursor",
		Fields: []ticketd.FieldError{{In: "query", Field: param, Message: "not a valid cursor", Type: ticketd.KindCursor}}}
}

// SetNextLink sets a Link header (RFC 8288) to the next page: the request's
// own URL with the cursor parameter set to next.
func SetNextLink(w http.ResponseWriter, r *http.Request, cursorParam, next string, limit int) {
	u := url.URL{Path: r.URL.Path}
	q := r.URL.Query()
	q.Set(cursorParam, next)
	q.Set("limit", strconv.Itoa(limit))
	u.RawQuery = q.Encode()
	w.Header().Set("Link", "<"+u.String()+`>; rel="next"`)
}
