package ticket0

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
	"github.com/ticketd/ticketd/httpapi/typeid"
)

// The tickets, customers and knowledge-base resources of Ticket0
// (docs.ticket0.ai/docs/api-reference/tickets, /customers, /knowledge-base).
// Their pages spell ids tkt_, cus_, usr_, inb_ (and art_ for articles), and
// so do these resources; the messages page's conv_, cust_, user_ are
// accepted everywhere too, and a plain UUID as well.

// Paging of these resources, as their pages document it.
const (
	defaultLimit = 20
	maxLimit     = 100
	cursorPrefix = "cur"
)

func (h *Handler) registerResources(m *httpapi.Mount) {
	m.Handle("GET", "/tickets", "tickets:read", h.listTickets)
	m.Handle("POST", "/tickets", "tickets:write", h.createTicket)
	m.Handle("GET", "/tickets/{id}", "tickets:read", h.getTicket)
	m.Handle("PATCH", "/tickets/{id}", "tickets:write", h.updateTicket)
	m.Handle("GET", "/customers", "customers:read", h.listCustomers)
	m.Handle("POST", "/customers", "customers:write", h.createCustomer)
	m.Handle("GET", "/customers/{id}", "customers:read", h.getCustomer)
	m.Handle("PATCH", "/customers/{id}", "customers:write", h.updateCustomer)
	m.Handle("GET", "/knowledge-base", "tickets:read", h.listArticles)
	m.Handle("GET", "/knowledge-base/{id}", "tickets:read", h.getArticle)
}

// ---- ids and paging ----------------------------------------------------------------

var (
	ticketPrefixes   = []string{typeid.Ticket, typeid.Conversation}
	customerPrefixes = []string{typeid.CustomerAlt, typeid.Customer}
	userPrefixes     = []string{typeid.UserAlt, typeid.User}
	inboxPrefixes    = []string{typeid.Inbox}
	articlePrefixes  = []string{typeid.Article}
)

// pathRef reads the path's id; an id that cannot exist is not found, as one
// of another workspace is.
func pathRef(r *http.Request, kind string, prefixes []string) (ticketd.Ref, error) {
	id, err := typeid.Parse(r.PathValue("id"), prefixes...)
	if err != nil {
		return ticketd.Ref{}, ticketd.NotFound(kind)
	}
	return ticketd.ByID(id), nil
}

// bodyID reads an id given in a body or query field: malformed is a 400.
func bodyID(field, s string, prefixes []string) (ticketd.ID, error) {
	id, err := typeid.Parse(strings.TrimSpace(s), prefixes...)
	if err != nil {
		return id, invalid(field, "not a valid id (%s_… or UUID)", prefixes[0])
	}
	return id, nil
}

func optID(prefix string, id *ticketd.ID) *string {
	if id == nil {
		return nil
	}
	s := typeid.Format(prefix, *id)
	return &s
}

// page is the limit and the cursor of a list request.
type page struct {
	limit  int
	cursor *ticketd.ID
}

// readPage reads limit (default 20, at most 100: a larger one is a 400, not
// clamped) and cursor, the nextCursor of the previous page.
func readPage(r *http.Request) (page, error) {
	q := r.URL.Query()
	p := page{limit: defaultLimit}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			return p, invalid("limit", "must be an integer from 1 to %d", maxLimit)
		}
		p.limit = n
	}
	if s := q.Get("cursor"); s != "" {
		id, err := typeid.Parse(s, cursorPrefix)
		if err != nil {
			return p, httpapi.InvalidCursor("cursor")
		}
		p.cursor = &id
	}
	return p, nil
}

// cursorNumber resolves a cursor to the number of the item it names.
func cursorNumber(p page, lookup func(ticketd.ID) (int64, error)) (int64, error) {
	if p.cursor == nil {
		return 0, nil
	}
	n, err := lookup(*p.cursor)
	if ticketd.ErrorCode(err) == ticketd.ENOTFOUND {
		return 0, httpapi.InvalidCursor("cursor")
	}
	return n, err
}

// next cuts a list read with limit+1 rows to the page and returns its
// nextCursor: the last item's id as cur_…, or null on the last page.
func next[T any](items []T, limit int, id func(T) ticketd.ID) ([]T, *string) {
	if len(items) <= limit {
		return items, nil
	}
	items = items[:limit]
	c := typeid.Format(cursorPrefix, id(items[len(items)-1]))
	return items, &c
}

func iso(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func optISO(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := iso(*t)
	return &s
}

// ---- tickets ---------------------------------------------------------------------------

// ticketJSON is the ticket object of the tickets page, with the further
// fields GET returns for "all metadata".
type ticketJSON struct {
	ID            string   `json:"id"`
	Subject       string   `json:"subject"`
	Status        string   `json:"status"`
	AssigneeID    *string  `json:"assigneeId"`
	CustomerID    string   `json:"customerId"`
	InboxID       *string  `json:"inboxId"`
	Tags          []string `json:"tags"`
	Channel       string   `json:"channel"`
	SnoozedUntil  *string  `json:"snoozedUntil"`
	LastMessageAt string   `json:"lastMessageAt"`
	CreatedAt     string   `json:"createdAt"`
	UpdatedAt     string   `json:"updatedAt"`
}

// status names a ticket's state in Ticket0's words: snoozed while snoozed,
// resolved for solved and closed, open for a new ticket nobody has answered
// yet (Ticket0 has no such status; its clients know four).
func status(t *ticketd.Ticket, now time.Time) string {
	switch {
	case t.Snoozed(now):
		return "snoozed"
	case t.Status.Done():
		return "resolved"
	case t.Status.IsOpen():
		return "open"
	}
	return string(t.Status)
}

func renderTicket(t *ticketd.Ticket, now time.Time) ticketJSON {
	j := ticketJSON{ID: typeid.Format(typeid.Ticket, t.ID), Subject: t.Subject, Status: status(t, now),
		AssigneeID: optID(typeid.UserAlt, t.AssigneeID), CustomerID: typeid.Format(typeid.CustomerAlt, t.CustomerID),
		InboxID: optID(typeid.Inbox, t.InboxID), Tags: nonNil(t.Tags), Channel: t.Channel, LastMessageAt: iso(t.LastMessageAt),
		CreatedAt: iso(t.CreatedAt), UpdatedAt: iso(t.UpdatedAt)}
	if t.Snoozed(now) {
		j.SnoozedUntil = optISO(t.SnoozedUntil)
	}
	if j.Tags == nil {
		j.Tags = []string{}
	}
	return j
}

// statusFilter turns a status of the tickets page into the domain's filter.
func statusFilter(s string, f *ticketd.TicketFilter, now time.Time) error {
	no, yes := false, true
	switch s {
	case "":
		return nil
	case "open":
		// Ticket0 shows a new ticket as open (status above), so its open
		// list has them too.
		f.Statuses, f.Snoozed, f.SnoozedAt = ticketd.OpenStatuses, &no, now
	case "pending":
		st := ticketd.StatusPending
		f.Status, f.Snoozed, f.SnoozedAt = &st, &no, now
	case "resolved":
		f.Done = &yes
	case "snoozed":
		f.Snoozed, f.SnoozedAt = &yes, now
	default:
		return invalid("status", "must be one of open, pending, resolved, snoozed")
	}
	return nil
}

// listTickets is GET /tickets: newest first, filtered by status, assigneeId,
// inboxId and tag, paged by cursor.
func (h *Handler) listTickets(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	pg, err := readPage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	now := h.svc.Now()
	f := ticketd.TicketFilter{Tag: q.Get("tag"), Limit: pg.limit + 1}
	if err := statusFilter(q.Get("status"), &f, now); err != nil {
		return err
	}
	if s := q.Get("assigneeId"); s != "" {
		id, err := bodyID("assigneeId", s, userPrefixes)
		if err != nil {
			return err
		}
		f.AssigneeID = &id
	}
	if s := q.Get("inboxId"); s != "" {
		id, err := bodyID("inboxId", s, inboxPrefixes)
		if err != nil {
			return err
		}
		f.InboxID = &id
	}
	// The cursor is resolved inside the listing's own read (one read, not
	// a look-up of the cursor's ticket before it).
	f.BeforeID = pg.cursor
	ts, err := h.svc.Tickets(r.Context(), p, f)
	if err == ticketd.ErrCursor {
		return httpapi.InvalidCursor("cursor")
	} else if err != nil {
		return err
	}
	ts, nextCursor := next(ts, pg.limit, func(t *ticketd.Ticket) ticketd.ID { return t.ID })
	out := make([]ticketJSON, len(ts))
	for i, t := range ts {
		out[i] = renderTicket(t, now)
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"tickets": out, "nextCursor": nextCursor})
	return nil
}

// ticketFields names the domain's ticket fields as the tickets page does.
var ticketFields = map[string]string{"subject": "subject", "tags": "tags", "email": "customerEmail",
	"body": "body", "snoozed_until": "snoozedUntil"}

// createTicket is POST /tickets {subject, customerEmail, inboxId, body}: the
// customer is found by email or created, the ticket opened on the email
// channel in that inbox, and body becomes the customer's first message, all
// in one transaction (OpenTicket).
func (h *Handler) createTicket(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	var b struct {
		Subject       *string `json:"subject"`
		CustomerEmail *string `json:"customerEmail"`
		InboxID       *string `json:"inboxId"`
		Body          *string `json:"body"`
	}
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	switch {
	case b.CustomerEmail == nil || strings.TrimSpace(*b.CustomerEmail) == "":
		return invalid("customerEmail", "field required")
	case b.Subject == nil:
		return invalid("subject", "field required")
	case b.Body != nil && strings.TrimSpace(*b.Body) == "":
		return invalid("body", "must not be empty")
	}
	in := ticketd.NewTicket{Subject: *b.Subject, Channel: "email", Source: "api"}
	if b.InboxID != nil {
		id, err := bodyID("inboxId", *b.InboxID, inboxPrefixes)
		if err != nil {
			return err
		}
		in.InboxID = &id
	}
	conv := ticketd.NewConversation{Customer: ticketd.NewCustomer{Email: *b.CustomerEmail}, Ticket: in}
	if b.Body != nil {
		conv.Message = &ticketd.NewMessage{Body: *b.Body}
	}
	opened, err := h.svc.OpenTicket(r.Context(), p, conv)
	if ticketd.ErrorCode(err) == ticketd.ENOTFOUND {
		return invalid("inboxId", "no inbox with this id in the workspace")
	} else if err != nil {
		return renamed(err, ticketFields)
	}
	t := opened.Ticket
	httpapi.WriteJSON(w, http.StatusCreated, renderTicket(t, h.svc.Now()))
	return nil
}

func (h *Handler) getTicket(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	ref, err := pathRef(r, "ticket", ticketPrefixes)
	if err != nil {
		return err
	}
	t, err := h.svc.Ticket(r.Context(), p, ref)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, renderTicket(t, h.svc.Now()))
	return nil
}

// snoozeDefault is how long {"status": "snoozed"} without snoozedUntil puts
// a ticket aside; the tickets page names the status but no duration.
const snoozeDefault = 24 * time.Hour

// updateTicket is PATCH /tickets/:id {status, assigneeId, tags}; ticketd
// also reads snoozedUntil with status "snoozed". Any other status wakes a
// snoozed ticket.
func (h *Handler) updateTicket(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	ref, err := pathRef(r, "ticket", ticketPrefixes)
	if err != nil {
		return err
	}
	var b map[string]json.RawMessage
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	if b == nil {
		return ticketd.Errorf(ticketd.EMALFORMED, "the body must be a JSON object")
	}
	ctx := r.Context()
	if _, err := h.svc.Ticket(ctx, p, ref); err != nil {
		return err
	}
	var in ticketd.TicketUpdate
	if raw, ok := b["status"]; ok {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return invalid("status", "must be one of open, pending, resolved, snoozed")
		}
		now := h.svc.Now()
		switch s {
		case "open", "pending":
			st := ticketd.Status(s)
			in.Status, in.Snooze = &st, ticketd.SetTo[*time.Time](nil)
		case "resolved":
			st := ticketd.StatusSolved
			in.Status, in.Snooze = &st, ticketd.SetTo[*time.Time](nil)
		case "snoozed":
			until := now.Add(snoozeDefault)
			if raw, ok := b["snoozedUntil"]; ok && string(raw) != "null" {
				var v string
				t, err := time.Parse(time.RFC3339, strings.Trim(string(raw), `"`))
				if json.Unmarshal(raw, &v) != nil || err != nil {
					return invalid("snoozedUntil", "must be an ISO 8601 time")
				}
				until = t
			}
			in.Snooze = ticketd.SetTo(&until)
		default:
			return invalid("status", "must be one of open, pending, resolved, snoozed")
		}
	}
	if raw, ok := b["assigneeId"]; ok {
		if string(raw) == "null" {
			in.Unassign = true
		} else {
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return invalid("assigneeId", "must be a user id or null")
			}
			id, err := bodyID("assigneeId", s, userPrefixes)
			if err != nil {
				return err
			}
			ref := ticketd.ByID(id)
			in.Assignee = &ref
		}
	}
	if raw, ok := b["tags"]; ok {
		var tags []string
		if json.Unmarshal(raw, &tags) != nil || tags == nil {
			return invalid("tags", "must be an array of strings")
		}
		in.Tags = &tags
	}
	t, err := h.svc.UpdateTicket(ctx, p, ref, in)
	if ticketd.ErrorCode(err) == ticketd.ENOTFOUND && in.Assignee != nil {
		// The ticket was found above: the assignee is what is missing, a
		// body field, so bad input rather than a missing resource.
		return invalid("assigneeId", "no user with this id in the workspace")
	} else if err != nil {
		return renamed(err, ticketFields)
	}
	httpapi.WriteJSON(w, http.StatusOK, renderTicket(t, h.svc.Now()))
	return nil
}

// ---- customers -------------------------------------------------------------------------------

// customerJSON is the customer object of the customers page.
type customerJSON struct {
	ID          string            `json:"id"`
	Email       *string           `json:"email"`
	Name        *string           `json:"name"`
	ExternalID  *string           `json:"externalId"`
	Metadata    map[string]string `json:"metadata"`
	TicketCount int               `json:"ticketCount"`
	CreatedAt   string            `json:"createdAt"`
	UpdatedAt   string            `json:"updatedAt"`
}

func renderCustomer(c *ticketd.Customer, tickets int) customerJSON {
	j := customerJSON{ID: typeid.Format(typeid.CustomerAlt, c.ID), Email: nullable(c.Email), Name: nullable(c.FullName()),
		ExternalID: nullable(c.Profile.Identities[ticketd.SystemExternal]), Metadata: c.Profile.Metadata,
		TicketCount: tickets, CreatedAt: iso(c.CreatedAt), UpdatedAt: iso(c.UpdatedAt)}
	if j.Metadata == nil {
		j.Metadata = map[string]string{}
	}
	return j
}

var customerFields = map[string]string{"name": "name", "email": "email", "identities.external": "externalId"}

// metadataFields renames a metadata key's error ("metadata.plan").
func customerErr(err error) error {
	err = renamed(err, customerFields)
	return err
}

// listCustomers is GET /customers, filtered by email or externalId, in
// creation order with each customer's ticketCount.
func (h *Handler) listCustomers(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	pg, err := readPage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := ticketd.CustomerFilter{Email: q.Get("email"), Page: ticketd.Page{Limit: pg.limit + 1}}
	if s := q.Get("externalId"); s != "" {
		f.System, f.ExternalID = ticketd.SystemExternal, s
	}
	if f.Page.AfterNumber, err = cursorNumber(pg, func(id ticketd.ID) (int64, error) {
		c, err := h.svc.Customer(r.Context(), p, ticketd.ByID(id))
		if err != nil {
			return 0, err
		}
		return c.Number, nil
	}); err != nil {
		return err
	}
	cs, err := h.svc.FindCustomers(r.Context(), p, f)
	if err != nil {
		return err
	}
	cs, nextCursor := next(cs, pg.limit, func(c *ticketd.Customer) ticketd.ID { return c.ID })
	counts, err := h.svc.CustomerTicketCounts(r.Context(), p, cs)
	if err != nil {
		return err
	}
	out := make([]customerJSON, len(cs))
	for i, c := range cs {
		out[i] = renderCustomer(c, counts[c.ID])
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"customers": out, "nextCursor": nextCursor})
	return nil
}

type customerBody struct {
	Email      *string                     `json:"email"`
	Name       *string                     `json:"name"`
	ExternalID *string                     `json:"externalId"`
	Metadata   map[string]*json.RawMessage `json:"metadata"`
}

// metadata reads metadata values: strings, or null (remove the key) where
// nullOK; the customers page allows "string values only".
func (b *customerBody) metadata(nullOK bool) (map[string]*string, error) {
	out := map[string]*string{}
	for k, raw := range b.Metadata {
		if raw == nil || string(*raw) == "null" {
			if !nullOK {
				continue
			}
			out[k] = nil
			continue
		}
		var s string
		if json.Unmarshal(*raw, &s) != nil {
			return nil, invalid("metadata."+k, "must be a string or null")
		}
		out[k] = &s
	}
	return out, nil
}

// createCustomer is POST /customers: an externalId that exists already
// returns that customer as it is (upsert), 200; so does an email that
// exists (ticketd keeps emails unique); otherwise 201 with the new customer.
func (h *Handler) createCustomer(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	var b customerBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	meta, err := b.metadata(false)
	if err != nil {
		return err
	}
	in := ticketd.NewCustomer{Profile: ticketd.CustomerProfile{Metadata: map[string]string{}}}
	if b.Email != nil {
		in.Email = *b.Email
	}
	if b.Name != nil {
		in.Profile.Name = *b.Name
	}
	for k, v := range meta {
		in.Profile.Metadata[k] = *v
	}
	external := ""
	if b.ExternalID != nil {
		external = *b.ExternalID
	}
	c, created, err := h.svc.EnsureCustomerByIdentity(r.Context(), p, ticketd.SystemExternal, external, in)
	if err != nil {
		return customerErr(err)
	}
	n, err := h.svc.CustomerTicketCount(r.Context(), p, c.ID)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	httpapi.WriteJSON(w, status, renderCustomer(c, n))
	return nil
}

func (h *Handler) getCustomer(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	ref, err := pathRef(r, "customer", customerPrefixes)
	if err != nil {
		return err
	}
	c, err := h.svc.Customer(r.Context(), p, ref)
	if err != nil {
		return err
	}
	n, err := h.svc.CustomerTicketCount(r.Context(), p, c.ID)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, renderCustomer(c, n))
	return nil
}

// updateCustomer is PATCH /customers/:id: name, email, externalId, and
// metadata merged into what the customer has, null removing a key.
func (h *Handler) updateCustomer(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	ref, err := pathRef(r, "customer", customerPrefixes)
	if err != nil {
		return err
	}
	var b customerBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	ctx := r.Context()
	c, err := h.svc.Customer(ctx, p, ref)
	if err != nil {
		return err
	}
	meta, err := b.metadata(true)
	if err != nil {
		return err
	}
	u := ticketd.ProfileUpdate{Name: b.Name, Metadata: meta}
	if b.ExternalID != nil {
		u.Identities = map[string]*string{ticketd.SystemExternal: b.ExternalID}
		if strings.TrimSpace(*b.ExternalID) == "" {
			u.Identities[ticketd.SystemExternal] = nil
		}
	}
	// One transaction: a refused externalId leaves the email as it was too.
	if c, err = h.svc.UpdateCustomer(ctx, p, c.ID, ticketd.CustomerUpdate{Email: b.Email, Profile: &u}); err != nil {
		return customerErr(err)
	}
	n, err := h.svc.CustomerTicketCount(ctx, p, c.ID)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, renderCustomer(c, n))
	return nil
}

// ---- knowledge base --------------------------------------------------------------------------

// articleJSON is an article of the knowledge-base page; the body (Markdown)
// only on GET /knowledge-base/:id.
type articleJSON struct {
	ID        string  `json:"id"`
	Title     string  `json:"title"`
	Slug      string  `json:"slug"`
	Status    string  `json:"status"`
	Body      *string `json:"body,omitempty"`
	Excerpt   string  `json:"excerpt"`
	CreatedAt string  `json:"createdAt"`
	UpdatedAt string  `json:"updatedAt"`
}

func renderArticle(a *ticketd.Article, withBody bool) articleJSON {
	j := articleJSON{ID: typeid.Format(typeid.Article, a.ID), Title: a.Title, Slug: a.Slug, Status: string(a.Status),
		Excerpt: a.Excerpt, CreatedAt: iso(a.CreatedAt), UpdatedAt: iso(a.UpdatedAt)}
	if withBody {
		j.Body = &a.Body
	}
	return j
}

// listArticles is GET /knowledge-base: query (full-text search), status
// (published, draft; archived too), cursor paging.
func (h *Handler) listArticles(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	pg, err := readPage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	st := ticketd.ArticleStatus(q.Get("status"))
	if st != "" && !st.Valid() {
		return invalid("status", "must be one of published, draft, archived")
	}
	f := ticketd.ArticleFilter{Status: st, Query: q.Get("query"), Page: ticketd.Page{Limit: pg.limit + 1}}
	if f.Page.AfterNumber, err = cursorNumber(pg, func(id ticketd.ID) (int64, error) {
		a, err := h.svc.Article(r.Context(), p, ticketd.ByID(id))
		if err != nil {
			return 0, err
		}
		return a.Number, nil
	}); err != nil {
		return err
	}
	as, err := h.svc.Articles(r.Context(), p, f)
	if err != nil {
		return err
	}
	as, nextCursor := next(as, pg.limit, func(a *ticketd.Article) ticketd.ID { return a.ID })
	out := make([]articleJSON, len(as))
	for i, a := range as {
		out[i] = renderArticle(a, false)
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"articles": out, "nextCursor": nextCursor})
	return nil
}

func (h *Handler) getArticle(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	ref, err := pathRef(r, "article", articlePrefixes)
	if err != nil {
		return err
	}
	a, err := h.svc.Article(r.Context(), p, ref)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, renderArticle(a, true))
	return nil
}
