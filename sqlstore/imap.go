package sqlstore

import (
	"context"
	"database/sql"
	"time"

	ticketd "github.com/ticketd/ticketd"
)

const imapColumns = `inbox_id, workspace_id, host, port, security, username, password, folder, sent_folder,
	uid_validity, last_uid, sent_uid_validity, sent_last_uid, last_sync_at, last_error`

func (t *Tx) scanIMAP(row scanner) (*ticketd.IMAPMailbox, error) {
	var mb ticketd.IMAPMailbox
	var inbox, ws, password string
	var uv, lu, suv, slu int64
	var synced sql.NullTime
	a := &mb.Account
	if err := row.Scan(&inbox, &ws, &a.Host, &a.Port, &a.Security, &a.Username, &password, &a.Folder, &a.SentFolder,
		&uv, &lu, &suv, &slu, &synced, &mb.LastError); err != nil {
		return nil, err
	}
	var err error
	if mb.InboxID, err = parseID(inbox); err != nil {
		return nil, err
	}
	if mb.WorkspaceID, err = parseID(ws); err != nil {
		return nil, err
	}
	plain, err := t.openSecret(password)
	if err != nil {
		return nil, err
	}
	a.Password = string(plain)
	mb.UIDValidity, mb.LastUID, mb.SentUIDValidity, mb.SentLastUID = uint32(uv), uint32(lu), uint32(suv), uint32(slu)
	mb.LastSyncAt = optTime(synced)
	return &mb, nil
}

// SetInboxIMAP creates or replaces an inbox's IMAP account. The sync state
// of a folder is kept when the server and folder stay the same, and reset
// otherwise: UIDs mean nothing on another server or folder.
func (t *Tx) SetInboxIMAP(ctx context.Context, mb *ticketd.IMAPMailbox) error {
	password, err := t.sealSecret([]byte(mb.Account.Password))
	if err != nil {
		return err
	}
	a := mb.Account
	old, err := t.InboxIMAP(ctx, mb.WorkspaceID, mb.InboxID)
	switch {
	case err == nil:
		same := old.Account.Host == a.Host && old.Account.Port == a.Port && old.Account.Username == a.Username
		uv, lu, suv, slu := old.UIDValidity, old.LastUID, old.SentUIDValidity, old.SentLastUID
		if !same || old.Account.Folder != a.Folder {
			uv, lu = 0, 0
		}
		if !same || old.Account.SentFolder != a.SentFolder {
			suv, slu = 0, 0
		}
		_, err = t.exec(ctx, `UPDATE inbox_imap SET host = $1, port = $2, security = $3, username = $4, password = $5,
			folder = $6, sent_folder = $7, uid_validity = $8, last_uid = $9, sent_uid_validity = $10, sent_last_uid = $11,
			last_error = '' WHERE inbox_id = $12`,
			a.Host, a.Port, a.Security, a.Username, password, a.Folder, a.SentFolder, int64(uv), int64(lu), int64(suv),
			int64(slu), idArg(mb.InboxID))
	case ticketd.ErrorCode(err) == ticketd.ENOTFOUND:
		_, err = t.exec(ctx, `INSERT INTO inbox_imap (inbox_id, workspace_id, host, port, security, username, password,
			folder, sent_folder, uid_validity, last_uid, sent_uid_validity, sent_last_uid, last_error, lease_owner)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, 0, 0, 0, '', '')`,
			idArg(mb.InboxID), idArg(mb.WorkspaceID), a.Host, a.Port, a.Security, a.Username, password, a.Folder, a.SentFolder)
	}
	return t.d.normalize(err)
}

// InboxIMAP returns an inbox's IMAP mailbox.
func (t *Tx) InboxIMAP(ctx context.Context, ws, inbox ticketd.ID) (*ticketd.IMAPMailbox, error) {
	mb, err := t.scanIMAP(t.queryRow(ctx, `SELECT `+imapColumns+` FROM inbox_imap WHERE workspace_id = $1 AND inbox_id = $2`,
		idArg(ws), idArg(inbox)))
	if err != nil {
		return nil, t.notFound(err, "IMAP mailbox")
	}
	return mb, nil
}

// IMAPMailboxes lists every IMAP mailbox.
func (t *Tx) IMAPMailboxes(ctx context.Context) ([]*ticketd.IMAPMailbox, error) {
	rows, err := t.query(ctx, `SELECT `+imapColumns+` FROM inbox_imap ORDER BY inbox_id`)
	if err != nil {
		return nil, t.d.normalize(err)
	}
	return collect(rows, func(row scanner) (*ticketd.IMAPMailbox, error) { return t.scanIMAP(row) })
}

// ClaimIMAP takes the lease in one conditional UPDATE, so two nodes cannot
// both win it.
func (t *Tx) ClaimIMAP(ctx context.Context, inbox ticketd.ID, owner string, now, until time.Time) (bool, error) {
	res, err := t.exec(ctx, `UPDATE inbox_imap SET lease_owner = $1, lease_until = $2
		WHERE inbox_id = $3 AND (lease_owner = $1 OR lease_until IS NULL OR lease_until < $4)`,
		owner, until, idArg(inbox), now)
	if err != nil {
		return false, t.d.normalize(err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SaveIMAPState records the sync state.
func (t *Tx) SaveIMAPState(ctx context.Context, mb *ticketd.IMAPMailbox) error {
	_, err := t.exec(ctx, `UPDATE inbox_imap SET uid_validity = $1, last_uid = $2, sent_uid_validity = $3,
		sent_last_uid = $4, last_sync_at = $5, last_error = $6 WHERE inbox_id = $7`,
		int64(mb.UIDValidity), int64(mb.LastUID), int64(mb.SentUIDValidity), int64(mb.SentLastUID),
		optTimeArg(mb.LastSyncAt), mb.LastError, idArg(mb.InboxID))
	return t.d.normalize(err)
}
