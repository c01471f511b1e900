package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	ticketd "github.com/ticketd/ticketd"
)

// peopleQuery is People on PostgreSQL: the customers and the users the ids
// name in one statement, one round trip however many they are. The ids are
// bound as two text[] parameters, so the text is constant and stays
// prepared, and = ANY reads each table's id index once per id. Each row is a
// customer's columns and NULLs for a user's, or the other way round, after
// a first column that says which.
var peopleQuery = `SELECT 'c', ` + customerColumns + `, ` + nulls(userColumns) + ` FROM customers
		WHERE workspace_id = $1 AND id = ANY($2::text[]) AND deleted_at IS NULL
	UNION ALL
	SELECT 'u', ` + nulls(customerColumns) + `, ` + userColumns + ` FROM users
		WHERE workspace_id = $1 AND id = ANY($3::text[]) AND deleted_at IS NULL`

// nulls returns as many NULLs as columns lists.
func nulls(columns string) string {
	return strings.Repeat("NULL, ", strings.Count(columns, ",")) + "NULL"
}

// People returns the customers and users of workspace ws that the ids
// name: on PostgreSQL in one statement, since every statement is a round
// trip to the server; on SQLite, which runs in the process, by one
// primary-key look-up per id (its planner, not knowing how many ids a JSON
// array holds, scanned the customers for an IN list of them).
func (t *Tx) People(ctx context.Context, ws ticketd.ID, customers, users []ticketd.ID) ([]*ticketd.Customer, []*ticketd.User, error) {
	if t.d.name() != "postgres" {
		return t.peopleOneByOne(ctx, ws, customers, users)
	}
	if len(customers) == 0 && len(users) == 0 {
		return nil, nil, nil
	}
	rows, err := t.query(ctx, peopleQuery, idArg(ws), idsArg(customers), idsArg(users))
	if err != nil {
		return nil, nil, t.d.normalize(err)
	}
	defer rows.Close()
	nc, nu := strings.Count(customerColumns, ",")+1, strings.Count(userColumns, ",")+1
	var cs []*ticketd.Customer
	var us []*ticketd.User
	for rows.Next() {
		// A row is scanned twice: for its kind, then as that kind.
		var kind string
		if err := rows.Scan(append([]any{&kind}, discard(nc+nu)...)...); err != nil {
			return nil, nil, err
		}
		if kind == "c" {
			c, err := scanCustomer(columnsOf{rows, 1, nu})
			if err != nil {
				return nil, nil, err
			}
			cs = append(cs, c)
			continue
		}
		u, err := scanUser(columnsOf{rows, 1 + nc, 0})
		if err != nil {
			return nil, nil, err
		}
		us = append(us, u)
	}
	return cs, us, rows.Err()
}

// columnsOf scans a row's columns from skip on, leaving trail at the end.
type columnsOf struct {
	rows        *sql.Rows
	skip, trail int
}

func (c columnsOf) Scan(dest ...any) error {
	all := append(discard(c.skip), dest...)
	return c.rows.Scan(append(all, discard(c.trail)...)...)
}

// discard returns n destinations that take any value and keep none.
func discard(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = new(any)
	}
	return out
}

func (t *Tx) peopleOneByOne(ctx context.Context, ws ticketd.ID, customers, users []ticketd.ID) ([]*ticketd.Customer, []*ticketd.User, error) {
	var cs []*ticketd.Customer
	var us []*ticketd.User
	for _, id := range customers {
		c, err := t.Customer(ctx, ws, ticketd.ByID(id))
		if ticketd.ErrorCode(err) == ticketd.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, nil, err
		}
		cs = append(cs, c)
	}
	for _, id := range users {
		u, err := t.User(ctx, ws, ticketd.ByID(id))
		if ticketd.ErrorCode(err) == ticketd.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, nil, err
		}
		us = append(us, u)
	}
	return cs, us, nil
}

// idsArg binds a list of ids as one PostgreSQL text[].
func idsArg(ids []ticketd.ID) []string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.String()
	}
	return s
}
