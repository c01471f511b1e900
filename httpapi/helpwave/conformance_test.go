package helpwave_test

// The HelpWave conformance suite: one test per behaviour the product
// documents, each naming the page it checks (developers.helpwave.ai, and the
// seeds in /work/shared/seeds that copy its pages). Every request goes to the
// product's own base URL, /helpwave/api/v1, as a migrated integration's would.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/apitest"
)

const base = "/helpwave/api/v1"

// hw is a shop for the conformance tests: a customer Ada, an agent Grace and
// the owner's key, sent as x-api-key unless a scenario says otherwise.
type hw struct {
	*fixture
}

func newHW(t *testing.T) *hw {
	f := newFixture(t)
	return &hw{f}
}

func (h *hw) run(t *testing.T, s apitest.Scenario) *apitest.Response {
	t.Helper()
	if s.Headers == nil && s.Key == "" {
		s.Headers = map[string]string{"x-api-key": h.key}
	}
	return h.e.RunOne(t, s)
}

func (h *hw) newTicket(t *testing.T, body map[string]any) string {
	t.Helper()
	b := map[string]any{"customerId": h.customer.Number, "Channel": "Mail"}
	for k, v := range body {
		b[k] = v
	}
	r := h.run(t, apitest.Scenario{Method: "POST", Path: base + "/tickets", Body: b, Status: 201})
	return apitest.Get(r.JSON(), "ticket.id").(string)
}

// ---- quickstart ----------------------------------------------------------------

// developers.helpwave.ai/quickstart: the first call,
// GET /api/v1/tickets/getRecentConversations?days=7 with x-api-key, answers
// (it is not caught by the {ticketId} route), with the conversations whose
// last message is that recent.
func TestQuickstartGetRecentConversations(t *testing.T) {
	h := newHW(t)
	id := h.newTicket(t, map[string]any{"name": "Refund request"})
	h.newTicket(t, map[string]any{"name": "Old", "lastMessageTime": "2026-03-01T00:00:00.000Z"})
	r := h.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets/getRecentConversations?days=7", Status: 200,
		JSON: map[string]any{"success": true, "totalCount": 1, "conversations.0.id": id, "conversations.0.name": "Refund request"}})
	_ = r
	// The same call on the seeds' base path.
	h.run(t, apitest.Scenario{Method: "GET", Path: "/api/v1/tickets/getRecentConversations?days=7", Status: 200,
		JSON: map[string]any{"totalCount": 1}})
	h.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets/getRecentConversations?days=zero", Status: 400,
		JSON: map[string]any{"success": false}})
}

// developers.helpwave.ai/quickstart names getRecentConversations and its
// days parameter only; ticketd's reading (CONTRACT.md): days defaults to 7,
// must be 1..365, the conversations come most recent first, an email
// ticket stored by another surface among them as "Mail".
func TestRecentConversationsDaysAndOrder(t *testing.T) {
	h := newHW(t)
	day := func(n int) string {
		return apitest.ClockStart.Add(-time.Duration(n) * 24 * time.Hour).Format("2006-01-02T15:04:05.000Z")
	}
	older := h.newTicket(t, map[string]any{"name": "three days", "lastMessageTime": day(3)})
	newer := h.newTicket(t, map[string]any{"name": "one day", "lastMessageTime": day(1)})
	h.newTicket(t, map[string]any{"name": "nine days", "lastMessageTime": day(9)})
	native := h.e.Ticket(h.e.WS, "email")
	h.e.Post(h.e.WS, native, ticketd.NewMessage{Body: "from the native API"})
	h.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets/getRecentConversations", Status: 200,
		JSON: map[string]any{"totalCount": 3, "conversations.0.id": num(native.Number), "conversations.0.Channel": "Mail",
			"conversations.1.id": newer, "conversations.2.id": older}})
	h.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets/getRecentConversations?days=10", Status: 200,
		JSON: map[string]any{"totalCount": 4, "conversations.3.name": "nine days"}})
	h.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets/getRecentConversations?days=2", Status: 200,
		JSON: map[string]any{"totalCount": 2}})
	for _, bad := range []string{"0", "366", "-1", "7.5"} {
		h.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets/getRecentConversations?days=" + bad, Status: 400,
			JSON: map[string]any{"success": false, "error": apitest.Present}, Contains: []string{"days"}})
	}
}

// developers.helpwave.ai/quickstart, "Bearer fallback": without x-api-key the
// Authorization header is read, its Bearer prefix stripped.
func TestQuickstartBearerFallback(t *testing.T) {
	h := newHW(t)
	h.run(t, apitest.Scenario{Method: "GET", Path: base + "/customers/" + num(h.customer.Number), Key: h.key, Status: 200,
		JSON: map[string]any{"success": true, "customer.id": h.customer.Number}})
}

// ---- authentication ---------------------------------------------------------------

// developers.helpwave.ai/reference/authentication: no key is 401 "Missing
// API key"; a key that maps to nothing is 401 "Unauthorized - Invalid API
// key"; the failure payload is {"error": "..."}.
func TestAuthenticationFailurePayloads(t *testing.T) {
	h := newHW(t)
	path := base + "/customers/" + num(h.customer.Number)
	h.run(t, apitest.Scenario{Method: "GET", Path: path, Headers: map[string]string{}, Status: 401,
		JSON: map[string]any{"error": "Missing API key", "success": apitest.Absent}})
	h.run(t, apitest.Scenario{Method: "GET", Path: path, Headers: map[string]string{"x-api-key": "tkd_" + strings.Repeat("x", 48)},
		Status: 401, JSON: map[string]any{"error": "Unauthorized - Invalid API key", "success": apitest.Absent}})
}

// developers.helpwave.ai/reference/authentication, "Primary header": the
// helper reads x-api-key first, so a good x-api-key wins over a bad Bearer.
func TestAuthenticationXAPIKeyFirst(t *testing.T) {
	h := newHW(t)
	h.run(t, apitest.Scenario{Method: "GET", Path: base + "/customers/" + num(h.customer.Number),
		Headers: map[string]string{"x-api-key": h.key, "Authorization": "Bearer tkd_" + strings.Repeat("x", 48)}, Status: 200})
}

// ---- customers ----------------------------------------------------------------------

// developers.helpwave.ai/reference/customers/create, "Behavior": at least
// one of email or phone_number is required.
func TestCustomerCreateNeedsEmailOrPhone(t *testing.T) {
	h := newHW(t)
	h.run(t, apitest.Scenario{Method: "POST", Path: base + "/customers", Body: map[string]any{"first_name": "Nobody"},
		Status: 400, JSON: map[string]any{"success": false, "error": apitest.Present}})
	h.run(t, apitest.Scenario{Method: "POST", Path: base + "/customers", Body: map[string]any{"phone_number": "+33123456789"},
		Status: 201, JSON: map[string]any{"customer.phone_number": "+33123456789"}})
}

// developers.helpwave.ai/reference/customers/create: the documented request
// and response, with the platform id converted to a string, the full name
// kept and the shop's domain.
func TestCustomerCreateExample(t *testing.T) {
	h := newHW(t)
	website := "example.myshopify.com"
	if _, err := h.e.Service.UpdateWorkspace(context.Background(), h.e.WS.Principal, ticketd.WorkspaceUpdate{Website: &website}); err != nil {
		t.Fatal(err)
	}
	h.run(t, apitest.Scenario{Method: "POST", Path: base + "/customers", Status: 201,
		Body: map[string]any{"email": "grace@example.com", "first_name": "Grace", "last_name": "Hopper", "phone_number": "+33123456780",
			"shopify_id": 987654321, "full_name": "Rear Admiral Grace Hopper", "wordpress_id": "wp-7", "fb_user_id": 12, "ig_user_id": "ig1", "whatsapp_id": 336},
		JSON: map[string]any{"success": true, "customer.email": "grace@example.com", "customer.phone_number": "+33123456780",
			"customer.first_name": "Grace", "customer.last_name": "Hopper", "customer.shopify_id": "987654321",
			"customer.wordpress_id": "wp-7", "customer.fb_user_id": "12", "customer.ig_user_id": "ig1", "customer.whatsapp_id": "336",
			"customer.full_name": "Rear Admiral Grace Hopper", "customer.shopDomain": website}})
}

// developers.helpwave.ai/reference/customers/create: a customer with the
// same email, or else the same phone_number, is returned with HTTP 200,
// success and existing: true, instead of a duplicate.
func TestCustomerCreateReturnsExisting(t *testing.T) {
	h := newHW(t)
	h.run(t, apitest.Scenario{Method: "POST", Path: base + "/customers", Body: map[string]any{"email": "dev@example.com"},
		Status: 200, JSON: map[string]any{"success": true, "existing": true, "customer.id": h.customer.Number}})
	h.run(t, apitest.Scenario{Method: "POST", Path: base + "/customers", Body: map[string]any{"phone_number": "+1555"}, Status: 201})
	h.run(t, apitest.Scenario{Method: "POST", Path: base + "/customers", Body: map[string]any{"phone_number": "+1555"},
		Status: 200, JSON: map[string]any{"existing": true}})
}

// developers.helpwave.ai/reference/customers/get-by-id, "Response": every
// documented field is there, null when unknown, numberOfOrders 0.
func TestCustomerGetResponseFields(t *testing.T) {
	h := newHW(t)
	r := h.run(t, apitest.Scenario{Method: "GET", Path: base + "/customers/" + num(h.customer.Number), Status: 200,
		JSON: map[string]any{"success": true, "customer.id": h.customer.Number, "customer.full_name": "Ada Lovelace",
			"customer.numberOfOrders": 0, "customer.shopify_id": nil, "customer.CMS": nil, "customer.cms_creationDate": nil}})
	c := apitest.Get(r.JSON(), "customer").(map[string]any)
	for _, k := range []string{"id", "shopify_id", "wordpress_id", "prestashop_id", "fb_user_id", "ig_user_id", "whatsapp_id",
		"email", "phone_number", "first_name", "last_name", "full_name", "numberOfOrders", "shopDomain", "creationDate",
		"cms_creationDate", "CMS", "zendesk_id", "freshdesk_id", "ig_pseudo", "gmelius_id", "gorgias_id"} {
		if _, ok := c[k]; !ok {
			t.Errorf("customer lacks %s: %s", k, r.Body)
		}
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000Z", c["creationDate"].(string)); err != nil {
		t.Errorf("creationDate %v", c["creationDate"])
	}
}

// developers.helpwave.ai/reference/customers/get-by-id: the import ids a
// native client records (identities) show under the product's names.
func TestCustomerGetShowsImportIDs(t *testing.T) {
	h := newHW(t)
	ids := map[string]*string{}
	for sys, v := range map[string]string{"zendesk": "z1", "freshdesk": "f1", "gorgias": "g1", "gmelius": "m1", "instagram_handle": "@ada", "prestashop": "p1"} {
		ids[sys] = &v
	}
	orders := 3
	if _, err := h.e.Service.UpdateCustomerProfile(context.Background(), h.e.WS.Principal, h.customer.ID,
		ticketd.ProfileUpdate{Identities: ids, Orders: ticketd.SetTo(&orders), Platform: ptr("Shopify")}); err != nil {
		t.Fatal(err)
	}
	h.run(t, apitest.Scenario{Method: "GET", Path: base + "/customers/" + num(h.customer.Number), Status: 200,
		JSON: map[string]any{"customer.zendesk_id": "z1", "customer.freshdesk_id": "f1", "customer.gorgias_id": "g1",
			"customer.gmelius_id": "m1", "customer.ig_pseudo": "@ada", "customer.prestashop_id": "p1",
			"customer.numberOfOrders": 3, "customer.CMS": "Shopify"}})
}

func ptr[T any](v T) *T { return &v }

// developers.helpwave.ai/reference/customers/get-by-id, "Behavior": no
// customerId is 400 "customerId is required"; a customer of no shop, or of
// another shop, is 404 "Customer not found".
func TestCustomerGetErrors(t *testing.T) {
	h := newHW(t)
	other := h.e.NewWorkspace("Other")
	theirs := h.e.Customer(other, "them@other.test", "T", "O")
	h.run(t, apitest.Scenario{Method: "GET", Path: base + "/customers/", Status: 400, JSON: map[string]any{"error": "customerId is required"}})
	h.run(t, apitest.Scenario{Method: "GET", Path: base + "/customers/999999", Status: 404, JSON: map[string]any{"success": false, "error": "Customer not found"}})
	h.run(t, apitest.Scenario{Method: "GET", Path: base + "/customers/" + num(theirs.Number), Status: 404, JSON: map[string]any{"error": "Customer not found"}})
}

// ---- tickets ---------------------------------------------------------------------------

// seed 002 / developers.helpwave.ai/reference/tickets/create: customerId and
// Channel are required.
func TestTicketCreateRequiredFields(t *testing.T) {
	h := newHW(t)
	h.run(t, apitest.Scenario{Method: "POST", Path: base + "/tickets", Body: map[string]any{"Channel": "Mail"}, Status: 400,
		Contains: []string{"customerId"}})
	h.run(t, apitest.Scenario{Method: "POST", Path: base + "/tickets", Body: map[string]any{"customerId": h.customer.Number}, Status: 400,
		Contains: []string{"Channel"}})
}

// seed 002: the referenced customer is verified in the shop before anything
// is created: another shop's customer is 404 "Customer not found".
func TestTicketCreateVerifiesCustomer(t *testing.T) {
	h := newHW(t)
	theirs := h.e.Customer(h.e.NewWorkspace("Other"), "them@other.test", "T", "O")
	h.run(t, apitest.Scenario{Method: "POST", Path: base + "/tickets", Body: map[string]any{"customerId": theirs.Number, "Channel": "Mail"},
		Status: 404, JSON: map[string]any{"error": "Customer not found"}})
}

// seed 002: customerId and assigned_to are parsed as integers when present
// (a string of digits is read as its number).
func TestTicketCreateParsesIntegers(t *testing.T) {
	h := newHW(t)
	h.run(t, apitest.Scenario{Method: "POST", Path: base + "/tickets", Status: 201,
		Body: map[string]any{"customerId": num(h.customer.Number), "Channel": "Mail", "assigned_to": num(h.agent.Number)},
		JSON: map[string]any{"ticket.customerID": h.customer.Number, "ticket.assigned_to": h.agent.Number}})
}

// seed 002: isOpenedTicket is true when the value is the boolean true or the
// string 'true' — and only then: anything else is false, never an error.
func TestTicketCreateIsOpenedTicketRule(t *testing.T) {
	h := newHW(t)
	for _, c := range []struct {
		v    any
		want bool
	}{{true, true}, {"true", true}, {false, false}, {"false", false}, {1, false}, {"yes", false}, {[]any{true}, false}, {map[string]any{}, false}} {
		h.run(t, apitest.Scenario{Method: "POST", Path: base + "/tickets", Status: 201,
			Body: map[string]any{"customerId": h.customer.Number, "Channel": "Mail", "isOpenedTicket": c.v},
			JSON: map[string]any{"ticket.isOpenedTicket": c.want}})
	}
}

// seed 002: date and lastMessageTime default to the current time.
func TestTicketCreateDatesDefaultToNow(t *testing.T) {
	h := newHW(t)
	r := h.run(t, apitest.Scenario{Method: "POST", Path: base + "/tickets", Status: 201,
		Body: map[string]any{"customerId": h.customer.Number, "Channel": "Mail"}})
	isNow(t, "date", apitest.Get(r.JSON(), "ticket.date"))
	isNow(t, "lastMessageTime", apitest.Get(r.JSON(), "ticket.lastMessageTime"))
}

// seed 002: BigInt fields are serialized to strings: the ticket id is a
// string of digits, the customer id a number.
func TestTicketCreateBigIntsAsStrings(t *testing.T) {
	h := newHW(t)
	r := h.run(t, apitest.Scenario{Method: "POST", Path: base + "/tickets", Status: 201,
		Body: map[string]any{"customerId": h.customer.Number, "Channel": "Mail"}})
	if _, ok := apitest.Get(r.JSON(), "ticket.id").(string); !ok {
		t.Fatalf("id is not a string: %s", r.Body)
	}
}

// developers.helpwave.ai/reference/tickets/get-by-id, "Behavior": no
// ticketId is 400 "ticketId is required"; a ticket outside the shop is 404
// "Ticket not found".
func TestTicketGetErrors(t *testing.T) {
	h := newHW(t)
	theirs := h.e.Ticket(h.e.NewWorkspace("Other"), "Mail")
	h.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets/", Status: 400, JSON: map[string]any{"error": "ticketId is required"}})
	h.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets/424242", Status: 404, JSON: map[string]any{"error": "Ticket not found"}})
	h.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets/" + num(theirs.Number), Status: 404, JSON: map[string]any{"error": "Ticket not found"}})
}

// developers.helpwave.ai/reference/tickets/get-by-id, "Response": the ticket
// with its Customer (phone and Shopify id), its User as
// {id, email, first_name, last_name, full_name}, and its HumanTicket with an
// integer id; "Channel": "Mail".
func TestTicketGetResponse(t *testing.T) {
	h := newHW(t)
	id := h.newTicket(t, map[string]any{"name": "Refund request", "assigned_to": h.agent.Number, "isOpenedTicket": true})
	r := h.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets/" + id, Status: 200,
		JSON: map[string]any{"ticket.id": id, "ticket.Channel": "Mail", "ticket.name": "Refund request",
			"ticket.Customer.id": h.customer.Number, "ticket.Customer.full_name": "Ada Lovelace", "ticket.Customer.phone_number": nil,
			"ticket.Customer.shopify_id":           nil,
			"ticket.User":                          map[string]any{"id": h.agent.Number, "email": "sam@acme.test", "first_name": "Sam", "last_name": "Agent", "full_name": "Sam Agent"},
			"ticket.HumanTicket.HumanTicketStatus": "OPEN", "ticket.HumanTicket.closedAt": nil, "ticket.shopDomain": nil}})
	if _, ok := apitest.Get(r.JSON(), "ticket.HumanTicket.id").(float64); !ok {
		t.Fatalf("HumanTicket.id is not an integer: %s", r.Body)
	}
}

// seeds 000 and 002: an email ticket's Channel is "Mail" whichever surface
// stored it ("email" on Ticket0 and the native API).
func TestEmailTicketsAreMail(t *testing.T) {
	h := newHW(t)
	tk := h.e.Ticket(h.e.WS, "email")
	h.e.Post(h.e.WS, tk, ticketd.NewMessage{Body: "hi"})
	h.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets/" + num(tk.Number), Status: 200, JSON: map[string]any{"ticket.Channel": "Mail"}})
	h.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets/" + num(tk.Number) + "/comments", Status: 200,
		JSON: map[string]any{"comments.0.Channel": "Mail"}})
}

// ---- comments (seed 000, developers.helpwave.ai/reference/tickets/comments) ----------------

// "The route first verifies that the ticket exists in the authenticated shop."
func TestCommentsVerifyTicket(t *testing.T) {
	h := newHW(t)
	theirs := h.e.Ticket(h.e.NewWorkspace("Other"), "Mail")
	for _, m := range []string{"GET", "POST"} {
		h.run(t, apitest.Scenario{Method: m, Path: base + "/tickets/" + num(theirs.Number) + "/comments", Body: map[string]any{"text": "x"},
			Status: 404, JSON: map[string]any{"error": "Ticket not found"}})
	}
}

// "Messages are returned ordered by time ascending", each with its Customer
// or User, wrapped in comments with totalCount.
func TestCommentsListShape(t *testing.T) {
	h := newHW(t)
	id := h.newTicket(t, nil)
	later, earlier := "2026-04-28T00:05:00.000Z", "2026-04-28T00:00:00.000Z"
	h.run(t, apitest.Scenario{Method: "POST", Path: base + "/tickets/" + id + "/comments", Status: 201, Headers: map[string]string{"x-api-key": h.agentKey},
		Body: map[string]any{"text": "We are on it.", "time": later}})
	h.run(t, apitest.Scenario{Method: "POST", Path: base + "/tickets/" + id + "/comments", Status: 201,
		Body: map[string]any{"text": "Hello, I need a refund.", "time": earlier, "isFromShop": "false"}})
	h.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets/" + id + "/comments", Status: 200,
		JSON: map[string]any{"success": true, "totalCount": 2, "comments.0.text": "Hello, I need a refund.", "comments.0.isFromShop": false,
			"comments.0.Customer.full_name": "Ada Lovelace", "comments.0.User": nil, "comments.1.text": "We are on it.",
			"comments.1.Customer": nil, "comments.1.User.full_name": "Sam Agent", "comments.1.time": later}})
}

// "text is required and must not be empty after trimming."
func TestCommentTextRequired(t *testing.T) {
	h := newHW(t)
	id := h.newTicket(t, nil)
	for _, b := range []map[string]any{{}, {"text": "   "}} {
		h.run(t, apitest.Scenario{Method: "POST", Path: base + "/tickets/" + id + "/comments", Body: b, Status: 400,
			JSON: map[string]any{"success": false}})
	}
}

// "If isFromShop is omitted, the handler defaults it to true." and "The
// string value 'false' is explicitly recognized and converted to boolean
// false."
func TestCommentIsFromShop(t *testing.T) {
	h := newHW(t)
	id := h.newTicket(t, nil)
	h.run(t, apitest.Scenario{Method: "POST", Path: base + "/tickets/" + id + "/comments", Body: map[string]any{"text": "a"}, Status: 201,
		JSON: map[string]any{"comment.isFromShop": true}})
	h.run(t, apitest.Scenario{Method: "POST", Path: base + "/tickets/" + id + "/comments", Body: map[string]any{"text": "b", "isFromShop": "false"},
		Status: 201, JSON: map[string]any{"comment.isFromShop": false}})
}

// "Channel defaults to the conversation channel when omitted." and
// "toEmails defaults to an empty array unless an array is provided."
func TestCommentDefaults(t *testing.T) {
	h := newHW(t)
	id := h.newTicket(t, map[string]any{"Channel": "Website"})
	h.run(t, apitest.Scenario{Method: "POST", Path: base + "/tickets/" + id + "/comments", Body: map[string]any{"text": "a"}, Status: 201,
		JSON: map[string]any{"comment.Channel": "Website", "comment.toEmails": []any{}}})
}

// "After the message is created, the conversation lastMessage and
// lastMessageTime are updated." and "When isFromShop is false,
// unReadChatCount is reset to 1".
func TestCommentUpdatesConversation(t *testing.T) {
	h := newHW(t)
	id := h.newTicket(t, map[string]any{"unReadChatCount": 5})
	r := h.run(t, apitest.Scenario{Method: "POST", Path: base + "/tickets/" + id + "/comments", Status: 201,
		Body: map[string]any{"text": "Where is my parcel?", "isFromShop": false}})
	when := apitest.Get(r.JSON(), "comment.time")
	h.run(t, apitest.Scenario{Method: "GET", Path: base + "/tickets/" + id, Status: 200,
		JSON: map[string]any{"ticket.lastMessage": "Where is my parcel?", "ticket.lastMessageTime": when, "ticket.unReadChatCount": 1}})
}

// The POST example of seed 000 stores and returns every field it sends.
func TestCommentCreateExample(t *testing.T) {
	h := newHW(t)
	id := h.newTicket(t, nil)
	h.run(t, apitest.Scenario{Method: "POST", Path: base + "/tickets/" + id + "/comments", Status: 201,
		Body: map[string]any{"text": "We have started reviewing your refund request.", "subject": "Refund request update",
			"fromEmail": "support@example.com", "toEmails": []string{"dev@example.com"}, "tags": []string{"refund"},
			"Channel": "Mail", "isFromShop": true},
		JSON: map[string]any{"success": true, "comment.text": "We have started reviewing your refund request.",
			"comment.subject": "Refund request update", "comment.fromEmail": "support@example.com",
			"comment.toEmails": []string{"dev@example.com"}, "comment.tags": []string{"refund"}, "comment.Channel": "Mail",
			"comment.isFromShop": true}})
}

// Unknown paths and methods under the base answer in this API's error
// format (the JSON catch-all), so an integration that parses every body
// never meets plain text.
func TestUnknownRoutesAnswerJSON(t *testing.T) {
	h := newHW(t)
	h.run(t, apitest.Scenario{Method: "GET", Path: base + "/nope", Status: 404, JSON: map[string]any{"success": false}})
	h.run(t, apitest.Scenario{Method: "DELETE", Path: base + "/tickets/1", Status: 405, JSON: map[string]any{"success": false},
		Header: map[string]any{"Allow": "GET, HEAD"}})
	_ = fmt.Sprint
}
