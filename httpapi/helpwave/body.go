package helpwave

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
)

// body is a request body read field by field. The seed's API took whatever
// JSON a caller sent and coerced it (a numeric string for an id, "false" for
// a boolean), so each field keeps its raw JSON until its own rule reads it.
// Keys match exactly, as they did in JavaScript: "channel" is not "Channel".
type body map[string]json.RawMessage

// readBody reads the request body, which must be one JSON object.
func readBody(r *http.Request) (body, error) {
	var b body
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return nil, err
	}
	if b == nil { // the body was `null`
		return nil, ticketd.Errorf(ticketd.EMALFORMED, "the body must be a JSON object")
	}
	return b, nil
}

// raw returns a field's JSON, or nil when it is absent or null: the seed's
// code treated both as "not given".
func (b body) raw(k string) json.RawMessage {
	v := b[k]
	if len(v) == 0 || string(v) == "null" {
		return nil
	}
	return v
}

// kind names the JSON type of a raw value, for error messages.
func kind(v json.RawMessage) string {
	switch v[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}

// str reads an optional string field.
func (b body) str(k string) (string, bool, error) {
	v := b.raw(k)
	if v == nil {
		return "", false, nil
	}
	var s string
	if v[0] != '"' || json.Unmarshal(v, &s) != nil {
		return "", false, invalid(k, ticketd.KindType, "must be a string, not %s", kind(v))
	}
	if strings.IndexByte(s, 0) >= 0 {
		// No engine stores NUL in text, and no caller means to send one.
		return "", false, invalid(k, ticketd.KindText, "must not contain NUL characters")
	}
	return s, true, nil
}

// text reads an optional string field where absent means "".
func (b body) text(k string) (string, error) {
	s, _, err := b.str(k)
	return s, err
}

// number reads an optional integer field the way the seed did: a JSON
// integer or a string of digits (spaces around it allowed, as parseInt
// allows them). Anything else — a fraction, a word, a boolean — is 400. A
// positive integer too large to be any object's number is that object not
// found, the same answer as for a number nobody has.
func (b body) number(k, objKind string) (int64, bool, error) {
	v := b.raw(k)
	if v == nil {
		return 0, false, nil
	}
	s := string(v)
	if v[0] == '"' {
		if err := json.Unmarshal(v, &s); err != nil {
			return 0, false, invalid(k, ticketd.KindType, "must be an integer")
		}
		s = strings.TrimSpace(s)
	}
	n, res := parseDigits(s)
	switch res {
	case numOK:
		return n, true, nil
	case numOverflow:
		return 0, false, ticketd.NotFound(objKind)
	}
	return 0, false, invalid(k, ticketd.KindType, "must be a positive integer or a string of digits, not %s", kind(v))
}

// count reads an optional count: an integer or a numeric string, which may be
// zero or negative (the domain says which counts it accepts).
func (b body) count(k string) (int, error) {
	v := b.raw(k)
	if v == nil {
		return 0, nil
	}
	s := string(v)
	if v[0] == '"' {
		if err := json.Unmarshal(v, &s); err != nil {
			return 0, invalid(k, ticketd.KindType, "must be an integer")
		}
		s = strings.TrimSpace(s)
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, invalid(k, ticketd.KindType, "must be an integer, not %s", kind(v))
	}
	return int(n), nil
}

// strings reads an optional array of strings; given is false when absent.
func (b body) strings(k string) ([]string, bool, error) {
	v := b.raw(k)
	if v == nil {
		return nil, false, nil
	}
	var out []string
	if v[0] != '[' || json.Unmarshal(v, &out) != nil {
		return nil, false, invalid(k, ticketd.KindType, "must be an array of strings")
	}
	for _, s := range out {
		if strings.IndexByte(s, 0) >= 0 {
			return nil, false, invalid(k, ticketd.KindText, "must not contain NUL characters")
		}
	}
	return out, true, nil
}

// time reads an optional ISO 8601 timestamp.
func (b body) time(k string) (*time.Time, error) {
	v := b.raw(k)
	if v == nil {
		return nil, nil
	}
	var s string
	if v[0] != '"' || json.Unmarshal(v, &s) != nil {
		return nil, invalid(k, ticketd.KindType, "must be an ISO 8601 date string, not %s", kind(v))
	}
	t, ok := parseTime(s)
	if !ok {
		return nil, invalid(k, ticketd.KindInvalid, "must be an ISO 8601 date, not %s", strconv.Quote(s))
	}
	return &t, nil
}

// timeLayouts are the ISO 8601 forms JavaScript's Date parses and callers
// send. A time without a zone is read as UTC (Date would read it in the
// server's zone, which no caller can know).
var timeLayouts = []string{
	time.RFC3339, // fractional seconds are accepted when parsing
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseTime parses an ISO 8601 timestamp into UTC, within years 1 to 9999
// (what both engines store and what the response format can render).
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	for _, layout := range timeLayouts {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		t = t.UTC()
		if t.Year() < 1 || t.Year() > 9999 {
			return time.Time{}, false
		}
		return t, true
	}
	return time.Time{}, false
}

// json reads an optional field of any JSON, kept compact as given.
func (b body) json(k string) (json.RawMessage, error) {
	v := b.raw(k)
	if v == nil {
		return nil, nil
	}
	if !utf8.Valid(v) {
		return nil, invalid(k, ticketd.KindText, "must be valid UTF-8")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, v); err != nil {
		return nil, invalid(k, ticketd.KindType, "must be JSON")
	}
	return buf.Bytes(), nil
}

// idText reads an optional external id the way the product does: a string,
// or a number converted to its decimal text ("converted to strings before
// persistence", developers.helpwave.ai/reference/customers/create).
func (b body) idText(k string) (string, error) {
	v := b.raw(k)
	if v == nil {
		return "", nil
	}
	if v[0] == '"' {
		return b.text(k)
	}
	var n json.Number
	if json.Unmarshal(v, &n) != nil {
		return "", invalid(k, ticketd.KindType, "must be a string or a number, not %s", kind(v))
	}
	return n.String(), nil
}
