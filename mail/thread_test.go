package mail_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/apitest"
)

// email is a minimal customer email; headers are added as given.
type email struct {
	from, to, subject, messageID, body string
	headers                            []string // "Name: value"
}

func (m email) raw() []byte {
	var b strings.Builder
	if m.from == "" {
		m.from = `"Jane Smith" <jane@customer.test>`
	}
	if m.to == "" {
		m.to = shopInbox
	}
	if m.subject == "" {
		m.subject = "Where's my order?"
	}
	if m.body == "" {
		m.body = "Hello, my order has not arrived yet. Can you check?"
	}
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: Wed, 22 Apr 2026 10:00:00 +0000\r\n", m.from, m.to, m.subject)
	if m.messageID != "" {
		fmt.Fprintf(&b, "Message-ID: %s\r\n", m.messageID)
	}
	for _, h := range m.headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + m.body + "\r\n")
	return []byte(b.String())
}

// conversation is an email ticket opened by the customer's first email,
// with one agent reply queued for delivery.
type conversation struct {
	ticketID   string
	firstID    string // the customer's Message-ID
	outboundID string // our reply's Message-ID
}

func (e *env) conversation(ws *apitest.Workspace, to string) conversation {
	e.T.Helper()
	first := "<" + ticketd.NewID().String() + "@customer.test>"
	ticketID, _ := e.ingest(ws, email{to: to, messageID: first}.raw())
	out := e.reply(ws, ticketID, "Your order ships tomorrow.")
	return conversation{ticketID: ticketID, firstID: first, outboundID: out["external_id"].(string)}
}

func newMessageID() string { return "<" + ticketd.NewID().String() + "@customer.test>" }

// TestThreading checks how a reply finds its ticket: through In-Reply-To,
// any References entry (our outbound Message-IDs and the customer's own),
// or the ticket token of the Reply-To address when a client drops both; and
// what does not join: a forged token, a closed ticket, another workspace's
// conversation.
func TestThreading(t *testing.T) {
	e := newEnv(t)
	ws := e.WS
	tickets := func(ws *apitest.Workspace) int { return e.ticketCount(ws) }

	t.Run("in-reply-to our outbound reply", func(t *testing.T) {
		e.T = t
		c := e.conversation(ws, shopInbox)
		got, _ := e.ingest(ws, email{messageID: newMessageID(), subject: "Re: Where's my order?",
			headers: []string{"In-Reply-To: " + c.outboundID}}.raw())
		if got != c.ticketID {
			t.Fatalf("reply opened ticket %s, want %s", got, c.ticketID)
		}
		msgs := e.messages(ws, c.ticketID)
		if len(msgs) != 3 || msgs[2]["inReplyTo"] != c.outboundID {
			t.Fatalf("conversation %v", msgs)
		}
		tk := e.As(ws.Key, "GET", "/v1/tickets/"+c.ticketID, nil).Expect(200).Object()
		if tk["unread_count"] != 1.0 || !strings.Contains(tk["last_message"].(string), "my order has not arrived") {
			t.Fatalf("the reply did not update its ticket: %v", tk)
		}
	})
	t.Run("references only, oldest first", func(t *testing.T) {
		e.T = t
		c := e.conversation(ws, shopInbox)
		got, _ := e.ingest(ws, email{messageID: newMessageID(),
			headers: []string{"References: <unknown@elsewhere.test> " + c.outboundID + " <also-unknown@elsewhere.test>"}}.raw())
		if got != c.ticketID {
			t.Fatalf("reply opened ticket %s, want %s", got, c.ticketID)
		}
	})
	t.Run("references the customer's own first email", func(t *testing.T) {
		e.T = t
		c := e.conversation(ws, shopInbox)
		got, _ := e.ingest(ws, email{messageID: newMessageID(), headers: []string{"References: " + c.firstID}}.raw())
		if got != c.ticketID {
			t.Fatalf("follow-up opened ticket %s, want %s", got, c.ticketID)
		}
	})
	t.Run("no threading headers, ticket token in the reply address", func(t *testing.T) {
		e.T = t
		c := e.conversation(ws, shopInbox)
		id, _ := ticketd.ParseID(c.ticketID)
		got, _ := e.ingest(ws, email{messageID: newMessageID(), to: ticketd.ReplyAddress(shopInbox, id)}.raw())
		if got != c.ticketID {
			t.Fatalf("reply to the token address opened ticket %s, want %s", got, c.ticketID)
		}
	})
	t.Run("forged token", func(t *testing.T) {
		e.T = t
		c := e.conversation(ws, shopInbox)
		before := tickets(ws)
		got, _ := e.ingest(ws, email{messageID: newMessageID(), to: ticketd.ReplyAddress(shopInbox, ticketd.NewID())}.raw())
		if got == c.ticketID || tickets(ws) != before+1 {
			t.Fatalf("a forged token did not open a new ticket (got %s)", got)
		}
	})
	t.Run("reply to a closed ticket opens a new one", func(t *testing.T) {
		e.T = t
		c := e.conversation(ws, shopInbox)
		e.As(ws.Key, "PATCH", "/v1/tickets/"+c.ticketID, map[string]any{"status": "closed"}).Expect(200)
		got, _ := e.ingest(ws, email{messageID: newMessageID(), headers: []string{"In-Reply-To: " + c.outboundID}}.raw())
		if got == c.ticketID {
			t.Fatal("a reply joined a closed ticket")
		}
		id, _ := ticketd.ParseID(c.ticketID)
		got, _ = e.ingest(ws, email{messageID: newMessageID(), to: ticketd.ReplyAddress(shopInbox, id)}.raw())
		if got == c.ticketID {
			t.Fatal("a reply through the token joined a closed ticket")
		}
		if n := len(e.messages(ws, c.ticketID)); n != 2 {
			t.Fatalf("the closed ticket has %d messages, want 2", n)
		}
	})
	t.Run("another workspace's conversation", func(t *testing.T) {
		e.T = t
		c := e.conversation(ws, shopInbox)
		other := e.NewWorkspace("Other")
		e.inbox(other, "help@other.example.com")
		id, _ := ticketd.ParseID(c.ticketID)
		for _, m := range []email{
			{to: "help@other.example.com", messageID: newMessageID(), headers: []string{"In-Reply-To: " + c.outboundID, "References: " + c.firstID}},
			{to: ticketd.ReplyAddress("help@other.example.com", id), messageID: newMessageID()},
		} {
			got, _ := e.ingest(other, m.raw())
			if got == c.ticketID {
				t.Fatal("an email to another workspace joined this workspace's ticket")
			}
		}
		// Nor may a workspace post into an inbox it does not monitor.
		e.post(other, email{messageID: newMessageID()}.raw()).Expect(422)
		if n := len(e.messages(ws, c.ticketID)); n != 2 {
			t.Fatalf("the ticket has %d messages, want 2", n)
		}
	})
}

// TestDuplicateDelivery posts the same email twice: the second answer is
// 200 with duplicate true and the same ids, and one message is stored.
func TestDuplicateDelivery(t *testing.T) {
	e := newEnv(t)
	msgID := newMessageID()
	raw := email{messageID: msgID}.raw()
	ticketID, messageID := e.ingest(e.WS, raw)
	r := e.post(e.WS, raw).Expect(200).Object()
	if r["duplicate"] != true || r["ticket_id"] != ticketID || r["message_id"] != messageID {
		t.Fatalf("second delivery answered %v", r)
	}
	if n := len(e.messages(e.WS, ticketID)); n != 1 {
		t.Fatalf("%d messages, want 1", n)
	}
	// The same Message-ID in another workspace is that workspace's email.
	other := e.NewWorkspace("Other")
	e.inbox(other, "help@other.example.com")
	e.ingest(other, email{to: "help@other.example.com", messageID: msgID}.raw())
}

// TestConcurrentDelivery posts the same email from 8 goroutines at once:
// exactly one is stored, every other answer is a duplicate of it. Then 8
// different emails from one new sender at once: each is stored, with one
// customer.
func TestConcurrentDelivery(t *testing.T) {
	e := newEnv(t)
	const n = 8
	post := func(raws [][]byte) []*apitest.Response {
		out := make([]*apitest.Response, len(raws))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, raw := range raws {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				// No Expect here: Fatal must run on the test's goroutine.
				out[i] = e.As(e.WS.Key, "POST", "/v1/inbound/email", raw, "Content-Type", "message/rfc822")
			}()
		}
		close(start)
		wg.Wait()
		return out
	}

	same := email{messageID: newMessageID()}.raw()
	raws := make([][]byte, n)
	for i := range raws {
		raws[i] = same
	}
	created, ids := 0, map[string]bool{}
	for _, r := range post(raws) {
		switch r.Status {
		case 201:
			created++
		case 200:
		default:
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		ids[r.Object()["message_id"].(string)] = true
	}
	if created != 1 || len(ids) != 1 {
		t.Fatalf("%d created, %d distinct messages; want exactly one", created, len(ids))
	}
	if c := e.ticketCount(e.WS); c != 1 {
		t.Fatalf("%d tickets, want 1", c)
	}

	for i := range raws {
		raws[i] = email{from: `"Sam New" <sam@new.test>`, messageID: newMessageID(), body: fmt.Sprintf("Question %d about my order.", i)}.raw()
	}
	for _, r := range post(raws) {
		if r.Status != 201 {
			t.Fatalf("a different email from the same new sender answered %d: %s", r.Status, r.Body)
		}
	}
	cs, err := e.Service.Customers(t.Context(), e.WS.Principal, ticketd.Page{})
	if err != nil {
		t.Fatal(err)
	}
	sam := 0
	for _, c := range cs {
		if c.Email == "sam@new.test" {
			sam++
		}
	}
	if sam != 1 || e.ticketCount(e.WS) != 1+n {
		t.Fatalf("%d customers sam@new.test, %d tickets; want 1 and %d", sam, e.ticketCount(e.WS), 1+n)
	}
}
