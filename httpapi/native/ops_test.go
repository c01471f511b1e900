package native_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/blob"
	"github.com/ticketd/ticketd/httpapi/apitest"
	"github.com/ticketd/ticketd/mail"
	"github.com/ticketd/ticketd/mail/domainauth"
	"github.com/ticketd/ticketd/mail/mailtest"
)

// mailEnv is an Env whose service verifies domains against a DNS server on
// loopback and keeps attachments in a directory of the test.
type mailEnv struct {
	*apitest.Env
	dns     *mailtest.DNSServer
	blobDir string
}

func newMailEnv(t *testing.T) *mailEnv {
	dns := mailtest.NewDNSServer(t)
	dir := t.TempDir()
	auth := &mail.Authority{Resolver: domainauth.NewResolver(dns.Addr())}
	e := apitest.NewWith(t, apitest.Options{ServiceOptions: []ticketd.Option{ticketd.WithDomainAuthority(auth),
		ticketd.WithBlobStore(&blob.Dir{Path: dir})}})
	return &mailEnv{Env: e, dns: dns, blobDir: dir}
}

// verifiedDomain adds, publishes and verifies domain for ws; it returns
// the domain's id.
func (e *mailEnv) verifiedDomain(ws *apitest.Workspace, domain string) string {
	e.T.Helper()
	d := e.As(ws.Key, "POST", "/v1/domains", map[string]any{"name": domain}).Expect(201).Object()
	for _, r := range d["dns_records"].([]any) {
		rec := r.(map[string]any)
		e.dns.SetTXT(rec["name"].(string), rec["value"].(string))
	}
	if v := e.As(ws.Key, "POST", "/v1/domains/"+d["id"].(string)+"/verify", nil).Expect(200).Object(); v["verified"] != true {
		e.T.Fatalf("not verified: %v", v)
	}
	return d["id"].(string)
}

func TestDomainsListedAndDeletedWithInboxes(t *testing.T) {
	e := newMailEnv(t)
	other := e.NewWorkspace("Other")
	domain := e.verifiedDomain(e.WS, "acme.test")
	inbox := e.As(e.WS.Key, "POST", "/v1/inboxes", map[string]any{"address": "support@acme.test"}).Expect(201).Object()["id"].(string)

	list := e.As(e.WS.Key, "GET", "/v1/domains", nil).Expect(200)
	if a := list.Array(); len(a) != 1 || a[0]["id"] != domain || a[0]["verified"] != true {
		t.Fatalf("GET /v1/domains: %s", list.Body)
	}
	if strings.Contains(string(list.Body), "PRIVATE") {
		t.Fatal("the list shows a private key")
	}
	readOnly := e.KeyWith(e.WS, "settings:read")
	cases := []struct {
		name, key, method, path string
		status                  int
	}{
		{"another workspace lists none", other.Key, "GET", "/v1/domains", 200},
		{"another workspace's domain", other.Key, "DELETE", "/v1/domains/" + domain, 404},
		{"another workspace's inbox", other.Key, "DELETE", "/v1/inboxes/" + inbox, 404},
		{"listing needs settings:read", e.KeyWith(e.WS, apitest.AllBut("settings:read")...), "GET", "/v1/domains", 403},
		{"deleting a domain needs settings:write", readOnly, "DELETE", "/v1/domains/" + domain, 403},
		{"deleting an inbox needs settings:write", readOnly, "DELETE", "/v1/inboxes/" + inbox, 403},
		{"not an id", e.WS.Key, "DELETE", "/v1/domains/nope", 404},
		{"a domain with an inbox", e.WS.Key, "DELETE", "/v1/domains/" + domain, 409},
		{"the inbox", e.WS.Key, "DELETE", "/v1/inboxes/" + inbox, 204},
		{"the inbox again", e.WS.Key, "DELETE", "/v1/inboxes/" + inbox, 404},
		{"then the domain", e.WS.Key, "DELETE", "/v1/domains/" + domain, 204},
		{"the domain is gone", e.WS.Key, "GET", "/v1/domains/" + domain, 404},
	}
	for _, tc := range cases {
		r := e.As(tc.key, tc.method, tc.path, nil)
		if r.Status != tc.status {
			t.Fatalf("%s: %s %s = %d, want %d: %s", tc.name, tc.method, tc.path, r.Status, tc.status, r.Body)
		}
		if tc.name == "another workspace lists none" && len(r.Array()) != 0 {
			t.Fatalf("another workspace sees %s", r.Body)
		}
	}
	if a := e.As(e.WS.Key, "GET", "/v1/inboxes", nil).Expect(200).Array(); len(a) != 0 {
		t.Fatalf("inboxes after delete: %v", a)
	}
	audit := e.As(e.WS.Key, "GET", "/v1/audit", nil).Expect(200).Array()
	if len(audit) != 2 || audit[0]["action"] != "inbox.deleted" || audit[1]["action"] != "domain.deleted" ||
		audit[1]["object_id"] != domain || audit[0]["actor_key_id"] != e.WS.Principal.KeyID.String() {
		t.Fatalf("audit: %v", audit)
	}
	if a := e.As(other.Key, "GET", "/v1/audit", nil).Expect(200).Array(); len(a) != 0 {
		t.Fatalf("another workspace's audit: %v", a)
	}
	page := e.As(e.WS.Key, "GET", "/v1/audit?limit=1", nil).Expect(200)
	if next := page.Header.Get("Link"); !strings.Contains(next, "after="+audit[0]["id"].(string)) {
		t.Fatalf("audit paging Link %q", next)
	}
	e.As(e.WS.Key, "GET", "/v1/audit?after="+ticketd.NewID().String(), nil).Expect(422)
}

const erasedEmail = "From: Grace Hopper <grace@navy.test>\r\n" +
	"To: support@acme.test\r\n" +
	"Subject: My invoice\r\n" +
	"Message-ID: <grace-1@navy.test>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=b\r\n\r\n" +
	"--b\r\nContent-Type: text/plain\r\n\r\nPlease see the attached invoice.\r\n" +
	"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=invoice.pdf\r\n" +
	"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKZ3JhY2UncyBpbnZvaWNl\r\n--b--\r\n"

// Erasing a customer removes them, their tickets with every message and
// attachment (the bytes too), and nothing of anyone else's; the audit entry
// keeps counts, not their data.
func TestEraseCustomer(t *testing.T) {
	ctx := context.Background()
	e := newMailEnv(t)
	other := e.NewWorkspace("Other")
	e.verifiedDomain(e.WS, "acme.test")
	e.As(e.WS.Key, "POST", "/v1/inboxes", map[string]any{"address": "support@acme.test"}).Expect(201)
	in := e.As(e.WS.Key, "POST", "/v1/inbound/email", erasedEmail, "Content-Type", "message/rfc822").Expect(201).Object()
	ticket := in["ticket_id"].(string)
	tk := e.As(e.WS.Key, "GET", "/v1/tickets/"+ticket, nil).Expect(200).Object()
	customer := tk["customer_id"].(string)
	e.As(e.WS.Key, "POST", "/v1/tickets/"+ticket+"/comments", map[string]any{"content": "Looking", "is_internal": true}).Expect(201)
	blobs := func() int {
		n := 0
		filepath.Walk(e.blobDir, func(_ string, fi os.FileInfo, _ error) error {
			if fi != nil && !fi.IsDir() {
				n++
			}
			return nil
		})
		return n
	}
	if blobs() != 1 {
		t.Fatalf("%d blobs before erasure", blobs())
	}
	keep := e.Ticket(e.WS, "email") // another customer's
	// The customer writes on the other customer's ticket too (a Cc'd
	// colleague, say): that message, and its event, are theirs.
	cid, err := ticketd.ParseID(customer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.PostMessage(ctx, e.WS.Principal, ticketd.ByID(keep.ID), ticketd.NewMessage{Body: "grace here too",
		Author: ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &cid}}); err != nil {
		t.Fatal(err)
	}
	// The event log and a webhook's deliveries still to send carry the
	// customer's name and words as they were when they changed.
	e.As(e.WS.Key, "POST", "/v1/webhooks", map[string]any{"url": "https://hooks.example.test/in", "events": []string{"ticket.created", "ticket.updated", "message.created", "note.created", "customer.updated"}}).Expect(201)
	e.As(e.WS.Key, "PATCH", "/v1/customers/"+customer, map[string]any{"name": "Grace B. Hopper"}).Expect(200)
	e.As(e.WS.Key, "PATCH", "/v1/tickets/"+ticket, map[string]any{"subject": "grace's order"}).Expect(200)
	if _, err := e.Service.SequenceEvents(ctx); err != nil {
		t.Fatal(err)
	}
	countRows := func(q string) int {
		var n int
		if err := e.DB.RawQueryRow(ctx, q, e.WS.ID.String()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	const theirs = `SELECT COUNT(*) FROM events WHERE workspace_id = $1 AND (data LIKE '%grace%' OR data LIKE '%Hopper%')`
	const pending = `SELECT COUNT(*) FROM webhook_deliveries d JOIN events e ON e.position = d.event_id
		WHERE d.workspace_id = $1 AND d.state = 'pending' AND (e.data LIKE '%grace%' OR e.data LIKE '%Hopper%')`
	keptEvents := `SELECT COUNT(*) FROM events WHERE workspace_id = $1 AND ticket_id = '` + keep.ID.String() + `' AND data NOT LIKE '%grace%'`
	if countRows(theirs) < 4 || countRows(pending) < 3 || countRows(keptEvents) == 0 {
		t.Fatalf("before erasure: %d events and %d pending deliveries with the customer's data, %d of the kept ticket",
			countRows(theirs), countRows(pending), countRows(keptEvents))
	}
	kept := countRows(keptEvents)
	erase := "/v1/customers/" + customer + "/erase"
	e.As(other.Key, "POST", erase, nil).Expect(404)
	e.As(e.KeyWith(e.WS, apitest.AllBut("customers:delete")...), "POST", erase, nil).Expect(403)

	er := e.As(e.WS.Key, "POST", erase, nil).Expect(200).Object()
	if er["erased"] != true || er["tickets"] != 1.0 || er["messages"] != 3.0 || er["attachments"] != 1.0 {
		t.Fatalf("erasure: %v", er)
	}
	if n, d := countRows(theirs), countRows(pending); n != 0 || d != 0 {
		t.Fatalf("after erasure the log keeps %d events with the customer's data, %d deliveries to send", n, d)
	}
	if n := countRows(keptEvents); n != kept {
		t.Fatalf("the other customer's ticket kept %d of its %d events", n, kept)
	}
	e.As(e.WS.Key, "GET", "/v1/customers/"+customer, nil).Expect(404)
	e.As(e.WS.Key, "GET", "/v1/tickets/"+ticket, nil).Expect(404)
	e.As(e.WS.Key, "GET", "/v1/messages/"+in["message_id"].(string), nil).Expect(404)
	e.As(e.WS.Key, "GET", "/v1/tickets/"+keep.ID.String(), nil).Expect(200)
	if n := blobs(); n != 0 {
		t.Fatalf("%d attachment blobs left after erasure", n)
	}
	e.As(e.WS.Key, "POST", erase, nil).Expect(404)
	audit := e.As(e.WS.Key, "GET", "/v1/audit", nil).Expect(200)
	a := audit.Array()
	if len(a) != 1 || a[0]["action"] != "customer.erased" || a[0]["object_id"] != customer {
		t.Fatalf("audit: %s", audit.Body)
	}
	if strings.Contains(string(audit.Body), "grace") || strings.Contains(string(audit.Body), "Hopper") {
		t.Fatalf("the audit entry keeps the erased customer's data: %s", audit.Body)
	}
	// A redelivery of the same email is a new message now, not a duplicate
	// of an erased one.
	e.As(e.WS.Key, "POST", "/v1/inbound/email", erasedEmail, "Content-Type", "message/rfc822").Expect(201)
}

// A customer marked deleted (DELETE keeps the conversations) can still be
// erased, and the erasure takes what the deletion kept.
func TestEraseAfterDelete(t *testing.T) {
	e := newMailEnv(t)
	tk := e.Ticket(e.WS, "chat")
	e.As(e.WS.Key, "POST", "/v1/tickets/"+tk.ID.String()+"/comments", map[string]any{"content": "hi"}).Expect(201)
	e.As(e.WS.Key, "DELETE", "/v1/customers/"+tk.CustomerID.String(), nil).Expect(204)
	e.As(e.WS.Key, "GET", "/v1/tickets/"+tk.ID.String(), nil).Expect(200) // deletion keeps the ticket
	er := e.As(e.WS.Key, "POST", "/v1/customers/"+tk.CustomerID.String()+"/erase", nil).Expect(200).Object()
	if er["tickets"] != 1.0 || er["messages"] != 1.0 {
		t.Fatalf("erasure after delete: %v", er)
	}
	e.As(e.WS.Key, "GET", "/v1/tickets/"+tk.ID.String(), nil).Expect(404)
}
