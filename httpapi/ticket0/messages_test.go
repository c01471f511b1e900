package ticket0_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/apitest"
	"github.com/ticketd/ticketd/httpapi/typeid"
)

// seedFields are the fields of the seed's message object.
var seedFields = []string{"id", "direction", "channel", "subject", "fromAddress", "fromName", "toAddresses",
	"ccAddresses", "bodyText", "bodyHtml", "bodyTextCleaned", "externalId", "inReplyTo", "authorType", "authorId",
	"authorName", "conversationId", "aiSentiment", "detectedLanguage", "createdAt"}

func checkShape(t *testing.T, m map[string]any) {
	t.Helper()
	if len(m) != len(seedFields) {
		t.Errorf("message has %d fields, want the seed's %d: %v", len(m), len(seedFields), m)
	}
	for _, f := range seedFields {
		if _, ok := m[f]; !ok {
			t.Errorf("message lacks %q: %v", f, m)
		}
	}
}

func strs(v any) []string {
	out := []string{}
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// setTriage stores triage results on a message, as the triage step does
// after an inbound message arrives.
func setTriage(t *testing.T, e *env, m *ticketd.Message, cleaned, lang, sentiment string) {
	t.Helper()
	err := e.DB.Update(context.Background(), func(tx ticketd.Tx) error {
		return tx.UpdateMessage(context.Background(), m.WorkspaceID, m.ID, ticketd.MessagePatch{
			BodyCleaned: ticketd.SetTo(&cleaned), Language: ticketd.SetTo(&lang), Sentiment: ticketd.SetTo(&sentiment),
			UpdatedAt: m.UpdatedAt})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestListEveryField posts one message of every kind and checks each field
// of the listing against what it means in the seed.
func TestListEveryField(t *testing.T) {
	e := newEnv(t)
	ws := e.WS
	inbox := e.sendingSetup(ws, "yourcompany.test", "Your Company Support", "")
	cust, tk := e.emailTicket(ws, "jane@example.com", "Jane", "Smith", "Where's my order?")
	agent, err := e.Service.CreateUser(context.Background(), ws.Principal, ticketd.NewUser{Email: "sam@yourcompany.test", Name: "Sam Agent"})
	if err != nil {
		t.Fatal(err)
	}

	// 1. An inbound email from the customer, triaged.
	in := e.Post(ws, tk, ticketd.NewMessage{
		Author: ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &cust.ID}, Channel: "email",
		Body: "Hi, my order hasn't arrived yet.\n\n> old quote", Subject: "Where's my order?",
		FromAddress: "jane@example.com", FromName: "Jane S.", To: []string{inbox}, Cc: []string{"bob@example.com"},
		ExternalID: "<msg@mail.example.com>"})
	setTriage(t, e, in, "Hi, my order hasn't arrived yet.", "en", "neutral")
	// 2. An internal note: never listed.
	e.Post(ws, tk, ticketd.NewMessage{Body: "customer called, VIP", Internal: true})
	// 3. A reply through this resource, with HTML and Cc.
	sent := e.As(ws.Key, "POST", msgPath(tk), with(reply(inbox, agent, "Your order ships tomorrow."),
		"bodyHtml", "<p>Your order ships tomorrow.</p>", "ccAddresses", []string{"Boss@Example.com"})).Expect(201).Object()["message"].(map[string]any)
	checkShape(t, sent)
	// Even with a cleaned body stored, an outbound message shows none.
	sentID, _ := typeid.Parse(sent["id"].(string), "msg")
	setTriage(t, e, &ticketd.Message{ID: sentID, WorkspaceID: ws.ID}, "cleaned reply", "en", "positive")
	// 4. An AI agent's message and 5. an automation without a user, not emailed.
	owner := ws.Owner.ID
	e.Post(ws, tk, ticketd.NewMessage{Body: "AI: tracking link attached", Author: ticketd.Author{Kind: ticketd.AuthorAI, UserID: &owner}})
	e.Post(ws, tk, ticketd.NewMessage{Body: "Ticket auto-tagged", Author: ticketd.Author{Kind: ticketd.AuthorSystem}})
	// 6. A chat message of the customer with no sender of its own, not yet triaged.
	e.Post(ws, tk, ticketd.NewMessage{Body: "any news?", Channel: "chat", Author: ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &cust.ID}})

	for _, path := range []string{msgPath(tk), "/v1/tickets/" + tk.ID.String() + "/messages", "/tickets/" + conv(tk) + "/messages"} {
		body := e.As(ws.Key, "GET", path, nil).Expect(200).Object()
		if len(body) != 2 || body["total"] != float64(5) {
			t.Fatalf("%s: want {messages, total: 5}, got %v", path, body)
		}
	}
	list := e.As(ws.Key, "GET", msgPath(tk), nil).Expect(200).Object()["messages"].([]any)
	if len(list) != 5 {
		t.Fatalf("listed %d messages, want 5 (the note hidden)", len(list))
	}
	ms := make([]map[string]any, len(list))
	for i, v := range list {
		ms[i] = v.(map[string]any)
		checkShape(t, ms[i])
		if ms[i]["bodyText"] == "customer called, VIP" {
			t.Fatal("an internal note is listed")
		}
	}
	custID := typeid.Format(typeid.Customer, cust.ID)
	convID := conv(tk)
	created := e.Clock.Now().Format(time.RFC3339)
	want := []map[string]any{
		{"id": typeid.Format(typeid.Message, in.ID), "direction": "inbound", "channel": "email",
			"subject": "Where's my order?", "fromAddress": "jane@example.com", "fromName": "Jane S.",
			"toAddresses": []any{inbox}, "ccAddresses": []any{"bob@example.com"},
			"bodyText": "Hi, my order hasn't arrived yet.\n\n> old quote", "bodyHtml": nil,
			"bodyTextCleaned": "Hi, my order hasn't arrived yet.", "externalId": "<msg@mail.example.com>", "inReplyTo": nil,
			"authorType": "customer", "authorId": custID, "authorName": "Jane Smith", "conversationId": convID,
			"aiSentiment": "neutral", "detectedLanguage": "en", "createdAt": created},
		{"id": sent["id"], "direction": "outbound", "channel": "email",
			"subject": "Re: Where's my order?", "fromAddress": inbox, "fromName": "Your Company Support",
			"toAddresses": []any{"jane@example.com"}, "ccAddresses": []any{"boss@example.com"},
			"bodyText": "Your order ships tomorrow.", "bodyHtml": "<p>Your order ships tomorrow.</p>",
			"bodyTextCleaned": nil, "externalId": sent["externalId"], "inReplyTo": "<msg@mail.example.com>",
			"authorType": "user", "authorId": userID(agent), "authorName": "Sam Agent", "conversationId": convID,
			"aiSentiment": "positive", "detectedLanguage": "en", "createdAt": created},
		{"id": ms[2]["id"], "direction": "outbound", "channel": "email", "subject": nil, "fromAddress": nil, "fromName": nil,
			"toAddresses": []any{}, "ccAddresses": []any{}, "bodyText": "AI: tracking link attached", "bodyHtml": nil,
			"bodyTextCleaned": nil, "externalId": nil, "inReplyTo": nil,
			"authorType": "agent", "authorId": userID(ws.Owner), "authorName": "Acme Owner", "conversationId": convID,
			"aiSentiment": nil, "detectedLanguage": nil, "createdAt": created},
		{"id": ms[3]["id"], "direction": "outbound", "channel": "email", "subject": nil, "fromAddress": nil, "fromName": nil,
			"toAddresses": []any{}, "ccAddresses": []any{}, "bodyText": "Ticket auto-tagged", "bodyHtml": nil,
			"bodyTextCleaned": nil, "externalId": nil, "inReplyTo": nil,
			"authorType": "agent", "authorId": nil, "authorName": nil, "conversationId": convID,
			"aiSentiment": nil, "detectedLanguage": nil, "createdAt": created},
		{"id": ms[4]["id"], "direction": "inbound", "channel": "chat", "subject": nil,
			"fromAddress": "jane@example.com", "fromName": "Jane Smith",
			"toAddresses": []any{}, "ccAddresses": []any{}, "bodyText": "any news?", "bodyHtml": nil,
			"bodyTextCleaned": nil, "externalId": nil, "inReplyTo": nil,
			"authorType": "customer", "authorId": custID, "authorName": "Jane Smith", "conversationId": convID,
			"aiSentiment": nil, "detectedLanguage": nil, "createdAt": created},
	}
	for i, w := range want {
		for _, f := range seedFields {
			if fmt.Sprint(ms[i][f]) != fmt.Sprint(w[f]) {
				t.Errorf("[%d] %s = %#v, want %#v", i, f, ms[i][f], w[f])
			}
		}
	}
	// The reply's externalId is a Message-ID on the inbox's domain.
	if ext, _ := sent["externalId"].(string); !strings.HasPrefix(ext, "<") || !strings.HasSuffix(ext, "@yourcompany.test>") {
		t.Errorf("externalId %q is not a Message-ID of the sending domain", ext)
	}
	// The 201 shows the message exactly as the listing does (triage aside).
	sent["aiSentiment"], sent["detectedLanguage"] = "positive", "en"
	for _, f := range seedFields {
		if fmt.Sprint(sent[f]) != fmt.Sprint(ms[1][f]) {
			t.Errorf("POST %s = %v, listed %v", f, sent[f], ms[1][f])
		}
	}
}

// TestIDsRoundTrip checks that every prefixed id names the same object the
// native API shows by UUID.
func TestIDsRoundTrip(t *testing.T) {
	e := newEnv(t)
	ws := e.WS
	inbox := e.sendingSetup(ws, "acme.test", "Acme", "")
	cust, tk := e.emailTicket(ws, "ada@customer.test", "Ada", "Lovelace", "Help")
	e.Post(ws, tk, ticketd.NewMessage{Body: "hello", Author: ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &cust.ID}})
	e.As(ws.Key, "POST", msgPath(tk), reply(inbox, ws.Owner, "hi Ada")).Expect(201)
	list := e.As(ws.Key, "GET", msgPath(tk), nil).Expect(200).Object()["messages"].([]any)
	for _, v := range list {
		m := v.(map[string]any)
		for field, prefix := range map[string]string{"id": "msg", "conversationId": "conv", "authorId": ""} {
			s := m[field].(string)
			p, text, ok := strings.Cut(s, "_")
			if !ok || (prefix != "" && p != prefix) || len(text) != 26 || strings.ToLower(text) != text {
				t.Errorf("%s %q is not a lower-case %s_<ULID>", field, s, prefix)
			}
		}
		id, err := typeid.Parse(m["id"].(string), "msg")
		if err != nil {
			t.Fatal(err)
		}
		native := e.As(ws.Key, "GET", "/v1/messages/"+id.String(), nil).Expect(200).Object()
		if native["id"] != id.String() || native["body"] != m["bodyText"] {
			t.Errorf("msg id %s is UUID %s, which the native API shows as %v", m["id"], id, native)
		}
		if native["ticket_id"] != tk.ID.String() {
			t.Errorf("native ticket_id %v", native["ticket_id"])
		}
		convID, _ := typeid.Parse(m["conversationId"].(string), "conv")
		if got := e.As(ws.Key, "GET", "/v1/tickets/"+convID.String(), nil).Expect(200).Object()["id"]; got != tk.ID.String() {
			t.Errorf("conversationId %s is ticket %v, want %s", m["conversationId"], got, tk.ID)
		}
		switch m["authorType"] {
		case "customer":
			id, _ := typeid.Parse(m["authorId"].(string), "cust")
			got := e.As(ws.Key, "GET", "/v1/customers/"+id.String(), nil).Expect(200).Object()
			if got["id"] != cust.ID.String() || got["full_name"] != m["authorName"] {
				t.Errorf("authorId %s: native customer %v", m["authorId"], got)
			}
		case "user":
			id, _ := typeid.Parse(m["authorId"].(string), "user")
			got := e.As(ws.Key, "GET", "/v1/users/"+id.String(), nil).Expect(200).Object()
			if got["id"] != ws.Owner.ID.String() || got["name"] != m["authorName"] {
				t.Errorf("authorId %s: native user %v", m["authorId"], got)
			}
		default:
			t.Errorf("authorType %v", m["authorType"])
		}
	}
}

func TestPathForms(t *testing.T) {
	e := newEnv(t)
	tk := e.Ticket(e.WS, "chat")
	e.Post(e.WS, tk, ticketd.NewMessage{Body: "hello"})
	m := e.Post(e.WS, tk, ticketd.NewMessage{Body: "again"})
	for _, id := range []string{tk.ID.String(), conv(tk), strings.ToUpper(conv(tk)[5:])} {
		if strings.HasPrefix(id, "conv_") || len(id) == 36 {
			// as is
		} else {
			id = "conv_" + id // upper-case ULID text: Crockford base32 is case-insensitive
		}
		for _, prefix := range []string{"/v1", ""} {
			body := e.As(e.WS.Key, "GET", prefix+"/tickets/"+id+"/messages", nil).Expect(200).Object()
			if body["total"] != float64(2) {
				t.Errorf("%s: %v", id, body)
			}
		}
	}
	for _, id := range []string{
		typeid.Format(typeid.Message, tk.ID), // right bits, wrong prefix
		typeid.Format(typeid.User, tk.ID),
		typeid.Format(typeid.Conversation, m.ID), // a message is not a ticket
		conv(tk)[:20], "conv_" + strings.Repeat("z", 26), "42", fmt.Sprint(tk.Number), "not-an-id",
		ticketd.NewID().String(),
	} {
		expectError(t, e.As(e.WS.Key, "GET", "/v1/tickets/"+id+"/messages", nil), 404, "NOT_FOUND", "not found")
		expectError(t, e.As(e.WS.Key, "POST", "/v1/tickets/"+id+"/messages", map[string]any{"bodyText": "x"}), 404, "NOT_FOUND", "not found")
	}
}

func TestScopes(t *testing.T) {
	e := newEnv(t)
	inbox := e.sendingSetup(e.WS, "acme.test", "Acme", "")
	_, tk := e.emailTicket(e.WS, "ada@customer.test", "Ada", "L", "Help")
	read := e.KeyWith(e.WS, "messages:read")
	send := e.KeyWith(e.WS, "messages:send")
	other := e.KeyWith(e.WS, "tickets:read", "tickets:write", "comments:read", "comments:write")
	body := reply(inbox, e.WS.Owner, "hello")

	e.As(read, "GET", msgPath(tk), nil).Expect(200)
	expectError(t, e.As(read, "POST", msgPath(tk), body), 403, "FORBIDDEN", "messages:send")
	e.As(send, "POST", msgPath(tk), body).Expect(201)
	expectError(t, e.As(send, "GET", msgPath(tk), nil), 403, "FORBIDDEN", "messages:read")
	for _, method := range []string{"GET", "POST"} {
		expectError(t, e.As(other, method, msgPath(tk), body), 403, "FORBIDDEN", "messages:")
		expectError(t, e.Do(method, msgPath(tk), body), 401, "UNAUTHORIZED", "API key")
		expectError(t, e.As("tkd_"+strings.Repeat("a", 48), method, msgPath(tk), body), 401, "UNAUTHORIZED", "API key")
		expectError(t, e.Do(method, msgPath(tk), body, "Authorization", "Basic "+e.WS.Key), 401, "UNAUTHORIZED", "API key")
	}
	if n := e.total(e.WS, tk); n != 1 {
		t.Fatalf("%d messages stored, want only the one the send key posted", n)
	}
	if n := e.deliver(); n != 1 {
		t.Fatalf("%d emails delivered, want 1", n)
	}
}

func TestTenantIsolation(t *testing.T) {
	e := newEnv(t)
	a, b := e.WS, e.NewWorkspace("Beta")
	inboxA := e.sendingSetup(a, "acme.test", "Acme", "")
	inboxB := e.sendingSetup(b, "beta.test", "Beta", "")
	cust, tk := e.emailTicket(a, "ada@customer.test", "Ada", "L", "Help")
	e.Post(a, tk, ticketd.NewMessage{Body: "secret of A", Author: ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &cust.ID}})
	_, tkB := e.emailTicket(b, "bob@customer.test", "Bob", "B", "Hi")

	// B cannot see or write A's ticket, in any id form, whatever the body.
	for _, path := range []string{msgPath(tk), "/v1/tickets/" + tk.ID.String() + "/messages", "/tickets/" + conv(tk) + "/messages"} {
		r := e.As(b.Key, "GET", path, nil)
		expectError(t, r, 404, "NOT_FOUND", "not found")
		if strings.Contains(string(r.Body), "secret") {
			t.Fatal("leak")
		}
		expectError(t, e.As(b.Key, "POST", path, reply(inboxB, b.Owner, "from B")), 404, "NOT_FOUND", "not found")
		expectError(t, e.As(b.Key, "POST", path, map[string]any{}), 404, "NOT_FOUND", "not found")
	}
	// A cannot send from B's inbox nor as B's agent.
	expectError(t, e.As(a.Key, "POST", msgPath(tk), reply(inboxB, a.Owner, "x")), 400, "VALIDATION_ERROR", "fromAddress")
	expectError(t, e.As(a.Key, "POST", msgPath(tk), reply(inboxA, b.Owner, "x")), 400, "VALIDATION_ERROR", "userId")
	// A cursor of another workspace's message is not a cursor.
	mB := e.Post(b, tkB, ticketd.NewMessage{Body: "B's"})
	expectError(t, e.As(a.Key, "GET", msgPath(tk)+"?cursor="+typeid.Format("msg", mB.ID), nil), 400, "VALIDATION_ERROR", "cursor")

	if n := e.total(a, tk); n != 1 {
		t.Fatalf("A's ticket has %d messages, want 1", n)
	}
	if n := e.total(b, tkB); n != 1 {
		t.Fatalf("B's ticket has %d messages, want 1", n)
	}
	if n := e.deliver(); n != 0 {
		t.Fatalf("%d emails queued by refused requests", n)
	}
}

// TestSendValidation sends every kind of bad reply: each is a 400
// VALIDATION_ERROR naming the field (413 for a body over the limit), and
// none stores or sends anything.
func TestSendValidation(t *testing.T) {
	e := newEnvWith(t, apitest.Options{MaxBodyBytes: 8 << 10})
	ws := e.WS
	inbox := e.sendingSetup(ws, "acme.test", "Acme", "")
	other := e.NewWorkspace("Other")
	otherInbox := e.sendingSetup(other, "other.test", "Other", "")
	_, tk := e.emailTicket(ws, "ada@customer.test", "Ada", "L", "Help")
	ok := reply(inbox, ws.Owner, "Thanks!")

	cases := []struct {
		name     string
		body     any
		status   int
		contains string
	}{
		{"fromAddress missing", with(ok, "fromAddress", deleteKey), 400, "fromAddress"},
		{"fromAddress empty", with(ok, "fromAddress", ""), 400, "fromAddress"},
		{"fromAddress null", with(ok, "fromAddress", nil), 400, "fromAddress"},
		{"fromAddress not an address", with(ok, "fromAddress", "support"), 400, "fromAddress"},
		{"fromAddress not an inbox", with(ok, "fromAddress", "sales@acme.test"), 400, "fromAddress"},
		{"fromAddress on an unknown domain", with(ok, "fromAddress", "support@elsewhere.test"), 400, "fromAddress"},
		{"fromAddress another workspace's inbox", with(ok, "fromAddress", otherInbox), 400, "fromAddress"},
		{"fromAddress a number", with(ok, "fromAddress", 7), 400, "fromAddress"},
		{"bodyText missing", with(ok, "bodyText", deleteKey), 400, "bodyText"},
		{"bodyText empty", with(ok, "bodyText", ""), 400, "bodyText"},
		{"bodyText blank", with(ok, "bodyText", " \n\t "), 400, "bodyText"},
		{"bodyText null", with(ok, "bodyText", nil), 400, "bodyText"},
		{"bodyText an object", with(ok, "bodyText", map[string]any{}), 400, "bodyText"},
		{"userId missing", with(ok, "userId", deleteKey), 400, "userId"},
		{"userId empty", with(ok, "userId", ""), 400, "userId"},
		{"userId garbage", with(ok, "userId", "bob"), 400, "userId"},
		{"userId a number", with(ok, "userId", 1), 400, "userId"},
		{"userId wrong prefix", with(ok, "userId", typeid.Format("cust", ws.Owner.ID)), 400, "userId"},
		{"userId unknown", with(ok, "userId", typeid.Format("user", ticketd.NewID())), 400, "userId"},
		{"userId unknown UUID", with(ok, "userId", ticketd.NewID().String()), 400, "userId"},
		{"userId of another workspace", with(ok, "userId", userID(other.Owner)), 400, "userId"},
		{"ccAddresses not an address", with(ok, "ccAddresses", []string{"boss"}), 400, "ccAddresses"},
		{"ccAddresses with a name", with(ok, "ccAddresses", []string{"Boss <boss@x.test>"}), 400, "ccAddresses"},
		{"ccAddresses one bad of two", with(ok, "ccAddresses", []string{"a@x.test", "b@"}), 400, "ccAddresses"},
		{"ccAddresses a string", with(ok, "ccAddresses", "boss@x.test"), 400, "ccAddresses"},
		{"ccAddresses numbers", with(ok, "ccAddresses", []int{1}), 400, "ccAddresses"},
		{"subject too long", with(ok, "subject", strings.Repeat("s", 1001)), 400, "subject"},
		{"subject a number", with(ok, "subject", 3), 400, "subject"},
		{"bodyHtml a number", with(ok, "bodyHtml", 3), 400, "bodyHtml"},
		{"isInternal true", with(ok, "isInternal", true), 400, "isInternal"},
		{"is_internal true", with(ok, "is_internal", true), 400, "isInternal"},
		{"malformed JSON", `{"bodyText": "x"`, 400, "JSON"},
		{"two JSON values", `{} {}`, 400, "JSON"},
		{"not an object", `["bodyText"]`, 400, "object"},
		{"empty body", ``, 400, "JSON"},
		{"too large", with(ok, "bodyText", strings.Repeat("a", 9<<10)), 413, "larger"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code := "VALIDATION_ERROR"
			if c.status == 413 {
				code = "PAYLOAD_TOO_LARGE"
			}
			expectError(t, e.As(ws.Key, "POST", msgPath(tk), c.body), c.status, code, c.contains)
		})
	}
	if n := e.total(ws, tk); n != 0 {
		t.Fatalf("refused replies stored %d messages", n)
	}
	if n := e.deliver(); n != 0 || len(e.SMTP.Messages()) != 0 {
		t.Fatalf("refused replies queued %d emails", n)
	}
	// The same body with nothing wrong is accepted; unknown fields and
	// isInternal false are ignored; bodyHtml and subject may be null.
	e.As(ws.Key, "POST", msgPath(tk), with(ok, "color", "blue", "isInternal", false, "bodyHtml", nil, "subject", nil, "ccAddresses", nil)).Expect(201)
	// user_ and UUID forms of userId, and a fromAddress in another case, are the same.
	m := e.As(ws.Key, "POST", msgPath(tk), with(ok, "userId", ws.Owner.ID.String(), "fromAddress", " SUPPORT@Acme.test ")).Expect(201).Object()["message"].(map[string]any)
	if m["authorId"] != userID(ws.Owner) || m["fromAddress"] != inbox {
		t.Errorf("reply %v", m)
	}
}

// TestSendDefaultsAndThreading checks the reply's own fields: subject
// default, explicit subject, recipients and threading.
func TestSendDefaultsAndThreading(t *testing.T) {
	e := newEnv(t)
	ws := e.WS
	inbox := e.sendingSetup(ws, "acme.test", "Acme Support", "")
	cust, tk := e.emailTicket(ws, "ada@customer.test", "Ada", "Lovelace", "Broken widget")
	first := e.As(ws.Key, "POST", msgPath(tk), reply(inbox, ws.Owner, "first")).Expect(201).Object()["message"].(map[string]any)
	if first["subject"] != "Re: Broken widget" || first["inReplyTo"] != nil || strs(first["toAddresses"])[0] != cust.Email ||
		first["direction"] != "outbound" || first["authorType"] != "user" || first["channel"] != "email" {
		t.Errorf("first reply %v", first)
	}
	e.Post(ws, tk, ticketd.NewMessage{Body: "still broken", Author: ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &cust.ID},
		ExternalID: "<c2@customer.test>", Subject: "Re: Broken widget"})
	second := e.As(ws.Key, "POST", msgPath(tk), with(reply(inbox, ws.Owner, "second"), "subject", "  Replacement on its way  ")).Expect(201).Object()["message"].(map[string]any)
	if second["subject"] != "Replacement on its way" || second["inReplyTo"] != "<c2@customer.test>" || second["externalId"] == first["externalId"] {
		t.Errorf("second reply %v", second)
	}
	// A ticket subject that already says Re: does not become Re: Re:.
	_, tk2 := e.emailTicket(ws, "bo@customer.test", "Bo", "", "RE: invoice")
	if got := e.As(ws.Key, "POST", msgPath(tk2), reply(inbox, ws.Owner, "x")).Expect(201).Object()["message"].(map[string]any)["subject"]; got != "RE: invoice" {
		t.Errorf("subject %v", got)
	}
}

func TestPaging(t *testing.T) {
	e := newEnv(t)
	ws := e.WS
	tk := e.Ticket(ws, "chat")
	var ids []string
	for i := range 7 {
		m := e.Post(ws, tk, ticketd.NewMessage{Body: fmt.Sprint("m", i)})
		ids = append(ids, typeid.Format("msg", m.ID))
		if i == 2 || i == 5 {
			e.Post(ws, tk, ticketd.NewMessage{Body: "note", Internal: true})
		}
	}
	get := func(query string) map[string]any {
		t.Helper()
		return e.As(ws.Key, "GET", msgPath(tk)+query, nil).Expect(200).Object()
	}
	listed := func(body map[string]any) []string {
		var out []string
		for _, v := range body["messages"].([]any) {
			out = append(out, v.(map[string]any)["id"].(string))
		}
		return out
	}

	// Unpaged: everything, no nextCursor key.
	all := get("")
	if _, has := all["nextCursor"]; has || !slices.Equal(listed(all), ids) || all["total"] != float64(7) {
		t.Fatalf("unpaged: %v", all)
	}
	// Paged by 3: 3, 3, 1, following nextCursor; total always 7.
	var got []string
	query := "?limit=3"
	for pages := 0; ; pages++ {
		body := get(query)
		if body["total"] != float64(7) || len(body) != 3 {
			t.Fatalf("page %s: %v", query, body)
		}
		page := listed(body)
		got = append(got, page...)
		next, _ := body["nextCursor"].(string)
		if pages == 2 {
			if body["nextCursor"] != nil || len(page) != 1 {
				t.Fatalf("last page: %v", body)
			}
			break
		}
		if next != page[len(page)-1] {
			t.Fatalf("nextCursor %q is not the last item %q", next, page[len(page)-1])
		}
		query = "?limit=3&cursor=" + next
	}
	if !slices.Equal(got, ids) {
		t.Fatalf("pages gave %v, want %v", got, ids)
	}
	// A page that ends exactly at the end has no next cursor.
	if body := get("?limit=7"); body["nextCursor"] != nil || len(listed(body)) != 7 {
		t.Fatalf("limit=7: %v", body)
	}
	// cursor alone pages with the default limit; a UUID cursor works too.
	id3, _ := typeid.Parse(ids[3], "msg")
	if body := get("?cursor=" + ids[3]); !slices.Equal(listed(body), ids[4:]) || body["nextCursor"] != nil {
		t.Fatalf("cursor alone: %v", body)
	}
	if body := get("?cursor=" + id3.String()); !slices.Equal(listed(body), ids[4:]) {
		t.Fatalf("UUID cursor: %v", body)
	}
	// limit alone pages from the start.
	if body := get("?limit=2"); !slices.Equal(listed(body), ids[:2]) || body["nextCursor"] != ids[1] {
		t.Fatalf("limit alone: %v", body)
	}
	if body := get("?cursor=" + ids[6]); len(listed(body)) != 0 || body["nextCursor"] != nil || body["total"] != float64(7) {
		t.Fatalf("cursor at the end: %v", body)
	}

	otherTicket := e.Ticket(ws, "chat")
	foreign := e.Post(ws, otherTicket, ticketd.NewMessage{Body: "elsewhere"})
	for _, q := range []string{"?limit=0", "?limit=501", "?limit=x", "?limit=-1", "?cursor=nope",
		"?cursor=" + typeid.Format("msg", ticketd.NewID()), "?cursor=" + typeid.Format("msg", foreign.ID),
		"?cursor=" + typeid.Format("cust", ticketd.NewID())} {
		field := "limit"
		if strings.HasPrefix(q, "?cursor") {
			field = "cursor"
		}
		expectError(t, e.As(ws.Key, "GET", msgPath(tk)+q, nil), 400, "VALIDATION_ERROR", field)
	}
	// An unknown ticket is a 404 whatever the cursor.
	expectError(t, e.As(ws.Key, "GET", "/v1/tickets/"+ticketd.NewID().String()+"/messages?cursor=x", nil), 404, "NOT_FOUND", "ticket")
}

// TestPrefixedIDIsTheULIDText: the prefixed form is what CONTRACT.md says,
// the ULID text (26 Crockford base32 characters) of the same 128 bits.
func TestPrefixedIDIsTheULIDText(t *testing.T) {
	// 01ARZ3NDEKTSV4RRFFQ69G5FAV is the ULID spec's example; its bytes are fixed.
	id, err := typeid.Parse("msg_01ARZ3NDEKTSV4RRFFQ69G5FAV", "msg")
	if err != nil {
		t.Fatal(err)
	}
	if got := typeid.Format("msg", id); got != "msg_01arz3ndektsv4rrffq69g5fav" {
		t.Fatalf("round trip %s", got)
	}
	if id.String() != "01563e3a-b5d3-d676-4c61-efb99302bd5b" {
		t.Fatalf("bits %s", id)
	}
}
