package mail_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/httpapi/apitest"
	tdmail "github.com/ticketd/ticketd/mail"
	"github.com/ticketd/ticketd/mail/mailtest"
)

const imapInbox = "team@shop.example.com"

func customerMail(n int) []byte {
	return []byte(fmt.Sprintf("From: Carla Customer <carla@example.org>\r\nTo: %s\r\nSubject: Question %d\r\n"+
		"Message-ID: <q%d@example.org>\r\nDate: Wed, 22 Apr 2026 10:0%d:00 +0000\r\n\r\nQuestion number %d, please help.\r\n",
		imapInbox, n, n, n, n))
}

// TestIMAPMailbox drives an inbox read from a real Dovecot: customer mail
// in the folder becomes tickets, a reply typed in the mail client (the Sent
// folder) joins its ticket as an outbound agent message, and neither a
// second pass, a restart (another node over the same database), an outage,
// nor a recreated folder (new UIDVALIDITY) misses or repeats a message; the
// lease keeps a second node off a mailbox the first watches.
func TestIMAPMailbox(t *testing.T) {
	dc := mailtest.NewDovecot(t)
	intake := tdmail.NewIntake(64<<20, 64<<20, 25<<20, t.TempDir())
	e := newEnvWith(t, apitest.Options{EmailIntake: intake})
	ctx := context.Background()

	// The inbox, with its mailbox; the password is never shown.
	ib := e.As(e.WS.Key, "POST", "/v1/inboxes", map[string]any{"address": imapInbox, "name": "Team",
		"imap": map[string]any{"host": dc.Host, "port": dc.Port, "security": "none", "username": dc.User,
			"password": dc.Password, "folder": "Support", "sent_folder": "Sent"}}).Expect(201)
	if strings.Contains(string(ib.Body), dc.Password) {
		t.Fatalf("the password is in the response: %s", ib.Body)
	}
	inbox := ib.Object()
	if imap, _ := inbox["imap"].(map[string]any); imap == nil || imap["password_set"] != true || imap["folder"] != "Support" {
		t.Fatalf("imap %v", inbox["imap"])
	}
	path := "/v1/inboxes/" + inbox["id"].(string)
	e.As(e.WS.Key, "PATCH", path, map[string]any{"imap": map[string]any{"host": dc.Host, "port": dc.Port,
		"security": "bogus", "username": dc.User}}).Expect(422)

	nodeA := &tdmail.IMAPWatcher{Service: e.Service, Intake: intake, Owner: "node-a"}
	tickets := func() int { return e.ticketCount(e.WS) }

	dc.Create("Sent")
	dc.Append("Support", customerMail(1))
	dc.Append("Support", customerMail(2))
	if err := nodeA.SyncAll(ctx); err != nil {
		t.Fatal(err)
	}
	if n := tickets(); n != 2 {
		t.Fatalf("%d tickets after the first pass, want 2", n)
	}
	got := e.As(e.WS.Key, "GET", path, nil).Expect(200).Object()["imap"].(map[string]any)
	if got["last_sync_at"] == nil || got["last_error"] != "" {
		t.Fatalf("state after a pass: %v", got)
	}

	// A reply an agent typed in the mail client.
	dc.Append("Sent", []byte("From: Team <"+imapInbox+">\r\nTo: carla@example.org\r\nSubject: Re: Question 1\r\n"+
		"Message-ID: <sent-1@shop.example.com>\r\nIn-Reply-To: <q1@example.org>\r\nReferences: <q1@example.org>\r\n\r\n"+
		"Here is the answer.\r\n"))
	if err := nodeA.SyncAll(ctx); err != nil {
		t.Fatal(err)
	}
	q1 := e.findMessage("<q1@example.org>")
	msgs := e.messages(e.WS, q1["ticket_id"].(string))
	if len(msgs) != 2 || msgs[1]["direction"] != "outbound" || msgs[1]["authorType"] != "user" ||
		msgs[1]["bodyText"] != "Here is the answer.\n" {
		t.Fatalf("the ticket's messages after the Sent folder: %v", msgs)
	}
	sent := e.findMessage("<sent-1@shop.example.com>")
	if sent["delivery_status"] != "sent" {
		t.Fatalf("a reply read from Sent is %v, want sent (never emailed again)", sent["delivery_status"])
	}

	// A second pass, and a restarted node: nothing repeats.
	if err := nodeA.SyncAll(ctx); err != nil {
		t.Fatal(err)
	}
	restarted := &tdmail.IMAPWatcher{Service: e.Service, Intake: intake, Owner: "node-a"}
	dc.Append("Support", customerMail(3))
	if err := restarted.SyncAll(ctx); err != nil {
		t.Fatal(err)
	}
	if n := tickets(); n != 3 {
		t.Fatalf("%d tickets after a restart and one new email, want 3", n)
	}

	// An outage: the pass fails and says so; the next one catches up.
	dc.Stop()

	if err := nodeA.SyncAll(ctx); err != nil {
		t.Fatal(err)
	}
	got = e.As(e.WS.Key, "GET", path, nil).Expect(200).Object()["imap"].(map[string]any)
	if got["last_error"] == "" {
		t.Fatalf("an outage left no error: %v", got)
	}
	dc.Start()
	dc.Append("Support", customerMail(4))
	if err := nodeA.SyncAll(ctx); err != nil {
		t.Fatal(err)
	}
	got = e.As(e.WS.Key, "GET", path, nil).Expect(200).Object()["imap"].(map[string]any)
	if n := tickets(); n != 4 || got["last_error"] != "" {
		t.Fatalf("after the outage: %d tickets (want 4), state %v", n, got)
	}

	// The folder is recreated with the same mail and one more: a new
	// UIDVALIDITY, read from the start, ingested once.
	dc.Recreate("Support")
	for i := 1; i <= 5; i++ {
		dc.Append("Support", customerMail(i))
	}
	if err := nodeA.SyncAll(ctx); err != nil {
		t.Fatal(err)
	}
	if n := tickets(); n != 5 {
		t.Fatalf("%d tickets after a new UIDVALIDITY, want 5 (4 known, 1 new)", n)
	}

	// Another node does not touch the mailbox while node A's lease runs.
	nodeB := &tdmail.IMAPWatcher{Service: e.Service, Intake: intake, Owner: "node-b"}
	dc.Append("Support", customerMail(6))
	if err := nodeB.SyncAll(ctx); err != nil {
		t.Fatal(err)
	}
	if n := tickets(); n != 5 {
		t.Fatalf("node B read a mailbox node A holds: %d tickets", n)
	}
	if err := nodeA.SyncAll(ctx); err != nil {
		t.Fatal(err)
	}
	if n := tickets(); n != 6 {
		t.Fatalf("%d tickets, want 6", n)
	}
}

// TestIMAPIdle: with a poll an hour apart, mail appended to the folder
// while the watcher idles becomes a ticket within seconds, because the
// server reports it (IDLE, EXISTS) — a poll would not come for an hour.
// The Sent folder is set, so the watcher returns to the folder before
// idling. Cancelling the context (shutdown) ends Run promptly.
func TestIMAPIdle(t *testing.T) {
	dc := mailtest.NewDovecot(t)
	intake := tdmail.NewIntake(64<<20, 64<<20, 25<<20, t.TempDir())
	e := newEnvWith(t, apitest.Options{EmailIntake: intake})
	e.As(e.WS.Key, "POST", "/v1/inboxes", map[string]any{"address": imapInbox, "name": "Team",
		"imap": map[string]any{"host": dc.Host, "port": dc.Port, "security": "none", "username": dc.User,
			"password": dc.Password, "folder": "Support", "sent_folder": "Sent"}}).Expect(201)
	dc.Create("Sent")
	dc.Append("Support", customerMail(1))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &tdmail.IMAPWatcher{Service: e.Service, Intake: intake, Owner: "node-a", Interval: time.Hour}
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()

	waitTickets := func(want int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for e.ticketCount(e.WS) < want {
			if time.Now().After(deadline) {
				t.Fatalf("%d tickets after 10 s, want %d", e.ticketCount(e.WS), want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// The first pass has searched the folder once its first message is a
	// ticket: what comes after can only arrive by IDLE.
	waitTickets(1)
	dc.Append("Support", customerMail(2))
	waitTickets(2)
	dc.Append("Support", customerMail(3))
	waitTickets(3)

	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not end 10 s after its context was cancelled")
	}
	if n := e.ticketCount(e.WS); n != 3 {
		t.Fatalf("%d tickets, want 3 (each once)", n)
	}
}
