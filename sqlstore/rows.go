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

// refCond is the condition that finds the object a Ref names, by whichever
// half is set: one statement per half, so each reads its own index ("id =
// $2 OR number = $3" left PostgreSQL a plan that filters the workspace's
// rows). The id wins when both are set.
func refCond(ref ticketd.Ref) string {
	if ref.ID != uuid.Nil {
		return "id = $2"
	}
	return "number = $2"
}

// refArg is refCond's argument.
func refArg(ref ticketd.Ref) any {
	if ref.ID != uuid.Nil {
		return ref.ID.String()
	}
	return ref.Number
}
