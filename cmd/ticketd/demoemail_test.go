package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// The README's email walkthrough: `serve --demo` alone, the sample email
// sent in with the printed command, a reply, and the reply read back from
// the built-in relay's page and JSON.
func TestDemoEmailLoop(t *testing.T) {
	m := NewMain(io.Discard, io.Discard)
	if err := m.ParseFlags([]string{"--db", sqlstoretest.CopyDSN(t), "--addr", "127.0.0.1:0", "--demo",
		"--outbox-poll", "100ms", "--blob-dir", t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	m.stdout = &out
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	key := regexp.MustCompile(`tkd_[a-z0-9]+`).FindString(out.String())
	if !strings.Contains(out.String(), "--data-binary @examples/demo-email.eml") || !strings.Contains(out.String(), "/demo/mail") {
		t.Fatalf("--demo printed no email walkthrough:\n%s", out.String())
	}
	call := func(method, path, ct string, body []byte, v any) int {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+m.Addr()+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if v != nil {
			_ = json.NewDecoder(resp.Body).Decode(v)
		}
		return resp.StatusCode
	}
	eml, err := os.ReadFile("../../examples/demo-email.eml")
	if err != nil {
		t.Fatal(err)
	}
	var in map[string]any
	if code := call("POST", "/v1/inbound/email", "message/rfc822", eml, &in); code != 201 {
		t.Fatalf("the sample email: %d %v", code, in)
	}
	reply, _ := json.Marshal(map[string]any{"content": "Sorry about the lamp, Marie! A new shade is on its way."})
	if code := call("POST", "/v1/tickets/"+in["ticket_id"].(string)+"/comments", "application/json", reply, nil); code != 201 {
		t.Fatalf("reply: %d", code)
	}
	var captured struct {
		Emails []struct {
			To      []string `json:"envelope_to"`
			Subject string   `json:"subject"`
			Text    string   `json:"text"`
		} `json:"emails"`
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(captured.Emails) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the reply never reached the demo relay")
		}
		time.Sleep(50 * time.Millisecond)
		call("GET", "/demo/mail.json", "", nil, &captured)
	}
	got := captured.Emails[0]
	if len(got.To) != 1 || got.To[0] != "marie@example.org" || got.Subject != "Re: My order arrived damaged" ||
		!strings.Contains(got.Text, "A new shade is on its way.") {
		t.Fatalf("captured %+v", got)
	}
	resp, err := http.Get("http://" + m.Addr() + "/demo/mail")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "Re: My order arrived damaged") {
		t.Fatalf("the page: %d\n%s", resp.StatusCode, page)
	}
}
