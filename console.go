package ticketd

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ConsoleTx is the part of a transaction that the agent console needs:
// sign-in state, sessions, throttling, one-time links, system mail, the
// views' lists and counts, and search. Part of Tx.
type ConsoleTx interface {
	// Login returns ENOTFOUND if the user has no login.
	Login(ctx context.Context, ws, user ID) (*Login, error)
	// PutLogin inserts or replaces the login of l.UserID.
	PutLogin(ctx context.Context, l *Login) error
	// UsersByEmail lists up to limit users of any workspace with this
	// lower-case email, oldest first.
	UsersByEmail(ctx context.Context, email string, limit int) ([]*User, error)

	CreateSession(ctx context.Context, s *Session) error
	// SessionAgent reads the unexpired session with the hash, with its
	// agent (User) and its login, in one read; ENOTFOUND if no session has
	// the hash, it expired at now, or its agent or login is gone.
	SessionAgent(ctx context.Context, hash []byte, now time.Time) (*Session, *User, *Login, error)
	// DeleteSession deletes the session with the hash, if any.
	DeleteSession(ctx context.Context, hash []byte) error
	DeleteUserSessions(ctx context.Context, ws, user ID) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) error

	// CountAttempt counts one attempt on key atomically and returns the
	// count in the current window; a window that started before cutoff is
	// replaced by one starting at now.
	CountAttempt(ctx context.Context, key string, now, cutoff time.Time) (int, error)
	ClearAttempts(ctx context.Context, key string) error

	CreateLoginToken(ctx context.Context, t *LoginToken) error
	// LoginTokenByHash returns ENOTFOUND if no token has the hash.
	LoginTokenByHash(ctx context.Context, hash []byte) (*LoginToken, error)
	// UseLoginToken marks an unused token used; ENOTFOUND if it was used.
	UseLoginToken(ctx context.Context, id ID, now time.Time) error

	CreateSystemEmail(ctx context.Context, e *SystemEmail) error
	// SystemEmail finds a system email in any workspace (the outbox names
	// only its id); ENOTFOUND if none.
	SystemEmail(ctx context.Context, id ID) (*SystemEmail, error)
	UpdateSystemEmail(ctx context.Context, e *SystemEmail) error

	// TicketCounts returns the kept counts of tickets per status and assignee.
	TicketCounts(ctx context.Context, ws ID) ([]TicketCount, error)
	// ViewTickets lists one page of tickets; see ViewFilter.
	ViewTickets(ctx context.Context, ws ID, f ViewFilter) ([]*Ticket, error)
	// CustomerNames returns what a ticket list shows of the customers of
	// ws the ids name (at most MaxPeopleLookup a call), in no order; an id
	// that names no customer (any more) is left out.
	CustomerNames(ctx context.Context, ws ID, ids []ID) ([]CustomerName, error)
	// Search ranks tickets matching every term, best first.
	Search(ctx context.Context, ws ID, q SearchQuery) ([]*Ticket, error)
	// SendingDomains lists the workspace's domains in creation order.
	SendingDomains(ctx context.Context, ws ID) ([]*SendingDomain, error)
}

// CustomerName is the part of a customer a ticket list shows.
type CustomerName struct {
	ID                        ID
	Email                     string
	FirstName, LastName, Name string // Name: the profile's (Customer.Profile.Name)
}

// Shown is the name a list shows: the customer's full name, else its email.
func (n CustomerName) Shown() string {
	c := Customer{FirstName: n.FirstName, LastName: n.LastName, Profile: CustomerProfile{Name: n.Name}}
	if s := c.FullName(); s != "" {
		return s
	}
	return n.Email
}

// TicketCount is how many tickets of one status have one assignee (nil: none).
type TicketCount struct {
	Status     Status
	AssigneeID *ID
	N          int
}

// ViewFilter selects one page of a ticket list. A nil or zero field is not a
// condition.
type ViewFilter struct {
	Status *Status
	// Statuses selects tickets in any of these statuses, as
	// TicketFilter.Statuses does; use it or Status, not both.
	Statuses   []Status
	AssigneeID *ID
	Unassigned bool
	InboxID    *ID
	CustomerID *ID
	Tag        string
	// Priority selects tickets of this priority.
	Priority *Priority
	// Oldest lists oldest first; newest first otherwise.
	Oldest bool
	// After is the keyset cursor: the number of the last ticket of the
	// previous page, in the list's order (0: the first page).
	After int64
	Limit int
}

// View is one of the console's ticket lists.
type View string

// The console's views.
const (
	ViewMine       View = "mine"       // open or new, assigned to me
	ViewUnassigned View = "unassigned" // open or new, nobody's
	ViewOpen       View = "open"       // every open or new ticket (OpenStatuses)
	ViewPending    View = "pending"    // waiting for the customer
	ViewSolved     View = "solved"
)

// Views lists the views in the order the console shows them.
var Views = []View{ViewMine, ViewUnassigned, ViewOpen, ViewPending, ViewSolved}

// Filter is the view's condition for the agent p.
func (v View) Filter(p *Principal) (ViewFilter, bool) {
	st := func(s Status) *Status { return &s }
	switch v {
	case ViewMine:
		me := p.UserID
		return ViewFilter{Statuses: OpenStatuses, AssigneeID: &me}, true
	case ViewUnassigned:
		return ViewFilter{Statuses: OpenStatuses, Unassigned: true}, true
	case ViewOpen:
		return ViewFilter{Statuses: OpenStatuses}, true
	case ViewPending:
		return ViewFilter{Status: st(StatusPending)}, true
	case ViewSolved:
		return ViewFilter{Status: st(StatusSolved)}, true
	}
	return ViewFilter{}, false
}

// ViewCounts counts every view for p from the kept counts: one indexed read,
// however many tickets there are.
func (s *Service) ViewCounts(ctx context.Context, p *Principal) (map[View]int, error) {
	var counts []TicketCount
	err := s.store.View(ctx, func(tx Tx) (err error) {
		counts, err = tx.TicketCounts(ctx, p.WorkspaceID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return viewCounts(counts, p), nil
}

// MaxViewPage bounds one page of a ticket list.
const MaxViewPage = 100

// ViewTickets lists one page of tickets and the cursor of the next page (0:
// none).
func (s *Service) ViewTickets(ctx context.Context, p *Principal, f ViewFilter) ([]*Ticket, int64, error) {
	if f.Limit <= 0 || f.Limit > MaxViewPage {
		f.Limit = 50
	}
	limit := f.Limit
	f.Limit++
	var ts []*Ticket
	err := s.store.View(ctx, func(tx Tx) (err error) {
		ts, err = tx.ViewTickets(ctx, p.WorkspaceID, f)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	var next int64
	if len(ts) > limit {
		ts = ts[:limit]
		next = ts[limit-1].Number
	}
	return ts, next, nil
}

// TextMatch is what a search looks for: tickets whose own text (subject and
// description), one of whose messages, or whose customer (name and email)
// holds every term as a whole word.
type TextMatch struct {
	// Terms are the words to find; every term must match in one place: the
	// ticket's text, one message, or the customer.
	Terms []string
	// Prefix makes the last term, of at least two characters, match as a
	// prefix ("kett*"). It is asked for explicitly because a prefix reads
	// the postings of every word it starts.
	Prefix bool
	// IncludeInternal searches internal notes too.
	IncludeInternal bool
}

// SearchQuery is a ranked search with the views' filters (After is not
// used: results are ranked, and a search shows its best page).
type SearchQuery struct {
	TextMatch
	Filter ViewFilter
	Limit  int
}

// Search bounds.
const (
	maxSearchTerms   = 8
	maxSearchTermLen = 64
	MaxSearchResults = 100
)

// SearchTerms splits text into the words a search looks for: runs of letters
// and digits, lower-cased, at most 8 of at most 64 characters. Everything
// else (quotes, operators, punctuation) separates words, so no input can
// reach an engine's query syntax.
func SearchTerms(text string) []string {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	var out []string
	for _, w := range words {
		if r := []rune(w); len(r) > maxSearchTermLen {
			w = string(r[:maxSearchTermLen])
		}
		out = append(out, w)
		if len(out) == maxSearchTerms {
			break
		}
	}
	return out
}

// textMatch reads a search text for p: its words, a trailing "*" for a
// prefix, and notes only for a principal that may read them. A text without
// a word is EINVALID, naming field.
func textMatch(p *Principal, field, text string) (TextMatch, error) {
	terms := SearchTerms(text)
	if len(terms) == 0 {
		return TextMatch{}, Invalid(field, KindMissing, "give at least one word to search for")
	}
	// A prefix of one character would start a good part of the vocabulary:
	// it matches as a whole word.
	prefix := strings.HasSuffix(strings.TrimSpace(text), "*") && utf8.RuneCountInString(terms[len(terms)-1]) >= 2
	return TextMatch{Terms: terms, Prefix: prefix, IncludeInternal: p.ReadsNotes()}, nil
}

// searchQuery is what Search and SearchPage ask the store: text read as
// p's audience may search it (EINVALID without a word), and a limit of 50
// unless one up to MaxSearchResults is given.
func searchQuery(p *Principal, text string, f ViewFilter, limit int) (SearchQuery, error) {
	m, err := textMatch(p, "q", text)
	if err != nil {
		return SearchQuery{}, err
	}
	if limit <= 0 || limit > MaxSearchResults {
		limit = 50
	}
	return SearchQuery{TextMatch: m, Filter: f, Limit: limit}, nil
}

// Search finds the tickets of p's workspace matching text, best first; a
// text ending in "*" matches its last word as a prefix.
// Internal notes are searched only for a principal that may read them. An
// empty text is EINVALID.
func (s *Service) Search(ctx context.Context, p *Principal, text string, f ViewFilter, limit int) ([]*Ticket, error) {
	q, err := searchQuery(p, text, f, limit)
	if err != nil {
		return nil, err
	}
	var ts []*Ticket
	err = s.store.View(ctx, func(tx Tx) (err error) {
		ts, err = tx.Search(ctx, p.WorkspaceID, q)
		return err
	})
	return ts, err
}

// TicketDetail is everything the console's ticket page shows, read in one
// transaction so that it is one consistent picture.
type TicketDetail struct {
	Ticket   *Ticket
	Customer *Customer
	// Messages is the whole conversation, notes included, in time order.
	Messages    []*Message
	Attachments map[ID][]*Attachment
	Authors     *Participants
	// CustomerTickets are the customer's other tickets, newest first.
	CustomerTickets []*Ticket
	Agents          []*User
}

// maxConversation bounds the messages one ticket page shows.
const maxConversation = 1000

// TicketDetail reads a ticket for the console. Only a principal that may
// read notes gets them.
func (s *Service) TicketDetail(ctx context.Context, p *Principal, ref Ref) (*TicketDetail, error) {
	d := &TicketDetail{Attachments: map[ID][]*Attachment{}, Authors: &Participants{Customers: map[ID]*Customer{}, Users: map[ID]*User{}}}
	err := s.store.View(ctx, func(tx Tx) (err error) {
		if d.Ticket, err = tx.Ticket(ctx, p.WorkspaceID, ref); err != nil {
			return err
		}
		if d.Customer, err = tx.Customer(ctx, p.WorkspaceID, ByID(d.Ticket.CustomerID)); err != nil {
			return err
		}
		f := MessageFilter{IncludeInternal: p.ReadsNotes(), Order: ByTime, Page: Page{Limit: maxConversation}}
		if d.Messages, err = tx.Messages(ctx, p.WorkspaceID, d.Ticket.ID, f); err != nil {
			return err
		}
		ids := make([]ID, len(d.Messages))
		for i, m := range d.Messages {
			ids[i] = m.ID
		}
		as, err := tx.AttachmentsOf(ctx, p.WorkspaceID, ids)
		if err != nil {
			return err
		}
		for _, a := range as {
			d.Attachments[a.MessageID] = append(d.Attachments[a.MessageID], a)
		}
		for _, m := range d.Messages {
			if id := m.Author.UserID; id != nil && d.Authors.Users[*id] == nil {
				if u, err := tx.User(ctx, p.WorkspaceID, ByID(*id)); err == nil {
					d.Authors.Users[*id] = u
				}
			}
		}
		d.Authors.Customers[d.Customer.ID] = d.Customer
		cid := d.Customer.ID
		others, err := tx.ViewTickets(ctx, p.WorkspaceID, ViewFilter{CustomerID: &cid, Limit: 11})
		if err != nil {
			return err
		}
		for _, o := range others {
			if o.ID != d.Ticket.ID && len(d.CustomerTickets) < 10 {
				d.CustomerTickets = append(d.CustomerTickets, o)
			}
		}
		if d.Agents, err = tx.Users(ctx, p.WorkspaceID, Page{Limit: 1000}); err != nil {
			return err
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// SendingDomains lists the workspace's sending domains.
func (s *Service) SendingDomains(ctx context.Context, p *Principal) (ds []*SendingDomain, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		ds, err = tx.SendingDomains(ctx, p.WorkspaceID)
		return err
	})
	return ds, err
}
