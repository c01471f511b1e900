package native_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/httpapi/apitest"
	"github.com/ticketd/ticketd/httpapi/server"
)

// TestListsRefuseUnknownQueryParameters: every list route of /v1, taken
// from the mount's route table, answers 422 naming a query parameter it
// does not know, so a typo is never a silently unfiltered list.
func TestListsRefuseUnknownQueryParameters(t *testing.T) {
	e := apitest.New(t)
	var native = server.Mounts(e.Service, server.Config{})[0]
	n := 0
	for _, r := range native.Routes() {
		// A list is a GET of a collection: its path ends in a name, not a
		// parameter. /workspace is the one object at such a path.
		if r.Method != "GET" || strings.HasSuffix(r.Path, "}") || r.Path == "/workspace" {
			continue
		}
		n++
		path := e.Fill(native.Base+r.Path, native, e.WS)
		e.Run(t, []apitest.Scenario{{Name: r.Path, Method: "GET", Path: path + "?stauts=open", Key: e.WS.Key, Status: 422,
			JSON: map[string]any{"detail.0.loc": []any{"query", "stauts"}, "detail.0.type": "value_error.extra", "detail.1": apitest.Absent}}})
	}
	if n < 8 {
		t.Fatalf("only %d list routes found", n)
	}
}

// TestCustomerProfileOnTheNativeAPI: the profile HelpWave and Ticket0 show
// in their words is the native customer's name, identities and metadata;
// PATCH merges identities and metadata, null removing a key.
func TestCustomerProfileOnTheNativeAPI(t *testing.T) {
	e := apitest.New(t)
	k := e.WS.Key
	c := e.As(k, "POST", "/v1/customers", map[string]any{"email": "ada@example.com", "profile": map[string]any{"name": "Ada King",
		"identities": map[string]any{"shopify": "987654321"}, "metadata": map[string]any{"plan": "pro", "seats": "3"}}}).Expect(201).Object()
	id := c["id"].(string)
	e.Run(t, []apitest.Scenario{
		{Name: "shown", Method: "GET", Path: "/v1/customers/" + id, Key: k, Status: 200,
			JSON: map[string]any{"profile.name": "Ada King", "full_name": "Ada King", "profile.identities": map[string]any{"shopify": "987654321"},
				"profile.metadata": map[string]any{"plan": "pro", "seats": "3"}}},
		{Name: "merged", Method: "PATCH", Path: "/v1/customers/" + id, Key: k, Status: 200,
			Body: map[string]any{"profile": map[string]any{"identities": map[string]any{"zendesk": "z-1"}, "metadata": map[string]any{"seats": nil}}},
			JSON: map[string]any{"profile.identities": map[string]any{"shopify": "987654321", "zendesk": "z-1"}, "profile.metadata": map[string]any{"plan": "pro"}}},
		{Name: "found by identity", Method: "GET", Path: "/v1/customers?identity=zendesk:z-1", Key: k, Status: 200,
			JSON: map[string]any{"0.id": id, "1": apitest.Absent}},
		{Name: "same on HelpWave", Method: "GET", Path: "/helpwave/api/v1/customers/" + jsonNumber(c["number"]), Key: k, Status: 200,
			JSON: map[string]any{"customer.shopify_id": "987654321", "customer.zendesk_id": "z-1", "customer.full_name": "Ada King"}},
		{Name: "identity is unique", Method: "POST", Path: "/v1/customers", Key: k, Status: 409,
			Body: map[string]any{"email": "other@example.com", "profile": map[string]any{"identities": map[string]any{"shopify": "987654321"}}}},
	})
}

func jsonNumber(v any) string {
	f, _ := v.(float64)
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// TestArticlesCRUD: the knowledge base is written over /v1/articles
// (articles:write) and read back there and over Ticket0's /knowledge-base.
func TestArticlesCRUD(t *testing.T) {
	e := apitest.New(t)
	k := e.WS.Key
	a := e.As(k, "POST", "/v1/articles", map[string]any{"title": "How to track your order", "body": "## Tracking\n\nUse the [tracking page](https://x.test).",
		"status": "published"}).Expect(201).Object()
	id := a["id"].(string)
	e.Run(t, []apitest.Scenario{
		{Name: "created", Method: "GET", Path: "/v1/articles/" + id, Key: k, Status: 200,
			JSON: map[string]any{"slug": "how-to-track-your-order", "status": "published", "excerpt": "Tracking Use the tracking page."}},
		{Name: "slug is unique", Method: "POST", Path: "/v1/articles", Key: k, Status: 409, Body: map[string]any{"title": "How to track your order"}},
		{Name: "bad status", Method: "POST", Path: "/v1/articles", Key: k, Status: 422, Body: map[string]any{"title": "x", "status": "live"},
			JSON: map[string]any{"detail.0.loc": []any{"body", "status"}}},
		{Name: "updated", Method: "PATCH", Path: "/v1/articles/" + id, Key: k, Status: 200, Body: map[string]any{"status": "archived", "body": "New text."},
			JSON: map[string]any{"status": "archived", "excerpt": "New text."}},
		{Name: "search", Method: "GET", Path: "/v1/articles?q=NEW", Key: k, Status: 200, JSON: map[string]any{"0.id": id}},
		{Name: "status filter", Method: "GET", Path: "/v1/articles?status=published", Key: k, Status: 200, JSON: map[string]any{"0": apitest.Absent}},
		{Name: "write needs articles:write", Method: "POST", Path: "/v1/articles", Key: e.KeyWith(e.WS, apitest.AllBut("articles:write")...),
			Status: 403, Body: map[string]any{"title": "x"}},
		{Name: "deleted", Method: "DELETE", Path: "/v1/articles/" + id, Key: k, Status: 204},
		{Name: "gone", Method: "GET", Path: "/v1/articles/" + id, Key: k, Status: 404},
	})
}
