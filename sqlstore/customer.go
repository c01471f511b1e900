package sqlstore

import (
	"context"

	ticketd "github.com/ticketd/ticketd"
)

var customerColumns = `number, id, workspace_id, email, phone, first_name, last_name, created_at, updated_at, ` + profileColumns

func scanCustomer(row scanner) (*ticketd.Customer, error) {
	var c ticketd.Customer
	var id, ws string
	var pr profileRow
	if err := row.Scan(append([]any{&c.Number, &id, &ws, &c.Email, &c.Phone, &c.FirstName, &c.LastName, &c.CreatedAt, &c.UpdatedAt},
		pr.dest()...)...); err != nil {
		return nil, err
	}
	var err error
	if c.Profile, err = pr.profile(); err != nil {
		return nil, err
	}
	if c.ID, err = parseID(id); err != nil {
		return nil, err
	}
	if c.WorkspaceID, err = parseID(ws); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

// CreateCustomer inserts c and assigns its number.
func (t *Tx) CreateCustomer(ctx context.Context, c *ticketd.Customer) error {
	args := append([]any{idArg(c.ID), idArg(c.WorkspaceID), c.Email, c.Phone, c.FirstName, c.LastName, c.CreatedAt, c.UpdatedAt},
		profileArgs(c.Profile)...)
	err := t.queryRow(ctx, `INSERT INTO customers (id, workspace_id, email, phone, first_name, last_name, created_at, updated_at,
		`+profileColumns+`) VALUES (`+placeholders(len(args))+`) RETURNING number`, args...).Scan(&c.Number)
	if err != nil {
		return t.d.normalize(err)
	}
	return t.insertIdentities(ctx, c)
}

// Customer returns the customer ref names in workspace ws.
func (t *Tx) Customer(ctx context.Context, ws ticketd.ID, ref ticketd.Ref) (*ticketd.Customer, error) {
	return t.customer(ctx, ws, ref, "")
}

// CustomerForUpdate is Customer, locking the row until the transaction ends.
func (t *Tx) CustomerForUpdate(ctx context.Context, ws ticketd.ID, ref ticketd.Ref) (*ticketd.Customer, error) {
	return t.customer(ctx, ws, ref, t.d.forUpdate())
}

func (t *Tx) customer(ctx context.Context, ws ticketd.ID, ref ticketd.Ref, lock string) (*ticketd.Customer, error) {
	c, err := scanCustomer(t.queryRow(ctx, `SELECT `+customerColumns+` FROM customers
		WHERE workspace_id = $1 AND `+refCond(ref)+` AND deleted_at IS NULL`+lock, idArg(ws), refArg(ref)))
	if err != nil {
		return nil, t.notFound(err, "customer")
	}
	return c, nil
}

// CustomerByEmail finds a customer by its (lower-cased) email. Saying that
// the email is not empty lets the engines use the partial unique index,
// which holds only customers with an email.
func (t *Tx) CustomerByEmail(ctx context.Context, ws ticketd.ID, email string) (*ticketd.Customer, error) {
	c, err := scanCustomer(t.queryRow(ctx, `SELECT `+customerColumns+` FROM customers
		WHERE workspace_id = $1 AND email = $2 AND email <> '' AND deleted_at IS NULL`, idArg(ws), email))
	if err != nil {
		return nil, t.notFound(err, "customer")
	}
	return c, nil
}

// CustomerByPhone finds the oldest customer with a phone number.
func (t *Tx) CustomerByPhone(ctx context.Context, ws ticketd.ID, phone string) (*ticketd.Customer, error) {
	c, err := scanCustomer(t.queryRow(ctx, `SELECT `+customerColumns+` FROM customers
		WHERE workspace_id = $1 AND phone = $2 AND phone <> '' AND deleted_at IS NULL ORDER BY number LIMIT 1`, idArg(ws), phone))
	if err != nil {
		return nil, t.notFound(err, "customer")
	}
	return c, nil
}

// Customers lists the workspace's customers in creation order.
func (t *Tx) Customers(ctx context.Context, ws ticketd.ID, page ticketd.Page) ([]*ticketd.Customer, error) {
	rows, err := t.query(ctx, `SELECT `+customerColumns+` FROM customers
		WHERE workspace_id = $1 AND number > $2 AND deleted_at IS NULL ORDER BY number LIMIT $3 OFFSET $4`,
		idArg(ws), page.AfterNumber, limitArg(page.Limit), page.Offset)
	if err != nil {
		return nil, t.d.normalize(err)
	}
	return collect(rows, scanCustomer)
}
