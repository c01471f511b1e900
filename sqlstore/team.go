package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	ticketd "github.com/ticketd/ticketd"
)

const teamColumns = `number, id, workspace_id, name, description, created_at, updated_at`

func scanTeam(row scanner) (*ticketd.Team, error) {
	var tm ticketd.Team
	var id, ws string
	if err := row.Scan(&tm.Number, &id, &ws, &tm.Name, &tm.Description, &tm.CreatedAt, &tm.UpdatedAt); err != nil {
		return nil, err
	}
	var err error
	if tm.ID, err = parseID(id); err != nil {
		return nil, err
	}
	if tm.WorkspaceID, err = parseID(ws); err != nil {
		return nil, err
	}
	tm.CreatedAt, tm.UpdatedAt = tm.CreatedAt.UTC(), tm.UpdatedAt.UTC()
	return &tm, nil
}

// CreateTeam inserts tm and assigns its number.
func (t *Tx) CreateTeam(ctx context.Context, tm *ticketd.Team) error {
	err := t.queryRow(ctx, `INSERT INTO teams (id, workspace_id, name, description, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING number`,
		idArg(tm.ID), idArg(tm.WorkspaceID), tm.Name, tm.Description, tm.CreatedAt, tm.UpdatedAt).Scan(&tm.Number)
	return t.d.normalize(err)
}

// Team returns the team ref names in workspace ws.
func (t *Tx) Team(ctx context.Context, ws ticketd.ID, ref ticketd.Ref) (*ticketd.Team, error) {
	tm, err := scanTeam(t.queryRow(ctx, `SELECT `+teamColumns+` FROM teams
		WHERE workspace_id = $1 AND `+refCond(ref), idArg(ws), refArg(ref)))
	if err != nil {
		return nil, t.notFound(err, "team")
	}
	return tm, nil
}

// Teams lists the workspace's teams in creation order.
func (t *Tx) Teams(ctx context.Context, ws ticketd.ID, page ticketd.Page) ([]*ticketd.Team, error) {
	rows, err := t.query(ctx, `SELECT `+teamColumns+` FROM teams
		WHERE workspace_id = $1 AND number > $2 ORDER BY number LIMIT $3 OFFSET $4`,
		idArg(ws), page.AfterNumber, limitArg(page.Limit), page.Offset)
	if err != nil {
		return nil, t.d.normalize(err)
	}
	return collect(rows, scanTeam)
}

// UpdateTeam writes the given fields of a team and its update time.
func (t *Tx) UpdateTeam(ctx context.Context, ws, id ticketd.ID, name, description *string, now time.Time) error {
	sets := []string{"updated_at = $1"}
	args := []any{now}
	if name != nil {
		args = append(args, *name)
		sets = append(sets, fmt.Sprintf("name = $%d", len(args)))
	}
	if description != nil {
		args = append(args, *description)
		sets = append(sets, fmt.Sprintf("description = $%d", len(args)))
	}
	args = append(args, idArg(ws), idArg(id))
	return t.execOne(ctx, "team", fmt.Sprintf(`UPDATE teams SET %s WHERE workspace_id = $%d AND id = $%d`,
		strings.Join(sets, ", "), len(args)-1, len(args)), args...)
}

// DeleteTeam unassigns the team's tickets and removes it; its memberships
// cascade.
func (t *Tx) DeleteTeam(ctx context.Context, ws, id ticketd.ID) error {
	if _, err := t.exec(ctx, `UPDATE tickets SET team_id = NULL WHERE workspace_id = $1 AND team_id = $2`,
		idArg(ws), idArg(id)); err != nil {
		return err
	}
	if _, err := t.exec(ctx, `DELETE FROM team_members WHERE team_id = $1`, idArg(id)); err != nil {
		return err
	}
	return t.execOne(ctx, "team", `DELETE FROM teams WHERE workspace_id = $1 AND id = $2`, idArg(ws), idArg(id))
}

// AddTeamMember adds a membership unless it exists.
func (t *Tx) AddTeamMember(ctx context.Context, team, user ticketd.ID, now time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO team_members (team_id, user_id, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (team_id, user_id) DO NOTHING`, idArg(team), idArg(user), now)
	return err
}

// RemoveTeamMember removes a membership.
func (t *Tx) RemoveTeamMember(ctx context.Context, team, user ticketd.ID) error {
	return t.execOne(ctx, "team member", `DELETE FROM team_members WHERE team_id = $1 AND user_id = $2`,
		idArg(team), idArg(user))
}

// TeamMembers lists a team's members in the order they joined.
func (t *Tx) TeamMembers(ctx context.Context, ws, team ticketd.ID) ([]*ticketd.User, error) {
	rows, err := t.query(ctx, `SELECT `+prefixed("u.", userColumns)+` FROM team_members m
		JOIN users u ON u.id = m.user_id
		WHERE m.team_id = $1 AND u.workspace_id = $2 AND u.deleted_at IS NULL
		ORDER BY m.created_at, u.number`, idArg(team), idArg(ws))
	if err != nil {
		return nil, t.d.normalize(err)
	}
	return collect(rows, scanUser)
}
