package sqlstore

import (
	"context"

	ticketd "github.com/ticketd/ticketd"
)

// The look-ups of People on PostgreSQL: one statement a table for any
// number of ids, bound as one text[] parameter, so the text is constant and
// stays prepared, and = ANY reads the id index once per id.
var (
	peopleCustomers = `SELECT ` + customerColumns + ` FROM customers
		WHERE workspace_id = $1 AND id = ANY($2::text[]) AND deleted_at IS NULL`
	peopleUsers = `SELECT ` + userColumns + ` FROM users
		WHERE workspace_id = $1 AND id = ANY($2::text[]) AND deleted_at IS NULL`
)

// People returns the customers and users of workspace ws that the ids
// name: on PostgreSQL in one statement a table, since every statement is a
// round trip to the server; on SQLite, which runs in the process, by one
// primary-key look-up per id (its planner, not knowing how many ids a JSON
// array holds, scanned the customers for an IN list of them).
func (t *Tx) People(ctx context.Context, ws ticketd.ID, customers, users []ticketd.ID) ([]*ticketd.Customer, []*ticketd.User, error) {
	if t.d.name() != "postgres" {
		return t.peopleOneByOne(ctx, ws, customers, users)
	}
	var cs []*ticketd.Customer
	var us []*ticketd.User
	if len(customers) > 0 {
		rows, err := t.query(ctx, peopleCustomers, idArg(ws), idsArg(customers))
		if err != nil {
			return nil, nil, t.d.normalize(err)
		}
		if cs, err = collect(rows, scanCustomer); err != nil {
			return nil, nil, err
		}
	}
	if len(users) > 0 {
		rows, err := t.query(ctx, peopleUsers, idArg(ws), idsArg(users))
		if err != nil {
			return nil, nil, t.d.normalize(err)
		}
		if us, err = collect(rows, scanUser); err != nil {
			return nil, nil, err
		}
	}
	return cs, us, nil
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
