package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/netip"

	ticketd "github.com/ticketd/ticketd"
)

const apiKeyColumns = `number, id, workspace_id, user_id, name, prefix, hash, scopes, created_at, role, expires_at, allowed_ips`

func scanAPIKey(row scanner) (*ticketd.APIKey, error) {
	var k ticketd.APIKey
	var id, ws, user, scopes, allowed string
	var expires sql.NullTime
	if err := row.Scan(&k.Number, &id, &ws, &user, &k.Name, &k.Prefix, &k.Hash, &scopes, &k.CreatedAt, &k.Role, &expires, &allowed); err != nil {
		return nil, err
	}
	var prefixes []string
	if err := json.Unmarshal([]byte(allowed), &prefixes); err != nil {
		return nil, fmt.Errorf("api key allowed_ips: %w", err)
	}
	for _, s := range prefixes {
		pr, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("api key allowed_ips: %w", err)
		}
		k.AllowedIPs = append(k.AllowedIPs, pr)
	}
	k.ExpiresAt = optTime(expires)
	var err error
	if k.ID, err = parseID(id); err != nil {
		return nil, err
	}
	if k.WorkspaceID, err = parseID(ws); err != nil {
		return nil, err
	}
	if k.UserID, err = parseID(user); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(scopes), &k.Scopes); err != nil {
		return nil, fmt.Errorf("api key scopes: %w", err)
	}
	k.CreatedAt = k.CreatedAt.UTC()
	return &k, nil
}

// CreateAPIKey inserts k and assigns its number.
func (t *Tx) CreateAPIKey(ctx context.Context, k *ticketd.APIKey) error {
	role := k.Role
	if role == "" {
		role = ticketd.RoleAdmin
	}
	allowed := make([]string, len(k.AllowedIPs))
	for i, pr := range k.AllowedIPs {
		allowed[i] = pr.String()
	}
	err := t.queryRow(ctx, `INSERT INTO api_keys (id, workspace_id, user_id, name, prefix, hash, scopes, created_at, role, expires_at,
		allowed_ips) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING number`,
		idArg(k.ID), idArg(k.WorkspaceID), idArg(k.UserID), k.Name, k.Prefix, k.Hash, jsonArg(k.Scopes), k.CreatedAt,
		string(role), optTimeArg(k.ExpiresAt), jsonArg(allowed)).Scan(&k.Number)
	return t.d.normalize(err)
}

// APIKeyByPrefix finds a key by its visible prefix. The key of an agent who
// is not active (users.is_active false) or deleted is not found: such a user
// cannot reach the system, with any of its keys.
//
// Two lookups by unique key rather than one join: with a join (or EXISTS)
// over the small, analysed key and user tables SQLite's planner chose to scan
// the keys, which the EXPLAIN test caught.
func (t *Tx) APIKeyByPrefix(ctx context.Context, prefix string) (*ticketd.APIKey, error) {
	k, err := scanAPIKey(t.queryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE prefix = $1`, prefix))
	if err != nil {
		return nil, t.notFound(err, "api key")
	}
	var live int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE id = $1 AND is_active AND deleted_at IS NULL`,
		idArg(k.UserID)).Scan(&live); err != nil {
		return nil, t.d.normalize(err)
	}
	if live == 0 {
		return nil, ticketd.NotFound("api key")
	}
	return k, nil
}

// APIKeys lists the workspace's keys in creation order.
func (t *Tx) APIKeys(ctx context.Context, ws ticketd.ID, page ticketd.Page) ([]*ticketd.APIKey, error) {
	rows, err := t.query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys
		WHERE workspace_id = $1 AND number > $2 ORDER BY number LIMIT $3`,
		idArg(ws), page.AfterNumber, limitArg(page.Limit))
	if err != nil {
		return nil, t.d.normalize(err)
	}
	return collect(rows, scanAPIKey)
}

// DeleteAPIKey removes a key of workspace ws.
func (t *Tx) DeleteAPIKey(ctx context.Context, ws, id ticketd.ID) error {
	return t.execOne(ctx, "api key", `DELETE FROM api_keys WHERE workspace_id = $1 AND id = $2`, idArg(ws), idArg(id))
}
