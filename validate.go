package ticketd

import (
	"encoding/json"
	"time"
	"unicode/utf8"
)

// Every value a use case stores is checked here, once, before it reaches a
// store, so that what one engine accepts the other accepts too and whatever
// is stored can be read back and rendered: SQLite keeps a NUL or invalid
// UTF-8 that PostgreSQL refuses, and a time past year 9999 is stored by
// both but can be neither parsed back from SQLite's text nor rendered as
// RFC 3339 JSON.

// Bounds of stored text that is not typed by people in a form: email header
// values and markup, which arrive from mail systems.
const (
	maxHeaderLen = 2000     // a Message-ID, an address, a display name
	maxHTMLLen   = 32 << 20 // an HTML body, larger than any email we accept
	maxLabelLen  = 200      // free-form labels (a message's channel, "via")
)

// textField is one stored text field and its bounds in characters.
type textField struct {
	name     string
	v        string
	min, max int
}

// checkTexts checks each field with checkText, in order.
func checkTexts(fields ...textField) error {
	for _, f := range fields {
		if err := checkText(f.name, f.v, f.min, f.max); err != nil {
			return err
		}
	}
	return nil
}

// checkList checks every element of a stored list of text.
func checkList(field string, vs []string, maxLen int) error {
	for _, v := range vs {
		if err := checkText(field, v, 0, maxLen); err != nil {
			return err
		}
	}
	return nil
}

// MinTime and MaxTime bound every time ticketd stores, in UTC: years 0001 to
// 9999, what RFC 3339 can write and both engines keep.
var (
	MinTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
)

// checkTime refuses a time outside MinTime..MaxTime once converted to UTC
// (9999-12-31T23:00:00-05:00 is in year 10000).
func checkTime(field string, t time.Time) error {
	if u := t.UTC(); u.Before(MinTime) || u.After(MaxTime) {
		return Invalid(field, "value_error.datetime", "must be a time between years 0001 and 9999 in UTC")
	}
	return nil
}

// checkOptText checks an optional text field.
func checkOptText(field string, v *string, maxLen int) error {
	if v == nil {
		return nil
	}
	return checkText(field, *v, 0, maxLen)
}

// checkRawJSON checks a stored JSON value given by a client: valid JSON and
// UTF-8 (a raw value keeps the client's bytes) and no NUL.
func checkRawJSON(field string, v json.RawMessage, maxLen int) error {
	if len(v) == 0 {
		return nil
	}
	if !json.Valid(v) || !utf8.Valid(v) {
		return Invalid(field, "value_error.json", "must be valid JSON in UTF-8")
	}
	return checkText(field, string(v), 0, maxLen)
}
