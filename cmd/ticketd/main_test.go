package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// binary is the real ticketd, built once for the tests that need a separate
// process (kill -9, SIGTERM, a second command while the server runs).
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ticketd-bin")
	if err != nil {
		panic(err)
	}
	// Other users may run it (startup tests run it as nobody when root).
	os.Chmod(dir, 0o755)
	binary = filepath.Join(dir, "ticketd")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build ticketd: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running `ticketd serve` process.
type proc struct {
	t    *testing.T
	cmd  *exec.Cmd
	addr string
	logs *bytes.Buffer
	mu   *sync.Mutex
	done chan error
}

var listeningRE = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startServer runs `ticketd serve` on a free port and waits until it listens.
func startServer(t *testing.T, dsn string, extra ...string) *proc {
	t.Helper()
	args := append([]string{"serve", "--db", dsn, "--addr", "127.0.0.1:0"}, extra...)
	cmd := exec.Command(binary, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &proc{t: t, cmd: cmd, logs: &bytes.Buffer{}, mu: &sync.Mutex{}, done: make(chan error, 1)}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.logs.WriteString(line + "\n")
			s.mu.Unlock()
			if m := listeningRE.FindStringSubmatch(line); m != nil {
				addrc <- m[1]
			}
		}
		s.done <- cmd.Wait()
	}()
	select {
	case s.addr = <-addrc:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("server did not start; logs:\n%s", s.Logs())
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-s.done
		}
	})
	return s
}

func (s *proc) Logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs.String()
}

// request sends a JSON request and decodes a JSON answer.
func (s *proc) request(key, method, path string, body any, out any) int {
	s.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, "http://"+s.addr+path, r)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil && err != io.EOF {
			s.t.Fatalf("%s %s: decode: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

type created struct {
	Workspace map[string]any `json:"workspace"`
	User      map[string]any `json:"user"`
	APIKey    string         `json:"api_key"`
}

func workspaceCreateCLI(t *testing.T, dsn, name string) created {
	t.Helper()
	out, err := exec.Command(binary, "workspace", "create", "--db", dsn, "--name", name, "--owner-email", "owner@"+name+".test").Output()
	if err != nil {
		t.Fatalf("workspace create: %v", err)
	}
	var c created
	if err := json.Unmarshal(out, &c); err != nil {
		t.Fatalf("workspace create printed %s: %v", out, err)
	}
	if c.APIKey == "" || c.Workspace["id"] == nil || c.User["role"] != "admin" {
		t.Fatalf("workspace create printed %s", out)
	}
	return c
}

// The real program on a free port: a workspace created by the CLI while the
// server runs, then the comment lifecycle over HTTP, then SIGTERM.
func TestEndToEnd(t *testing.T) {
	dsn := sqlstoretest.DSN(t)
	s := startServer(t, dsn)
	ws := workspaceCreateCLI(t, dsn, "acme")
	key := ws.APIKey

	if code := s.request("", "GET", "/healthz", nil, nil); code != 200 {
		t.Fatalf("healthz %d", code)
	}
	if code := s.request("", "GET", "/readyz", nil, nil); code != 200 {
		t.Fatalf("readyz %d", code)
	}
	var customer, ticket, comment map[string]any
	if code := s.request(key, "POST", "/v1/customers", map[string]any{"email": "ada@example.com", "first_name": "Ada"}, &customer); code != 201 {
		t.Fatalf("create customer: %d %v", code, customer)
	}
	if code := s.request(key, "POST", "/v1/tickets", map[string]any{"customer_id": customer["id"], "subject": "Refund"}, &ticket); code != 201 {
		t.Fatalf("create ticket: %d %v", code, ticket)
	}
	base := fmt.Sprintf("/v1/tickets/%s/comments", ticket["id"])
	if code := s.request(key, "POST", base, map[string]any{"content": "Looking into it."}, &comment); code != 201 {
		t.Fatalf("create comment: %d %v", code, comment)
	}
	if comment["author_user_id"] != ws.User["id"] {
		t.Fatalf("comment authored by %v, want the owner %v", comment["author_user_id"], ws.User["id"])
	}
	var patched map[string]any
	if code := s.request(key, "PATCH", base+"/"+comment["id"].(string), map[string]any{"is_internal": true}, &patched); code != 200 || patched["is_internal"] != true {
		t.Fatalf("patch: %d %v", code, patched)
	}
	var list []map[string]any
	if code := s.request(key, "GET", base, nil, &list); code != 200 || len(list) != 1 {
		t.Fatalf("list: %d %v", code, list)
	}
	if code := s.request(key, "DELETE", base+"/"+comment["id"].(string), nil, nil); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	if code := s.request(key, "GET", base+"/"+comment["id"].(string), nil, nil); code != 404 {
		t.Fatalf("get after delete: %d", code)
	}

	// SIGTERM: a graceful stop, exit status 0.
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, s.Logs())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
	if !strings.Contains(s.Logs(), "msg=stopped") {
		t.Fatalf("no graceful stop in the logs:\n%s", s.Logs())
	}
}

// Concurrent writers, kill -9, restart: every comment that was answered 201
// is there.
func TestKill9KeepsAcknowledgedComments(t *testing.T) {
	dsn := sqlstoretest.DSN(t)
	ws := workspaceCreateCLI(t, dsn, "crash")
	s := startServer(t, dsn)
	key := ws.APIKey
	var customer, ticket map[string]any
	s.request(key, "POST", "/v1/customers", map[string]any{"email": "ada@example.com"}, &customer)
	s.request(key, "POST", "/v1/tickets", map[string]any{"customer_id": customer["id"]}, &ticket)
	base := fmt.Sprintf("/v1/tickets/%s/comments", ticket["id"])

	// Let writes flow, then kill the server mid-stream.
	w := startWriters(s, key, base, 8)
	w.WaitFor(200)
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
	w.Stop()
	acked := w.Acked()
	if len(acked) == 0 {
		t.Fatal("no comment was acknowledged before the kill")
	}

	s2 := startServer(t, dsn)
	found := map[string]bool{}
	after := ""
	for {
		var page []map[string]any
		path := base + "?limit=500"
		if after != "" {
			path += "&after=" + after
		}
		if code := s2.request(key, "GET", path, nil, &page); code != 200 {
			t.Fatalf("list after restart: %d", code)
		}
		for _, c := range page {
			found[c["id"].(string)] = true
		}
		if len(page) < 500 {
			break
		}
		after = page[len(page)-1]["id"].(string)
	}
	lost := 0
	for _, id := range acked {
		if !found[id] {
			lost++
		}
	}
	t.Logf("%d comments acknowledged before kill -9, %d found after restart", len(acked), len(found))
	if lost > 0 {
		t.Fatalf("%d of %d acknowledged comments lost", lost, len(acked))
	}
}

// The Main type runs in-process on port 0 and stops cleanly.
func TestMainRunAndClose(t *testing.T) {
	m := NewMain(io.Discard, io.Discard)
	if err := m.ParseFlags([]string{"--db", sqlstoretest.DSN(t), "--addr", "127.0.0.1:0", "--demo"}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	m.stdout = &out
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	key := regexp.MustCompile(`tkd_[a-z0-9]+`).FindString(out.String())
	if key == "" || !strings.Contains(out.String(), "curl") {
		t.Fatalf("--demo printed no key and curl line: %s", out.String())
	}
	req, _ := http.NewRequest("GET", "http://"+m.Addr()+"/v1/tickets", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tickets []map[string]any
	json.NewDecoder(resp.Body).Decode(&tickets)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(tickets) < 3 {
		t.Fatalf("demo tickets: %d %v", resp.StatusCode, tickets)
	}
	// The printed password signs the owner in to the console.
	pw := regexp.MustCompile(`password (\S+), shown once`).FindStringSubmatch(out.String())
	if pw == nil {
		t.Fatalf("--demo printed no console password: %s", out.String())
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = noRedirect.PostForm("http://"+m.Addr()+"/login", url.Values{"email": {demoOwnerEmail}, "password": {pw[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) == 0 {
		t.Fatalf("demo console sign-in: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestFlagsFromEnvironment(t *testing.T) {
	t.Setenv("TICKETD_ADDR", "127.0.0.1:9999")
	t.Setenv("TICKETD_LOG_FORMAT", "json")
	t.Setenv("TICKETD_SMTP_RELAY_TLS", "starttls")
	m := NewMain(io.Discard, io.Discard)
	if err := m.ParseFlags([]string{"--log-format", "text"}); err != nil {
		t.Fatal(err)
	}
	if m.Config.Addr != "127.0.0.1:9999" || m.Config.SMTPRelayTLS != "starttls" {
		t.Fatalf("environment not read: %+v", m.Config)
	}
	if m.Config.LogFormat != "text" {
		t.Fatalf("a flag must win over its variable: log format %q", m.Config.LogFormat)
	}
	t.Setenv("TICKETD_SMTP_MAX_CONNECTIONS", "7")
	if err := m.ParseFlags(nil); err != nil || m.Config.SMTPMaxConns != 7 {
		t.Fatalf("TICKETD_SMTP_MAX_CONNECTIONS=7 gave %d (%v)", m.Config.SMTPMaxConns, err)
	}
	for _, bad := range [][]string{{"--log-format", "xml"}, {"--smtp-max-connections", "0"}, {"--smtp-relay-tls", "ssl"}} {
		if err := NewMain(io.Discard, io.Discard).ParseFlags(bad); err == nil {
			t.Errorf("%v was accepted", bad)
		}
	}
	t.Setenv("TICKETD_LOG_FORMAT", "xml")
	if err := NewMain(io.Discard, io.Discard).ParseFlags(nil); err == nil {
		t.Fatal("a bad variable value was accepted")
	}
}

func TestCommands(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "ticketd ") {
		t.Fatalf("version: %v %q", err, out.String())
	}
	dsn := sqlstoretest.DSN(t)
	out.Reset()
	if err := run(context.Background(), []string{"migrate", "--db", dsn}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "applied ") && !strings.Contains(out.String(), "applied 0") {
		t.Fatalf("migrate: %v %q", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"migrate", "--db", dsn}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "applied 0") {
		t.Fatalf("second migrate: %v %q", err, out.String())
	}
	if err := run(context.Background(), []string{"workspace", "create", "--db", dsn, "--name", "x", "--owner-email", "bad"}, io.Discard, io.Discard); err == nil {
		t.Fatal("workspace create with a bad email succeeded")
	}
	if err := run(context.Background(), []string{"frobnicate"}, io.Discard, io.Discard); err == nil {
		t.Fatal("unknown command accepted")
	}
}
