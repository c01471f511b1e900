package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	ticketd "github.com/ticketd/ticketd"
)

// CreateWorkspace inserts w and assigns its number.
func (t *Tx) CreateWorkspace(ctx context.Context, w *ticketd.Workspace) error {
	settings, err := json.Marshal(w.Settings)
	if err != nil {
		return err
	}
	err = t.queryRow(ctx, `INSERT INTO workspaces (id, name, settings, created_at)
		VALUES ($1, $2, $3, $4) RETURNING number`,
		idArg(w.ID), w.Name, string(settings), w.CreatedAt).Scan(&w.Number)
	return t.d.normalize(err)
}

// Workspace returns the workspace with id.
func (t *Tx) Workspace(ctx context.Context, id ticketd.ID) (*ticketd.Workspace, error) {
	return t.workspace(ctx, id, "")
}

// WorkspaceForUpdate is Workspace, locking the row until the transaction ends.
func (t *Tx) WorkspaceForUpdate(ctx context.Context, id ticketd.ID) (*ticketd.Workspace, error) {
	return t.workspace(ctx, id, t.d.forUpdate())
}

func (t *Tx) workspace(ctx context.Context, id ticketd.ID, lock string) (*ticketd.Workspace, error) {
	w := &ticketd.Workspace{ID: id}
	var settings string
	err := t.queryRow(ctx, `SELECT number, name, settings, created_at FROM workspaces WHERE id = $1`+lock,
		idArg(id)).Scan(&w.Number, &w.Name, &settings, &w.CreatedAt)
	if err != nil {
		return nil, t.notFound(err, "workspace")
	}
	w.CreatedAt = w.CreatedAt.UTC()
	if err := json.Unmarshal([]byte(settings), &w.Settings); err != nil {
		return nil, fmt.Errorf("workspace settings: %w", err)
	}
	return w, nil
}

// CountWorkspaces counts every workspace.
func (t *Tx) CountWorkspaces(ctx context.Context) (int, error) {
	var n int
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM workspaces`).Scan(&n)
	return n, t.d.normalize(err)
}
