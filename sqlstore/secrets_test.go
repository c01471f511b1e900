package sqlstore_test

import (
	"context"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/secretbox"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// A secret stored in clear (a database from before sealing) is sealed by
// ResealSecrets and reads back unchanged through the box.
func TestResealSecretsSealsClearValues(t *testing.T) {
	ctx := context.Background()
	db := sqlstoretest.Open(t)
	ws, _, _, err := ticketd.NewService(db).CreateWorkspace(ctx, ticketd.NewWorkspace{Name: "W", OwnerEmail: "o@w.test"})
	if err != nil {
		t.Fatal(err)
	}
	pem := []byte("-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n")
	d := &ticketd.SendingDomain{ID: ticketd.NewID(), WorkspaceID: ws.ID, Name: "w.test", CreatedAt: time.Now().UTC(),
		Keys: ticketd.DomainKeys{Selector: "s", Token: "t", PrivateKeyPEM: pem, PublicKey: "p"}}
	if err := db.Update(ctx, func(tx ticketd.Tx) error { return tx.CreateSendingDomain(ctx, d) }); err != nil {
		t.Fatal(err)
	}
	box, _ := secretbox.New(secretbox.NewKey())
	db.UseSecrets(box)
	for want := range []int{1, 0} {
		n, err := db.ResealSecrets(ctx, false)
		if err != nil || n != 1-want {
			t.Fatalf("reseal pass %d: %d, %v", want, n, err)
		}
	}
	var raw string
	db.RawQueryRow(ctx, `SELECT private_key FROM sending_domains`).Scan(&raw)
	if !secretbox.IsSealed(raw) {
		t.Fatalf("still in clear: %.30s", raw)
	}
	var got *ticketd.SendingDomain
	db.View(ctx, func(tx ticketd.Tx) (err error) {
		got, err = tx.SendingDomainByName(ctx, ws.ID, "w.test")
		return err
	})
	if string(got.Keys.PrivateKeyPEM) != string(pem) {
		t.Fatalf("read back %q", got.Keys.PrivateKeyPEM)
	}
}
