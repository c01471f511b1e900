package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/blob"
	"github.com/ticketd/ticketd/httpapi/apitest"
	"github.com/ticketd/ticketd/httpapi/console"
	"github.com/ticketd/ticketd/httpapi/server"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

var ctx = context.Background()

const password = "correct horse battery"

// browser is a client of the console with its cookie, as a browser keeps it.
type browser struct {
	t      *testing.T
	h      http.Handler
	cookie string
}

type page struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(method, path string, form url.Values, headers ...string) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if b.cookie != "" {
		req.AddCookie(&http.Cookie{Name: console.SessionCookie, Value: b.cookie})
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == console.SessionCookie {
			b.cookie = c.Value
		}
	}
	return page{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
}

func (b *browser) signIn(email string) page {
	b.t.Helper()
	return b.do("POST", "/login", url.Values{"email": {email}, "password": {password}, "next": {"/"}})
}

func setPassword(t *testing.T, e *apitest.Env, email string) {
	t.Helper()
	if _, err := e.Service.SetPasswordByEmail(ctx, email, password); err != nil {
		t.Fatal(err)
	}
}

func expect(t *testing.T, p page, status int) page {
	t.Helper()
	if p.status != status {
		t.Fatalf("status %d, want %d: %s", p.status, status, p.body)
	}
	return p
}

func TestSignInAndSecurityHeaders(t *testing.T) {
	e := apitest.New(t)
	b := &browser{t: t, h: e.Handler}
	// Without a session every page sends the visitor to /login, and back.
	p := expect(t, b.do("GET", "/?view=pending", nil), http.StatusSeeOther)
	if loc := p.header.Get("Location"); loc != "/login?next="+url.QueryEscape("/?view=pending") {
		t.Fatalf("redirect to %q", loc)
	}
	for name, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"} {
		if p.header.Get(name) != want {
			t.Errorf("%s: %q", name, p.header.Get(name))
		}
	}
	csp := p.header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "default-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	login := expect(t, b.do("GET", "/login", nil), http.StatusOK)
	for _, want := range []string{`<label for="email">Email</label>`, `<label for="password">Password</label>`, `>Sign in</button>`} {
		if !strings.Contains(login.body, want) {
			t.Errorf("sign-in page lacks %s", want)
		}
	}

	// An agent without a password cannot sign in; with one it can.
	expect(t, b.signIn(e.WS.Owner.Email), http.StatusUnauthorized)
	setPassword(t, e, e.WS.Owner.Email)
	expect(t, b.do("POST", "/login", url.Values{"email": {e.WS.Owner.Email}, "password": {"wrong password!"}}), http.StatusUnauthorized)
	req := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"email": {e.WS.Owner.Email}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("sign in: %d %s", rec.Code, rec.Body)
	}
	ck := rec.Result().Cookies()[0]
	if ck.Name != console.SessionCookie || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure {
		t.Fatalf("cookie %+v: want HttpOnly, SameSite=Lax, not Secure over plain HTTP", ck)
	}
	b.cookie = ck.Value
	home := expect(t, b.do("GET", "/", nil), http.StatusOK)
	if !strings.Contains(home.body, ">Sign out</button>") || !strings.Contains(home.body, `<label for="search-box" class="sr">Search</label>`) {
		t.Fatal("the console lacks Sign out or the Search box")
	}
	// The session is stored hashed: the cookie's value is nowhere in the database.
	var n int
	if err := e.DB.RawQueryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE hash = $1`, []byte(b.cookie)).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the raw token is stored (%d, %v)", n, err)
	}

	// A POST from another site is refused (CSRF) and changes nothing.
	tk := e.Ticket(e.WS, "chat")
	path := "/console/tickets/" + itoa(tk.Number) + "/note"
	expect(t, b.do("POST", path, url.Values{"body": {"forged"}}, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)
	expect(t, b.do("POST", path, url.Values{"body": {"forged"}}, "Origin", "https://evil.example"), http.StatusForbidden)
	if c, _ := e.Service.Messages(ctx, e.WS.Principal, ticketd.ByID(tk.ID), ticketd.MessageFilter{IncludeInternal: true}); len(c.Messages) != 0 {
		t.Fatal("a cross-site POST wrote a note")
	}
	expect(t, b.do("POST", path, url.Values{"body": {"same site"}}, "Sec-Fetch-Site", "same-origin"), http.StatusSeeOther)

	// Signing out ends the session on the server, not just in the browser.
	old := b.cookie
	expect(t, b.do("POST", "/logout", url.Values{}), http.StatusSeeOther)
	b.cookie = old
	expect(t, b.do("GET", "/", nil), http.StatusSeeOther)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// After signing in the agent goes back where it was, but never to another site.
func TestSignInNextStaysOnSite(t *testing.T) {
	e := apitest.New(t)
	setPassword(t, e, e.WS.Owner.Email)
	for next, want := range map[string]string{"/?view=pending": "/?view=pending", "//evil.example/x": "/",
		"https://evil.example": "/", `/\evil.example`: "/", "": "/"} {
		b := &browser{t: t, h: e.Handler}
		p := expect(t, b.do("POST", "/login", url.Values{"email": {e.WS.Owner.Email}, "password": {password}, "next": {next}}), http.StatusSeeOther)
		if loc := p.header.Get("Location"); loc != want {
			t.Errorf("next %q: redirected to %q, want %q", next, loc, want)
		}
	}
}

func TestSecureCookieBehindTrustedProxy(t *testing.T) {
	e := apitest.New(t)
	setPassword(t, e, e.WS.Owner.Email)
	h := console.New(e.Service, console.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}})
	for _, c := range []struct {
		remote string
		secure bool
	}{{"192.0.2.1:1234", true}, {"198.51.100.7:1234", false}} {
		req := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"email": {e.WS.Owner.Email}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-Proto", "https")
		req.RemoteAddr = c.remote
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusSeeOther || rec.Result().Cookies()[0].Secure != c.secure {
			t.Fatalf("from %s: %d, secure %v, want %v", c.remote, rec.Code, rec.Result().Cookies()[0].Secure, c.secure)
		}
	}
}

func TestLoginThrottling(t *testing.T) {
	e := apitest.New(t)
	setPassword(t, e, e.WS.Owner.Email)
	b := &browser{t: t, h: e.Handler}
	for i := 0; i < ticketd.AccountAttempts; i++ {
		expect(t, b.do("POST", "/login", url.Values{"email": {e.WS.Owner.Email}, "password": {"not the password"}}), http.StatusUnauthorized)
	}
	// Past the limit even the right password is refused: the count is of
	// attempts, checked before the password.
	p := expect(t, b.signIn(e.WS.Owner.Email), http.StatusTooManyRequests)
	if !strings.Contains(p.body, "too many sign-in attempts") {
		t.Fatalf("throttled page: %s", p.body)
	}
	// Another account from the same address still may, until the address
	// limit.
	u, err := e.Service.CreateUser(ctx, e.WS.Principal, ticketd.NewUser{Email: "sam@acme.test", Name: "Sam"})
	if err != nil {
		t.Fatal(err)
	}
	setPassword(t, e, u.Email)
	expect(t, b.signIn(u.Email), http.StatusSeeOther)
	// Spraying many accounts from one address meets the address's limit.
	for i := range ticketd.AddressAttempts {
		b.do("POST", "/login", url.Values{"email": {"nobody" + strconv.Itoa(i) + "@acme.test"}, "password": {"whatever it is"}})
	}
	b.cookie = ""
	expect(t, b.signIn(u.Email), http.StatusTooManyRequests)
}

func TestPasswordChangeAndDeactivationEndSessions(t *testing.T) {
	e := apitest.New(t)
	setPassword(t, e, e.WS.Owner.Email)
	sam, err := e.Service.CreateUser(ctx, e.WS.Principal, ticketd.NewUser{Email: "sam@acme.test", Name: "Sam"})
	if err != nil {
		t.Fatal(err)
	}
	setPassword(t, e, sam.Email)
	admin := &browser{t: t, h: e.Handler}
	expect(t, admin.signIn(e.WS.Owner.Email), http.StatusSeeOther)
	agent1, agent2 := &browser{t: t, h: e.Handler}, &browser{t: t, h: e.Handler}
	expect(t, agent1.signIn(sam.Email), http.StatusSeeOther)
	expect(t, agent2.signIn(sam.Email), http.StatusSeeOther)

	// An agent is not an admin.
	expect(t, agent1.do("GET", "/console/admin/agents", nil), http.StatusForbidden)

	// A password change ends every session of the agent.
	expect(t, agent1.do("POST", "/console/account/password", url.Values{"current_password": {password},
		"new_password": {"another good password"}, "confirm": {"another good password"}}), http.StatusSeeOther)
	expect(t, agent2.do("GET", "/", nil), http.StatusSeeOther)
	agent1.cookie = ""
	expect(t, agent1.do("POST", "/login", url.Values{"email": {sam.Email}, "password": {"another good password"}}), http.StatusSeeOther)
	expect(t, agent1.do("GET", "/", nil), http.StatusOK)

	// Deactivation ends its sessions, stops it signing in again, and stops
	// the API keys that act as it (within the key cache's second).
	_, samKey, err := e.Service.CreateAPIKey(ctx, e.WS.Principal, ticketd.NewAPIKeyInput{Name: "sam's", UserID: &sam.ID,
		Scopes: []ticketd.Scope{"tickets:read"}})
	if err != nil {
		t.Fatal(err)
	}
	e.As(samKey, "GET", "/v1/tickets", nil).Expect(200)
	expect(t, admin.do("POST", "/console/admin/agents/"+sam.ID.String(), url.Values{"action": {"deactivate"}}), http.StatusSeeOther)
	expect(t, agent1.do("GET", "/", nil), http.StatusSeeOther)
	expect(t, agent1.do("POST", "/login", url.Values{"email": {sam.Email}, "password": {"another good password"}}), http.StatusUnauthorized)
	status := 0
	for range 30 { // the key cache keeps a verified key for at most a second
		if status = e.As(samKey, "GET", "/v1/tickets", nil).Status; status == http.StatusUnauthorized {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if status != http.StatusUnauthorized {
		t.Fatalf("a deactivated agent's key answered %d, want 401", status)
	}
	// An admin cannot deactivate itself.
	expect(t, admin.do("POST", "/console/admin/agents/"+e.WS.Owner.ID.String(), url.Values{"action": {"deactivate"}}), http.StatusUnprocessableEntity)
}

// capture is a Mailer that keeps what it is asked to send.
type capture struct{ sent []*ticketd.OutgoingEmail }

func (c *capture) Send(_ context.Context, e *ticketd.OutgoingEmail) error {
	c.sent = append(c.sent, e)
	return nil
}

var linkRE = regexp.MustCompile(`http://[^\s]+/console/(invite|reset)/[a-z2-7]+`)

// An invitation and a reset are one-time links sent through the outbox.
func TestInviteAndResetLinks(t *testing.T) {
	e := apitest.New(t)
	setPassword(t, e, e.WS.Owner.Email)
	admin := &browser{t: t, h: e.Handler}
	expect(t, admin.signIn(e.WS.Owner.Email), http.StatusSeeOther)
	// Without an inbox there is nothing to send from: a clear error.
	expect(t, admin.do("POST", "/console/admin/agents", url.Values{"email": {"new@acme.test"}, "name": {"New"}, "role": {"agent"}}), http.StatusUnprocessableEntity)
	addInbox(t, e)
	expect(t, admin.do("POST", "/console/admin/agents", url.Values{"email": {"new@acme.test"}, "name": {"New"}, "role": {"agent"}}), http.StatusSeeOther)
	mailer := &capture{}
	if _, err := e.Service.DeliverDue(ctx, mailer, 10); err != nil {
		t.Fatal(err)
	}
	if len(mailer.sent) != 1 || mailer.sent[0].To[0].Address != "new@acme.test" || mailer.sent[0].From.Address != "support@acme.test" {
		t.Fatalf("sent %+v", mailer.sent)
	}
	link := linkRE.FindString(mailer.sent[0].Text)
	if !strings.Contains(link, "/console/invite/") {
		t.Fatalf("no invite link in %q", mailer.sent[0].Text)
	}
	u, _ := url.Parse(link)
	newcomer := &browser{t: t, h: e.Handler}
	expect(t, newcomer.do("GET", u.Path, nil), http.StatusOK)
	expect(t, newcomer.do("POST", u.Path, url.Values{"password": {"short"}, "confirm": {"short"}}), http.StatusUnprocessableEntity)
	expect(t, newcomer.do("POST", u.Path, url.Values{"password": {"newcomer password"}, "confirm": {"newcomer password"}}), http.StatusSeeOther)
	expect(t, newcomer.do("GET", "/", nil), http.StatusOK)
	// The link works once.
	other := &browser{t: t, h: e.Handler}
	expect(t, other.do("POST", u.Path, url.Values{"password": {"attacker password"}, "confirm": {"attacker password"}}), http.StatusNotFound)

	// A reset: the same answer for a known and an unknown email; a link only for the known.
	expect(t, other.do("POST", "/console/forgot", url.Values{"email": {"nobody@acme.test"}}), http.StatusSeeOther)
	expect(t, other.do("POST", "/console/forgot", url.Values{"email": {"new@acme.test"}}), http.StatusSeeOther)
	mailer.sent = nil
	if _, err := e.Service.DeliverDue(ctx, mailer, 10); err != nil {
		t.Fatal(err)
	}
	if len(mailer.sent) != 1 {
		t.Fatalf("sent %d reset emails", len(mailer.sent))
	}
	u, _ = url.Parse(linkRE.FindString(mailer.sent[0].Text))
	expect(t, other.do("POST", u.Path, url.Values{"password": {"reset password!"}, "confirm": {"reset password!"}}), http.StatusSeeOther)
	// The reset ended the newcomer's earlier session.
	expect(t, newcomer.do("GET", "/", nil), http.StatusSeeOther)
}

// addInbox gives the test workspace a verified domain and an inbox, written
// through the store (verification over DNS is the mail package's test).
func addInbox(t *testing.T, e *apitest.Env) *ticketd.Inbox {
	t.Helper()
	now := e.Service.Now()
	d := &ticketd.SendingDomain{ID: ticketd.NewID(), WorkspaceID: e.WS.ID, Name: "acme.test", VerifiedAt: &now, CreatedAt: now}
	ib := &ticketd.Inbox{ID: ticketd.NewID(), WorkspaceID: e.WS.ID, DomainID: d.ID, Address: "support@acme.test", Name: "Acme Support", CreatedAt: now}
	if err := e.DB.Update(ctx, func(tx ticketd.Tx) error {
		if err := tx.CreateSendingDomain(ctx, d); err != nil {
			return err
		}
		return tx.CreateInbox(ctx, ib)
	}); err != nil {
		t.Fatal(err)
	}
	return ib
}

// The ticket page shows the conversation as articles, notes marked as notes,
// an email's HTML only sanitised inside a sandboxed frame, and the labelled
// controls; replies, notes and updates work; the views count and filter.
func TestTicketPageAndViews(t *testing.T) {
	e := apitest.New(t)
	setPassword(t, e, e.WS.Owner.Email)
	b := &browser{t: t, h: e.Handler}
	expect(t, b.signIn(e.WS.Owner.Email), http.StatusSeeOther)
	tk := e.Ticket(e.WS, "chat")
	hostile := `<p onclick="alert(1)">Hi</p><script>window.pwned=1</script><a href="javascript:alert(2)">x</a><img src="https://tracker.example/p.gif" onerror="alert(3)"><style>body{display:none}</style>`
	cust := tk.CustomerID
	e.Post(e.WS, tk, ticketd.NewMessage{Author: ticketd.Author{Kind: ticketd.AuthorCustomer, CustomerID: &cust}, Body: "Hi", BodyHTML: &hostile})
	e.Post(e.WS, tk, ticketd.NewMessage{Body: "a private remark", Internal: true})
	path := "/console/tickets/" + itoa(tk.Number)

	p := expect(t, b.do("GET", path, nil), http.StatusOK)
	if got := strings.Count(p.body, "<article "); got != 2 {
		t.Fatalf("%d articles, want 2", got)
	}
	for _, want := range []string{`aria-label="Internal note by Acme Owner"`, `<label for="reply">Reply</label>`, `>Send reply</button>`,
		`<label for="note">Internal note</label>`, `>Add note</button>`, `<label for="status">Status</label>`,
		`<label for="assignee">Assignee</label>`, `<iframe class="email-html" sandbox="" srcdoc="`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("ticket page lacks %s", want)
		}
	}
	srcdoc := regexp.MustCompile(`srcdoc="([^"]*)"`).FindStringSubmatch(p.body)[1]
	for _, bad := range []string{"script", "onclick", "onerror", "javascript:", "tracker.example", "<style", "&lt;style"} {
		if strings.Contains(srcdoc, bad) {
			t.Errorf("the framed email keeps %q: %s", bad, srcdoc)
		}
	}
	if strings.Contains(p.body, "<script>window") || strings.Contains(p.body, `onclick="alert`) {
		t.Fatal("hostile markup is live in the page")
	}

	// Reply, note, assign and solve; each is a redirect back.
	expect(t, b.do("POST", path+"/reply", url.Values{"body": {"Thanks, looking into it."}}), http.StatusSeeOther)
	expect(t, b.do("POST", path+"/note", url.Values{"body": {"second note"}}), http.StatusSeeOther)
	expect(t, b.do("POST", path+"/reply", url.Values{"body": {"  "}}), http.StatusUnprocessableEntity)
	expect(t, b.do("POST", path+"/update", url.Values{"assignee": {"me"}, "tags": {"vip, refund"}}), http.StatusSeeOther)
	mine := expect(t, b.do("GET", "/?view=mine", nil), http.StatusOK)
	if !strings.Contains(mine.body, `<a href="`+path+`">Help</a>`) {
		t.Fatal("the assigned ticket is not in Mine, as a link whose text is its subject")
	}
	if !strings.Contains(mine.body, `Mine <span class="count">1</span>`) {
		t.Fatal("Mine does not count 1")
	}
	if tagged := expect(t, b.do("GET", "/?view=open&tag=vip", nil), http.StatusOK); !strings.Contains(tagged.body, path) {
		t.Fatal("tag filter")
	}
	if untagged := expect(t, b.do("GET", "/?view=open&tag=other", nil), http.StatusOK); strings.Contains(untagged.body, path) {
		t.Fatal("tag filter lets others through")
	}
	expect(t, b.do("POST", path+"/update", url.Values{"status": {"solved"}}), http.StatusSeeOther)
	solved := expect(t, b.do("GET", "/?view=solved", nil), http.StatusOK)
	if !strings.Contains(solved.body, path) || !strings.Contains(solved.body, `Solved <span class="count">1</span>`) {
		t.Fatal("the solved ticket is not in Solved")
	}
	expect(t, b.do("POST", path+"/update", url.Values{"status": {"bogus"}}), http.StatusUnprocessableEntity)
	got, err := e.Service.Ticket(ctx, e.WS.Principal, ticketd.ByID(tk.ID))
	if err != nil || got.Status != ticketd.StatusSolved || got.AssigneeID == nil || *got.AssigneeID != e.WS.Owner.ID || len(got.Tags) != 2 {
		t.Fatalf("ticket after updates: %+v %v", got, err)
	}
	c, _ := e.Service.Messages(ctx, e.WS.Principal, ticketd.ByID(tk.ID), ticketd.MessageFilter{IncludeInternal: true})
	if len(c.Messages) != 4 || c.Messages[2].Internal || !c.Messages[3].Internal {
		t.Fatalf("conversation: %d messages", len(c.Messages))
	}

	// Search finds it by a word of the note, for an agent (who reads notes).
	if s := expect(t, b.do("GET", "/console/search?q=private+remark", nil), http.StatusOK); !strings.Contains(s.body, path) {
		t.Fatal("search did not find the ticket")
	}
	// Another workspace's ticket is not found.
	other := e.NewWorkspace("Other")
	ot := e.Ticket(other, "chat")
	expect(t, b.do("GET", "/console/tickets/"+itoa(ot.Number), nil), http.StatusNotFound)
	expect(t, b.do("GET", "/console/tickets/abc", nil), http.StatusNotFound)
}

// The admin pages render, and an API key created there is shown once.
func TestAdminPages(t *testing.T) {
	e := apitest.New(t)
	setPassword(t, e, e.WS.Owner.Email)
	b := &browser{t: t, h: e.Handler}
	expect(t, b.signIn(e.WS.Owner.Email), http.StatusSeeOther)
	for _, p := range []string{"agents", "keys", "domains", "inboxes", "workspace"} {
		expect(t, b.do("GET", "/console/admin/"+p, nil), http.StatusOK)
	}
	p := expect(t, b.do("POST", "/console/admin/keys", url.Values{"name": {"zapier"}, "scope": {"tickets:read", "comments:read"}}), http.StatusCreated)
	key := regexp.MustCompile(`<code>(tkd_[a-z2-7]+)</code>`).FindStringSubmatch(p.body)
	if key == nil {
		t.Fatal("the new key is not shown")
	}
	e.As(key[1], "GET", "/v1/tickets", nil).Expect(200)
	e.As(key[1], "GET", "/v1/customers", nil).Expect(403)
	if again := expect(t, b.do("GET", "/console/admin/keys", nil), http.StatusOK); strings.Contains(again.body, key[1]) {
		t.Fatal("the key is shown again")
	}
	expect(t, b.do("POST", "/console/admin/workspace", url.Values{"name": {"Acme Renamed"}}), http.StatusSeeOther)
	ws, _ := e.Service.Workspace(ctx, e.WS.Principal)
	if ws.Name != "Acme Renamed" || ws.Settings.AutoTriage {
		t.Fatalf("workspace %+v", ws)
	}
}

// An inbound email's attachments: listed on its message, an image
// previewed inline, everything downloadable, each response sandboxed.
func TestAttachments(t *testing.T) {
	e := apitest.NewWith(t, apitest.Options{ServiceOptions: []ticketd.Option{ticketd.WithBlobStore(&blob.Dir{Path: t.TempDir()})}})
	setPassword(t, e, e.WS.Owner.Email)
	addInbox(t, e)
	png := "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
	raw := "From: Ada <ada@customer.test>\r\nTo: support@acme.test\r\nSubject: Broken kettle\r\nMessage-ID: <att@customer.test>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nPhoto attached.\r\n" +
		"--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"photo.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + png + "\r\n" +
		"--b\r\nContent-Type: text/html\r\nContent-Disposition: attachment; filename=\"page.html\"\r\n\r\n<script>alert(1)</script>\r\n--b--\r\n"
	e.As(e.WS.Key, "POST", "/v1/inbound/email", raw, "Content-Type", "message/rfc822").Expect(201)
	b := &browser{t: t, h: e.Handler}
	expect(t, b.signIn(e.WS.Owner.Email), http.StatusSeeOther)
	ts, _, err := e.Service.ViewTickets(ctx, e.WS.Principal, ticketd.ViewFilter{})
	if err != nil || len(ts) != 1 {
		t.Fatalf("tickets %v %v", ts, err)
	}
	p := expect(t, b.do("GET", "/console/tickets/"+itoa(ts[0].Number), nil), http.StatusOK)
	links := regexp.MustCompile(`<a href="(/console/messages/[^"]+)" download>([^<]+)</a>`).FindAllStringSubmatch(p.body, -1)
	if len(links) != 2 || !strings.Contains(p.body, `<img src="`+links[0][1]+`?inline=1" alt="photo.png"`) {
		t.Fatalf("attachments on the page: %v", links)
	}
	img := expect(t, b.do("GET", links[0][1]+"?inline=1", nil), http.StatusOK)
	if img.header.Get("Content-Type") != "image/png" || !strings.HasPrefix(img.header.Get("Content-Disposition"), "inline") ||
		!strings.Contains(img.header.Get("Content-Security-Policy"), "sandbox") || !strings.HasPrefix(img.body, "\x89PNG") {
		t.Fatalf("inline image: %v", img.header)
	}
	// HTML is never shown inline, even when asked.
	html := expect(t, b.do("GET", links[1][1]+"?inline=1", nil), http.StatusOK)
	if html.header.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(html.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("html attachment: %v", html.header)
	}
	// Another workspace's agent cannot fetch it.
	other := e.NewWorkspace("Other")
	setPassword(t, e, other.Owner.Email)
	ob := &browser{t: t, h: e.Handler}
	expect(t, ob.signIn(other.Owner.Email), http.StatusSeeOther)
	expect(t, ob.do("GET", links[0][1], nil), http.StatusNotFound)
}

// Two nodes over one database: a session made on one works on the other,
// and the other shows a note written through the first (its live stream
// across nodes is TestLiveStream's).
func TestTwoNodes(t *testing.T) {
	e := apitest.New(t)
	setPassword(t, e, e.WS.Owner.Email)
	db2 := sqlstoretest.OpenDSN(t, e.DSN)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	node2 := server.New(ticketd.NewService(db2, ticketd.WithLogger(logger)), server.Config{Logger: logger})
	a := &browser{t: t, h: e.Handler}
	expect(t, a.signIn(e.WS.Owner.Email), http.StatusSeeOther)
	b := &browser{t: t, h: node2, cookie: a.cookie}
	tk := e.Ticket(e.WS, "chat")
	expect(t, a.do("POST", "/console/tickets/"+itoa(tk.Number)+"/note", url.Values{"body": {"seen on node 2?"}}), http.StatusSeeOther)
	if p := expect(t, b.do("GET", "/console/tickets/"+itoa(tk.Number), nil), http.StatusOK); !strings.Contains(p.body, "seen on node 2?") {
		t.Fatal("node 2's page lacks the note")
	}
	// Signing out on node 2 ends the session on node 1.
	expect(t, b.do("POST", "/logout", url.Values{}), http.StatusSeeOther)
	expect(t, a.do("GET", "/", nil), http.StatusSeeOther)
}

// The ticket page's Priority select changes the stored priority through the
// update form; a view filtered by priority lists only tickets of that
// priority, and each list row shows its priority.
func TestPriorityOnTicketPageAndViews(t *testing.T) {
	e := apitest.New(t)
	setPassword(t, e, e.WS.Owner.Email)
	b := &browser{t: t, h: e.Handler}
	expect(t, b.signIn(e.WS.Owner.Email), http.StatusSeeOther)
	urgent, calm := e.Ticket(e.WS, "chat"), e.Ticket(e.WS, "chat")
	path := "/console/tickets/" + itoa(urgent.Number)
	calmLink := `href="/console/tickets/` + itoa(calm.Number) + `"`

	p := expect(t, b.do("GET", path, nil), http.StatusOK)
	for _, want := range []string{`<label for="priority">Priority</label>`, `<select id="priority" name="priority">`,
		`<option value="medium" selected>medium</option>`, `<option value="urgent">urgent</option>`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("ticket page lacks %s", want)
		}
	}
	expect(t, b.do("POST", path+"/update", url.Values{"priority": {"urgent"}}), http.StatusSeeOther)
	// Another site cannot change it (the same CSRF defence as every form).
	expect(t, b.do("POST", path+"/update", url.Values{"priority": {"low"}}, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)
	// An unknown priority is refused and changes nothing.
	expect(t, b.do("POST", path+"/update", url.Values{"priority": {"whenever"}}), http.StatusUnprocessableEntity)
	got, err := e.Service.Ticket(ctx, e.WS.Principal, ticketd.ByID(urgent.ID))
	if err != nil || got.Priority != ticketd.PriorityUrgent {
		t.Fatalf("priority after the form: %q %v", got.Priority, err)
	}
	if p := expect(t, b.do("GET", path, nil), http.StatusOK); !strings.Contains(p.body, `<option value="urgent" selected>urgent</option>`) {
		t.Fatal("the page does not select the new priority")
	}

	all := expect(t, b.do("GET", "/?view=open", nil), http.StatusOK)
	if !strings.Contains(all.body, `href="`+path+`"`) || !strings.Contains(all.body, calmLink) ||
		!strings.Contains(all.body, `<span class="priority urgent">urgent</span>`) || !strings.Contains(all.body, `<label for="f-priority">Priority</label>`) {
		t.Fatal("the open view lacks a ticket, the row's priority or the Priority filter")
	}
	filtered := expect(t, b.do("GET", "/?view=open&priority=urgent", nil), http.StatusOK)
	if !strings.Contains(filtered.body, `href="`+path+`"`) || strings.Contains(filtered.body, calmLink) {
		t.Fatal("the priority filter does not list only the urgent ticket")
	}
	if !strings.Contains(filtered.body, `<option value="urgent" selected>urgent</option>`) {
		t.Fatal("the filter does not show its current priority")
	}
	if low := expect(t, b.do("GET", "/?view=open&priority=low", nil), http.StatusOK); strings.Contains(low.body, `href="/console/tickets/`) {
		t.Fatal("the low view lists tickets of other priorities")
	}
	// A priority edited by hand into nonsense shows more, not an error.
	if any := expect(t, b.do("GET", "/?view=open&priority=bogus", nil), http.StatusOK); !strings.Contains(any.body, calmLink) {
		t.Fatal("an unknown priority filtered the view")
	}
}

// A new ticket (nobody has opened it yet; TopTickets makes them) is open for
// the console: it is listed and counted in All open, Mine and Unassigned,
// in number order with the open ones, and the lists page across both.
func TestNewTicketsInOpenViews(t *testing.T) {
	e := apitest.New(t)
	setPassword(t, e, e.WS.Owner.Email)
	b := &browser{t: t, h: e.Handler}
	expect(t, b.signIn(e.WS.Owner.Email), http.StatusSeeOther)
	p := e.WS.Principal
	create := func(st ticketd.Status, mine bool) *ticketd.Ticket {
		t.Helper()
		c := e.Customer(e.WS, ticketd.NewID().String()[24:]+"@customer.test", "Ada", "Lovelace")
		in := ticketd.NewTicket{Customer: ticketd.ByID(c.ID), Subject: "Ticket " + string(st), Channel: "chat", Status: st}
		if mine {
			in.Assignee = &ticketd.Ref{ID: e.WS.Owner.ID}
		}
		tk, err := e.Service.CreateTicket(ctx, p, in)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	// Numbers interleave the statuses: new, open, new (mine), open (mine), pending.
	n1, o1, n2, o2 := create(ticketd.StatusNew, false), create(ticketd.StatusOpen, false), create(ticketd.StatusNew, true), create(ticketd.StatusOpen, true)
	create(ticketd.StatusPending, false)
	home := expect(t, b.do("GET", "/?view=open", nil), http.StatusOK)
	for view, n := range map[string]int{"All open": 4, "Mine": 2, "Unassigned": 2, "Pending": 1} {
		if !strings.Contains(home.body, view+` <span class="count">`+strconv.Itoa(n)+`</span>`) {
			t.Errorf("%s does not count %d", view, n)
		}
	}
	links := func(body string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`<a href="/console/tickets/(\d+)">`).FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	nums := func(ts ...*ticketd.Ticket) string {
		var out []string
		for _, tk := range ts {
			out = append(out, itoa(tk.Number))
		}
		return strings.Join(out, ",")
	}
	for _, c := range []struct{ path, want string }{
		{"/?view=open", nums(o2, n2, o1, n1)},
		{"/?view=open&order=oldest", nums(n1, o1, n2, o2)},
		{"/?view=mine", nums(o2, n2)},
		{"/?view=unassigned", nums(o1, n1)},
		{"/?view=open&after=" + itoa(n2.Number), nums(o1, n1)},
		{"/?view=open&order=oldest&after=" + itoa(o1.Number), nums(n2, o2)},
		{"/console/search?q=ticket&status=open", nums(o2, n2, o1, n1)},
	} {
		if got := strings.Join(links(expect(t, b.do("GET", c.path, nil), http.StatusOK).body), ","); got != c.want {
			t.Errorf("%s lists %s, want %s", c.path, got, c.want)
		}
	}
	// Keyset pages of two across the statuses, through the use case.
	var got []string
	f, _ := ticketd.ViewOpen.Filter(p)
	f.Limit = 2
	for {
		ts, next, err := e.Service.ViewTickets(ctx, p, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range ts {
			got = append(got, itoa(tk.Number))
		}
		if next == 0 {
			break
		}
		f.After = next
	}
	if strings.Join(got, ",") != nums(o2, n2, o1, n1) {
		t.Fatalf("pages of two: %v", got)
	}
	// The ticket page shows a new ticket as new, and the status select keeps it.
	if tp := expect(t, b.do("GET", "/console/tickets/"+itoa(n1.Number), nil), http.StatusOK); !strings.Contains(tp.body, `<option value="new" selected>new</option>`) {
		t.Fatal("the ticket page does not show the status new")
	}
}

// The first load of a full view (50 tickets) is under 100 KB of HTML, CSS
// and JavaScript together, and names nothing on another host: the console
// works air-gapped.
func TestFirstLoadWeightAndNoOtherHost(t *testing.T) {
	e := apitest.New(t)
	setPassword(t, e, e.WS.Owner.Email)
	b := &browser{t: t, h: e.Handler}
	expect(t, b.signIn(e.WS.Owner.Email), http.StatusSeeOther)
	for range 50 {
		e.Post(e.WS, e.Ticket(e.WS, "chat"), ticketd.NewMessage{Body: strings.Repeat("A customer asks about an order that has not arrived. ", 4)})
	}
	html := expect(t, b.do("GET", "/?view=open", nil), http.StatusOK).body
	if n := strings.Count(html, `<tr data-row>`); n != 50 {
		t.Fatalf("the view has %d rows, want a full page of 50", n)
	}
	total := len(html)
	assets := regexp.MustCompile(`(?:href|src)="(/console/static/[^"]+)"`).FindAllStringSubmatch(html, -1)
	if len(assets) != 2 {
		t.Fatalf("the page loads %d assets, want the stylesheet and the script", len(assets))
	}
	for _, a := range assets {
		total += len(expect(t, b.do("GET", strings.ReplaceAll(a[1], "&amp;", "&"), nil), http.StatusOK).body)
	}
	if total >= 100<<10 {
		t.Fatalf("the first load is %d bytes, want under 100 KB", total)
	}
	if foreign := regexp.MustCompile(`(?:href|src|action|data-live)="(?:[a-z]+:)?//`).FindString(html); foreign != "" {
		t.Fatalf("the page names another host: %s", foreign)
	}
}
