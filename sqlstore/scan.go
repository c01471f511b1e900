package sqlstore

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	ticketd "github.com/ticketd/ticketd"
)

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface{ Scan(dest ...any) error }

// Ids are stored as text in both engines: one column type, one way to bind.

func idArg(id ticketd.ID) string { return id.String() }

func optIDArg(id *ticketd.ID) any {
	if id == nil {
		return nil
	}
	return id.String()
}

func parseID(s string) (ticketd.ID, error) {
	id, err := ticketd.ParseID(s)
	if err != nil {
		return id, fmt.Errorf("stored id: %w", err)
	}
	return id, nil
}

func parseOptID(s sql.NullString) (*ticketd.ID, error) {
	if !s.Valid {
		return nil, nil
	}
	id, err := parseID(s.String)
	return &id, err
}

func optTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time.UTC()
	return &v
}

func optTimeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

func optString(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	v := s.String
	return &v
}

func optStringArg(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// Lists are stored as JSON text, which both engines keep and neither needs to
// look into.

func jsonArg(v any) string {
	if l, ok := v.([]string); ok && len(l) == 0 {
		return "[]" // most lists are empty: no encoder for them
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only string slices are stored this way; they always marshal
	}
	return string(b)
}

func parseStrings(s string) ([]string, error) {
	if s == "[]" {
		// Most stored lists are empty (a message's Cc, References and
		// tags): profiling the comment listing found json.Unmarshal of "[]"
		// at a tenth of the CPU.
		return []string{}, nil
	}
	if out, ok := plainStrings(s); ok {
		return out, nil
	}
	out := []string{}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("stored list: %w", err)
	}
	return out, nil
}

// plainStrings reads a JSON list of valid UTF-8 strings with no escape, no
// control character and no space (["billing","vip"], as jsonArg writes
// tags) without encoding/json, whose reflection was a twentieth of the
// ticket list's CPU. ok is false for anything else, which encoding/json
// then reads (and rejects, if it is not JSON).
func plainStrings(s string) (out []string, ok bool) {
	if len(s) < 4 || s[0] != '[' || s[len(s)-1] != ']' || s[1] != '"' || !utf8.ValidString(s) {
		return nil, false
	}
	out = make([]string, 0, strings.Count(s, `","`)+1)
	for i := 1; ; {
		if s[i] != '"' {
			return nil, false
		}
		end := i + 1
		for end < len(s) && s[end] != '"' {
			if c := s[end]; c == '\\' || c < 0x20 {
				return nil, false
			}
			end++
		}
		if end >= len(s)-1 {
			return nil, false
		}
		out = append(out, s[i+1:end])
		switch s[end+1] {
		case ',':
			i = end + 2
		case ']':
			if end+2 != len(s) {
				return nil, false
			}
			return out, true
		default:
			return nil, false
		}
	}
}

// limitArg turns "no limit" (0) into a bound both engines accept.
func limitArg(n int) int64 {
	if n <= 0 {
		return 1 << 53
	}
	return int64(n)
}

// Destinations for the hot list scans (the ticket list). database/sql's
// Scan converts only a string into a *string without reflection; an
// integer into an *int64, a string into a named string type (a status) or
// a text id into a UUID take reflection or an intermediate value and a
// parse afterwards. A Scanner is asked before any of that, and each of
// these is one pointer, so passing it to Scan allocates nothing.

// intDest scans an integer column into *int64.
type intDest struct{ p *int64 }

func (d intDest) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		*d.p = v
		return nil
	case int32:
		*d.p = int64(v)
		return nil
	}
	return fmt.Errorf("stored integer: unexpected %T", src)
}

// smallIntDest scans an integer column into *int.
type smallIntDest struct{ p *int }

func (d smallIntDest) Scan(src any) error {
	var n int64
	if err := (intDest{&n}).Scan(src); err != nil {
		return err
	}
	*d.p = int(n)
	return nil
}

// textDest scans a NOT NULL text column into a string type of the domain
// (a status, a priority).
type textDest[T ~string] struct{ p *T }

func (d textDest[T]) Scan(src any) error {
	switch v := src.(type) {
	case string:
		*d.p = T(v)
		return nil
	case []byte:
		*d.p = T(v)
		return nil
	}
	return fmt.Errorf("stored text: unexpected %T", src)
}

// idDest scans a NOT NULL id column.
type idDest struct{ p *ticketd.ID }

func (d idDest) Scan(src any) error {
	var s string
	if err := (textDest[string]{&s}).Scan(src); err != nil {
		return err
	}
	var err error
	*d.p, err = parseID(s)
	return err
}

// optIDDest scans a nullable id column: NULL is nil, and so is an empty
// string (the tracking token of a ticket from before tokens).
type optIDDest struct{ p **ticketd.ID }

func (d optIDDest) Scan(src any) error {
	if src == nil {
		*d.p = nil
		return nil
	}
	var s string
	if err := (textDest[string]{&s}).Scan(src); err != nil {
		return err
	}
	if s == "" {
		*d.p = nil
		return nil
	}
	id, err := parseID(s)
	if err != nil {
		return err
	}
	*d.p = &id
	return nil
}

// stringsDest scans a list stored as JSON text (parseStrings).
type stringsDest struct{ p *[]string }

func (d stringsDest) Scan(src any) error {
	var s string
	if err := (textDest[string]{&s}).Scan(src); err != nil {
		return err
	}
	var err error
	*d.p, err = parseStrings(s)
	return err
}

var _ = []sql.Scanner{intDest{}, smallIntDest{}, textDest[string]{}, idDest{}, optIDDest{}, stringsDest{}}
