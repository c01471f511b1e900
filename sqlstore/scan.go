package sqlstore

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

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
	out := []string{}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("stored list: %w", err)
	}
	return out, nil
}

// limitArg turns "no limit" (0) into a bound both engines accept.
func limitArg(n int) int64 {
	if n <= 0 {
		return 1 << 53
	}
	return int64(n)
}
