package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/mail/mailtest"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// chromiumPath is the browser the console's tests drive: Debian's chromium
// package (.ci/run installs it). Nothing is ever downloaded.
const chromiumPath = "/usr/bin/chromium"

// newBrowser starts headless Chromium with a throwaway profile, or skips the
// test when there is none.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("TICKETD_CHROMIUM")
	if path == "" {
		path = chromiumPath
	}
	if _, err := exec.LookPath(path); err != nil {
		t.Skipf("no Chromium at %s (apt-get install chromium, or set TICKETD_CHROMIUM): %v", path, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 860),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// browse runs browser actions with a deadline, failing the test on error.
func browse(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// submit runs actions that submit a form and waits for the page they load
// (waiting for an element of the next page right after the click proved
// unreliable in a second tab).
func submit(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if resp.Status != 200 {
		t.Fatalf("%s: the page answered %d", what, resp.Status)
	}
}

// value runs one browser action that answers a value.
func value[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// screenshot saves the page to docs/screenshots when TICKETD_SCREENSHOTS=1,
// so that CI never dirties the tree.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if os.Getenv("TICKETD_SCREENSHOTS") != "1" {
		return
	}
	png := value(t, ctx, "screenshot "+name, chromedp.CaptureScreenshot())
	dir := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestConsoleInBrowser drives the console in real headless Chromium against
// the real program, its SMTP listener and a loopback relay: sign in; open a
// ticket that arrived by SMTP; reply and see the relay receive it; the
// customer answers by SMTP and the answer appears on the open page without a
// reload, as does another agent's note; a note of ours never reaches the
// relay; assign, solve with the keyboard, search; a new ticket appears in the
// open view without a reload; a hostile email runs nothing and loads
// nothing; every control has a label; sign out.
func TestConsoleInBrowser(t *testing.T) {
	bctx := newBrowser(t)
	ctx := context.Background()
	dns := mailtest.NewDNSServer(t)
	relay := mailtest.NewSMTPServer(t)
	dsn := sqlstoretest.CopyDSN(t)
	m := NewMain(io.Discard, io.Discard)
	if err := m.ParseFlags([]string{"--db", dsn, "--addr", "127.0.0.1:0", "--smtp-addr", "127.0.0.1:0",
		"--dns-server", dns.Addr(), "--smtp-relay", relay.Addr(), "--blob-dir", t.TempDir(), "--outbox-poll", "100ms"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })

	// The workspace and the owner's password through the CLI, the domain
	// and inbox through the API.
	var out bytes.Buffer
	if err := run2(ctx, []string{"workspace", "create", "--db", dsn, "--name", "Acme", "--owner-email", "owner@acme.test", "--owner-name", "Olivia Owner"}, nil, &out); err != nil {
		t.Fatal(err)
	}
	var ws created
	if err := json.Unmarshal(out.Bytes(), &ws); err != nil {
		t.Fatal(err)
	}
	const password = "a long enough password"
	if err := run2(ctx, []string{"user", "set-password", "--db", dsn, "--email", "owner@acme.test"}, strings.NewReader(password+"\n"), io.Discard); err != nil {
		t.Fatal(err)
	}
	base := "http://" + m.Addr()
	api := &apiClient{t: t, base: base, key: ws.APIKey}
	var domain struct {
		ID      string                         `json:"id"`
		Records []struct{ Name, Value string } `json:"dns_records"`
	}
	api.do("POST", "/v1/domains", map[string]any{"name": "shop.example.com"}, 201, &domain)
	for _, r := range domain.Records {
		dns.SetTXT(r.Name, r.Value)
	}
	api.do("POST", "/v1/domains/"+domain.ID+"/verify", nil, 200, nil)
	api.do("POST", "/v1/inboxes", map[string]any{"address": "support@shop.example.com", "name": "ACME Support"}, 201, nil)
	var sam struct{ ID string }
	api.do("POST", "/v1/users", map[string]any{"email": "sam@acme.test", "name": "Sam Support"}, 201, &sam)

	first := "<first-" + ticketd.NewID().String() + "@customer.test>"
	sendMail(t, m.SMTPAddr(), "jane@customer.test", []string{"support@shop.example.com"}, customerEmail(first, "", "Where is my kettle?",
		"Hello, I ordered a blue kettle two weeks ago and it has not arrived. Can you check?"))

	// Sign in: the console sends us to /login first.
	browse(t, bctx, "sign in",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`input[name=email]`))
	if loc := value(t, bctx, "location", chromedp.Location()); !strings.Contains(loc, "/login") {
		t.Fatalf("without a session the console is at %s, want /login", loc)
	}
	screenshot(t, bctx, "login")
	browse(t, bctx, "sign in",
		chromedp.SendKeys(`//input[@id=(//label[text()="Email"]/@for)]`, "owner@acme.test"),
		chromedp.SendKeys(`//input[@id=(//label[text()="Password"]/@for)]`, password),
		chromedp.Click(`//button[text()="Sign in"]`),
		chromedp.WaitVisible(`//button[text()="Sign out"]`))
	screenshot(t, bctx, "views")
	checkLabels(t, bctx, "views")
	// ? shows every shortcut; Close (or Esc) hides them.
	browse(t, bctx, "help",
		chromedp.KeyEvent("?"),
		chromedp.WaitVisible(`//dialog[@id="help"]//td[contains(., "Solve the ticket")]`),
		chromedp.Click(`//dialog[@id="help"]//button[text()="Close"]`),
		chromedp.WaitNotVisible(`#help`))

	// Open the ticket that came by SMTP, by its subject link (j, Enter).
	browse(t, bctx, "open ticket",
		chromedp.WaitVisible(`//a[text()="Where is my kettle?"]`),
		chromedp.KeyEvent("j"),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(`//article[contains(., "blue kettle")]`))

	// Reply: the relay receives it.
	browse(t, bctx, "reply",
		chromedp.KeyEvent("r"),
		chromedp.SendKeys(`#reply`, "It ships tomorrow, sorry for the wait."),
		chromedp.SendKeys(`#cc`, "boss@customer.test"),
		chromedp.Click(`//button[text()="Send reply"]`),
		chromedp.WaitVisible(`//article[contains(., "It ships tomorrow")]`))
	sent := relay.WaitFor(1, 10*time.Second)
	if len(sent) != 1 || strings.Join(sent[0].To, " ") != "jane@customer.test boss@customer.test" || !bytes.Contains(sent[0].Data, []byte("\r\nIt ships tomorrow")) {
		t.Fatalf("the relay got %+v", sent)
	}
	outMsg, err := mail.ReadMessage(bytes.NewReader(sent[0].Data))
	if err != nil {
		t.Fatal(err)
	}

	// A note never reaches the relay.
	browse(t, bctx, "note",
		chromedp.KeyEvent("n"),
		chromedp.SendKeys(`#note`, "Courier confirmed the delay internally."),
		chromedp.Click(`//button[text()="Add note"]`),
		chromedp.WaitVisible(`//article[contains(@aria-label, "Internal note") and contains(., "Courier confirmed")]`))

	// The customer answers by SMTP, and another agent, signed in in a
	// browser of their own, adds a note and sends a reply: each appears on
	// the open page, which is not reloaded (the marker survives), through
	// the event stream.
	value(t, bctx, "mark page", chromedp.Evaluate[int](`window.__stay = 1`))
	began := time.Now()
	sendMail(t, m.SMTPAddr(), "jane@customer.test", []string{"support@shop.example.com"},
		customerEmail("<answer-"+ticketd.NewID().String()+"@customer.test>", outMsg.Header.Get("Message-Id"), "Re: Where is my kettle?",
			"Great, thank you for the quick answer!"))
	browse(t, bctx, "the customer's answer, live", chromedp.WaitVisible(`//article[contains(., "quick answer")]`))
	t.Logf("the customer's answer appeared %s after the SMTP session began", time.Since(began).Round(time.Millisecond))
	var tickets []struct {
		ID     string
		Number int64
	}
	api.do("GET", "/v1/tickets", nil, 200, &tickets)
	if err := run2(ctx, []string{"user", "set-password", "--db", dsn, "--email", "sam@acme.test"}, strings.NewReader("sam's own password\n"), io.Discard); err != nil {
		t.Fatal(err)
	}
	samCtx, closeSam := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	defer closeSam()
	// The tab opens on a context without a deadline: a deadline's end
	// would close it (browse's contexts have one).
	if err := chromedp.Do(samCtx); err != nil {
		t.Fatal(err)
	}
	browse(t, samCtx, "sam signs in",
		chromedp.Navigate(fmt.Sprintf("%s/console/tickets/%d", base, tickets[0].Number)),
		chromedp.WaitVisible(`input[name=email]`),
		chromedp.SendKeys(`//input[@id=(//label[text()="Email"]/@for)]`, "sam@acme.test"),
		chromedp.SendKeys(`//input[@id=(//label[text()="Password"]/@for)]`, "sam's own password"),
		chromedp.Click(`//button[text()="Sign in"]`),
		chromedp.WaitVisible(`//article[contains(., "blue kettle")]`))
	began = time.Now()
	submit(t, samCtx, "sam's note", chromedp.SendKeys(`#note`, "Sam here: I called the courier."), chromedp.Click(`//button[text()="Add note"]`))
	browse(t, bctx, "sam's note, live", chromedp.WaitVisible(`//article[@aria-label="Internal note by Sam Support"]`))
	t.Logf("another agent's note appeared %s after it was sent", time.Since(began).Round(time.Millisecond))
	submit(t, samCtx, "sam's reply", chromedp.SendKeys(`#reply`, "Sam again: the courier has it now."), chromedp.Click(`//button[text()="Send reply"]`))
	browse(t, bctx, "sam's reply, live", chromedp.WaitVisible(`//article[@aria-label="Reply by Sam Support" and contains(., "the courier has it now")]`))
	if !value(t, bctx, "marker", chromedp.Evaluate[bool](`window.__stay === 1`)) {
		t.Fatal("the page reloaded instead of updating in place")
	}
	closeSam()
	screenshot(t, bctx, "ticket")
	checkLabels(t, bctx, "ticket")

	// Assign to Sam, make it urgent (the select found by its label
	// Priority) and solve with the keyboard (e).
	// a moves to the Assignee select (Esc leaves the reply box first).
	browse(t, bctx, "a", chromedp.KeyEvent("a"))
	if id := value(t, bctx, "focus", chromedp.Evaluate[string](`document.activeElement.id`)); id != "assignee" {
		t.Fatalf("a focused %q, want the Assignee select", id)
	}
	browse(t, bctx, "assign",
		chromedp.SetValue(`#assignee`, sam.ID),
		chromedp.SetValue(`//select[@id=(//label[text()="Priority"]/@for)]`, "urgent"),
		chromedp.Click(`//form[.//select[@id="assignee"]]//button[text()="Save"]`),
		chromedp.WaitVisible(`//p[@class="meta"][contains(., "assigned to Sam Support")]`),
		chromedp.WaitVisible(`//p[@class="meta"]/span[@class="priority urgent"]`),
		chromedp.KeyEvent("e"),
		chromedp.WaitVisible(`//p[@class="meta"]/span[text()="solved"]`))
	var tk struct {
		Status     string
		AssigneeID string `json:"assignee_id"`
		Priority   string
	}
	api.do("GET", "/v1/tickets/"+tickets[0].ID, nil, 200, &tk)
	if tk.Status != "solved" || tk.AssigneeID != sam.ID || tk.Priority != "urgent" {
		t.Fatalf("ticket after assign and solve: %+v", tk)
	}

	// Search with the keyboard (/).
	browse(t, bctx, "search",
		chromedp.KeyEvent("/"),
		chromedp.SendKeys(`#search-box`, "kettle\r"),
		chromedp.WaitVisible(`//h1[contains(., "Search results")]`),
		chromedp.WaitVisible(`//a[text()="Where is my kettle?"]`))
	screenshot(t, bctx, "search")

	// A hostile email: scripts, handlers, javascript: links, CSS and
	// remote resources that would call home. Nothing runs, nothing loads.
	var hits atomic.Int32
	home := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer home.Close()
	hostile := fmt.Sprintf(`<html><head><style>@import url(%[1]s/css); body{background:url(%[1]s/bg)}</style>
<link rel="stylesheet" href="%[1]s/link"><script>window.top.pwned=1; fetch("%[1]s/script")</script></head>
<body onload="window.top.pwned=2"><p>Totally normal <b>offer</b></p>
<img src="%[1]s/pixel.gif" onerror="window.top.pwned=3">
<a href="javascript:window.top.pwned=4">click</a>
<iframe src="%[1]s/frame"></iframe><form action="%[1]s/form"><input name=x></form>
<div style="background-image:url(%[1]s/style)">styled</div><svg onload="window.top.pwned=5"></svg></body></html>`, home.URL)
	raw := "From: Mallory <mallory@customer.test>\r\nTo: support@shop.example.com\r\nSubject: Special offer\r\n" +
		"Message-ID: <hostile-" + ticketd.NewID().String() + "@customer.test>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nTotally normal offer\r\n" +
		"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + hostile + "\r\n--b--\r\n"
	// It arrives while the agent looks at All open: the new ticket appears
	// in the list without a reload.
	browse(t, bctx, "open view", chromedp.Navigate(base+"/?view=open"), chromedp.WaitVisible(`//h1[text()="All open"]`))
	value(t, bctx, "mark list", chromedp.Evaluate[int](`window.__stay = 2`))
	sendMail(t, m.SMTPAddr(), "mallory@customer.test", []string{"support@shop.example.com"}, []byte(raw))
	browse(t, bctx, "new ticket live", chromedp.WaitVisible(`//a[text()="Special offer"]`))
	if !value(t, bctx, "marker", chromedp.Evaluate[bool](`window.__stay === 2`)) {
		t.Fatal("the list reloaded instead of updating in place")
	}
	browse(t, bctx, "hostile email",
		chromedp.Click(`//a[text()="Special offer"]`),
		chromedp.WaitVisible(`iframe.email-html`),
		chromedp.Sleep(500*time.Millisecond), // give anything that would run the chance to
		chromedp.Click(`iframe.email-html`))
	if pwned := value(t, bctx, "pwned", chromedp.Evaluate[string](`String(window.pwned)`)); pwned != "undefined" {
		t.Fatalf("the hostile email ran code in the console: window.pwned = %s", pwned)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the hostile email made %d requests to another host", n)
	}
	// Nothing the page loaded came from another host.
	for _, u := range value(t, bctx, "resources", chromedp.Evaluate[[]string](`performance.getEntriesByType("resource").map(function (e) { return e.name; })`)) {
		if !strings.HasPrefix(u, base+"/") && !strings.HasPrefix(u, "data:") && u != "about:srcdoc" {
			t.Errorf("the console loaded %s", u)
		}
	}
	screenshot(t, bctx, "hostile")

	for _, page := range []string{"agents", "keys", "domains", "inboxes", "workspace"} {
		browse(t, bctx, "admin "+page, chromedp.Navigate(base+"/console/admin/"+page), chromedp.WaitVisible(`//h1`))
		checkLabels(t, bctx, "admin "+page)
	}
	screenshot(t, bctx, "admin")

	// Sign out.
	browse(t, bctx, "sign out",
		chromedp.Click(`//button[text()="Sign out"]`),
		chromedp.WaitVisible(`//button[text()="Sign in"]`),
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`//button[text()="Sign in"]`))

	// The note was never emailed: the relay has only the reply.
	for _, r := range relay.Messages() {
		if bytes.Contains(r.Data, []byte("Courier confirmed")) || bytes.Contains(r.Data, []byte("Sam here")) {
			t.Fatal("an internal note reached the relay")
		}
	}
	if n := len(relay.WaitFor(2, 10*time.Second)); n != 2 {
		t.Fatalf("the relay got %d messages, want the two replies", n)
	}
}

// checkLabels fails the test if a form control of the page has no
// accessible label, or the page lacks its landmarks.
func checkLabels(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	unlabelled := value(t, ctx, "labels", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(
		'input:not([type=hidden]), select, textarea, button')).filter(function (e) {
		return !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !(e.tagName === 'BUTTON' && e.textContent.trim());
	}).map(function (e) { return e.outerHTML.slice(0, 80); })`))
	if len(unlabelled) > 0 {
		t.Errorf("%s: controls without a label: %v", page, unlabelled)
	}
	if !value(t, ctx, "landmarks", chromedp.Evaluate[bool](`!!document.querySelector('main') && !!document.querySelector('nav') &&
		!!document.querySelector('[role=search]')`)) {
		t.Errorf("%s lacks its main, navigation or search landmark", page)
	}
}

// run2 runs a command line with a standard input.
func run2(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	return runWithStdin(ctx, args, stdin, stdout, io.Discard)
}
