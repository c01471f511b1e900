package sqlstore

import (
	"context"

	ticketd "github.com/ticketd/ticketd"
)

const userColumns = `number, id, workspace_id, email, name, role, created_at, updated_at,
	is_active, employee_type, avatar_url, region, timezone`

func scanUser(row scanner) (*ticketd.User, error) {
	var u ticketd.User
	var id, ws string
	if err := row.Scan(&u.Number, &id, &ws, &u.Email, &u.Name, &u.Role, &u.CreatedAt, &u.UpdatedAt,
		&u.IsActive, &u.EmployeeType, &u.AvatarURL, &u.Region, &u.Timezone); err != nil {
		return nil, err
	}
	var err error
	if u.ID, err = parseID(id); err != nil {
		return nil, err
	}
	if u.WorkspaceID, err = parseID(ws); err != nil {
		return nil, err
	}
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return &u, nil
}

// CreateUser inserts u and assigns its number.
func (t *Tx) CreateUser(ctx context.Context, u *ticketd.User) error {
	if u.EmployeeType == "" {
		u.IsActive, u.EmployeeType = true, ticketd.EmployeePermanent
	}
	err := t.queryRow(ctx, `INSERT INTO users (id, workspace_id, email, name, role, created_at, updated_at,
		is_active, employee_type, avatar_url, region, timezone)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING number`,
		idArg(u.ID), idArg(u.WorkspaceID), u.Email, u.Name, string(u.Role), u.CreatedAt, u.UpdatedAt,
		u.IsActive, string(u.EmployeeType), u.AvatarURL, u.Region, u.Timezone).Scan(&u.Number)
	return t.d.normalize(err)
}

// User returns the user ref names in workspace ws.
func (t *Tx) User(ctx context.Context, ws ticketd.ID, ref ticketd.Ref) (*ticketd.User, error) {
	return t.user(ctx, ws, ref, "")
}

// UserForUpdate is User, locking the row until the transaction ends.
func (t *Tx) UserForUpdate(ctx context.Context, ws ticketd.ID, ref ticketd.Ref) (*ticketd.User, error) {
	return t.user(ctx, ws, ref, t.d.forUpdate())
}

func (t *Tx) user(ctx context.Context, ws ticketd.ID, ref ticketd.Ref, lock string) (*ticketd.User, error) {
	u, err := scanUser(t.queryRow(ctx, `SELECT `+userColumns+` FROM users
		WHERE workspace_id = $1 AND `+refCond(ref)+` AND deleted_at IS NULL`+lock, idArg(ws), refArg(ref)))
	if err != nil {
		return nil, t.notFound(err, "user")
	}
	return u, nil
}

// Users lists the workspace's users in creation order.
func (t *Tx) Users(ctx context.Context, ws ticketd.ID, page ticketd.Page) ([]*ticketd.User, error) {
	rows, err := t.query(ctx, `SELECT `+userColumns+` FROM users
		WHERE workspace_id = $1 AND number > $2 AND deleted_at IS NULL ORDER BY number LIMIT $3 OFFSET $4`,
		idArg(ws), page.AfterNumber, limitArg(page.Limit), page.Offset)
	if err != nil {
		return nil, t.d.normalize(err)
	}
	return collect(rows, scanUser)
}
