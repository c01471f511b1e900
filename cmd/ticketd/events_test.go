package main

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// TestTwoProcessesStreamAndDeliverOnce runs two real `ticketd serve`
// processes on one database: changes made through either reach a stream
// open on the other, past the HTTP read and write timeouts, and a webhook
// receiver on loopback gets each event exactly once, correctly signed.
func TestTwoProcessesStreamAndDeliverOnce(t *testing.T) {
	dsn := sqlstoretest.CopyDSN(t)
	ws := workspaceCreateCLI(t, dsn, "acme")
	// Timeouts short enough to pass during the test, long enough for an
	// ordinary request on a busy machine.
	flags := []string{"--webhook-allow-private", "--events-poll", "50ms", "--events-heartbeat", "200ms",
		"--http-read-timeout", "3s", "--http-write-timeout", "3s"}
	a := startServer(t, dsn, flags...)
	b := startServer(t, dsn, flags...)

	var mu sync.Mutex
	got := map[string]int{}
	bad := 0
	secret := ""
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(r.Header.Get("webhook-id") + "." + r.Header.Get("webhook-timestamp") + "." + string(body)))
		if r.Header.Get("webhook-signature") != "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
			bad++
			w.WriteHeader(401)
			return
		}
		got[r.Header.Get("webhook-id")]++
	}))
	defer rcv.Close()
	var hook map[string]any
	if st := a.request(ws.APIKey, "POST", "/v1/webhooks", map[string]any{"url": rcv.URL, "events": []string{"customer.created"}}, &hook); st != 201 {
		t.Fatalf("create webhook: %d %v", st, hook)
	}
	mu.Lock()
	secret = hook["secret"].(string)
	mu.Unlock()

	req, _ := http.NewRequest("GET", "http://"+b.addr+"/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+ws.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, "event: ") {
				lines <- l
			}
		}
		close(lines)
	}()
	const n = 6
	for i := range n {
		node := a
		if i%2 == 1 {
			node = b
		}
		if i == n/2 {
			time.Sleep(3500 * time.Millisecond) // past both HTTP timeouts
		}
		var c map[string]any
		if st := node.request(ws.APIKey, "POST", "/v1/customers", map[string]any{"email": fmt.Sprintf("c%d@x.test", i)}, &c); st != 201 {
			t.Fatalf("create customer: %d %v", st, c)
		}
	}
	for i := range n {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the stream ended after %d events; logs:\n%s", i, b.Logs())
			}
			if l != "event: customer.created" {
				t.Fatalf("stream: %q", l)
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("the stream got %d of %d events", i, n)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		count := len(got)
		mu.Unlock()
		if count == n || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // a duplicate would arrive meanwhile
	mu.Lock()
	defer mu.Unlock()
	if len(got) != n || bad != 0 {
		t.Fatalf("receiver got %v (%d bad signatures)", got, bad)
	}
	for id, k := range got {
		if k != 1 {
			t.Fatalf("%s delivered %d times", id, k)
		}
	}
}
