package sqlstore_test

import (
	"context"
	"testing"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/secretbox"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// Webhook secrets, current and rotated out, are sealed at rest when the
// store has a SecretBox, and read back as they were.
func TestWebhookSecretsSealedAtRest(t *testing.T) {
	ctx := context.Background()
	db := sqlstoretest.Open(t)
	box, _ := secretbox.New(secretbox.NewKey())
	db.UseSecrets(box)
	svc := ticketd.NewService(db)
	_, _, key, err := svc.CreateWorkspace(ctx, ticketd.NewWorkspace{Name: "W", OwnerEmail: "o@w.test"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Authenticate(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	w, err := svc.CreateWebhook(ctx, p, ticketd.NewWebhook{URL: "https://hooks.example/x", Events: []string{"ticket.created"}})
	if err != nil {
		t.Fatal(err)
	}
	first := w.Secret
	rotated, err := svc.RotateWebhookSecret(ctx, p, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	var secret, previous string
	db.RawQueryRow(ctx, `SELECT secret, previous_secret FROM webhooks`).Scan(&secret, &previous)
	if !secretbox.IsSealed(secret) || !secretbox.IsSealed(previous) {
		t.Fatalf("stored in clear: %.20s / %.20s", secret, previous)
	}
	got, err := svc.Webhook(ctx, p, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Secret != rotated.Secret || got.PreviousSecret != first || got.Secret == first {
		t.Fatalf("read back %q / %q, want %q / %q", got.Secret, got.PreviousSecret, rotated.Secret, first)
	}
	if n, err := db.ResealSecrets(ctx, false); err != nil || n != 0 {
		t.Fatalf("reseal found %d clear values: %v", n, err)
	}
}
