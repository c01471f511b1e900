// Package httpapi holds what every HTTP surface of ticketd shares: request
// ids, logging and panic recovery, authentication and scopes, JSON bodies
// with size limits, paging parameters and the mapping of domain errors to
// status codes. Each surface (native, shop, messages) is a subpackage that
// decodes requests in its dialect, calls one use case, and encodes the result
// and its errors in its dialect.
package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/mail"
)

// DefaultMaxBodyBytes bounds a JSON request body unless configured otherwise.
const DefaultMaxBodyBytes = 1 << 20

// Status maps a domain error code to its HTTP status. Every surface uses it;
// only the body differs between dialects.
func Status(err error) int {
	switch ticketd.ErrorCode(err) {
	case ticketd.EINVALID:
		return http.StatusUnprocessableEntity
	case ticketd.EMALFORMED:
		return http.StatusBadRequest
	case ticketd.ENOTFOUND:
		return http.StatusNotFound
	case ticketd.ECONFLICT:
		return http.StatusConflict
	case ticketd.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case ticketd.EFORBIDDEN:
		return http.StatusForbidden
	case ticketd.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case ticketd.ETOOMANY:
		return http.StatusTooManyRequests
	case ticketd.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// ErrorWriter renders err in a surface's dialect with the given status.
type ErrorWriter func(w http.ResponseWriter, r *http.Request, status int, err error)

// Surface is one dialect of the API: how it finds the API key and how it
// renders errors. Its Handle method registers authenticated routes.
type Surface struct {
	Service      *ticketd.Service
	Logger       *slog.Logger
	MaxBodyBytes int64
	// MaxEmailBytes bounds a raw email posted to the API (routes registered
	// with HandleRaw); 25 MiB when 0, as for SMTP.
	MaxEmailBytes int64
	// XAPIKey makes the surface read the key from the x-api-key header first
	// (the shop API) before Authorization: Bearer.
	XAPIKey bool
	// MissingKey is the message for a request without any key.
	MissingKey string
	WriteError ErrorWriter
	// MissingScope words the 403 for a key without the route's scope; nil
	// says "this API key lacks the <scope> scope".
	MissingScope func(ticketd.Scope) string
	// Audience is whom the surface's callers face: the team, or customers
	// through an integration. Every request's principal carries it, and the
	// domain decides from it what may be seen and written.
	Audience ticketd.Audience
	// Limiter, when set, admits each authenticated request or refuses it
	// with ETOOMANY (rate limits); it may set headers on every answer.
	Limiter Limiter
	// EmailIntake receives raw emails (routes registered with HandleRaw)
	// within the process's budget of email in flight, shared with the
	// SMTP listener; nil gives each surface a default one.
	EmailIntake *mail.Intake
}

// Limiter admits one request of an authenticated principal, or refuses it
// with an ETOOMANY error. It may set response headers (remaining quota).
type Limiter interface {
	Admit(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error
}

// HandlerFunc is a surface's handler: it gets the authenticated principal and
// returns an error to be rendered in the surface's dialect.
type HandlerFunc func(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error

// Handle registers pattern on mux behind authentication and scope, with the
// JSON body limit. An empty scope admits every valid key; the handler decides
// what it may see (a key's self-check, GET /v1/events).
func (s *Surface) Handle(mux *http.ServeMux, pattern string, scope ticketd.Scope, h HandlerFunc) {
	s.handle(mux, pattern, scope, s.maxBody(), h)
}

// HandleRaw is Handle for routes whose body is a raw email, with the email
// size limit.
func (s *Surface) HandleRaw(mux *http.ServeMux, pattern string, scope ticketd.Scope, h HandlerFunc) {
	s.handle(mux, pattern, scope, s.maxEmail(), h)
}

func (s *Surface) maxEmail() int64 {
	if s.MaxEmailBytes <= 0 {
		return 25 << 20
	}
	return s.MaxEmailBytes
}

func (s *Surface) handle(mux *http.ServeMux, pattern string, scope ticketd.Scope, limit int64, h HandlerFunc) {
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		w = rec
		defer s.recoverPanic(rec, r)
		p, err := s.authenticate(r)
		if err == nil {
			// A copy: the principal may be shared (a key cache), and the
			// audience is this surface's, not the key's.
			pp := *p
			pp.Audience = s.Audience
			p = &pp
			if s.Limiter != nil {
				err = s.Limiter.Admit(w, r, p)
			}
		}
		if err == nil && !p.AllowsAddr(ClientIP(r)) {
			err = ticketd.ErrAddrNotAllowed
		}
		if err == nil && scope != "" && !p.Can(scope) {
			err = s.missingScope(scope)
		}
		if err == nil {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			// Every POST of every surface honours Idempotency-Key.
			err = Idempotent(s.Service, h)(w, r, p)
		}
		if err != nil && rec.wrote {
			// A streamed response failed after its status went out: the
			// only honest answer left is to cut the connection.
			s.logger().ErrorContext(r.Context(), "response aborted", "err", err, "request_id", RequestID(r.Context()))
			panic(http.ErrAbortHandler)
		}
		if err != nil {
			s.Error(w, r, err)
		}
	})
}

// Error renders err in the surface's dialect and logs internal errors with
// their cause, which the caller never sees.
func (s *Surface) Error(w http.ResponseWriter, r *http.Request, err error) {
	status := Status(err)
	if status == http.StatusInternalServerError {
		LogInternal(s.logger(), r, "internal error", err)
	}
	s.WriteError(w, r, status, err)
}

// TicketFirst returns err, the error a write to ticket failed with, or
// ENOTFOUND when the ticket does not exist: the products answer an unknown
// ticket with 404 before any complaint about the body. The ticket is read
// only when err is such a complaint (EINVALID), so a write that succeeds —
// or fails otherwise: an unknown ticket is then its own ENOTFOUND — costs
// no read of its own.
func TicketFirst(ctx context.Context, svc *ticketd.Service, p *ticketd.Principal, ticket ticketd.Ref, err error) error {
	if ticketd.ErrorCode(err) != ticketd.EINVALID {
		return err
	}
	if _, terr := svc.Ticket(ctx, p, ticket); ticketd.ErrorCode(terr) == ticketd.ENOTFOUND {
		return terr
	}
	return err
}

// LogInternal logs err, which a request r failed with and whose cause its
// client never sees, as msg at level ERROR — unless the client went away
// (or its deadline passed) and the work was cut short by that: nothing for
// an operator to fix, and nobody reads the answer, so that is logged at
// info. Every surface that answers 500 logs through it.
func LogInternal(l *slog.Logger, r *http.Request, msg string, err error) {
	if r.Context().Err() != nil {
		l.InfoContext(r.Context(), "request ended by the client", "err", err, "request_id", RequestID(r.Context()))
		return
	}
	l.ErrorContext(r.Context(), msg, "err", err, "request_id", RequestID(r.Context()))
}

// recoverPanic answers a handler's panic with a 500 in the surface's own
// error format: Middleware would answer in the native one, and a client of
// the shop API parses {"success": false, "error": ...}, not {"detail": ...}.
func (s *Surface) recoverPanic(w *statusRecorder, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	s.logger().ErrorContext(r.Context(), "panic", "request_id", RequestID(r.Context()), "panic", v, "stack", string(debug.Stack()))
	if !w.wrote {
		s.WriteError(w, r, http.StatusInternalServerError, ticketd.Errorf(ticketd.EINTERNAL, "internal error"))
	}
}

func (s *Surface) missingScope(scope ticketd.Scope) error {
	if s.MissingScope != nil {
		return ticketd.Errorf(ticketd.EFORBIDDEN, "%s", s.MissingScope(scope))
	}
	return ticketd.Errorf(ticketd.EFORBIDDEN, "this API key lacks the %s scope", scope)
}

func (s *Surface) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

func (s *Surface) maxBody() int64 {
	if s.MaxBodyBytes <= 0 {
		return DefaultMaxBodyBytes
	}
	return s.MaxBodyBytes
}

// Authenticate checks the request's key again, for a long-lived response (an
// event stream) that must end once its key is revoked.
func (s *Surface) Authenticate(r *http.Request) (*ticketd.Principal, error) { return s.authenticate(r) }

func (s *Surface) authenticate(r *http.Request) (*ticketd.Principal, error) {
	key := ""
	if s.XAPIKey {
		key = r.Header.Get("X-Api-Key")
	}
	if key == "" {
		if scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
			key = strings.TrimSpace(token)
		}
	}
	if key == "" {
		msg := s.MissingKey
		if msg == "" {
			msg = "missing API key"
		}
		return nil, ticketd.Errorf(ticketd.EUNAUTHORIZED, "%s", msg)
	}
	return s.Service.Authenticate(r.Context(), key)
}

// DecodeJSON reads one JSON value from the request body into dst. Unknown
// fields are ignored (clients send more than we read); a value of the wrong
// type is EINVALID naming the field; anything that is not one JSON value is
// EMALFORMED; a body over the surface's limit is ETOOLARGE.
func DecodeJSON(r *http.Request, dst any) error {
	dec := json.NewDecoder(r.Body)
	err := dec.Decode(dst)
	if err == nil {
		// Exactly one value: trailing data means the client sent something
		// other than what we are about to act on.
		var extra json.RawMessage
		if err = dec.Decode(&extra); err == io.EOF {
			return nil
		} else if err == nil {
			return ticketd.Errorf(ticketd.EMALFORMED, "malformed JSON: more than one value in the body")
		}
	}
	var maxErr *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &maxErr):
		return ticketd.Errorf(ticketd.ETOOLARGE, "request body is larger than %d bytes", maxErr.Limit)
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return ticketd.Errorf(ticketd.EMALFORMED, "the body must be a JSON %s", expectedKind(dst))
		}
		kind := jsonKind(typeErr.Type.Kind().String())
		if typeErr.Type.String() == "uuid.UUID" {
			kind = "UUID string"
		}
		return ticketd.Invalid(field, ticketd.KindType, "must be a %s, not %s", kind, typeErr.Value)
	default:
		return ticketd.Errorf(ticketd.EMALFORMED, "malformed JSON: %v", err)
	}
}

func expectedKind(dst any) string {
	if _, ok := dst.(*[]any); ok {
		return "array"
	}
	return "object"
}

// jsonKind names a Go kind in JSON's words, for error messages.
func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "map", "struct", "ptr":
		return "object"
	}
	return "number"
}

// WriteJSON writes v as JSON with status. v is encoded before anything is
// written, so a value that cannot be encoded never goes out as a 2xx with an
// empty or cut body: WriteJSON panics with an *EncodeError instead, which the
// surface's recovery (or Middleware's) logs and answers as a 500 in the
// surface's own error format. Such a value is a bug (the domain refuses what
// cannot be rendered), so it is treated like one.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	buf := bufPool.Get().(*bytes.Buffer)
	defer putBuf(buf)
	b, err := AppendItem(buf.AvailableBuffer(), v)
	if err != nil {
		panic(err) // an *EncodeError: the surface answers 500
	}
	buf.Write(append(b, '\n'))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // the client went away; nothing to do
}

// EncodeError is the panic value of WriteJSON for a response that could not
// be encoded.
type EncodeError struct{ Err error }

func (e *EncodeError) Error() string { return "encode response: " + e.Err.Error() }
func (e *EncodeError) Unwrap() error { return e.Err }

// bufPool recycles response buffers; a buffer that grew past maxPooledBuf
// is dropped so one huge response does not stay in memory.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledBuf = 256 << 10

func putBuf(b *bytes.Buffer) {
	if b.Cap() > maxPooledBuf {
		return
	}
	b.Reset()
	bufPool.Put(b)
}

// ---- request ids, logging, recovery ---------------------------------------

type ctxKey int

const requestIDKey ctxKey = 0

// RequestID returns the id of the request ctx belongs to.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// validRequestID accepts a caller's own X-Request-Id when it is short and
// plain, so ids can be followed across services without letting a caller
// inject text into our logs.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// Middleware gives every request an id (echoed as X-Request-Id), logs it
// when done, and turns a panic into a 500 instead of a dropped connection.
// Routes of a Surface recover their own panics, in their own error format;
// this is the last resort for everything else (health checks, 404s).
func Middleware(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID.MatchString(id) {
			b := make([]byte, 12)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				logger.ErrorContext(r.Context(), "panic", "request_id", id, "panic", v, "stack", string(debug.Stack()))
				if !rec.wrote {
					WriteJSON(rec, http.StatusInternalServerError, map[string]string{"detail": "internal error"})
				}
			}
			logger.InfoContext(r.Context(), "request", "request_id", id, "method", r.Method, "path", r.URL.Path,
				"status", rec.status, "duration_ms", float64(time.Since(start).Microseconds())/1000,
				"client", ClientIP(r).String())
		}()
		next.ServeHTTP(rec, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Renamed gives a domain validation error a surface's field names (names
// maps the domain's to the surface's; others stay as they are), so a caller
// reads the field it sent ("text", "bodyText"), not the domain's ("body").
// The message names the first field again.
func Renamed(err error, names map[string]string) error {
	var e *ticketd.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	out := &ticketd.Error{Code: e.Code, Message: e.Message, Fields: make([]ticketd.FieldError, len(e.Fields))}
	for i, f := range e.Fields {
		if n, ok := names[f.Field]; ok {
			f.Field = n
		}
		out.Fields[i] = f
	}
	out.Message = out.Fields[0].Field + ": " + out.Fields[0].Message
	return out
}
