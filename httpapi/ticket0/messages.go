// Package messages is the messages resource of seed 003: a ticket's email
// conversation under /v1/tickets/{id}/messages, listed in camelCase with
// prefixed ULID ids (msg_, conv_, cust_, user_), and the route that sends a
// reply to the customer. Its errors are {"error": {"code": "...", "message":
// "..."}} with the codes VALIDATION_ERROR, UNAUTHORIZED, FORBIDDEN,
// NOT_FOUND, CONFLICT, PAYLOAD_TOO_LARGE, RATE_LIMITED and INTERNAL.
//
// The resource shows public messages only: the seed says internal notes are
// not exposed on it, and every message posted to it is emailed.
package ticket0

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
	"github.com/ticketd/ticketd/httpapi/ratelimit"
	"github.com/ticketd/ticketd/httpapi/typeid"
)

// Handler serves the messages resource.
type Handler struct {
	svc     *ticketd.Service
	surface *httpapi.Surface
}

// Base is the mount's canonical prefix.
const Base = "/ticket0/api/v1"

// Mount returns the Ticket0 mount. Besides Base, the messages resource
// answers CONTRACT.md's /v1/tickets/{id}/messages and the seed's bare
// /tickets/{id}/messages, so that a client migrating from the hosted API
// only changes its base URL.
func Mount(svc *ticketd.Service, base httpapi.Surface) *httpapi.Mount {
	base.Service = svc
	base.WriteError = WriteError
	// Ticket0's public API cannot mark a message internal, and whatever it
	// reads an integration may show to the customer: it faces customers.
	base.Audience = ticketd.AudienceCustomer
	h := &Handler{svc: svc, surface: &base}
	m := httpapi.NewMount("ticket0", Base, h.surface)
	m.PathID = pathID
	m.Handle("GET", "/tickets/{id}/messages", "messages:read", h.list).Alias("/v1", "")
	m.Handle("POST", "/tickets/{id}/messages", "messages:send", h.send).Alias("/v1", "")
	h.registerResources(m)
	return m
}

// pathID renders an id in this mount's prefixed form, for the route matrix.
func pathID(kind string, id ticketd.ID, _ int64) string {
	switch kind {
	case "tickets":
		return typeid.Format(typeid.Ticket, id)
	case "knowledge-base":
		return typeid.Format(typeid.Article, id)
	case "messages":
		return typeid.Format(typeid.Message, id)
	case "customers":
		return typeid.Format(typeid.CustomerAlt, id)
	case "users":
		return typeid.Format(typeid.UserAlt, id)
	}
	return id.String()
}

// Error codes of this resource, by HTTP status.
var codes = map[int]string{
	http.StatusBadRequest:            "VALIDATION_ERROR",
	http.StatusUnauthorized:          "UNAUTHORIZED",
	http.StatusForbidden:             "FORBIDDEN",
	http.StatusNotFound:              "NOT_FOUND",
	http.StatusMethodNotAllowed:      "METHOD_NOT_ALLOWED",
	http.StatusConflict:              "CONFLICT",
	http.StatusRequestEntityTooLarge: "PAYLOAD_TOO_LARGE",
	http.StatusTooManyRequests:       "RATE_LIMITED",
	http.StatusInternalServerError:   "INTERNAL",
}

type errorJSON struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// RetryAfter is when a rate-limited client may try again (ISO 8601), as
	// one version of the product's rate-limiting page shows it; the other
	// shows the Retry-After header, which is sent too.
	RetryAfter string `json:"retryAfter,omitempty"`
}

// WriteError renders err in this resource's dialect. The resource knows one
// status for bad input, 400 VALIDATION_ERROR, whether the body could not be
// read (EMALFORMED) or broke a rule (EINVALID, 422 on the native API).
func WriteError(w http.ResponseWriter, _ *http.Request, status int, err error) {
	if status == http.StatusUnprocessableEntity && !httpapi.IsIdempotencyError(err) {
		status = http.StatusBadRequest
	}
	code, ok := codes[status]
	if status == http.StatusUnprocessableEntity {
		code, ok = "VALIDATION_ERROR", true // the IETF draft's 422 for a reused Idempotency-Key
	}
	if !ok {
		code = "INTERNAL"
		status = http.StatusInternalServerError
	}
	msg := ticketd.ErrorMessage(err)
	if fields := ticketd.ErrorFields(err); len(fields) > 0 {
		parts := make([]string, len(fields))
		for i, f := range fields {
			parts[i] = f.Field + ": " + f.Message
		}
		msg = strings.Join(parts, "; ")
	}
	body := errorBody{Code: code, Message: msg}
	switch status {
	case http.StatusInternalServerError:
		body.Message = "internal error"
	case http.StatusTooManyRequests:
		body.Message = "Too many requests. Please slow down."
		if at, ok := ratelimit.RetryAt(err); ok {
			body.RetryAfter = at.UTC().Format(time.RFC3339)
		}
	}
	httpapi.WriteJSON(w, status, errorJSON{Error: body})
}

// messageFields names the domain's message fields as the messages resource does.
var messageFields = map[string]string{"body": "bodyText", "body_html": "bodyHtml", "cc": "ccAddresses",
	"author": "userId", "internal": "isInternal"}

// invalid is a VALIDATION_ERROR about one field of the body.
func invalid(field, format string, args ...any) error {
	return ticketd.Invalid(field, ticketd.KindInvalid, format, args...)
}

// ticketRef reads the path's ticket id: its UUID or its conv_ form. An id
// that cannot exist is simply not found, like one of another workspace.
func ticketRef(r *http.Request) (ticketd.Ref, error) {
	id, err := typeid.Parse(r.PathValue("id"), typeid.Conversation, typeid.Ticket)
	if err != nil {
		return ticketd.Ref{}, ticketd.NotFound("ticket")
	}
	return ticketd.ByID(id), nil
}

// ---- listing ------------------------------------------------------------------

type pageJSON struct {
	Messages   []messageJSON `json:"messages"`
	Total      int           `json:"total"`
	NextCursor *string       `json:"nextCursor"`
}

// list answers the seed's documented response, every public message and the
// total, unless the caller asks for paging with limit or cursor: then one
// page, the total of the whole conversation, and nextCursor, the msg_ id to
// pass as cursor for the next page (null on the last page). The unpaged
// response is streamed, message by message as they are read; the total
// comes from the ticket's counter, read in the same snapshot.
func (h *Handler) list(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	ref, err := ticketRef(r)
	if err != nil {
		return err
	}
	page, err := httpapi.ParsePage(r, "cursor")
	if err != nil {
		return err
	}
	ctx := r.Context()
	f := ticketd.MessageFilter{Order: ticketd.ByCreation}
	if !page.Given {
		var stream *httpapi.JSONStream
		var total int
		// A message renders from itself and its authors alone, so a
		// conversation's rendering is kept with it in the conversation
		// cache: a repeated read writes the bytes rendered before.
		err := h.svc.StreamRendered(ctx, p, ref, f, "ticket0.message", func(t *ticketd.Ticket) error {
			total = t.PublicCount
			stream = httpapi.StartJSONStream(w, http.StatusOK, `{"messages":[`)
			return nil
		}, func(b []byte, m *ticketd.Message, people *ticketd.Participants) ([]byte, error) {
			return renderMessage(m, people).AppendJSON(b)
		}, func(items []byte, n int) error { return stream.Items(items, n) }) // stream is set by start
		if err != nil {
			return err
		}
		return stream.End(`],"total":` + strconv.Itoa(total) + `}`)
	}
	f.Page.Limit, f.Authors = page.Limit, true
	if page.After != "" {
		id, err := typeid.Parse(page.After, typeid.Message)
		if err != nil {
			// The ticket is looked up first so that an unknown ticket is
			// a 404 whatever the cursor says.
			if _, err := h.svc.Ticket(ctx, p, ref); err != nil {
				return err
			}
			return httpapi.InvalidCursor("cursor")
		}
		f.AfterID = &id
	}
	conv, err := h.svc.Messages(ctx, p, ref, f)
	if err == ticketd.ErrCursor {
		return httpapi.InvalidCursor("cursor")
	} else if err != nil {
		return err
	}
	out := make([]messageJSON, 0, len(conv.Messages))
	for _, m := range conv.Messages {
		out = append(out, renderMessage(m, conv.People))
	}
	resp := pageJSON{Messages: out, Total: conv.Total}
	if conv.More {
		next := typeid.Format(typeid.Message, conv.Messages[len(conv.Messages)-1].ID)
		resp.NextCursor = &next
		httpapi.SetNextLink(w, r, "cursor", next, page.Limit)
	}
	httpapi.WriteJSON(w, http.StatusOK, resp)
	return nil
}

// ---- sending a reply ------------------------------------------------------------

// replyBody is the body of POST. Pointers tell a missing field from an
// empty one.
type replyBody struct {
	FromAddress *string  `json:"fromAddress"`
	BodyText    *string  `json:"bodyText"`
	UserID      *string  `json:"userId"`
	BodyHTML    *string  `json:"bodyHtml"`
	Subject     *string  `json:"subject"`
	CcAddresses []string `json:"ccAddresses"`
	// IsInternal is not a field of this resource, whose every message is
	// sent to the customer. A client that asks for a note (in this
	// resource's words or the comments resource's) is refused rather than
	// have its note emailed.
	IsInternal      *bool `json:"isInternal"`
	IsInternalSnake *bool `json:"is_internal"`
}

// send emails a reply to the ticket's customer from a monitored inbox, as
// the agent userId. The domain checks the inbox and its domain, addresses,
// threads and queues the email with the message in one transaction, so a
// 201 means stored and on its way, and any 4xx means nothing was stored.
func (h *Handler) send(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	ref, err := ticketRef(r)
	if err != nil {
		return err
	}
	var b replyBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	ctx := r.Context()
	// An unknown ticket is a 404 before any complaint about the body.
	t, err := h.svc.Ticket(ctx, p, ref)
	if err != nil {
		return err
	}
	switch {
	case b.FromAddress == nil || strings.TrimSpace(*b.FromAddress) == "":
		return invalid("fromAddress", "field required")
	case b.BodyText == nil:
		return invalid("bodyText", "field required")
	case b.UserID == nil || strings.TrimSpace(*b.UserID) == "":
		return invalid("userId", "field required")
	}
	userID, err := typeid.Parse(strings.TrimSpace(*b.UserID), typeid.User, typeid.UserAlt)
	if err != nil {
		return invalid("userId", "not a user id (user_… or UUID)")
	}
	// userId is a body field, so an agent that is not in the workspace is
	// bad input (400), not a missing resource (404).
	if _, err := h.svc.User(ctx, p, ticketd.ByID(userID)); ticketd.ErrorCode(err) == ticketd.ENOTFOUND {
		return invalid("userId", "no user with this id in the workspace")
	} else if err != nil {
		return err
	}
	in := ticketd.NewMessage{
		Author:    ticketd.Author{Kind: ticketd.AuthorAgent, UserID: &userID},
		Body:      *b.BodyText,
		Cc:        b.CcAddresses,
		Email:     ticketd.EmailAlways,
		FromInbox: strings.TrimSpace(*b.FromAddress),
		// Passed on as asked: the domain refuses a note from this
		// customer-facing mount, rather than have it emailed.
		Internal: (b.IsInternal != nil && *b.IsInternal) || (b.IsInternalSnake != nil && *b.IsInternalSnake),
	}
	if b.BodyHTML != nil && strings.TrimSpace(*b.BodyHTML) != "" {
		in.BodyHTML = b.BodyHTML
	}
	if b.Subject != nil {
		in.Subject = strings.TrimSpace(*b.Subject)
	}
	m, err := h.svc.PostMessage(ctx, p, ticketd.ByID(t.ID), in)
	if err != nil {
		return renamed(err, messageFields)
	}
	out, err := render(r, h.svc, p, []*ticketd.Message{m})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, map[string]messageJSON{"message": out[0]})
	return nil
}

// renamed gives a domain validation error this mount's field names.
func renamed(err error, names map[string]string) error { return httpapi.Renamed(err, names) }
