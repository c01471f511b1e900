package ticketd

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// NewMessage is the input of PostMessage.
type NewMessage struct {
	// Author writes the message. A zero Author means the principal's agent;
	// a customer author without a CustomerID is the ticket's customer.
	Author   Author
	Internal bool
	Body     string
	BodyHTML *string
	// Time dates the message; nil means now.
	Time *time.Time
	// Channel is how the message came; "" means the ticket's channel.
	Channel string

	Subject     string
	FromAddress string
	FromName    string
	To          []string
	Cc          []string
	ExternalID  string
	InReplyTo   string
	References  []string

	Tags                []string
	ExternalAttachments json.RawMessage

	// Email says whether the surface asks for the message to be emailed.
	Email EmailIntent
	// FromInbox is the inbox address to send from (EmailAlways); "" means
	// the ticket's inbox.
	FromInbox string
}

// MessageUpdate changes the given fields of a message.
type MessageUpdate struct {
	Body     *string
	Internal *bool
}

// PostMessage adds a message to a ticket's conversation and applies the rules
// every surface shares, in one transaction:
//   - the body must not be blank; a customer cannot write an internal note;
//   - the Cc of a team message are bare email addresses (EINVALID "cc"),
//     lower-cased and deduplicated;
//   - the ticket's last message and its time follow the newest public message
//     (an internal note never becomes the preview a customer-facing
//     integration shows);
//   - a customer message sets the unread count to 1 (seed 000) and reopens a
//     ticket that was pending or solved, since the customer is waiting again;
//   - a public team message is emailed when the surface asks for it (see
//     EmailIntent and prepareEmail): stored and queued in the outbox together.
//
// ENOTFOUND if the ticket or the author is not in the workspace.
func (s *Service) PostMessage(ctx context.Context, p *Principal, ticket Ref, in NewMessage) (*Message, error) {
	m, err := s.newMessage(p, in)
	if err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		_, err := s.postMessage(ctx, tx, p, ticket, m, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.afterPost(m)
	return m, nil
}

// newMessage builds and checks the message in asks for, before any
// transaction; postMessage stores it.
func (s *Service) newMessage(p *Principal, in NewMessage) (*Message, error) {
	now := s.Now()
	m := &Message{
		ID: NewID(), WorkspaceID: p.WorkspaceID, Author: in.Author, Internal: in.Internal,
		Body: in.Body, BodyHTML: in.BodyHTML, Time: now, Channel: strings.TrimSpace(in.Channel),
		Subject: in.Subject, FromAddress: in.FromAddress, FromName: in.FromName,
		To: nonNil(in.To), Cc: nonNil(in.Cc), ExternalID: in.ExternalID, InReplyTo: in.InReplyTo,
		References: nonNil(in.References), ExternalAttachments: in.ExternalAttachments,
		CreatedAt: now, UpdatedAt: now,
	}
	if m.Author.Kind == "" {
		m.Author = Author{Kind: AuthorAgent, UserID: &p.UserID}
	}
	if in.Time != nil {
		m.Time = in.Time.UTC().Truncate(time.Microsecond)
	}
	if m.Internal && !p.Audience.SeesNotes() {
		return nil, errNotesUnseen
	}
	var err error
	if m.Tags, err = normalizeTags(in.Tags); err != nil {
		return nil, err
	}
	if err := validateMessageFields(m); err != nil {
		return nil, err
	}
	author := m.Author
	if author.Kind == AuthorCustomer && author.CustomerID == nil {
		author.CustomerID = &ID{} // the ticket's customer, whom postMessage sets
	}
	if err := validateAuthor(author, m.Internal); err != nil {
		return nil, err
	}
	if m.Author.Kind != AuthorCustomer {
		if m.Cc, err = normalizeCc(m.Cc); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// postMessage stores m, built by newMessage from in, on the ticket in tx,
// with the outbox entry it is emailed by, the ticket's change and their
// events. It returns the ticket as the message leaves it. The caller runs
// afterPost once tx has committed.
func (s *Service) postMessage(ctx context.Context, tx Tx, p *Principal, ticket Ref, m *Message, in NewMessage) (*Ticket, error) {
	now := m.CreatedAt
	// Locked: whether m becomes the last message, and what the
	// status becomes, are decided from the ticket as it is.
	t, err := tx.TicketForUpdate(ctx, p.WorkspaceID, ticket)
	if err != nil {
		return nil, err
	}
	inbox := t.InboxID
	m.TicketID = t.ID
	before := *t
	if m.Channel == "" {
		m.Channel = t.Channel
	}
	if m.Author.Kind == AuthorCustomer && m.Author.CustomerID == nil {
		m.Author.CustomerID = &t.CustomerID // the ticket's, in the workspace by construction
	} else if err := s.checkAuthor(ctx, tx, p, m.Author); err != nil {
		return nil, err
	}
	entry, err := s.prepareEmail(ctx, tx, t, m, in.Email, in.FromInbox, now)
	if err != nil {
		return nil, err
	}
	if err := tx.CreateMessage(ctx, m); err != nil {
		return nil, err
	}
	if entry != nil {
		if err := tx.EnqueueOutbox(ctx, entry); err != nil {
			return nil, err
		}
	}
	patch := applyToTicket(t, m, now)
	if t.InboxID != inbox {
		patch.InboxID = SetTo(t.InboxID) // prepareEmail chose the ticket's inbox
	}
	patch.Apply(t)
	if err := tx.UpdateTicket(ctx, t.WorkspaceID, t.ID, patch); err != nil {
		return nil, err
	}
	return t, s.emit(ctx, tx, messagePosted(m, &before, t)...)
}

// afterPost is what follows the commit of a posted message: a queued
// email wakes the outbox worker.
func (s *Service) afterPost(m *Message) {
	if m.Delivery == DeliveryQueued {
		s.notifyQueued()
	}
}

// applyToTicket is the rule of what a new message does to its ticket, as a
// patch of the ticket t is (read locked, or created in this transaction).
func applyToTicket(t *Ticket, m *Message, now time.Time) TicketPatch {
	p := TicketPatch{UpdatedAt: now, AddMessages: 1}
	if !m.Internal {
		p.AddPublic = 1
	}
	// A ticket without messages has no last message to keep, whatever its
	// LastMessageAt (its creation) says.
	if !m.Internal && (t.LastMessage == "" || !m.Time.Before(t.LastMessageAt)) {
		p.LastMessage = SetTo(preview(m.Body))
		p.LastMessageAt = SetTo(m.Time)
	}
	if m.Author.Kind == AuthorCustomer {
		p.UnreadCount = SetTo(1)
		// An automatic reply (out of office) is no sign the customer is
		// waiting again, so it does not reopen the ticket.
		if (t.Status == StatusPending || t.Status == StatusSolved) && !m.AutoReply() {
			p.Status = SetTo(StatusOpen)
			p.ClosedAt = SetTo[*time.Time](nil)
			p.ResolvedAt = SetTo[*time.Time](nil) // reopened: no longer resolved
		}
		// A snoozed ticket wakes when the customer writes again.
		if t.SnoozedUntil != nil && !m.AutoReply() {
			p.SnoozedUntil = SetTo[*time.Time](nil)
		}
	} else if t.Status == StatusNew && !m.Internal {
		// The team answered: the ticket is no longer new (ticketfields.go).
		p.Status = SetTo(StatusOpen)
	}
	return p
}

// validateMessage checks a message as it is stored: its fields and its
// author.
func validateMessage(m *Message) error {
	if err := validateMessageFields(m); err != nil {
		return err
	}
	return validateAuthor(m.Author, m.Internal)
}

func validateMessageFields(m *Message) error {
	for _, f := range []struct{ name, v string }{{"subject", m.Subject}, {"from_name", m.FromName}, {"from_address", m.FromAddress}} {
		if err := checkOneLine(f.name, f.v); err != nil {
			return err
		}
	}
	if strings.TrimSpace(m.Body) == "" {
		return Invalid("body", KindMissing, "must not be empty")
	}
	if err := checkTexts(
		textField{"body", m.Body, 1, maxBodyLen},
		textField{"subject", m.Subject, 0, maxSubjectLen},
		textField{"channel", m.Channel, 0, maxLabelLen},
		textField{"from_address", m.FromAddress, 0, maxHeaderLen},
		textField{"from_name", m.FromName, 0, maxHeaderLen},
		textField{"external_id", m.ExternalID, 0, maxHeaderLen},
		textField{"in_reply_to", m.InReplyTo, 0, maxHeaderLen},
		textField{"delivery_error", m.DeliveryError, 0, maxBodyLen},
	); err != nil {
		return err
	}
	for _, l := range []struct {
		name string
		vs   []string
	}{{"to", m.To}, {"cc", m.Cc}, {"references", m.References}, {"tags", m.Tags}} {
		if err := checkList(l.name, l.vs, maxHeaderLen); err != nil {
			return err
		}
	}
	for _, o := range []struct {
		name string
		v    *string
		max  int
	}{{"body_html", m.BodyHTML, maxHTMLLen}, {"body_cleaned", m.BodyCleaned, maxBodyLen},
		{"language", m.Language, maxLabelLen}, {"sentiment", m.Sentiment, maxLabelLen}} {
		if err := checkOptText(o.name, o.v, o.max); err != nil {
			return err
		}
	}
	if err := checkRawJSON("attachments", m.ExternalAttachments, maxBodyLen); err != nil {
		return err
	}
	return checkTime("time", m.Time)
}

// validateAuthor checks the author of a message (internal: whether it is a
// note).
func validateAuthor(a Author, internal bool) error {
	switch a.Kind {
	case AuthorCustomer:
		if a.CustomerID == nil {
			return Invalid("author", KindMissing, "a customer message needs its customer")
		}
		if internal {
			return Invalid("internal", KindNotAllowed, "a customer message cannot be an internal note")
		}
	case AuthorAgent:
		if a.UserID == nil {
			return Invalid("author", KindMissing, "an agent message needs its agent")
		}
	case AuthorSystem, AuthorAI:
	default:
		return Invalid("author", KindEnum, "unknown author kind %q", a.Kind)
	}
	return nil
}

// maxCc bounds the Cc list of a message the team writes.
const maxCc = 50

// normalizeCc checks the Cc list of a message the team writes: these are
// addresses ticketd may send to, so each must be one bare email address. They
// are lower-cased and deduplicated. A customer's message keeps the Cc its
// email had, whatever that was, since it records what was received.
func normalizeCc(cc []string) ([]string, error) {
	out := []string{}
	seen := map[string]bool{}
	for _, a := range cc {
		n, err := normalizeEmail("cc", a, true)
		if err != nil {
			return nil, Invalid("cc", KindEmail, "%q is not a valid email address", a)
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	if len(out) > maxCc {
		return nil, Invalid("cc", KindTooMany, "at most %d addresses", maxCc)
	}
	return out, nil
}

// checkAuthor verifies the author belongs to p's workspace. The principal's
// own agent needs no look-up: it was authenticated as the workspace's (a
// user deleted since, within the key cache's second, is still a row and
// stays the author of what it wrote, as after any deletion).
func (s *Service) checkAuthor(ctx context.Context, tx Tx, p *Principal, a Author) error {
	if a.CustomerID != nil {
		if _, err := tx.Customer(ctx, p.WorkspaceID, ByID(*a.CustomerID)); err != nil {
			return err
		}
	}
	if a.UserID != nil && *a.UserID != p.UserID {
		if _, err := tx.User(ctx, p.WorkspaceID, ByID(*a.UserID)); err != nil {
			return NotFound("user")
		}
	}
	return nil
}

// errNotesUnseen refuses a note-blind audience an internal note it asked to
// write or to make: such a caller can neither see nor write one.
var errNotesUnseen = Invalid("internal", KindNotAllowed, "internal notes cannot be written from this surface; every message here is visible to the customer")

// Message returns one message of a ticket. ENOTFOUND if the ticket is not in
// the workspace, the message is not on that ticket, or it is an internal
// note and the principal's audience does not see notes.
func (s *Service) Message(ctx context.Context, p *Principal, ticket, msg Ref) (m *Message, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		_, m, err = ticketMessage(ctx, tx, p, ticket, msg)
		return err
	})
	return m, err
}

// MessageByID returns one message of the workspace, on whatever ticket;
// ENOTFOUND as for Message.
func (s *Service) MessageByID(ctx context.Context, p *Principal, id ID) (m *Message, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		m, err = tx.Message(ctx, p.WorkspaceID, ByID(id))
		if err == nil && m.Internal && !p.Audience.SeesNotes() {
			return NotFound("message")
		}
		return err
	})
	return m, err
}

// ticketMessage finds a message of a ticket that the principal may see.
func ticketMessage(ctx context.Context, tx Tx, p *Principal, ticket, msg Ref) (*Ticket, *Message, error) {
	t, err := tx.Ticket(ctx, p.WorkspaceID, ticket)
	if err != nil {
		return nil, nil, err
	}
	m, err := tx.Message(ctx, p.WorkspaceID, msg)
	if err != nil {
		return nil, nil, NotFound("comment")
	}
	if m.TicketID != t.ID || (m.Internal && !p.Audience.SeesNotes()) {
		return nil, nil, NotFound("comment")
	}
	return t, m, nil
}

// lockTicketMessage is ticketMessage for a use case that changes the
// message: it locks the ticket, then the message (always in this order, so
// two such use cases cannot deadlock).
func lockTicketMessage(ctx context.Context, tx Tx, p *Principal, ticket, msg Ref) (*Ticket, *Message, error) {
	t, err := tx.TicketForUpdate(ctx, p.WorkspaceID, ticket)
	if err != nil {
		return nil, nil, err
	}
	m, err := tx.MessageForUpdate(ctx, p.WorkspaceID, msg)
	if err != nil {
		return nil, nil, NotFound("comment")
	}
	if m.TicketID != t.ID || (m.Internal && !p.Audience.SeesNotes()) {
		return nil, nil, NotFound("comment")
	}
	return t, m, nil
}

// Conversation is one page of a ticket's conversation.
type Conversation struct {
	Ticket   *Ticket
	Messages []*Message
	// Total counts every message the filter selects, on all pages.
	Total int
	// More is true when another page follows.
	More bool
	// People are the messages' authors, when the filter asked for them.
	People *Participants

	// entry is the conversation cache's entry of this page (nil when the
	// page is not cached), in cache, for Rendered.
	entry *convEntry
	cache *convCache
}

// Rendered returns what render makes of the page, made once per cached page
// and kept with it under name (a surface's name for its rendering, e.g.
// "toptickets.comments"), so that a read served from the cache is not
// rendered again. render must depend on nothing but the page's Messages,
// People and More, and on the surface: not on the ticket or Total, which
// each read has fresh. The bytes returned must not be changed.
func (c *Conversation) Rendered(name string, render func() ([]byte, error)) ([]byte, error) {
	if c.entry == nil {
		return render()
	}
	return c.cache.rendered(c.entry, name, render)
}

// ErrCursor is the error for a cursor that names nothing to page from; a
// surface renders it as its own invalid-cursor error.
var ErrCursor = &Error{Code: EINVALID, Message: "not a valid cursor"}

// Messages lists a ticket's messages in one read: the ticket, the cursor,
// the page and (with f.Authors) their authors: internal notes too when the
// principal's audience sees them, and never otherwise, whatever the filter
// says. With a page limit it fetches one more than asked to tell whether
// another page follows. ENOTFOUND if the ticket is not in the workspace,
// ErrCursor if f.AfterID is not one of its messages.
//
// A page this node read before, of a conversation and authors unchanged
// since, comes from the conversation cache (convcache.go) after one
// statement that reads the ticket and its versions. The Conversation's
// Messages and People may then be shared with other requests: callers
// must not change them.
func (s *Service) Messages(ctx context.Context, p *Principal, ticket Ref, f MessageFilter) (*Conversation, error) {
	f.IncludeInternal = p.Audience.SeesNotes()
	cached := s.convs.cacheable(f)
	key := convKeyOf(p.WorkspaceID, f, false)
	if cached {
		t, people, err := s.store.TicketVersions(ctx, p.WorkspaceID, ticket)
		if err != nil {
			return nil, err
		}
		if e := s.convs.get(key.at(t, people)); e != nil {
			return &Conversation{Ticket: t, Messages: e.messages, More: e.more, People: e.people,
				Total: conversationTotal(t, f), entry: e, cache: s.convs}, nil
		}
	}
	c := &Conversation{}
	var people int64
	limit := f.Page.Limit
	if limit > 0 {
		f.Page.Limit = limit + 1
	}
	err := s.store.View(ctx, func(tx Tx) (err error) {
		// On a miss the ticket is read again, with its versions, inside
		// the snapshot the page is read from: the page is cached under
		// exactly the versions it shows.
		if cached {
			c.Ticket, people, err = tx.TicketVersions(ctx, p.WorkspaceID, ticket)
		} else {
			c.Ticket, err = tx.Ticket(ctx, p.WorkspaceID, ticket)
		}
		if err != nil {
			return err
		}
		if err := resolveCursor(ctx, tx, c.Ticket, &f); err != nil {
			return err
		}
		if c.Messages, err = tx.Messages(ctx, p.WorkspaceID, c.Ticket.ID, f); err != nil {
			return err
		}
		if f.Authors {
			c.People = newParticipants()
			return c.People.load(ctx, tx, p.WorkspaceID, c.Messages)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if limit > 0 && len(c.Messages) > limit {
		c.Messages, c.More = c.Messages[:limit], true
	}
	c.Total = conversationTotal(c.Ticket, f)
	if cached {
		c.entry, c.cache = s.convs.put(key.at(c.Ticket, people), c.Messages, c.People, c.More), s.convs
	}
	return c, nil
}

// resolveCursor turns f.AfterID into the keyset of that message of t.
func resolveCursor(ctx context.Context, tx Tx, t *Ticket, f *MessageFilter) error {
	if f.AfterID == nil {
		return nil
	}
	m, err := tx.Message(ctx, t.WorkspaceID, ByID(*f.AfterID))
	// A note is no cursor for an audience that cannot see it: the answer
	// must not tell a note's id from one that does not exist.
	if ErrorCode(err) == ENOTFOUND || (err == nil && (m.TicketID != t.ID || (m.Internal && !f.IncludeInternal))) {
		return ErrCursor
	} else if err != nil {
		return err
	}
	f.Page.AfterNumber, f.AfterTime, f.AfterID = m.Number, m.Time, nil
	return nil
}

// streamChunk is how many messages StreamMessages reads at a time: memory
// stays at one chunk however long the conversation.
const streamChunk = 200

// maxStreamPeople bounds the authors StreamMessages keeps looked up; past it
// the cache starts over, so a conversation with thousands of distinct
// authors costs look-ups, not memory.
const maxStreamPeople = 1000

// StreamMessages reads a whole conversation in one read transaction, in
// chunks, and hands it over as it reads: start gets the ticket (with its
// counters) before any message, then each gets every message in f's order
// with its authors. It is for the unpaged lists of the seeds, whose
// responses are written as they are read, so that memory stays flat however
// long the conversation. f.Page is ignored. An error from start or each
// stops the read and is returned. ENOTFOUND if the ticket is not in the
// workspace (before start is called).
//
// The last chunk (the only one of most conversations) is handed over after
// the read transaction has ended: it is in memory either way, and rendering
// and writing it to the client inside the transaction held one of the few
// read connections while the response went out, for every request.
//
// A conversation read in one chunk is cached (convcache.go) as Messages'
// pages are; each must not change the messages or the participants it is
// given. A longer one is never cached, so memory stays flat.
func (s *Service) StreamMessages(ctx context.Context, p *Principal, ticket Ref, f MessageFilter,
	start func(*Ticket) error, each func(*Message, *Participants) error) error {
	return s.stream(ctx, p, ticket, f, start, each, nil)
}

// StreamRendered is StreamMessages for a surface that renders each message
// to bytes that depend on nothing but the message, its authors and the
// surface itself (which name names, e.g. "ticket0.message"): render appends
// one message's rendering to b, and write gets n renderings joined by
// commas (the elements of a JSON array). When the conversation is cached,
// its rendering is kept beside it, under name, so that a read that hits
// writes the bytes rendered before: one statement, no rendering. The
// rendering is as fresh as the cached page it came from, which is to say
// exactly as fresh as a read from the database.
func (s *Service) StreamRendered(ctx context.Context, p *Principal, ticket Ref, f MessageFilter, name string,
	start func(*Ticket) error, render func(b []byte, m *Message, people *Participants) ([]byte, error),
	write func(items []byte, n int) error) error {
	var buf []byte
	each := func(m *Message, people *Participants) (err error) {
		if buf, err = render(buf[:0], m, people); err != nil {
			return err
		}
		return write(buf, 1)
	}
	cached := func(e *convEntry) error {
		if len(e.messages) == 0 {
			return nil
		}
		raw, err := s.convs.rendered(e, name, func() (raw []byte, err error) {
			for i, m := range e.messages {
				if i > 0 {
					raw = append(raw, ',')
				}
				if raw, err = render(raw, m, e.people); err != nil {
					return nil, err
				}
			}
			return raw, nil
		})
		if err != nil {
			return err
		}
		return write(raw, len(e.messages))
	}
	return s.stream(ctx, p, ticket, f, start, each, cached)
}

// stream is StreamMessages. cached, when set, is called instead of each for
// a whole conversation the cache holds, on a hit or once it is filled.
func (s *Service) stream(ctx context.Context, p *Principal, ticket Ref, f MessageFilter,
	start func(*Ticket) error, each func(*Message, *Participants) error, cached func(*convEntry) error) error {
	if f.Order == NewestByTime {
		return errors.New("StreamMessages reads oldest first")
	}
	f.IncludeInternal = p.Audience.SeesNotes() // as for Messages: the audience decides
	useCache := s.convs.cacheable(f)
	key := convKeyOf(p.WorkspaceID, f, true)
	if useCache {
		t, people, err := s.store.TicketVersions(ctx, p.WorkspaceID, ticket)
		if err != nil {
			return err
		}
		if e := s.convs.get(key.at(t, people)); e != nil {
			if err := start(t); err != nil {
				return err
			}
			if cached != nil {
				return cached(e)
			}
			for _, m := range e.messages {
				if err := each(m, e.people); err != nil {
					return err
				}
			}
			return nil
		}
	}
	var last []*Message
	var lastPeople *Participants
	var t *Ticket
	var peopleVersion int64
	whole := true // the conversation came in one chunk
	err := s.store.View(ctx, func(tx Tx) (err error) {
		if useCache { // the versions of the snapshot, as in Messages
			t, peopleVersion, err = tx.TicketVersions(ctx, p.WorkspaceID, ticket)
		} else {
			t, err = tx.Ticket(ctx, p.WorkspaceID, ticket)
		}
		if err != nil {
			return err
		}
		if err := start(t); err != nil {
			return err
		}
		people := newParticipants()
		f.Page = Page{Limit: streamChunk}
		f.AfterTime, f.AfterID = time.Time{}, nil
		for {
			ms, err := tx.Messages(ctx, p.WorkspaceID, t.ID, f)
			if err != nil {
				return err
			}
			if len(people.Customers)+len(people.Users) > maxStreamPeople {
				people = newParticipants()
			}
			if err := people.load(ctx, tx, p.WorkspaceID, ms); err != nil {
				return err
			}
			if len(ms) < streamChunk {
				last, lastPeople = ms, people
				return nil
			}
			whole = false
			for _, m := range ms {
				if err := each(m, people); err != nil {
					return err
				}
			}
			end := ms[len(ms)-1]
			f.Page.AfterNumber, f.AfterTime = end.Number, end.Time
		}
	})
	if err != nil {
		return err
	}
	if useCache && whole {
		if e := s.convs.put(key.at(t, peopleVersion), last, lastPeople, false); e != nil && cached != nil {
			return cached(e)
		}
	}
	for _, m := range last {
		if err := each(m, lastPeople); err != nil {
			return err
		}
	}
	return nil
}

// conversationTotal is how many messages f selects on t, from the ticket's
// counters: a total never costs a count over the conversation.
func conversationTotal(t *Ticket, f MessageFilter) int {
	if f.IncludeInternal {
		return t.MessageCount
	}
	return t.PublicCount
}

// UpdateMessage changes a message's body or visibility and keeps the ticket's
// last message true to what is left public. Changing visibility sends nothing:
// an email already sent cannot be taken back, and a note made public later is
// the agent's call to send.
func (s *Service) UpdateMessage(ctx context.Context, p *Principal, ticket, msg Ref, in MessageUpdate) (*Message, error) {
	var m *Message
	err := s.store.Update(ctx, func(tx Tx) error {
		t, found, err := lockTicketMessage(ctx, tx, p, ticket, msg)
		if err != nil {
			return err
		}
		m = found
		if in.Internal != nil && *in.Internal && !p.Audience.SeesNotes() {
			return errNotesUnseen
		}
		before := *m
		wasInternal := m.Internal
		patch := MessagePatch{UpdatedAt: s.Now()}
		if in.Body != nil {
			patch.Body = SetTo(*in.Body)
		}
		if in.Internal != nil {
			patch.Internal = SetTo(*in.Internal)
		}
		patch.Apply(m)
		if err := validateMessage(m); err != nil {
			return err
		}
		if err := tx.UpdateMessage(ctx, m.WorkspaceID, m.ID, patch); err != nil {
			return err
		}
		tp := TicketPatch{}
		switch {
		case wasInternal && !m.Internal:
			tp.AddPublic = 1
		case !wasInternal && m.Internal:
			tp.AddPublic = -1
		}
		if err := s.refreshLastMessage(ctx, tx, t, tp); err != nil {
			return err
		}
		return s.emit(ctx, tx, messageEdited(&before, m)...)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// DeleteMessage removes a message from every surface, and from the ticket's
// last message if it was that.
func (s *Service) DeleteMessage(ctx context.Context, p *Principal, ticket, msg Ref) error {
	return s.store.Update(ctx, func(tx Tx) error {
		t, m, err := lockTicketMessage(ctx, tx, p, ticket, msg)
		if err != nil {
			return err
		}
		if err := tx.DeleteMessage(ctx, p.WorkspaceID, m.ID); err != nil {
			return err
		}
		tp := TicketPatch{AddMessages: -1}
		if !m.Internal {
			tp.AddPublic = -1
		}
		if err := s.refreshLastMessage(ctx, tx, t, tp); err != nil {
			return err
		}
		return s.emit(ctx, tx, messageDeleted(m)...)
	})
}

// refreshLastMessage recomputes the ticket's last message from its newest
// public message, after an edit or a deletion may have changed which it is,
// and writes it with p (the counters the change moved). t is locked.
func (s *Service) refreshLastMessage(ctx context.Context, tx Tx, t *Ticket, p TicketPatch) error {
	newest, err := tx.Messages(ctx, t.WorkspaceID, t.ID, MessageFilter{Order: NewestByTime, Page: Page{Limit: 1}})
	if err != nil {
		return err
	}
	if len(newest) == 0 {
		p.LastMessage, p.LastMessageAt = SetTo(""), SetTo(t.Date)
	} else {
		p.LastMessage, p.LastMessageAt = SetTo(preview(newest[0].Body)), SetTo(newest[0].Time)
	}
	p.UpdatedAt = s.Now()
	p.Apply(t)
	return tx.UpdateTicket(ctx, t.WorkspaceID, t.ID, p)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Participants are the people who wrote a set of messages.
type Participants struct {
	Customers map[ID]*Customer
	Users     map[ID]*User
}

// Participants loads the authors of msgs, each once, in one read
// transaction, so a surface that shows author names or objects costs one
// look-up per person rather than per message. An author that no longer
// exists is absent from the maps.
func (s *Service) Participants(ctx context.Context, p *Principal, msgs []*Message) (*Participants, error) {
	out := newParticipants()
	err := s.store.View(ctx, func(tx Tx) error { return out.load(ctx, tx, p.WorkspaceID, msgs) })
	if err != nil {
		return nil, err
	}
	return out, nil
}

func newParticipants() *Participants {
	return &Participants{Customers: map[ID]*Customer{}, Users: map[ID]*User{}}
}

// MaxPeopleLookup bounds the ids of one Tx.People call.
const MaxPeopleLookup = 500

// load adds the authors of msgs that are not there yet, in one look-up
// (per MaxPeopleLookup new authors of a kind) rather than one per author:
// each is a round trip to PostgreSQL. An author that no
// longer exists is recorded as nil, so it is not looked up again.
func (out *Participants) load(ctx context.Context, tx Tx, ws ID, msgs []*Message) error {
	var customers, users []ID
	for _, m := range msgs {
		if id := m.Author.CustomerID; id != nil {
			if _, seen := out.Customers[*id]; !seen {
				out.Customers[*id] = nil
				customers = append(customers, *id)
			}
		}
		if id := m.Author.UserID; id != nil {
			if _, seen := out.Users[*id]; !seen {
				out.Users[*id] = nil
				users = append(users, *id)
			}
		}
	}
	for len(customers) > 0 || len(users) > 0 {
		c, u := min(len(customers), MaxPeopleLookup), min(len(users), MaxPeopleLookup)
		cs, us, err := tx.People(ctx, ws, customers[:c], users[:u])
		if err != nil {
			return err
		}
		for _, v := range cs {
			out.Customers[v.ID] = v
		}
		for _, v := range us {
			out.Users[v.ID] = v
		}
		customers, users = customers[c:], users[u:]
	}
	return nil
}
