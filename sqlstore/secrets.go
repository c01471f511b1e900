package sqlstore

import (
	"context"
	"fmt"
	"time"

	ticketd "github.com/ticketd/ticketd"
)

// secretColumns lists every column that holds a sealed secret, so that
// ResealSecrets can seal them again under a new key. A developer adding a
// secret column adds a line here and stores it through Tx.sealSecret and
// Tx.openSecret.
var secretColumns = []struct{ table, key, column string }{
	{"sending_domains", "id", "private_key"},
	{"webhooks", "id", "secret"},
	{"webhooks", "id", "previous_secret"},
	{"inbox_imap", "inbox_id", "password"},
	{"server_secrets", "name", "secret"},
}

// UseSecrets makes the store seal secrets with box before writing them and
// open them after reading; without it they are stored as given.
func (db *DB) UseSecrets(box ticketd.SecretBox) { db.secrets = box }

func (t *Tx) sealSecret(plain []byte) (string, error) {
	if t.secrets == nil {
		return string(plain), nil
	}
	s, err := t.secrets.Seal(plain)
	if err != nil {
		return "", fmt.Errorf("seal secret: %w", err)
	}
	return s, nil
}

func (t *Tx) openSecret(stored string) ([]byte, error) {
	if t.secrets == nil {
		return []byte(stored), nil
	}
	b, err := t.secrets.Open(stored)
	if err != nil {
		return nil, fmt.Errorf("open secret: %w", err)
	}
	return b, nil
}

// currentKeyChecker is what a SecretBox that can rotate also tells: whether
// a value is sealed under its current key.
type currentKeyChecker interface {
	SealedWithCurrent(sealed string) bool
}

// ResealSecrets seals every stored secret again with the store's box, in one
// transaction: with all, every value not sealed under the box's current key
// (after a rotation); without, only values still stored in clear (the first
// start with a key). It returns how many values it rewrote.
func (db *DB) ResealSecrets(ctx context.Context, all bool) (int, error) {
	if db.secrets == nil {
		return 0, fmt.Errorf("reseal: no secret key configured")
	}
	cur, _ := db.secrets.(currentKeyChecker)
	n := 0
	err := db.Update(ctx, func(ttx ticketd.Tx) error {
		tx := ttx.(*Tx)
		for _, c := range secretColumns {
			rows, err := tx.tx.QueryContext(ctx, `SELECT `+c.key+`, `+c.column+` FROM `+c.table)
			if err != nil {
				return fmt.Errorf("reseal %s.%s: %w", c.table, c.column, err)
			}
			type row struct{ key, value string }
			var todo []row
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.key, &r.value); err != nil {
					rows.Close()
					return err
				}
				if r.value == "" {
					continue // nothing to seal (a webhook without a previous secret)
				}
				sealed := isSealed(r.value)
				if (!sealed) || (all && (cur == nil || !cur.SealedWithCurrent(r.value))) {
					todo = append(todo, r)
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, r := range todo {
				plain, err := tx.openSecret(r.value)
				if err != nil {
					return fmt.Errorf("reseal %s %s: %w", c.table, r.key, err)
				}
				v, err := tx.sealSecret(plain)
				if err != nil {
					return err
				}
				if _, err := tx.tx.ExecContext(ctx, `UPDATE `+c.table+` SET `+c.column+` = $1 WHERE `+c.key+` = $2`, v, r.key); err != nil {
					return fmt.Errorf("reseal %s %s: %w", c.table, r.key, err)
				}
				n++
			}
		}
		return nil
	})
	return n, err
}

// isSealed recognises secretbox's format without importing it: the store
// needs only to tell sealed values from clear ones.
func isSealed(s string) bool { return len(s) > 4 && s[:4] == "sb1:" }

// ServerSecret returns the server's secret of that name, storing fresh as it
// when there is none yet. Nodes racing to make the first one all end with
// the one that was stored first.
func (t *Tx) ServerSecret(ctx context.Context, name string, fresh []byte, now time.Time) ([]byte, error) {
	sealed, err := t.sealSecret(fresh)
	if err != nil {
		return nil, err
	}
	if _, err := t.exec(ctx, `INSERT INTO server_secrets (name, secret, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO NOTHING`, name, sealed, now); err != nil {
		return nil, err
	}
	var stored string
	if err := t.queryRow(ctx, `SELECT secret FROM server_secrets WHERE name = $1`, name).Scan(&stored); err != nil {
		return nil, t.d.normalize(err)
	}
	return t.openSecret(stored)
}
