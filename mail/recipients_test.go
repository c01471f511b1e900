package mail_test

import (
	"context"
	"testing"

	ticketd "github.com/ticketd/ticketd"
)

// Forwarded mail whose To is an alias finds its inbox through the envelope
// recipient headers MTAs add; without them it is refused.
func TestInboxFromDeliveredTo(t *testing.T) {
	e := newEnv(t)
	alias := email{to: "sales@elsewhere.test", messageID: newMessageID()}
	e.post(e.WS, alias.raw()).Expect(422)
	alias.headers = []string{"Delivered-To: " + supportInbox}
	e.ingest(e.WS, alias.raw())
	xorig := email{to: "sales@elsewhere.test", messageID: newMessageID(), headers: []string{"X-Original-To: <" + shopInbox + ">"}}
	e.ingest(e.WS, xorig.raw())
}

// An out-of-office reply is stored and counted unread, but it does not
// reopen a solved ticket: nobody is waiting.
func TestAutoReplyDoesNotReopen(t *testing.T) {
	e := newEnv(t)
	c := e.conversation(e.WS, shopInbox)
	id, err := ticketd.ParseID(c.ticketID)
	if err != nil {
		t.Fatal(err)
	}
	solved := ticketd.StatusSolved
	if _, err := e.Service.UpdateTicket(context.Background(), e.WS.Principal, ticketd.ByID(id), ticketd.TicketUpdate{Status: &solved}); err != nil {
		t.Fatal(err)
	}
	ooo := email{subject: "Out of Office: Where's my order?", messageID: newMessageID(),
		headers: []string{"Auto-Submitted: auto-replied", "In-Reply-To: " + c.outboundID}}
	if got, _ := e.ingest(e.WS, ooo.raw()); got != c.ticketID {
		t.Fatalf("the auto-reply opened ticket %s, want it on %s", got, c.ticketID)
	}
	tk := e.As(e.WS.Key, "GET", "/v1/tickets/"+c.ticketID, nil).Expect(200).Object()
	if tk["status"] != "solved" || tk["unread_count"] != float64(1) {
		t.Fatalf("after an auto-reply: status %v, unread %v; want solved, 1", tk["status"], tk["unread_count"])
	}
	// A person's reply does reopen it.
	human := email{messageID: newMessageID(), headers: []string{"In-Reply-To: " + c.outboundID}}
	e.ingest(e.WS, human.raw())
	if st := e.As(e.WS.Key, "GET", "/v1/tickets/"+c.ticketID, nil).Object()["status"]; st != "open" {
		t.Fatalf("after the customer's reply: status %v, want open", st)
	}
}

func TestInboxAddressCannotHoldPlus(t *testing.T) {
	e := newEnv(t)
	_, err := e.Service.CreateInbox(context.Background(), e.WS.Principal, ticketd.NewInbox{Address: "help+desk@shop.example.com"})
	if ticketd.ErrorCode(err) != ticketd.EINVALID {
		t.Fatalf("got %v, want EINVALID", err)
	}
}

// A public agent comment on an email ticket is queued for the customer while
// the workspace's email_agent_comments is on, and not once it is off; a note
// never is.
func TestEmailAgentCommentsSetting(t *testing.T) {
	e := newEnv(t)
	c := e.conversation(e.WS, shopInbox) // its reply was posted as a comment
	status := func(comment map[string]any) any {
		return e.As(e.WS.Key, "GET", "/v1/messages/"+comment["id"].(string), nil).Expect(200).Object()["delivery_status"]
	}
	comment := func(body string, internal bool) map[string]any {
		return e.As(e.WS.Key, "POST", "/v1/tickets/"+c.ticketID+"/comments",
			map[string]any{"content": body, "is_internal": internal}).Expect(201).Object()
	}
	if got := status(comment("on: sent", false)); got != "queued" {
		t.Fatalf("with the setting on, a public comment is %v, want queued", got)
	}
	if got := status(comment("a note", true)); got != "none" {
		t.Fatalf("a note is %v, want none", got)
	}
	e.As(e.WS.Key, "PATCH", "/v1/workspace", map[string]any{"settings": map[string]any{"email_agent_comments": false}}).Expect(200)
	if got := status(comment("off: kept", false)); got != "none" {
		t.Fatalf("with the setting off, a public comment is %v, want none", got)
	}
}

// With auto-triage off, inbound messages still get their cleaned text, but no
// language or sentiment.
func TestAutoTriageSetting(t *testing.T) {
	e := newEnv(t)
	body := "Hello, this is the third time I am writing. My order still has not arrived and nobody answers!"
	ticketID, _ := e.ingest(e.WS, email{messageID: newMessageID(), body: body}.raw())
	m := e.messages(e.WS, ticketID)[0]
	if m["detectedLanguage"] != "en" || m["aiSentiment"] == nil {
		t.Fatalf("with auto-triage on: language %v, sentiment %v", m["detectedLanguage"], m["aiSentiment"])
	}
	e.As(e.WS.Key, "PATCH", "/v1/workspace", map[string]any{"settings": map[string]any{"auto_triage": false}}).Expect(200)
	ticketID, _ = e.ingest(e.WS, email{messageID: newMessageID(), body: body}.raw())
	m = e.messages(e.WS, ticketID)[0]
	if m["detectedLanguage"] != nil || m["aiSentiment"] != nil || m["bodyTextCleaned"] != body {
		t.Fatalf("with auto-triage off: language %v, sentiment %v, cleaned %v", m["detectedLanguage"], m["aiSentiment"], m["bodyTextCleaned"])
	}
}
