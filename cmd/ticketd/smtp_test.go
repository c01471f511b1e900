package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/typeid"
	"github.com/ticketd/ticketd/mail/mailtest"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// smtpMaxBytes is the --smtp-max-bytes of the test server: small, so that an
// oversized message is cheap to send.
const smtpMaxBytes = 64 << 10

// TestSMTPEndToEnd runs the real program in-process with its SMTP listener,
// a DNS server for domain verification and an SMTP relay on loopback, sets
// up a workspace, domain and inbox through the CLI and the HTTP API, and
// then speaks SMTP to it as a customer's mail server would: a new email
// opens a ticket; the agent's comment is emailed through the relay; the
// customer's reply to it threads onto the same ticket; a redelivery stores
// nothing; an unknown recipient is refused at RCPT and an oversized message
// at DATA.
func TestSMTPEndToEnd(t *testing.T) {
	ctx := context.Background()
	dns := mailtest.NewDNSServer(t)
	relay := mailtest.NewSMTPServer(t)
	dsn := sqlstoretest.CopyDSN(t)
	m := NewMain(io.Discard, io.Discard)
	if err := m.ParseFlags([]string{"--db", dsn, "--addr", "127.0.0.1:0", "--smtp-addr", "127.0.0.1:0",
		"--dns-server", dns.Addr(), "--smtp-relay", relay.Addr(), "--blob-dir", t.TempDir(),
		"--outbox-poll", "100ms", "--smtp-max-bytes", fmt.Sprint(smtpMaxBytes)}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	})

	// The workspace by the CLI, the domain and inbox through the API.
	var out bytes.Buffer
	if err := run(ctx, []string{"workspace", "create", "--db", dsn, "--name", "Acme", "--owner-email", "owner@acme.test"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var ws created
	if err := json.Unmarshal(out.Bytes(), &ws); err != nil || ws.APIKey == "" {
		t.Fatalf("workspace create printed %s: %v", out.Bytes(), err)
	}
	api := &apiClient{t: t, base: "http://" + m.Addr(), key: ws.APIKey}
	var domain struct {
		ID      string                         `json:"id"`
		Records []struct{ Name, Value string } `json:"dns_records"`
	}
	api.do("POST", "/v1/domains", map[string]any{"name": "shop.example.com"}, 201, &domain)
	for _, r := range domain.Records {
		dns.SetTXT(r.Name, r.Value)
	}
	var verified struct{ Verified bool }
	api.do("POST", "/v1/domains/"+domain.ID+"/verify", nil, 200, &verified)
	if !verified.Verified {
		t.Fatal("the domain did not verify")
	}
	api.do("POST", "/v1/inboxes", map[string]any{"address": "support@shop.example.com", "name": "ACME Support"}, 201, nil)

	// A new email opens a ticket.
	first := "<first-" + ticketd.NewID().String() + "@customer.test>"
	sendMail(t, m.SMTPAddr(), "jane@customer.test", []string{"support@shop.example.com"}, customerEmail(first, "", "Where is my order?",
		"Hello, I ordered a blue kettle two weeks ago and it has not arrived. Can you check?"))
	var tickets []struct {
		ID, Subject, Channel string
		UnreadCount          int `json:"unread_count"`
	}
	api.do("GET", "/v1/tickets", nil, 200, &tickets)
	if len(tickets) != 1 || tickets[0].Subject != "Where is my order?" || tickets[0].Channel != "email" {
		t.Fatalf("tickets after the first email: %+v", tickets)
	}
	ticket := tickets[0].ID

	// The agent's public comment goes out through the relay, threaded on
	// the customer's email, with the ticket's token in Reply-To.
	api.do("POST", "/v1/tickets/"+ticket+"/comments", map[string]any{"content": "It ships tomorrow, sorry for the wait."}, 201, nil)
	sent := relay.WaitFor(1, 10*time.Second)[0]
	if len(sent.To) != 1 || sent.To[0] != "jane@customer.test" {
		t.Fatalf("the reply went to %v", sent.To)
	}
	outMsg, err := mail.ReadMessage(bytes.NewReader(sent.Data))
	if err != nil {
		t.Fatal(err)
	}
	ourID := outMsg.Header.Get("Message-Id")
	if !strings.HasSuffix(ourID, "@shop.example.com>") || outMsg.Header.Get("In-Reply-To") != first {
		t.Fatalf("outbound Message-ID %q In-Reply-To %q", ourID, outMsg.Header.Get("In-Reply-To"))
	}
	id, _ := ticketd.ParseID(ticket)
	if rt := outMsg.Header.Get("Reply-To"); !strings.Contains(rt, ticketd.ReplyAddress("support@shop.example.com", id)) {
		t.Fatalf("Reply-To %q lacks the ticket token", rt)
	}

	// The customer's reply to it joins the ticket.
	replyID := "<reply-" + ticketd.NewID().String() + "@customer.test>"
	reply := customerEmail(replyID, ourID, "Re: Where is my order?",
		"Thank you so much, that is great news!\r\n\r\nOn Wed, ACME Support wrote:\r\n> It ships tomorrow, sorry for the wait.")
	sendMail(t, m.SMTPAddr(), "jane@customer.test", []string{"support@shop.example.com"}, reply)
	api.do("GET", "/v1/tickets", nil, 200, &tickets)
	if len(tickets) != 1 {
		t.Fatalf("the reply opened a ticket: %+v", tickets)
	}
	var comments []struct {
		ID, Content string
		AuthorType  string `json:"author_type"`
	}
	api.do("GET", "/v1/tickets/"+ticket+"/comments", nil, 200, &comments)
	if len(comments) != 3 || !strings.Contains(comments[2].Content, "Thank you so much") {
		t.Fatalf("comments %+v", comments)
	}

	// The inbound message as the messages resource shows it: cleaned of
	// the quote, its language and its sentiment.
	var conv struct {
		Messages []map[string]any `json:"messages"`
	}
	api.do("GET", "/v1/tickets/"+typeid.Format(typeid.Conversation, id)+"/messages", nil, 200, &conv)
	if len(conv.Messages) != 3 {
		t.Fatalf("%d messages", len(conv.Messages))
	}
	last := conv.Messages[2]
	if last["externalId"] != replyID || last["inReplyTo"] != ourID || last["direction"] != "inbound" {
		t.Fatalf("reply message %v", last)
	}
	if cleaned, _ := last["bodyTextCleaned"].(string); !strings.Contains(cleaned, "Thank you so much") || strings.Contains(cleaned, "ships tomorrow") {
		t.Fatalf("bodyTextCleaned %q", cleaned)
	}
	if last["detectedLanguage"] != "en" || last["aiSentiment"] == nil {
		t.Fatalf("detectedLanguage %v aiSentiment %v", last["detectedLanguage"], last["aiSentiment"])
	}
	// The native view of the outbound reply: sent through the relay.
	var native struct {
		DeliveryStatus string `json:"delivery_status"`
		ExternalID     string `json:"external_id"`
	}
	// The worker records "sent" just after the relay accepted the message.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		api.do("GET", "/v1/messages/"+comments[1].ID, nil, 200, &native)
		if native.DeliveryStatus != "queued" || time.Now().After(deadline) {
			break
		}
	}
	if native.ExternalID != ourID || native.DeliveryStatus != "sent" {
		t.Fatalf("outbound message %+v", native)
	}

	// A redelivery of the reply is accepted (the sender must stop retrying)
	// and stores nothing.
	sendMail(t, m.SMTPAddr(), "jane@customer.test", []string{"support@shop.example.com"}, reply)
	api.do("GET", "/v1/tickets/"+ticket+"/comments", nil, 200, &comments)
	if len(comments) != 3 {
		t.Fatalf("%d comments after a redelivery, want 3", len(comments))
	}

	// ticketd is never an open relay: an address it does not monitor is
	// refused at RCPT.
	c := dialSMTP(t, m.SMTPAddr())
	if err := c.Mail("jane@customer.test", nil); err != nil {
		t.Fatal(err)
	}
	for _, rcpt := range []string{"nobody@shop.example.com", "someone@elsewhere.example.net"} {
		if err := c.Rcpt(rcpt, nil); smtpCode(err) != 550 {
			t.Fatalf("RCPT %s: %v, want 550", rcpt, err)
		}
	}
	c.Close()

	// An oversized message is refused with 552, and nothing is stored.
	big := customerEmail("<big-"+ticketd.NewID().String()+"@customer.test>", "", "Logs",
		strings.Repeat("a log line that goes on and on\r\n", smtpMaxBytes/30))
	c = dialSMTP(t, m.SMTPAddr())
	if err := c.Mail("jane@customer.test", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("support@shop.example.com", nil); err != nil {
		t.Fatal(err)
	}
	if err := writeData(c, big); smtpCode(err) != 552 {
		t.Fatalf("oversized DATA: %v, want 552", err)
	}
	c.Close()
	api.do("GET", "/v1/tickets", nil, 200, &tickets)
	if len(tickets) != 1 {
		t.Fatalf("%d tickets after the refused message", len(tickets))
	}
}

// customerEmail is a plain-text email from Jane to the shop's inbox.
func customerEmail(messageID, inReplyTo, subject, body string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: Jane Smith <jane@customer.test>\r\nTo: support@shop.example.com\r\nSubject: %s\r\n", subject)
	fmt.Fprintf(&b, "Date: Wed, 22 Apr 2026 10:00:00 +0000\r\nMessage-ID: %s\r\n", messageID)
	if inReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: %s\r\nReferences: %s\r\n", inReplyTo, inReplyTo)
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n")
	return []byte(b.String())
}

func dialSMTP(t *testing.T, addr string) *smtp.Client {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Hello("mx.customer.test"); err != nil {
		t.Fatal(err)
	}
	return c
}

// sendMail delivers one message in one session and fails the test unless
// every step is accepted.
func sendMail(t *testing.T, addr, from string, to []string, raw []byte) {
	t.Helper()
	c := dialSMTP(t, addr)
	if err := c.Mail(from, nil); err != nil {
		t.Fatalf("MAIL: %v", err)
	}
	for _, r := range to {
		if err := c.Rcpt(r, nil); err != nil {
			t.Fatalf("RCPT %s: %v", r, err)
		}
	}
	if err := writeData(c, raw); err != nil {
		t.Fatalf("DATA: %v", err)
	}
	if err := c.Quit(); err != nil {
		t.Fatalf("QUIT: %v", err)
	}
}

// writeData runs DATA and returns the server's answer to the message.
func writeData(c *smtp.Client, raw []byte) error {
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(raw); err != nil {
		return err
	}
	return w.Close()
}

func smtpCode(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

// apiClient calls the HTTP API of the running program.
type apiClient struct {
	t         *testing.T
	base, key string
}

// do sends a JSON request, fails the test unless the status is want, and
// decodes the answer into out.
func (a *apiClient) do(method, path string, body any, want int, out any) {
	a.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.base+path, r)
	req.Header.Set("Authorization", "Bearer "+a.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		a.t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			a.t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
}
