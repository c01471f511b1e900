package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/secretbox"
	"github.com/ticketd/ticketd/sqlstore"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

func rawDomainKey(t *testing.T, dsn string) string {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v string
	if err := db.RawQueryRow(context.Background(), `SELECT private_key FROM sending_domains`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// A DKIM private key is stored sealed under the operator's key (generated
// beside a SQLite database on first start, mode 0600), opens with that key,
// and `ticketd secret-key rotate` seals it again under a new key while the
// server keeps serving it.
func TestSecretsSealedAtRestAndRotated(t *testing.T) {
	dsn := sqlstoretest.CopyDSN(t)
	keyPath := dsn + ".secret-key"
	var extra, rotateArgs []string
	if sqlstoretest.Engine() == "postgres" {
		keyPath = filepath.Join(t.TempDir(), "secret-key")
		if _, _, err := secretbox.OpenOrCreate(keyPath); err != nil {
			t.Fatal(err)
		}
		extra = []string{"--secret-key-file", keyPath}
		rotateArgs = extra
	}
	ws := workspaceCreateCLI(t, dsn, "sealed")
	s := startServer(t, dsn, extra...)
	var domain map[string]any
	if code := s.request(ws.APIKey, "POST", "/v1/domains", map[string]any{"name": "sealed.test"}, &domain); code != 201 {
		t.Fatalf("create domain: %d %v", code, domain)
	}
	if perm, err := secretbox.Perm(keyPath); err != nil || perm != 0o600 {
		t.Fatalf("secret key file %s: mode %v, %v", keyPath, perm, err)
	}
	stored := rawDomainKey(t, dsn)
	if !secretbox.IsSealed(stored) || strings.Contains(stored, "PRIVATE KEY") {
		t.Fatalf("the DKIM key is stored in clear: %.60s", stored)
	}
	box, err := secretbox.Open(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	readKey := func() []byte {
		db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		db.UseSecrets(box)
		id, _ := ticketd.ParseID(domain["id"].(string))
		wsID, _ := ticketd.ParseID(ws.Workspace["id"].(string))
		var d *ticketd.SendingDomain
		if err := db.View(context.Background(), func(tx ticketd.Tx) (err error) {
			d, err = tx.SendingDomain(context.Background(), wsID, ticketd.ByID(id))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return d.Keys.PrivateKeyPEM
	}
	before := readKey()
	if !strings.HasPrefix(string(before), "-----BEGIN") {
		t.Fatalf("the opened key is not a PEM: %.40s", before)
	}

	out, err := exec.Command(binary, append([]string{"secret-key", "rotate", "--db", dsn}, rotateArgs...)...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "sealed 1 secret") {
		t.Fatalf("rotate: %v %s", err, out)
	}
	after := rawDomainKey(t, dsn)
	if after == stored || !secretbox.IsSealed(after) {
		t.Fatal("rotation did not seal the key again")
	}
	// The running server meets the new key and reads the file again.
	if code := s.request(ws.APIKey, "GET", "/v1/domains/"+domain["id"].(string), nil, nil); code != 200 {
		t.Fatalf("get domain after rotation: %d\n%s", code, s.Logs())
	}
	out, err = exec.Command(binary, append([]string{"secret-key", "rotate", "--retire", "--db", dsn}, rotateArgs...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("rotate --retire: %v %s", err, out)
	}
	box, _ = secretbox.Open(keyPath)
	if got := readKey(); string(got) != string(before) {
		t.Fatal("after two rotations the key opens to something else")
	}
	if b, _ := os.ReadFile(keyPath); strings.Count(string(b), "=\n") != 1 {
		t.Fatalf("--retire left more than one key:\n%s", b)
	}
}

// The relay password can come from a file instead of the command line.
func TestRelayPasswordFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(f, []byte("s3cret\n"), 0o600)
	m := NewMain(io.Discard, io.Discard)
	if err := m.ParseFlags([]string{"--smtp-relay-password-file", f}); err != nil || m.Config.SMTPRelayPassword != "s3cret" {
		t.Fatalf("password %q, %v", m.Config.SMTPRelayPassword, err)
	}
	if err := NewMain(io.Discard, io.Discard).ParseFlags([]string{"--smtp-relay-password-file", f, "--smtp-relay-password", "x"}); err == nil {
		t.Fatal("both a password and a password file were accepted")
	}
	if err := NewMain(io.Discard, io.Discard).ParseFlags([]string{"--smtp-relay-password-file", f + ".missing"}); err == nil {
		t.Fatal("a missing password file was accepted")
	}
	t.Setenv("TICKETD_SMTP_RELAY_PASSWORD_FILE", f)
	if err := m.ParseFlags(nil); err != nil || m.Config.SMTPRelayPassword != "s3cret" {
		t.Fatalf("from the environment: %q %v", m.Config.SMTPRelayPassword, err)
	}
}
