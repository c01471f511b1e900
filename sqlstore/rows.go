package sqlstore

import (
	"database/sql"

	"github.com/google/uuid"
	ticketd "github.com/ticketd/ticketd"
)

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(scanner) (*T, error)) ([]*T, error) {
	defer rows.Close()
	out := []*T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// refID is the id half of a Ref as a query argument: the nil UUID never
// matches a stored id, so `id = $2 OR number = $3` looks up by whichever half
// is set.
func refID(ref ticketd.Ref) string {
	if ref.ID == uuid.Nil {
		return ""
	}
	return ref.ID.String()
}
