package console

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	ticketd "github.com/ticketd/ticketd"
)

func (c *Console) routes() {
	m := c.mux
	m.HandleFunc("GET /console/static/{name}", c.serveAsset)
	m.HandleFunc("GET /login", c.loginForm)
	m.HandleFunc("POST /login", c.login)
	m.HandleFunc("POST /logout", c.logout)
	m.HandleFunc("GET /console/forgot", c.forgotForm)
	m.HandleFunc("POST /console/forgot", c.forgot)
	m.HandleFunc("GET /console/invite/{token}", c.linkForm)
	m.HandleFunc("POST /console/invite/{token}", c.redeem)
	m.HandleFunc("GET /console/reset/{token}", c.linkForm)
	m.HandleFunc("POST /console/reset/{token}", c.redeem)

	c.page("GET /{$}", c.list)
	c.page("GET /console/search", c.search)
	m.HandleFunc("GET /console/events", c.events)
	c.page("GET /console/tickets/{number}", c.ticket)
	c.page("POST /console/tickets/{number}/reply", c.reply)
	c.page("POST /console/tickets/{number}/note", c.note)
	c.page("POST /console/tickets/{number}/update", c.update)
	c.download("GET /console/messages/{message}/attachments/{attachment}", c.attachment)
	c.page("GET /console/account", c.account)
	c.page("POST /console/account/password", c.changePassword)
	c.adminRoutes()
}

// ---- data every page has ----------------------------------------------------

type navItem struct {
	Label   string
	URL     string
	Count   int
	Current bool
}

type baseData struct {
	Title string
	User  *ticketd.User
	Admin bool
	Nav   []navItem
	Query string
	// Live is the event stream the page follows (live.go); LiveTicket, on
	// a ticket page, the ticket whose events redraw it (any ticket's, else).
	Live       string
	LiveTicket string
	Flash      string
	Error      string
	Back       string
}

var viewLabels = map[ticketd.View]string{
	ticketd.ViewMine: "Mine", ticketd.ViewUnassigned: "Unassigned", ticketd.ViewOpen: "All open",
	ticketd.ViewPending: "Pending", ticketd.ViewSolved: "Solved",
}

// base is the data of every page; the views' counts come with a GET's
// session (SessionPage), and are read here only for another page (an
// error page after a POST).
func (c *Console) base(r *http.Request, s *session, title string) baseData {
	d := baseData{Title: title}
	if s == nil {
		return d
	}
	d.User, d.Admin = s.user, s.admin()
	counts := s.counts
	if counts == nil {
		var err error
		if counts, err = c.svc.ViewCounts(r.Context(), s.p); err != nil {
			c.cfg.Logger.WarnContext(r.Context(), "view counts", "err", err)
		}
	}
	current := r.URL.Query().Get("view")
	if r.URL.Path == "/" && current == "" {
		current = string(defaultView)
	}
	for _, v := range ticketd.Views {
		d.Nav = append(d.Nav, navItem{Label: viewLabels[v], URL: "/?view=" + string(v), Count: counts[v],
			Current: r.URL.Path == "/" && current == string(v)})
	}
	return d
}

// ---- signing in -------------------------------------------------------------------

type loginData struct {
	baseData
	Email string
	Next  string
}

// safeNext keeps a post-sign-in destination on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (c *Console) loginForm(w http.ResponseWriter, r *http.Request) {
	d := loginData{baseData: c.base(r, nil, "Sign in"), Next: safeNext(r.URL.Query().Get("next"))}
	d.Flash = flashes[r.URL.Query().Get("flash")]
	c.render(w, r, http.StatusOK, "login", d)
}

// flashes are the fixed notes a redirect can ask a page to show.
var flashes = map[string]string{
	"signedout": "You are signed out.",
	"password":  "Your password was changed. Sign in with the new one.",
	"sent":      "If that email belongs to an agent, a link to reset the password is on its way.",
}

func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		c.errorPage(w, r, nil, http.StatusBadRequest, "The form could not be read.")
		return
	}
	email, next := r.PostForm.Get("email"), safeNext(r.PostForm.Get("next"))
	in, err := c.svc.SignIn(r.Context(), email, r.PostForm.Get("password"), c.clientAddr(r))
	if err != nil {
		code := ticketd.ErrorCode(err)
		if code != ticketd.EUNAUTHORIZED && code != ticketd.ETHROTTLED {
			c.fail(w, r, nil, err)
			return
		}
		status := http.StatusUnauthorized
		if code == ticketd.ETHROTTLED {
			status = http.StatusTooManyRequests
		}
		d := loginData{baseData: c.base(r, nil, "Sign in"), Email: email, Next: next}
		d.Error = ticketd.ErrorMessage(err)
		c.render(w, r, status, "login", d)
		return
	}
	c.setSessionCookie(w, r, in)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(SessionCookie); err == nil {
		if err := c.svc.SignOut(r.Context(), ck.Value); err != nil {
			c.fail(w, r, nil, err)
			return
		}
	}
	c.clearSessionCookie(w, r)
	http.Redirect(w, r, "/login?flash=signedout", http.StatusSeeOther)
}

func (c *Console) forgotForm(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "forgot", c.base(r, nil, "Forgot your password?"))
}

// linkBase is the start of a one-time link on this console.
func (c *Console) linkBase(r *http.Request, kind string) string {
	scheme := "http"
	if c.secureRequest(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/console/" + kind + "/"
}

func (c *Console) forgot(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		c.errorPage(w, r, nil, http.StatusBadRequest, "The form could not be read.")
		return
	}
	if err := c.svc.RequestPasswordReset(r.Context(), r.PostForm.Get("email"), c.clientAddr(r), c.linkBase(r, "reset")); err != nil {
		c.fail(w, r, nil, err)
		return
	}
	http.Redirect(w, r, "/login?flash=sent", http.StatusSeeOther)
}

type linkData struct {
	baseData
	Action string
}

func (c *Console) linkForm(w http.ResponseWriter, r *http.Request) {
	title := "Choose a new password"
	if strings.HasPrefix(r.URL.Path, "/console/invite/") {
		title = "Welcome: choose your password"
	}
	c.render(w, r, http.StatusOK, "setpassword", linkData{baseData: c.base(r, nil, title), Action: r.URL.Path})
}

func (c *Console) redeem(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		c.errorPage(w, r, nil, http.StatusBadRequest, "The form could not be read.")
		return
	}
	pw := r.PostForm.Get("password")
	if pw != r.PostForm.Get("confirm") {
		d := linkData{baseData: c.base(r, nil, "Choose a new password"), Action: r.URL.Path}
		d.Error = "The two passwords differ."
		c.render(w, r, http.StatusUnprocessableEntity, "setpassword", d)
		return
	}
	in, err := c.svc.RedeemToken(r.Context(), r.PathValue("token"), pw)
	if ticketd.ErrorCode(err) == ticketd.EINVALID {
		d := linkData{baseData: c.base(r, nil, "Choose a new password"), Action: r.URL.Path}
		d.Error = ticketd.ErrorMessage(err)
		c.render(w, r, http.StatusUnprocessableEntity, "setpassword", d)
		return
	} else if err != nil {
		c.fail(w, r, nil, err)
		return
	}
	c.setSessionCookie(w, r, in)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// ---- ticket lists --------------------------------------------------------------------

const defaultView = ticketd.ViewOpen

// row is what one line of a list shows.
type row struct {
	*ticketd.Ticket
	Customer string
	Assignee string
	Priority ticketd.Priority // shown: never empty
	Ago      string           // the last activity, relative to now
}

// shownPriority is the ticket's priority as the console shows it: a ticket
// without one has the default, medium.
func shownPriority(t *ticketd.Ticket) ticketd.Priority {
	if t.Priority == "" {
		return ticketd.PriorityMedium
	}
	return t.Priority
}

type filterData struct {
	View     string
	Inbox    string
	Tag      string
	Assignee string
	Priority string
	Order    string
}

type listData struct {
	baseData
	Heading string
	// Rows are the rows as their template rendered them (fragments.go),
	// one after the other.
	Rows template.HTML
	// Filters is the filter form, rendered as the rows are.
	Filters    template.HTML
	Next       string
	Filter     filterData
	Inboxes    []*ticketd.Inbox
	Agents     []*ticketd.User
	Priorities []ticketd.Priority
	Search     bool
}

// filterFrom reads the list filters common to the views and search. Values
// that cannot be ids are treated as absent: a filter link edited by hand
// shows more, not an error.
func filterFrom(q url.Values, f *ticketd.ViewFilter) filterData {
	fd := filterData{Inbox: q.Get("inbox"), Tag: strings.TrimSpace(q.Get("tag")), Assignee: q.Get("assignee"), Order: q.Get("order")}
	if id, err := uuid.Parse(fd.Inbox); err == nil {
		f.InboxID = &id
	}
	if len(fd.Tag) > 100 {
		fd.Tag = fd.Tag[:100]
	}
	f.Tag = fd.Tag
	if pr := ticketd.Priority(q.Get("priority")); pr.Valid() {
		fd.Priority = string(pr)
		f.Priority = &pr
	}
	if fd.Assignee == "none" {
		f.AssigneeID, f.Unassigned = nil, true
	} else if id, err := uuid.Parse(fd.Assignee); err == nil && f.AssigneeID == nil && !f.Unassigned {
		f.AssigneeID = &id
	}
	f.Oldest = fd.Order == "oldest"
	return fd
}

func (c *Console) list(w http.ResponseWriter, r *http.Request, s *session) error {
	live := c.liveStream() // before the read: see liveStream
	q := r.URL.Query()
	view := ticketd.View(q.Get("view"))
	if view == "" {
		view = defaultView
	}
	f, ok := view.Filter(s.p)
	if !ok {
		return ticketd.NotFound("view")
	}
	fd := filterFrom(q, &f)
	fd.View = string(view)
	if after, err := strconv.ParseInt(q.Get("after"), 10, 64); err == nil && after > 0 {
		f.After = after
	}
	lp, err := c.svc.ViewPage(r.Context(), s.p, f)
	if err != nil {
		return err
	}
	d, err := c.listData(r, s, viewLabels[view], lp, fd)
	if err != nil {
		return err
	}
	if lp.Next > 0 {
		nq := r.URL.Query()
		nq.Set("after", strconv.FormatInt(lp.Next, 10))
		d.Next = "/?" + nq.Encode()
	}
	d.Live = live
	if d.Filters, err = c.filters(d); err != nil {
		return err
	}
	c.render(w, r, http.StatusOK, "list", d)
	return nil
}

// listData is the page of lp's tickets under heading, its rows rendered
// once per content (fragments.go).
func (c *Console) listData(r *http.Request, s *session, heading string, lp *ticketd.ListPage, fd filterData) (*listData, error) {
	d := &listData{baseData: c.base(r, s, heading), Heading: heading, Filter: fd, Priorities: ticketd.Priorities,
		Inboxes: lp.Inboxes, Agents: lp.Agents}
	page := c.pages["list"]
	rows := make([]template.HTML, 0, len(lp.Tickets))
	dg := c.frags.digest("row")
	now := time.Now()
	for _, t := range lp.Tickets {
		rw := row{Ticket: t, Priority: shownPriority(t), Ago: agoAt(t.LastMessageAt, now)}
		rw.Customer = lp.Customers[t.CustomerID]
		if t.AssigneeID != nil {
			if u := lp.Assignees[*t.AssigneeID]; u != nil {
				rw.Assignee = u.Name
			}
		}
		// Everything the row template shows.
		dg.reset("row")
		dg.int(t.Number)
		dg.str(t.Subject)
		dg.str(t.LastMessage)
		dg.str(rw.Customer)
		dg.str(string(t.Status))
		dg.str(string(rw.Priority))
		dg.str(rw.Assignee)
		dg.strs(t.Tags)
		dg.time(t.LastMessageAt)
		dg.str(rw.Ago)
		h, err := c.frags.render(page, "row", dg, func() any { return rw })
		if err != nil {
			return nil, err
		}
		rows = append(rows, h)
	}
	d.Rows = joinHTML(rows)
	return d, nil
}

// filters renders d's filter form once per content: with many agents and
// inboxes it is most of the page's values.
func (c *Console) filters(d *listData) (template.HTML, error) {
	dg := c.frags.digest("filters")
	dg.bool(d.Search)
	dg.str(d.Query)
	f := d.Filter
	for _, s := range []string{f.View, f.Inbox, f.Tag, f.Assignee, f.Priority, f.Order} {
		dg.str(s)
	}
	dg.int(int64(len(d.Inboxes)))
	for _, ib := range d.Inboxes {
		dg.id(ib.ID)
		dg.str(ib.Address)
	}
	digestAgents(dg, d.Agents)
	dg.int(int64(len(d.Priorities)))
	for _, p := range d.Priorities {
		dg.str(string(p))
	}
	return c.frags.render(c.pages["list"], "filters", dg, func() any { return d })
}

// digestAgents digests what an agent list shows of each agent.
func digestAgents(dg *digest, agents []*ticketd.User) {
	dg.int(int64(len(agents)))
	for _, u := range agents {
		dg.id(u.ID)
		dg.str(u.Name)
	}
}

func (c *Console) search(w http.ResponseWriter, r *http.Request, s *session) error {
	q := r.URL.Query()
	var f ticketd.ViewFilter
	if st := ticketd.Status(q.Get("status")); st == ticketd.StatusOpen {
		f.Statuses = ticketd.OpenStatuses // as the open views
	} else if st.Valid() {
		f.Status = &st
	}
	fd := filterFrom(q, &f)
	text := q.Get("q")
	var lp *ticketd.ListPage
	var err error
	if strings.TrimSpace(text) != "" {
		lp, err = c.svc.SearchPage(r.Context(), s.p, text, f, 50)
	}
	if strings.TrimSpace(text) == "" || ticketd.ErrorCode(err) == ticketd.EINVALID {
		// Nothing to search for: the page without results.
		lp, err = c.svc.ListPageExtras(r.Context(), s.p)
	}
	if err != nil {
		return err
	}
	d, err := c.listData(r, s, "Search", lp, fd)
	if err != nil {
		return err
	}
	d.Query, d.Search = text, true
	d.Heading = "Search results for “" + text + "”"
	if d.Filters, err = c.filters(d); err != nil {
		return err
	}
	c.render(w, r, http.StatusOK, "list", d)
	return nil
}

// ---- account ------------------------------------------------------------------------

func (c *Console) account(w http.ResponseWriter, r *http.Request, s *session) error {
	c.render(w, r, http.StatusOK, "account", c.base(r, s, "Your account"))
	return nil
}

func (c *Console) changePassword(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	if r.PostForm.Get("new_password") != r.PostForm.Get("confirm") {
		return ticketd.Invalid("confirm", "value_error", "the two new passwords differ")
	}
	if err := c.svc.ChangePassword(r.Context(), s.p, r.PostForm.Get("current_password"), r.PostForm.Get("new_password")); err != nil {
		return err
	}
	c.clearSessionCookie(w, r)
	http.Redirect(w, r, "/login?flash=password", http.StatusSeeOther)
	return nil
}

// ago renders a time relative to now, for lists.
func ago(t time.Time) string { return agoAt(t, time.Now()) }

// agoAt renders t relative to now.
func agoAt(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + " min ago"
	case d < 24*time.Hour:
		return strconv.Itoa(int(d.Hours())) + " h ago"
	}
	return t.UTC().Format("2 Jan 2006")
}
