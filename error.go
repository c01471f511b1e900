package ticketd

import (
	"errors"
	"fmt"
)

// Error codes. Each code implies how a surface answers, so the domain can say
// what went wrong without knowing anything of HTTP.
const (
	EINVALID      = "invalid"      // the input breaks a rule; Fields says which
	EMALFORMED    = "malformed"    // the input cannot be read at all (not JSON, not an email)
	ENOTFOUND     = "not_found"    // no such object in the caller's workspace
	ECONFLICT     = "conflict"     // the object exists already or changed underneath
	EUNAUTHORIZED = "unauthorized" // no credentials, or credentials we do not know
	EFORBIDDEN    = "forbidden"    // known credentials without the right to do this
	ETOOLARGE     = "too_large"    // the input is larger than we accept
	ETOOMANY      = "too_many"     // the caller exceeded its rate limit; try again later
	EINTERNAL     = "internal"     // everything else; the message is never shown
)

// Error is the one error type of ticketd's domain. Code and Message are safe to
// show to an API caller; any other error is internal and is shown only as
// "internal error" while its cause is logged.
type Error struct {
	Code    string
	Message string
	// Fields lists the individual problems of an EINVALID error, so that a
	// surface that reports per-field errors (the /v1 422 body) can do so.
	Fields []FieldError
}

// FieldError is one problem with one input field.
type FieldError struct {
	// In says where the field is: "" (the body), "query" or "path".
	In string
	// Field is the domain's name of the field ("body", "subject"); each
	// surface renames it to its own ("content", "bodyText").
	Field   string
	Message string // e.g. "field required"
	// Type is the kind of problem, one of the Kind constants; each surface
	// maps it to its own vocabulary (the native API to FastAPI's types).
	Type string
}

// Kinds of field problems (FieldError.Type). They say what is wrong in the
// domain's words; a surface that names problems (the native API's 422
// "type") maps each kind to its own name.
const (
	KindMissing    = "missing"     // a required field is absent or empty
	KindType       = "type"        // a value of the wrong type (a string for a number)
	KindInvalid    = "invalid"     // a value that breaks a rule the other kinds do not name
	KindEnum       = "enum"        // not one of the allowed values
	KindText       = "text"        // text that is not valid UTF-8 or holds NUL
	KindTooShort   = "too_short"   // text shorter than allowed
	KindTooLong    = "too_long"    // text longer than allowed
	KindTooMany    = "too_many"    // a list with more items than allowed
	KindRange      = "range"       // a number outside its range
	KindEmail      = "email"       // not an email address
	KindDomain     = "domain"      // not a usable domain name
	KindScope      = "scope"       // not a scope ticketd knows
	KindNotAllowed = "not_allowed" // a value the caller may not write here
	KindReference  = "reference"   // names an object that is not there (a body field)
	KindCursor     = "cursor"      // a paging cursor that names nothing
	KindUnknown    = "unknown"     // a parameter the route does not know
)

func (e *Error) Error() string {
	return fmt.Sprintf("ticketd error: code=%s message=%s", e.Code, e.Message)
}

// Errorf builds an *Error with a formatted, user-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid builds an EINVALID error about one field; kind is one of the Kind
// constants.
func Invalid(field, kind, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: EINVALID, Message: field + ": " + msg, Fields: []FieldError{{Field: field, Message: msg, Type: kind}}}
}

// NotFound builds an ENOTFOUND error for an object kind ("ticket", "customer").
func NotFound(kind string) *Error {
	return &Error{Code: ENOTFOUND, Message: kind + " not found"}
}

// ErrorCode returns the code of the *Error in err's chain, EINTERNAL for any
// other error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err: the *Error's message, or
// "internal error" for anything else.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorFields returns the field problems of err, if it carries any.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
