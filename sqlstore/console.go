package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	ticketd "github.com/ticketd/ticketd"
)

// This file implements ticketd.ConsoleTx: sign-in state, sessions,
// throttling, one-time links, system mail, the console's ticket lists,
// counts and versions (search is search.go).

// ---- logins and sessions ---------------------------------------------------

// Login returns the login of user in ws.
func (t *Tx) Login(ctx context.Context, ws, user ticketd.ID) (*ticketd.Login, error) {
	var l ticketd.Login
	var deactivated sql.NullTime
	err := t.queryRow(ctx, `SELECT password_hash, deactivated_at, updated_at FROM agent_logins
		WHERE workspace_id = $1 AND user_id = $2`, idArg(ws), idArg(user)).Scan(&l.PasswordHash, &deactivated, &l.UpdatedAt)
	if err != nil {
		return nil, t.notFound(err, "login")
	}
	l.UserID, l.WorkspaceID, l.DeactivatedAt = user, ws, optTime(deactivated)
	return &l, nil
}

// PutLogin inserts or replaces a login.
func (t *Tx) PutLogin(ctx context.Context, l *ticketd.Login) error {
	_, err := t.exec(ctx, `INSERT INTO agent_logins (user_id, workspace_id, password_hash, deactivated_at, updated_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash,
			deactivated_at = excluded.deactivated_at, updated_at = excluded.updated_at`,
		idArg(l.UserID), idArg(l.WorkspaceID), l.PasswordHash, optTimeArg(l.DeactivatedAt), l.UpdatedAt)
	return err
}

// UsersByEmail lists users with the email in any workspace.
func (t *Tx) UsersByEmail(ctx context.Context, email string, limit int) ([]*ticketd.User, error) {
	rows, err := t.query(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1 AND deleted_at IS NULL ORDER BY number LIMIT $2`, email, limitArg(limit))
	if err != nil {
		return nil, t.d.normalize(err)
	}
	return collect(rows, scanUser)
}

// CreateSession inserts a session.
func (t *Tx) CreateSession(ctx context.Context, s *ticketd.Session) error {
	_, err := t.exec(ctx, `INSERT INTO sessions (id, hash, workspace_id, user_id, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, idArg(s.ID), s.Hash, idArg(s.WorkspaceID), idArg(s.UserID), s.CreatedAt, s.ExpiresAt)
	return err
}

// sessionAgentQuery reads a session, its agent and the agent's login in
// one statement: a console page's first read, on every request.
var sessionAgentQuery = `SELECT s.id, s.created_at, s.expires_at, l.password_hash, l.deactivated_at, l.updated_at, ` +
	prefixed("u.", userColumns) + `
		FROM sessions s
		JOIN users u ON u.id = s.user_id AND u.workspace_id = s.workspace_id AND u.deleted_at IS NULL
		JOIN agent_logins l ON l.user_id = u.id AND l.workspace_id = u.workspace_id
		WHERE s.hash = $1 AND s.expires_at > $2`

// leading scans the columns before a row's scanned part into pre.
type leading struct {
	row scanner
	pre []any
}

func (p leading) Scan(dest ...any) error { return p.row.Scan(append(p.pre, dest...)...) }

// SessionAgent returns the unexpired session with the hash, its agent and
// the agent's login; ENOTFOUND if any of them is missing.
func (t *Tx) SessionAgent(ctx context.Context, hash []byte, now time.Time) (*ticketd.Session, *ticketd.User, *ticketd.Login, error) {
	var s ticketd.Session
	var l ticketd.Login
	var id string
	var deactivated sql.NullTime
	u, err := scanUser(leading{t.queryRow(ctx, sessionAgentQuery, hash, now),
		[]any{&id, &s.CreatedAt, &s.ExpiresAt, &l.PasswordHash, &deactivated, &l.UpdatedAt}})
	if err != nil {
		return nil, nil, nil, t.notFound(err, "session")
	}
	if s.ID, err = parseID(id); err != nil {
		return nil, nil, nil, err
	}
	s.WorkspaceID, s.UserID, s.Hash = u.WorkspaceID, u.ID, hash
	l.UserID, l.WorkspaceID, l.DeactivatedAt = u.ID, u.WorkspaceID, optTime(deactivated)
	return &s, u, &l, nil
}

// DeleteSession deletes the session with the hash.
func (t *Tx) DeleteSession(ctx context.Context, hash []byte) error {
	_, err := t.exec(ctx, `DELETE FROM sessions WHERE hash = $1`, hash)
	return err
}

// DeleteUserSessions ends every session of a user.
func (t *Tx) DeleteUserSessions(ctx context.Context, ws, user ticketd.ID) error {
	_, err := t.exec(ctx, `DELETE FROM sessions WHERE workspace_id = $1 AND user_id = $2`, idArg(ws), idArg(user))
	return err
}

// DeleteExpiredSessions removes sessions past their end, so the table holds
// only live ones.
func (t *Tx) DeleteExpiredSessions(ctx context.Context, now time.Time) error {
	_, err := t.exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, now)
	return err
}

// CountAttempt counts an attempt with one upsert: the count is read and
// written by one statement, under the row's lock, so concurrent attempts on
// several nodes each get their own number. Windows that ended are deleted
// first, which keeps the table as small as the last window's traffic.
func (t *Tx) CountAttempt(ctx context.Context, key string, now, cutoff time.Time) (int, error) {
	if _, err := t.exec(ctx, `DELETE FROM login_throttle WHERE window_start < $1`, cutoff); err != nil {
		return 0, err
	}
	var n int
	err := t.queryRow(ctx, `INSERT INTO login_throttle (key, window_start, attempts) VALUES ($1, $2, 1)
		ON CONFLICT (key) DO UPDATE SET
			attempts = CASE WHEN login_throttle.window_start < $3 THEN 1 ELSE login_throttle.attempts + 1 END,
			window_start = CASE WHEN login_throttle.window_start < $3 THEN excluded.window_start ELSE login_throttle.window_start END
		RETURNING attempts`, key, now, cutoff).Scan(&n)
	return n, t.d.normalize(err)
}

// ClearAttempts forgets the attempts on key.
func (t *Tx) ClearAttempts(ctx context.Context, key string) error {
	_, err := t.exec(ctx, `DELETE FROM login_throttle WHERE key = $1`, key)
	return err
}

// CreateLoginToken inserts a one-time token.
func (t *Tx) CreateLoginToken(ctx context.Context, k *ticketd.LoginToken) error {
	_, err := t.exec(ctx, `INSERT INTO login_tokens (id, hash, purpose, workspace_id, user_id, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, idArg(k.ID), k.Hash, k.Purpose, idArg(k.WorkspaceID), idArg(k.UserID), k.CreatedAt, k.ExpiresAt)
	return err
}

// LoginTokenByHash finds a token by its hash.
func (t *Tx) LoginTokenByHash(ctx context.Context, hash []byte) (*ticketd.LoginToken, error) {
	var k ticketd.LoginToken
	var id, ws, user string
	var used sql.NullTime
	err := t.queryRow(ctx, `SELECT id, purpose, workspace_id, user_id, created_at, expires_at, used_at FROM login_tokens
		WHERE hash = $1`, hash).Scan(&id, &k.Purpose, &ws, &user, &k.CreatedAt, &k.ExpiresAt, &used)
	if err != nil {
		return nil, t.notFound(err, "link")
	}
	if k.ID, err = parseID(id); err != nil {
		return nil, err
	}
	if k.WorkspaceID, err = parseID(ws); err != nil {
		return nil, err
	}
	if k.UserID, err = parseID(user); err != nil {
		return nil, err
	}
	k.Hash, k.UsedAt = hash, optTime(used)
	return &k, nil
}

// UseLoginToken marks a token used, only if it was not.
func (t *Tx) UseLoginToken(ctx context.Context, id ticketd.ID, now time.Time) error {
	return t.execOne(ctx, "link", `UPDATE login_tokens SET used_at = $1 WHERE id = $2 AND used_at IS NULL`, now, idArg(id))
}

// ---- system mail -------------------------------------------------------------

// CreateSystemEmail inserts a system email.
func (t *Tx) CreateSystemEmail(ctx context.Context, e *ticketd.SystemEmail) error {
	_, err := t.exec(ctx, `INSERT INTO system_emails (id, workspace_id, inbox_id, to_address, subject, body, status, error,
		created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		idArg(e.ID), idArg(e.WorkspaceID), idArg(e.InboxID), e.To, e.Subject, e.Body, string(e.Status), e.Error, e.CreatedAt, e.UpdatedAt)
	return err
}

// SystemEmail finds a system email by id, in any workspace.
func (t *Tx) SystemEmail(ctx context.Context, id ticketd.ID) (*ticketd.SystemEmail, error) {
	var e ticketd.SystemEmail
	var ws, inbox string
	err := t.queryRow(ctx, `SELECT workspace_id, inbox_id, to_address, subject, body, status, error, created_at, updated_at
		FROM system_emails WHERE id = $1`, idArg(id)).Scan(&ws, &inbox, &e.To, &e.Subject, &e.Body, &e.Status, &e.Error,
		&e.CreatedAt, &e.UpdatedAt)
	if err != nil {
		return nil, t.notFound(err, "system email")
	}
	if e.WorkspaceID, err = parseID(ws); err != nil {
		return nil, err
	}
	if e.InboxID, err = parseID(inbox); err != nil {
		return nil, err
	}
	e.ID = id
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	return &e, nil
}

// UpdateSystemEmail records a delivery outcome.
func (t *Tx) UpdateSystemEmail(ctx context.Context, e *ticketd.SystemEmail) error {
	return t.execOne(ctx, "system email", `UPDATE system_emails SET status = $1, error = $2, updated_at = $3 WHERE id = $4`,
		string(e.Status), e.Error, e.UpdatedAt, idArg(e.ID))
}

// ---- lists, counts and versions ------------------------------------------------

// TicketCounts reads the kept counts.
func (t *Tx) TicketCounts(ctx context.Context, ws ticketd.ID) ([]ticketd.TicketCount, error) {
	rows, err := t.query(ctx, `SELECT status, assignee_id, n FROM ticket_counts WHERE workspace_id = $1 AND n <> 0`, idArg(ws))
	if err != nil {
		return nil, t.d.normalize(err)
	}
	defer rows.Close()
	var out []ticketd.TicketCount
	for rows.Next() {
		var c ticketd.TicketCount
		var assignee string
		if err := rows.Scan(&c.Status, &assignee, &c.N); err != nil {
			return nil, err
		}
		if assignee != "" {
			id, err := parseID(assignee)
			if err != nil {
				return nil, err
			}
			c.AssigneeID = &id
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// viewConditions renders the filter's conditions on the tickets table
// (aliased t) and appends their arguments. The statement text depends only
// on which fields are set, so the statement cache stays small.
func viewConditions(f ticketd.ViewFilter, args *[]any) string {
	var b strings.Builder
	arg := func(v any) string {
		*args = append(*args, v)
		return fmt.Sprintf("$%d", len(*args))
	}
	if f.Status != nil {
		b.WriteString(" AND t.status = " + arg(string(*f.Status)))
	}
	if len(f.Statuses) > 0 {
		// Only search gets here (ViewTickets reads status by status): its
		// candidates are bounded already, so an IN costs nothing more.
		marks := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			marks[i] = arg(string(st))
		}
		b.WriteString(" AND t.status IN (" + strings.Join(marks, ", ") + ")")
	}
	if f.Unassigned {
		b.WriteString(" AND t.assignee_id IS NULL")
	} else if f.AssigneeID != nil {
		b.WriteString(" AND t.assignee_id = " + arg(idArg(*f.AssigneeID)))
	}
	if f.InboxID != nil {
		b.WriteString(" AND t.inbox_id = " + arg(idArg(*f.InboxID)))
	}
	if f.CustomerID != nil {
		b.WriteString(" AND t.customer_id = " + arg(idArg(*f.CustomerID)))
	}
	if f.Priority != nil {
		// A plain equality, so that tickets_workspace_priority (workspace,
		// priority, number) can serve the view in its order.
		b.WriteString(" AND t.priority = " + arg(string(*f.Priority)))
	}
	if f.Tag != "" {
		// A probe per ticket of the view's index, which stops after one
		// page for a common tag; an IN list would first read every ticket
		// of the tag and sort them.
		b.WriteString(" AND EXISTS (SELECT 1 FROM ticket_tags tt WHERE tt.workspace_id = $1 AND tt.tag = " + arg(f.Tag) +
			" AND tt.ticket_number = t.number)")
	}
	return b.String()
}

// ViewTickets lists one keyset page: the statement reads the view's index
// from the cursor on, so page 1,000 costs what page 1 does.
func (t *Tx) ViewTickets(ctx context.Context, ws ticketd.ID, f ticketd.ViewFilter) ([]*ticketd.Ticket, error) {
	if len(f.Statuses) > 0 {
		return byEachStatus(f.Statuses, !f.Oldest, f.Limit, 0, func(st ticketd.Status) ([]*ticketd.Ticket, error) {
			one := f
			one.Status, one.Statuses = &st, nil
			return t.ViewTickets(ctx, ws, one)
		})
	}
	args := []any{idArg(ws)}
	q := `SELECT ` + prefixed("t.", ticketColumns) + ` FROM tickets t WHERE t.workspace_id = $1` + viewConditions(f, &args)
	order := " ORDER BY t.number DESC"
	if f.After > 0 {
		args = append(args, f.After)
		if f.Oldest {
			q += fmt.Sprintf(" AND t.number > $%d", len(args))
		} else {
			q += fmt.Sprintf(" AND t.number < $%d", len(args))
		}
	}
	if f.Oldest {
		order = " ORDER BY t.number"
	}
	args = append(args, limitArg(f.Limit))
	rows, err := t.query(ctx, q+order+fmt.Sprintf(" LIMIT $%d", len(args)), args...)
	if err != nil {
		return nil, t.d.normalize(err)
	}
	return collect(rows, scanTicket)
}

// prefixed qualifies a column list with a table alias.
func prefixed(alias, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = alias + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// SendingDomains lists the workspace's domains in creation order.
func (t *Tx) SendingDomains(ctx context.Context, ws ticketd.ID) ([]*ticketd.SendingDomain, error) {
	rows, err := t.query(ctx, `SELECT `+domainColumns+` FROM sending_domains WHERE workspace_id = $1 ORDER BY number LIMIT 1000`, idArg(ws))
	if err != nil {
		return nil, t.d.normalize(err)
	}
	ds, err := collect(rows, scanDomain)
	// A list has no use for the private keys, which are stored sealed
	// (secrets.go): none is returned rather than a sealed one.
	for _, d := range ds {
		d.Keys.PrivateKeyPEM = nil
	}
	return ds, err
}

// ---- the names a ticket list shows ---------------------------------------------

// customerNamesBatch is how many ids one CustomerNames statement takes: a
// list page's worth. The ids are bound one placeholder each, the unused
// ones as ” (no customer's id), so the text is constant and stays
// prepared, and each engine's planner sees a list of this many values and
// reads the id index once per id (SQLite, told a JSON array of them, did
// not know how many there were and scanned the workspace's customers).
const customerNamesBatch = 50

var customerNamesQuery = func() string {
	ph := make([]string, customerNamesBatch)
	for i := range ph {
		ph[i] = fmt.Sprintf("$%d", i+2)
	}
	return `SELECT id, email, first_name, last_name, name FROM customers
		WHERE id IN (` + strings.Join(ph, ", ") + `) AND workspace_id || '' = $1 AND deleted_at IS NULL`
}()

// CustomerNames reads what a list shows of the customers the ids name, in
// one statement per customerNamesBatch ids.
func (t *Tx) CustomerNames(ctx context.Context, ws ticketd.ID, ids []ticketd.ID) ([]ticketd.CustomerName, error) {
	var out []ticketd.CustomerName
	args := make([]any, 1+customerNamesBatch)
	args[0] = idArg(ws)
	for len(ids) > 0 {
		n := min(len(ids), customerNamesBatch)
		for i := range customerNamesBatch {
			args[1+i] = ""
			if i < n {
				args[1+i] = idArg(ids[i])
			}
		}
		rows, err := t.query(ctx, customerNamesQuery, args...)
		if err != nil {
			return nil, t.d.normalize(err)
		}
		for rows.Next() {
			var cn ticketd.CustomerName
			var id string
			if err := rows.Scan(&id, &cn.Email, &cn.FirstName, &cn.LastName, &cn.Name); err != nil {
				rows.Close()
				return nil, err
			}
			if cn.ID, err = ticketd.ParseID(id); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, cn)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, t.d.normalize(err)
		}
		ids = ids[n:]
	}
	return out, nil
}
