package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	ticketd "github.com/ticketd/ticketd"
)

// profileColumns are the customer profile's columns (migrations 0051 and
// 0060), in the order of profileRow.dest and profileArgs.
var profileColumns = `name, identities, metadata, orders, platform, platform_created_at, ` + detailsColumns

type profileRow struct {
	name, identities, metadata, platform string
	orders                               sql.NullInt64
	platformCreated                      sql.NullTime
	details                              ticketd.CustomerDetails
}

func (r *profileRow) dest() []any {
	return append([]any{&r.name, &r.identities, &r.metadata, &r.orders, &r.platform, &r.platformCreated},
		detailsDest(&r.details)...)
}

func (r *profileRow) profile() (ticketd.CustomerProfile, error) {
	pr := ticketd.CustomerProfile{Name: r.name, Platform: r.platform, PlatformCreatedAt: optTime(r.platformCreated),
		CustomerDetails: r.details}
	if err := json.Unmarshal([]byte(r.identities), &pr.Identities); err != nil {
		return pr, fmt.Errorf("customer identities: %w", err)
	}
	if err := json.Unmarshal([]byte(r.metadata), &pr.Metadata); err != nil {
		return pr, fmt.Errorf("customer metadata: %w", err)
	}
	if r.orders.Valid {
		n := int(r.orders.Int64)
		pr.Orders = &n
	}
	return pr, nil
}

func jsonMap(m map[string]string) string {
	if m == nil {
		return "{}"
	}
	b, _ := json.Marshal(m) // a map of strings always marshals
	return string(b)
}

func profileArgs(pr ticketd.CustomerProfile) []any {
	var orders any
	if pr.Orders != nil {
		orders = int64(*pr.Orders)
	}
	return append([]any{pr.Name, jsonMap(pr.Identities), jsonMap(pr.Metadata), orders, pr.Platform,
		optTimeArg(pr.PlatformCreatedAt)}, detailsArgs(&pr.CustomerDetails)...)
}

// insertIdentities adds one customer_identities row per identity of c; the
// primary key refuses an id that another customer has (ECONFLICT).
func (t *Tx) insertIdentities(ctx context.Context, c *ticketd.Customer) error {
	for sys, id := range c.Profile.Identities {
		if _, err := t.exec(ctx, `INSERT INTO customer_identities (workspace_id, system, external_id, customer_id)
			VALUES ($1, $2, $3, $4)`, idArg(c.WorkspaceID), sys, id, idArg(c.ID)); err != nil {
			return t.d.normalize(err)
		}
	}
	return nil
}

// SetCustomerProfile writes c's profile and replaces its identity rows.
func (t *Tx) SetCustomerProfile(ctx context.Context, c *ticketd.Customer) error {
	args := append([]any{idArg(c.WorkspaceID), idArg(c.ID), c.UpdatedAt.UTC()}, profileArgs(c.Profile)...)
	cols := strings.Split(profileColumns, ", ")
	sets := make([]string, len(cols))
	for i, col := range cols {
		sets[i] = col + " = $" + strconv.Itoa(i+4)
	}
	res, err := t.exec(ctx, `UPDATE customers SET updated_at = $3, `+strings.Join(sets, ", ")+
		` WHERE workspace_id = $1 AND id = $2 AND deleted_at IS NULL`, args...)
	if err != nil {
		return t.d.normalize(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ticketd.NotFound("customer")
	}
	if _, err := t.exec(ctx, `DELETE FROM customer_identities WHERE workspace_id = $1 AND customer_id = $2`,
		idArg(c.WorkspaceID), idArg(c.ID)); err != nil {
		return t.d.normalize(err)
	}
	return t.insertIdentities(ctx, c)
}

// CustomerByIdentity finds a customer by one of its identities.
func (t *Tx) CustomerByIdentity(ctx context.Context, ws ticketd.ID, system, externalID string) (*ticketd.Customer, error) {
	c, err := scanCustomer(t.queryRow(ctx, `SELECT `+prefixed("c.", customerColumns)+` FROM customer_identities i
		JOIN customers c ON c.id = i.customer_id
		WHERE i.workspace_id = $1 AND i.system = $2 AND i.external_id = $3 AND c.deleted_at IS NULL`, idArg(ws), system, externalID))
	if err != nil {
		return nil, t.notFound(err, "customer")
	}
	return c, nil
}

// FindCustomers lists the customers f selects, in creation order.
func (t *Tx) FindCustomers(ctx context.Context, ws ticketd.ID, f ticketd.CustomerFilter) ([]*ticketd.Customer, error) {
	q := `SELECT ` + prefixed("c.", customerColumns) + ` FROM customers c`
	args := []any{idArg(ws), f.Page.AfterNumber, limitArg(f.Page.Limit)}
	where := ` WHERE c.workspace_id = $1 AND c.number > $2 AND c.deleted_at IS NULL`
	if f.System != "" {
		q += ` JOIN customer_identities i ON i.customer_id = c.id AND i.workspace_id = c.workspace_id`
		args = append(args, f.System, f.ExternalID)
		where += fmt.Sprintf(` AND i.system = $%d AND i.external_id = $%d`, len(args)-1, len(args))
	}
	if f.Email != "" {
		args = append(args, f.Email)
		where += fmt.Sprintf(` AND c.email = $%d`, len(args))
	}
	rows, err := t.query(ctx, q+where+` ORDER BY c.number LIMIT $3`, args...)
	if err != nil {
		return nil, t.d.normalize(err)
	}
	return collect(rows, scanCustomer)
}

// CustomerTicketCounts counts each customer's tickets, one indexed count
// per customer (callers ask for one page at most), with one constant query
// so the statement cache stays bounded by the code.
func (t *Tx) CustomerTicketCounts(ctx context.Context, ws ticketd.ID, customers []ticketd.ID) (map[ticketd.ID]int, error) {
	out := map[ticketd.ID]int{}
	for _, c := range customers {
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM tickets WHERE workspace_id = $1 AND customer_id = $2`,
			idArg(ws), idArg(c)).Scan(&n); err != nil {
			return nil, t.d.normalize(err)
		}
		out[c] = n
	}
	return out, nil
}

// tagPattern is a LIKE pattern that finds tag in a ticket's tags, stored as
// a JSON array of strings; nil (no condition) for "".
func tagPattern(tag string) any {
	if tag == "" {
		return nil
	}
	b, _ := json.Marshal(tag) // a string always marshals
	esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(string(b))
	return "%" + esc + "%"
}

// optBool is a nullable boolean as 1 or 0, which both engines compare alike.
func optBool(b *bool) any {
	switch {
	case b == nil:
		return nil
	case *b:
		return 1
	}
	return 0
}
