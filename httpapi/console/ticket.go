package console

import (
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/microcosm-cc/bluemonday"

	ticketd "github.com/ticketd/ticketd"
)

// emailPolicy sanitises an email's HTML before it is shown, as a second wall
// behind the sandboxed frame: no scripts, handlers, styles, forms or
// javascript: links survive it, and the frame could not run them anyway.
// Images are dropped too: a remote image is a tracking pixel, and the
// console makes no request to another host.
var emailPolicy = newEmailPolicy()

func newEmailPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowStandardURLs()
	p.AllowAttrs("href").OnElements("a")
	p.RequireNoFollowOnLinks(true)
	p.AllowElements("p", "br", "div", "span", "b", "strong", "i", "em", "u", "s", "small", "sub", "sup",
		"blockquote", "pre", "code", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "center", "font")
	p.AllowLists()
	p.AllowTables()
	return p
}

type attachmentView struct {
	*ticketd.Attachment
	URL   string
	Image bool
}

type messageView struct {
	*ticketd.Message
	Kind     string // customer, agent, note, system
	Label    string // the article's accessible name
	Author   string
	Shown    string // the cleaned body, when it differs from the whole
	HTML     string // sanitised HTML, for the sandboxed frame
	Files    []attachmentView
	Delivery string
}

type ticketData struct {
	baseData
	T        *ticketd.Ticket
	Customer *ticketd.Customer
	// Messages are the conversation as its template rendered it
	// (fragments.go), one message after the other.
	Messages   template.HTML
	Others     []*ticketd.Ticket
	Agents     []*ticketd.User
	Statuses   []ticketd.Status
	Priorities []ticketd.Priority
	Tags       string
	Assignee   string
	Priority   ticketd.Priority // the current one, never empty
	// Side is the side panel's form, rendered once per content (fragments.go).
	Side template.HTML
}

// previewTypes are the image types shown inline; anything else (SVG, which
// can carry script, included) is a download only.
var previewTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

func ticketRef(r *http.Request) (ticketd.Ref, error) {
	n, err := strconv.ParseInt(r.PathValue("number"), 10, 64)
	if err != nil || n <= 0 {
		return ticketd.Ref{}, ticketd.NotFound("ticket")
	}
	return ticketd.ByNumber(n), nil
}

func (c *Console) ticket(w http.ResponseWriter, r *http.Request, s *session) error {
	ref, err := ticketRef(r)
	if err != nil {
		return err
	}
	live := c.liveStream() // before the read: see liveStream
	td, err := c.svc.TicketDetail(r.Context(), s.p, ref)
	if err != nil {
		return err
	}
	d := ticketData{baseData: c.base(r, s, td.Ticket.Subject), T: td.Ticket, Customer: td.Customer,
		Others: td.CustomerTickets, Agents: td.Agents, Tags: strings.Join(td.Ticket.Tags, ", "),
		Statuses:   []ticketd.Status{ticketd.StatusOpen, ticketd.StatusPending, ticketd.StatusSolved, ticketd.StatusClosed},
		Priorities: ticketd.Priorities, Priority: shownPriority(td.Ticket)}
	if td.Ticket.Status == ticketd.StatusNew {
		// Shown as it is; saving the form without touching it keeps it.
		d.Statuses = append([]ticketd.Status{ticketd.StatusNew}, d.Statuses...)
	}
	for _, a := range td.Agents {
		if td.Ticket.AssigneeID != nil && *td.Ticket.AssigneeID == a.ID {
			d.Assignee = a.Name
		}
	}
	d.Live, d.LiveTicket = live, td.Ticket.ID.String()
	page := c.pages["ticket"]
	msgs := make([]template.HTML, 0, len(td.Messages))
	dg := c.frags.digest("message")
	for _, m := range td.Messages {
		dg.reset("message")
		h, err := c.message(page, dg, m, td)
		if err != nil {
			return err
		}
		msgs = append(msgs, h)
	}
	d.Messages = joinHTML(msgs)
	if d.Side, err = c.side(page, &d); err != nil {
		return err
	}
	c.render(w, r, http.StatusOK, "ticket", d)
	return nil
}

// message renders one message of the conversation, once per content: the
// digest covers everything messageView derives its view from, so the
// email's HTML is sanitised (and every value escaped) only when the
// message, its author's name or its attachments are new to this node.
func (c *Console) message(page *template.Template, dg *digest, m *ticketd.Message, td *ticketd.TicketDetail) (template.HTML, error) {
	kind, author := messageKind(m), messageAuthor(m, td)
	dg.id(m.ID)
	dg.str(kind)
	dg.str(author)
	dg.time(m.Time)
	dg.strs(m.Cc)
	dg.str(string(m.Delivery))
	dg.str(m.DeliveryError)
	dg.opt(m.Language)
	dg.opt(m.Sentiment)
	dg.str(m.Body)
	dg.opt(m.BodyCleaned)
	dg.opt(m.BodyHTML)
	as := td.Attachments[m.ID]
	dg.int(int64(len(as)))
	for _, a := range as {
		dg.id(a.ID)
		dg.str(a.Filename)
		dg.str(a.ContentType)
		dg.int(a.Size)
	}
	return c.frags.render(page, "message", dg, func() any { return c.messageView(m, td, kind, author) })
}

// side renders the side panel's form (status, assignee, priority, tags):
// one option per agent, kept while none of it changes.
func (c *Console) side(page *template.Template, d *ticketData) (template.HTML, error) {
	dg := c.frags.digest("side")
	dg.int(d.T.Number)
	dg.str(string(d.T.Status))
	dg.int(int64(len(d.Statuses)))
	for _, st := range d.Statuses {
		dg.str(string(st))
	}
	digestAgents(dg, d.Agents)
	if d.T.AssigneeID != nil {
		dg.id(*d.T.AssigneeID)
	} else {
		dg.int(-1)
	}
	dg.int(int64(len(d.Priorities)))
	for _, p := range d.Priorities {
		dg.str(string(p))
	}
	dg.str(string(d.Priority))
	dg.str(d.Tags)
	return c.frags.render(page, "side", dg, func() any { return d })
}

// messageKind is how the conversation marks a message: customer, agent,
// note or system.
func messageKind(m *ticketd.Message) string {
	switch {
	case m.Internal:
		return "note"
	case m.Author.Kind == ticketd.AuthorCustomer:
		return "customer"
	case m.Author.Kind == ticketd.AuthorAgent:
		return "agent"
	}
	return "system"
}

// messageAuthor is the name a message is shown under.
func messageAuthor(m *ticketd.Message, td *ticketd.TicketDetail) string {
	switch {
	case m.Author.CustomerID != nil && td.Authors.Customers[*m.Author.CustomerID] != nil:
		cu := td.Authors.Customers[*m.Author.CustomerID]
		if n := cu.FullName(); n != "" {
			return n
		}
		return cu.Email
	case m.Author.UserID != nil && td.Authors.Users[*m.Author.UserID] != nil:
		return td.Authors.Users[*m.Author.UserID].Name
	case m.FromName != "":
		return m.FromName
	case m.FromAddress != "":
		return m.FromAddress
	}
	return string(m.Author.Kind)
}

func (c *Console) messageView(m *ticketd.Message, td *ticketd.TicketDetail, kind, author string) messageView {
	v := messageView{Message: m, Delivery: string(m.Delivery), Kind: kind, Author: author}
	switch v.Kind {
	case "note":
		v.Label = "Internal note by " + v.Author
	case "customer":
		v.Label = "Message from " + v.Author
	default:
		v.Label = "Reply by " + v.Author
	}
	if m.BodyCleaned != nil && strings.TrimSpace(*m.BodyCleaned) != "" && strings.TrimSpace(*m.BodyCleaned) != strings.TrimSpace(m.Body) {
		v.Shown = *m.BodyCleaned
	}
	if m.BodyHTML != nil && strings.TrimSpace(*m.BodyHTML) != "" {
		v.HTML = emailPolicy.Sanitize(*m.BodyHTML)
	}
	for _, a := range td.Attachments[m.ID] {
		v.Files = append(v.Files, attachmentView{Attachment: a, Image: previewTypes[strings.ToLower(a.ContentType)],
			URL: "/console/messages/" + m.ID.String() + "/attachments/" + a.ID.String()})
	}
	return v
}

// formText reads one trimmed field of a parsed form.
func formText(r *http.Request, name string) string { return strings.TrimSpace(r.PostForm.Get(name)) }

// splitList splits a comma- or space-separated list, as typed in one box.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' })
}

func (c *Console) reply(w http.ResponseWriter, r *http.Request, s *session) error {
	return c.post(w, r, s, false)
}

func (c *Console) note(w http.ResponseWriter, r *http.Request, s *session) error {
	return c.post(w, r, s, true)
}

// post adds a reply (emailed to the customer on an email ticket, with the
// Cc given) or an internal note (never emailed).
func (c *Console) post(w http.ResponseWriter, r *http.Request, s *session, internal bool) error {
	ref, err := ticketRef(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	t, err := c.svc.Ticket(r.Context(), s.p, ref)
	if err != nil {
		return err
	}
	in := ticketd.NewMessage{Internal: internal, Body: r.PostForm.Get("body"), Email: ticketd.EmailNever}
	if !internal {
		in.Cc = splitList(r.PostForm.Get("cc"))
		if ticketd.IsEmailChannel(t.Channel) {
			// The agent pressed "Send reply": on an email ticket that is a
			// promise to email it, and an error if that cannot happen.
			in.Email = ticketd.EmailAlways
		}
	}
	if _, err := c.svc.PostMessage(r.Context(), s.p, ticketd.ByID(t.ID), in); err != nil {
		return err
	}
	http.Redirect(w, r, "/console/tickets/"+strconv.FormatInt(t.Number, 10), http.StatusSeeOther)
	return nil
}

// update applies the fields the form carries: the side panel sends status,
// assignee, priority and tags; the Solve button only a status.
func (c *Console) update(w http.ResponseWriter, r *http.Request, s *session) error {
	ref, err := ticketRef(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	var in ticketd.TicketUpdate
	if r.PostForm.Has("status") {
		st := ticketd.Status(formText(r, "status"))
		in.Status = &st
	}
	if r.PostForm.Has("assignee") {
		switch a := formText(r, "assignee"); a {
		case "":
			in.Unassign = true
		case "me":
			in.Assignee = &ticketd.Ref{ID: s.p.UserID}
		default:
			id, err := uuid.Parse(a)
			if err != nil {
				return ticketd.Invalid("assignee", "value_error", "not an agent")
			}
			in.Assignee = &ticketd.Ref{ID: id}
		}
	}
	if r.PostForm.Has("priority") {
		// The domain validates it: an unknown priority is a 422 that changes nothing.
		pr := ticketd.Priority(formText(r, "priority"))
		in.Priority = &pr
	}
	if r.PostForm.Has("tags") {
		tags := strings.FieldsFunc(r.PostForm.Get("tags"), func(r rune) bool { return r == ',' })
		in.Tags = &tags
	}
	t, err := c.svc.UpdateTicket(r.Context(), s.p, ref, in)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/console/tickets/"+strconv.FormatInt(t.Number, 10), http.StatusSeeOther)
	return nil
}

// attachment downloads an attachment; a raster image asked for inline is
// shown (the ticket page's preview). Either way the response may run
// nothing: it carries its own sandboxing policy.
func (c *Console) attachment(w http.ResponseWriter, r *http.Request, s *session) error {
	mid, err1 := uuid.Parse(r.PathValue("message"))
	aid, err2 := uuid.Parse(r.PathValue("attachment"))
	if err1 != nil || err2 != nil {
		return ticketd.NotFound("attachment")
	}
	a, body, err := c.svc.OpenAttachment(r.Context(), s.p, mid, aid)
	if err != nil {
		return err
	}
	defer body.Close()
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Content-Length", strconv.FormatInt(a.Size, 10))
	h.Set("Cache-Control", "private, max-age=3600")
	disposition := "attachment"
	if r.URL.Query().Get("inline") == "1" && previewTypes[strings.ToLower(a.ContentType)] {
		disposition = "inline"
		h.Set("Content-Type", strings.ToLower(a.ContentType))
	} else {
		h.Set("Content-Type", "application/octet-stream")
	}
	name := strings.Map(func(r rune) rune {
		if r < 0x20 || r == '"' || r == '\\' || r > 0x7e {
			return '_'
		}
		return r
	}, a.Filename)
	h.Set("Content-Disposition", disposition+`; filename="`+name+`"`)
	h.Set("Last-Modified", a.CreatedAt.UTC().Format(time.RFC1123))
	_, _ = io.Copy(w, body)
	return nil
}
