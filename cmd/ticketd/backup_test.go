package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/blob"
	"github.com/ticketd/ticketd/sqlstore"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// A backup taken while eight writers post comments restores to a database
// that passes PRAGMA integrity_check and holds every comment acknowledged
// before the backup began, and the attachment blobs come along.
func TestBackupUnderConcurrentWrites(t *testing.T) {
	if sqlstoretest.Engine() != "sqlite" {
		t.Skip("ticketd backup copies SQLite; PostgreSQL is backed up with pg_dump (README)")
	}
	dir := t.TempDir()
	dsn := filepath.Join(dir, "live.db")
	ws := workspaceCreateCLI(t, dsn, "backup")
	s := startServer(t, dsn)
	key := ws.APIKey
	var customer, ticket map[string]any
	s.request(key, "POST", "/v1/customers", map[string]any{"email": "ada@example.com"}, &customer)
	s.request(key, "POST", "/v1/tickets", map[string]any{"customer_id": customer["id"]}, &ticket)
	base := fmt.Sprintf("/v1/tickets/%s/comments", ticket["id"])
	// An attachment's bytes, stored as the server stores them.
	sum := sha256.Sum256([]byte("attachment bytes"))
	blobKey := hex.EncodeToString(sum[:])
	if err := (&blob.Dir{Path: dsn + ".blobs"}).Put(context.Background(), blobKey, []byte("attachment bytes")); err != nil {
		t.Fatal(err)
	}

	w := startWriters(s, key, base, 8)
	w.WaitFor(300)
	before := w.Acked()
	out := filepath.Join(dir, "backup.tar.gz")
	b, err := exec.Command(binary, "backup", "--db", dsn, "--out", out).CombinedOutput()
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, b)
	}
	during := len(w.Acked()) - len(before)
	w.Stop()
	if during == 0 {
		t.Log("no write was acknowledged while the backup ran; the test still checks the copy")
	}
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o600 {
		t.Errorf("backup file mode %v, want 0600", st.Mode().Perm())
	}

	restored := filepath.Join(t.TempDir(), "restored.db")
	if b, err := exec.Command(binary, "restore", "--from", out, "--db", restored).CombinedOutput(); err != nil {
		t.Fatalf("restore: %v\n%s", err, b)
	}
	if b, err := exec.Command(binary, "restore", "--from", out, "--db", restored).CombinedOutput(); err == nil {
		t.Fatalf("restore over an existing database succeeded: %s", b)
	}
	db, err := sqlstore.Open(context.Background(), restored, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.IntegrityCheck(context.Background()); err != nil {
		t.Fatalf("restored database: %v", err)
	}
	missing := 0
	for _, id := range before {
		var n int
		if err := db.RawQueryRow(context.Background(), `SELECT COUNT(*) FROM messages WHERE id = $1`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			missing++
		}
	}
	var total int
	db.RawQueryRow(context.Background(), `SELECT COUNT(*) FROM messages`).Scan(&total)
	t.Logf("%d comments acknowledged before the backup, %d more during it; the restored database holds %d", len(before), during, total)
	if missing > 0 {
		t.Fatalf("%d of %d comments acknowledged before the backup are missing from it", missing, len(before))
	}
	got, err := os.ReadFile(filepath.Join(restored+".blobs", blobKey[:2], blobKey))
	if err != nil || string(got) != "attachment bytes" {
		t.Fatalf("attachment blob after restore: %q, %v", got, err)
	}
	// The restored database serves.
	s2 := startServer(t, restored)
	var list []map[string]any
	if code := s2.request(key, "GET", base+"?limit=10", nil, &list); code != 200 || len(list) != 10 {
		t.Fatalf("restored server: %d, %d comments", code, len(list))
	}
}

// A damaged or foreign archive is refused and creates no database.
func TestRestoreRefusesBadArchives(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.tar.gz")
	os.WriteFile(bad, []byte("not a backup"), 0o600)
	b, err := exec.Command(binary, "restore", "--from", bad, "--db", filepath.Join(dir, "r.db")).CombinedOutput()
	if err == nil || !strings.Contains(string(b), "not a ticketd backup") {
		t.Fatalf("restore of junk: %v %s", err, b)
	}
	if _, err := os.Stat(filepath.Join(dir, "r.db")); err == nil {
		t.Fatal("a failed restore left a database")
	}
}

// `ticketd key create` makes a working key for an existing agent of an
// existing workspace, with the scopes asked for; `workspace list` lists.
func TestKeyCreateAndWorkspaceList(t *testing.T) {
	dsn := sqlstoretest.CopyDSN(t)
	ws := workspaceCreateCLI(t, dsn, "keys")
	out, err := exec.Command(binary, "workspace", "list", "--db", dsn).Output()
	if err != nil {
		t.Fatal(err)
	}
	var list []map[string]any
	if err := json.Unmarshal(out, &list); err != nil || len(list) != 1 || list[0]["id"] != ws.Workspace["id"] {
		t.Fatalf("workspace list: %s (%v)", out, err)
	}
	wsID := ws.Workspace["id"].(string)
	out, err = exec.Command(binary, "key", "create", "--db", dsn, "--workspace", wsID, "--user", "OWNER@keys.test", "--scopes", "tickets:read").Output()
	if err != nil {
		t.Fatalf("key create: %v", err)
	}
	var k map[string]any
	if err := json.Unmarshal(out, &k); err != nil || !strings.HasPrefix(fmt.Sprint(k["key"]), "tkd_") || k["user_id"] != ws.User["id"] {
		t.Fatalf("key create printed %s", out)
	}
	s := startServer(t, dsn)
	if code := s.request(k["key"].(string), "GET", "/v1/tickets", nil, nil); code != 200 {
		t.Fatalf("the new key on GET /v1/tickets: %d", code)
	}
	if code := s.request(k["key"].(string), "POST", "/v1/customers", map[string]any{"email": "x@y.test"}, nil); code != 403 {
		t.Fatalf("the tickets:read key on POST /v1/customers: %d", code)
	}
	for _, bad := range [][]string{
		{"--workspace", wsID, "--user", "nobody@keys.test"},
		{"--workspace", "01a230b4-158e-7290-8081-82ab57a10715", "--user", "owner@keys.test"},
		{"--workspace", "nope", "--user", "owner@keys.test"},
		{"--workspace", wsID, "--user", "owner@keys.test", "--scopes", "tickets:fly"},
	} {
		if b, err := exec.Command(binary, append([]string{"key", "create", "--db", dsn}, bad...)...).CombinedOutput(); err == nil {
			t.Errorf("key create %v succeeded: %s", bad, b)
		}
	}
	if sqlstoretest.Engine() == "sqlite" {
		missing := filepath.Join(t.TempDir(), "none.db")
		if b, err := exec.Command(binary, "workspace", "list", "--db", missing).CombinedOutput(); err == nil || !strings.Contains(string(b), "no such database") {
			t.Errorf("workspace list on a missing database: %v %s", err, b)
		}
		if _, err := os.Stat(missing); err == nil {
			t.Error("workspace list created a database")
		}
	}
}
