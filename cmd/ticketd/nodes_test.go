package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ticketd/ticketd/mail/mailtest"
	"github.com/ticketd/ticketd/secretbox"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// pidOfConn finds which process owns the client end of a loopback TCP
// connection, given that end's address as the server saw it.
func pidOfConn(t *testing.T, clientAddr string) int {
	t.Helper()
	out, err := exec.Command("ss", "-tnpH").Output()
	if err != nil {
		t.Skipf("ss is needed to tell which node holds the delivery: %v", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 6 && f[3] == clientAddr {
			if m := regexp.MustCompile(`pid=(\d+)`).FindStringSubmatch(line); m != nil {
				n, _ := strconv.Atoi(m[1])
				return n
			}
		}
	}
	t.Fatalf("no process owns %s:\n%s", clientAddr, out)
	return 0
}

// Two `ticketd serve` processes on one PostgreSQL: writes go through both,
// reads through either, and every reply reaches the relay exactly once,
// while the node caught in the middle of a delivery is killed with kill -9
// (its claimed entries are taken over by the other node once their lease
// runs out).
func TestTwoNodesOnePostgres(t *testing.T) {
	if sqlstoretest.Engine() != "postgres" {
		t.Skip("several nodes need PostgreSQL: run with TICKETD_TEST_DB=postgres")
	}
	dsn := sqlstoretest.CopyDSN(t)
	dns := mailtest.NewDNSServer(t)
	relay := mailtest.NewSMTPServer(t)
	shared := t.TempDir()
	keyFile := filepath.Join(shared, "secret-key")
	if _, _, err := secretbox.OpenOrCreate(keyFile); err != nil {
		t.Fatal(err)
	}
	ws := workspaceCreateCLI(t, dsn, "nodes")
	key := ws.APIKey
	flags := []string{"--smtp-relay", relay.Addr(), "--dns-server", dns.Addr(), "--outbox-poll", "200ms",
		"--smtp-send-timeout", "2s", "--outbox-lease", "3s", "--secret-key-file", keyFile, "--blob-dir", filepath.Join(shared, "blobs"), "--db-max-conns", "5"}
	if err := os.Mkdir(filepath.Join(shared, "blobs"), 0o750); err != nil {
		t.Fatal(err)
	}
	a := startServer(t, dsn, flags...)
	b := startServer(t, dsn, flags...)
	nodes := []*proc{a, b}

	// Sending set up through both nodes: the domain on one, verified on the other.
	var domain map[string]any
	if code := a.request(key, "POST", "/v1/domains", map[string]any{"name": "nodes.test"}, &domain); code != 201 {
		t.Fatalf("create domain: %d %v", code, domain)
	}
	for _, r := range domain["dns_records"].([]any) {
		rec := r.(map[string]any)
		dns.SetTXT(rec["name"].(string), rec["value"].(string))
	}
	var verified map[string]any
	if code := b.request(key, "POST", "/v1/domains/"+domain["id"].(string)+"/verify", nil, &verified); code != 200 || verified["verified"] != true {
		t.Fatalf("verify on the other node: %d %v", code, verified)
	}
	if code := a.request(key, "POST", "/v1/inboxes", map[string]any{"address": "support@nodes.test"}, nil); code != 201 {
		t.Fatalf("create inbox: %d", code)
	}
	var customer, ticket map[string]any
	b.request(key, "POST", "/v1/customers", map[string]any{"email": "ada@example.com", "first_name": "Ada"}, &customer)
	if code := a.request(key, "POST", "/v1/tickets", map[string]any{"customer_id": customer["id"], "subject": "Two nodes", "channel": "email"}, &ticket); code != 201 {
		t.Fatalf("create ticket: %d %v", code, ticket)
	}
	base := fmt.Sprintf("/v1/tickets/%s/comments", ticket["id"])
	post := func(n *proc, i int) string {
		var c map[string]any
		if code := n.request(key, "POST", base, map[string]any{"content": fmt.Sprintf("reply-token-%03d", i)}, &c); code != 201 {
			t.Fatalf("reply %d: %d %v", i, code, c)
		}
		return c["id"].(string)
	}

	held, release := relay.HoldNextDelivery()
	defer release()
	const total = 20
	ids := []string{post(a, 0)}
	var holderAddr string
	select {
	case holderAddr = <-held:
	case <-time.After(30 * time.Second):
		t.Fatalf("no delivery started; logs:\n%s\n%s", a.Logs(), b.Logs())
	}
	for i := 1; i < 10; i++ {
		ids = append(ids, post(nodes[i%2], i))
	}
	// Read through either node what was written through the other.
	for i, id := range ids {
		if code := nodes[(i+1)%2].request(key, "GET", base+"/"+id, nil, nil); code != 200 {
			t.Fatalf("comment %d through the other node: %d", i, code)
		}
	}
	holder, survivor := a, b
	if pid := pidOfConn(t, holderAddr); pid == b.cmd.Process.Pid {
		holder, survivor = b, a
	} else if pid != a.cmd.Process.Pid {
		t.Fatalf("the delivery is held by pid %d, neither node (%d, %d)", pid, a.cmd.Process.Pid, b.cmd.Process.Pid)
	}
	holder.cmd.Process.Signal(syscall.SIGKILL)
	<-holder.done
	release()
	for i := 10; i < total; i++ {
		ids = append(ids, post(survivor, i))
	}
	for _, id := range ids {
		if code := survivor.request(key, "GET", base+"/"+id, nil, nil); code != 200 {
			t.Fatalf("comment %s after the kill: %d", id, code)
		}
	}

	// Every reply arrives; then the outbox is empty, so nothing more can come.
	deadline := time.Now().Add(60 * time.Second)
	count := func() map[string]int {
		seen := map[string]int{}
		for _, m := range relay.Messages() {
			for _, tok := range regexp.MustCompile(`reply-token-\d{3}`).FindAll(m.Data, -1) {
				seen[string(tok)]++
				break
			}
		}
		return seen
	}
	for len(count()) < total && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	for time.Now().Before(deadline) {
		if metric(t, survivor, `ticketd_queue_backlog{queue="outbox"}`) == "0" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	seen := count()
	if len(seen) != total {
		t.Fatalf("%d of %d replies reached the relay; survivor logs:\n%s", len(seen), total, survivor.Logs())
	}
	for tok, n := range seen {
		if n != 1 {
			t.Errorf("%s was sent %d times", tok, n)
		}
	}
	t.Logf("%d replies through two nodes, the node holding a delivery killed with -9: %d messages at the relay, each once",
		total, len(relay.Messages()))
}

// metric reads one series' value from a node's /metrics.
func metric(t *testing.T, n *proc, series string) string {
	t.Helper()
	resp, err := http.Get("http://" + n.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}
