// Package shop is the shop helpdesk's API under /api/v1 (seeds 000 and 002),
// so that a team migrating from that helpdesk points its integration at
// ticketd by changing only the base URL and the key.
//
// The dialect: camelCase and the seed's odd casings ("Channel",
// "customerID", "contact_reason"), ids that are the objects' numbers (tickets
// and comments as decimal strings, customers and agents as JSON integers),
// `"success": true` on every answer and `{"success": false, "error": "..."}`
// on every error, 400 for every kind of bad input. Bodies are read leniently,
// as the seed's JavaScript did: a number may come as a numeric string and a
// boolean as "true" or "false", and each field's rule says exactly which.
//
// The surface decides nothing: it reads a request, calls one use case of the
// domain and renders the result.
package helpwave

import (
	"net/http"
	"strconv"
	"strings"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
)

// The two 401 messages of the seed's product, which integrations match on.
const (
	msgMissingKey = "Missing API key"
	msgBadKey     = "Unauthorized - Invalid API key"
)

// Handler serves the shop API.
type Handler struct {
	svc     *ticketd.Service
	surface *httpapi.Surface
}

// Base is the mount's canonical prefix; Alias is where the seeds put it.
const (
	Base  = "/helpwave/api/v1"
	Alias = "/api/v1"
)

// Mount returns the HelpWave mount, at Base and its alias /api/v1.
func Mount(svc *ticketd.Service, base httpapi.Surface) *httpapi.Mount {
	base.Service = svc
	base.XAPIKey = true
	base.MissingKey = msgMissingKey
	base.WriteError = WriteError
	// A shop's integrations show what they read in the shop's own widgets
	// and emails: they face customers.
	base.Audience = ticketd.AudienceCustomer
	h := &Handler{svc: svc, surface: &base}
	m := httpapi.NewMount("helpwave", Base, h.surface, Alias)
	m.PathID = func(_ string, _ ticketd.ID, number int64) string { return strconv.FormatInt(number, 10) }

	m.Handle("POST", "/tickets", "tickets:write", h.createTicket)
	// The quickstart's first call; a literal segment, so {ticketId} never
	// catches it.
	m.Handle("GET", "/tickets/getRecentConversations", "tickets:read", h.recentConversations)
	m.Handle("GET", "/tickets/{ticketId}", "tickets:read", h.getTicket)
	m.Handle("GET", "/tickets/{$}", "tickets:read", required("ticketId"))
	m.Handle("GET", "/tickets/{ticketId}/comments", "comments:read", h.listComments)
	m.Handle("POST", "/tickets/{ticketId}/comments", "comments:write", h.createComment)
	m.Handle("POST", "/customers", "customers:write", h.createCustomer)
	m.Handle("GET", "/customers/{customerId}", "customers:read", h.getCustomer)
	m.Handle("GET", "/customers/{$}", "customers:read", required("customerId"))
	return m
}

// errorJSON is the one error body of this surface.
type errorJSON struct {
	Success bool   `json:"success"`
	Error   string `json:"error"`
}

// WriteError renders err as {"success": false, "error": "..."}. Every kind of
// bad input is 400 here (the domain's EINVALID would be 422 elsewhere), and
// the two 401s carry the seed product's messages.
//
// Where the product's docs give the text, it is theirs: "Ticket not found",
// "Customer not found" (404s name the object with a capital, as the
// product's do), and 401 is exactly {"error": "..."}, as
// developers.helpwave.ai/reference/authentication shows it.
func WriteError(w http.ResponseWriter, _ *http.Request, status int, err error) {
	msg := ticketd.ErrorMessage(err)
	switch status {
	case http.StatusUnprocessableEntity:
		if !httpapi.IsIdempotencyError(err) { // the IETF draft's 422 for a reused key
			status = http.StatusBadRequest
		}
	case http.StatusNotFound:
		if msg != "" {
			msg = strings.ToUpper(msg[:1]) + msg[1:]
		}
	case http.StatusTooManyRequests:
		msg = "Too many requests"
	case http.StatusUnauthorized:
		if msg != msgMissingKey {
			msg = msgBadKey
		}
		httpapi.WriteJSON(w, status, map[string]string{"error": msg})
		return
	}
	httpapi.WriteJSON(w, status, errorJSON{Success: false, Error: msg})
}

// pathNumber reads a path id, which on this surface is an object's number. A
// value that is not a positive integer is 400; a positive integer too large
// to be any number is simply not found.
func pathNumber(r *http.Request, name, kind string) (int64, error) {
	s := r.PathValue(name)
	n, res := parseDigits(s)
	switch res {
	case numOK:
		return n, nil
	case numOverflow:
		return 0, ticketd.NotFound(kind)
	}
	return 0, invalid(name, ticketd.KindType, "must be a positive integer, not %s", strconv.Quote(s))
}

// numResult says how reading a number went.
type numResult int

const (
	numOK numResult = iota
	numInvalid
	numOverflow
)

// parseDigits parses a positive decimal integer written only with digits (no
// sign, no spaces, no exponent).
func parseDigits(s string) (int64, numResult) {
	if s == "" || len(s) > 1000 {
		return 0, numInvalid
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, numInvalid
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, numOverflow
	}
	if n < 1 {
		return 0, numInvalid
	}
	return n, numOK
}

// invalid builds a 400 about one body or path field, in the domain's form.
func invalid(field, typ, format string, args ...any) error {
	return ticketd.Invalid(field, typ, format, args...)
}

// ok is the success flag every answer of this surface carries.
type ok struct {
	Success bool `json:"success"`
}

var success = ok{Success: true}

// required answers a route whose path parameter is empty with the product's
// own 400, e.g. "ticketId is required"
// (developers.helpwave.ai/reference/tickets/get-by-id).
func required(param string) httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
		return &ticketd.Error{Code: ticketd.EMALFORMED, Message: param + " is required"}
	}
}

// renamed gives a domain validation error this surface's field names, so a
// caller reads "text: must not be empty" for the field it sent, not "body".
func renamed(err error, names map[string]string) error { return httpapi.Renamed(err, names) }
