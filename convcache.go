package ticketd

import (
	"container/list"
	"sync"
)

// The conversation cache keeps pages of conversations this node has read,
// so that reading one again costs one statement (Store.TicketVersions)
// instead of a read transaction of three to five (the ticket, the cursor,
// the messages, their authors; on PostgreSQL also BEGIN and COMMIT).
//
// It can never serve a stale conversation, on one node or on several
// sharing one database, because it trusts nothing it remembers: every read
// first asks the database, in one statement, for the ticket (fresh, with
// its counters) and for two counters the database itself moves in the same
// transaction as every write that changes what a page shows (triggers of
// migration 0141):
//
//   - Ticket.Version: any insert, update or deletion of one of the ticket's
//     messages (edits, visibility, the outbox worker's delivery status),
//     and of their attachments and authentication records;
//   - the workspace's people version: any update or deletion of one of its
//     agents or customers (a rename, an erasure), whose names a page shows.
//
// A page is cached under both counters, and served only to a read that
// finds both unchanged: a write committed before the read's statement has
// moved one of them, whichever node made it. A page is stored only from a
// read transaction that read those counters itself (Tx.TicketVersions), in
// the same snapshot as the page, so its key is exactly the state it shows.
// Nothing here is needed by another node: a node that restarts, or runs
// with the cache off, simply reads from the database.
//
// Cached values are shared by every request that hits them: the messages
// and the participants of a cached page must not be changed by anyone
// (surfaces only render them). The ticket of a Conversation is never
// shared: it is the one the read's own statement returned.

// DefaultConversationCacheBytes is the conversation cache's default bound
// (WithConversationCache).
const DefaultConversationCacheBytes = 64 << 20

// maxCachedConversation bounds one cached page: a larger one (a long page of
// long emails) is read from the database every time rather than crowd out
// many small ones. Together with maxCachedMessages it keeps StreamMessages'
// memory flat: a conversation too long to be read in one chunk is never
// held whole.
const (
	maxCachedConversation = 1 << 20
	maxCachedMessages     = streamChunk
)

// WithConversationCache bounds the conversation cache to about maxBytes of
// message and author data (0 turns it off).
func WithConversationCache(maxBytes int64) Option {
	return func(s *Service) {
		s.convs = nil
		if maxBytes > 0 {
			s.convs = newConvCache(maxBytes)
		}
	}
}

// convKey names one cached page: the ticket at its version and the
// workspace's people at theirs, and every part of the filter that changes
// what the page holds. A read by time after a given time (AfterTime) is not
// cached: no surface pages that way.
type convKey struct {
	ws, ticket          ID
	version, people     int64
	internal            bool
	order               MessageOrder
	limit, offset       int
	afterNumber         int64
	afterID             ID
	authors, brief, all bool
}

// cacheable reports whether a read with f may use the cache.
func (c *convCache) cacheable(f MessageFilter) bool {
	return c != nil && f.AfterTime.IsZero()
}

// convKeyOf is the key of a read of ws's conversations with f (as the
// caller gave it, the audience applied); all marks StreamMessages' whole
// conversation. The ticket and the versions are set once read (at).
func convKeyOf(ws ID, f MessageFilter, all bool) convKey {
	k := convKey{ws: ws, internal: f.IncludeInternal, order: f.Order, limit: f.Page.Limit, offset: f.Page.Offset,
		afterNumber: f.Page.AfterNumber, authors: f.Authors, brief: f.Brief, all: all}
	if f.AfterID != nil {
		k.afterID = *f.AfterID
	}
	if all {
		k.limit, k.offset, k.afterNumber, k.afterID, k.authors = 0, 0, 0, ID{}, true
	}
	return k
}

// at is k for ticket t and people version people.
func (k convKey) at(t *Ticket, people int64) convKey {
	k.ticket, k.version, k.people = t.ID, t.Version, people
	return k
}

// convEntry is one cached page. Its messages and people are shared and
// read-only.
type convEntry struct {
	key      convKey
	messages []*Message
	people   *Participants
	more     bool
	size     int64
	// memo holds what surfaces rendered of the page, by the name they
	// gave (StreamRendered); guarded by the cache's mutex.
	memo map[string][]byte
}

// convCache is a byte-bounded LRU of conversation pages. One mutex: a hit
// holds it for a map look-up and a list move, far less than the statement
// every read runs first.
type convCache struct {
	mu      sync.Mutex
	max     int64
	size    int64
	lru     *list.List // of *convEntry, most recently used first
	entries map[convKey]*list.Element
}

func newConvCache(maxBytes int64) *convCache {
	return &convCache{max: maxBytes, lru: list.New(), entries: map[convKey]*list.Element{}}
}

func (c *convCache) get(k convKey) *convEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[k]
	if !ok {
		return nil
	}
	c.lru.MoveToFront(el)
	return el.Value.(*convEntry)
}

// put caches a page read under key k, unless it is over the bounds of one
// page; the least recently used pages go to make room. Pages of a ticket's
// older versions are not looked for: no read will ask for them again, so
// they are the first to go.
//
// It returns the entry that holds the page (one another read put first, if
// any), or nil when the page is not cached.
func (c *convCache) put(k convKey, messages []*Message, people *Participants, more bool) *convEntry {
	if len(messages) > maxCachedMessages {
		return nil
	}
	size := conversationSize(messages, people)
	if size > min(maxCachedConversation, c.max) {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[k]; ok {
		return el.Value.(*convEntry)
	}
	// Capped at its length: a caller appending to the slice it got copies
	// it rather than write into an array another request reads.
	messages = messages[:len(messages):len(messages)]
	e := &convEntry{key: k, messages: messages, people: people, more: more, size: size}
	c.entries[k] = c.lru.PushFront(e)
	c.size += size
	c.evict()
	if _, ok := c.entries[k]; !ok {
		return nil
	}
	return e
}

// evict drops the least recently used pages until the cache is within its
// bound. c.mu is held.
func (c *convCache) evict() {
	for c.size > c.max {
		el := c.lru.Back()
		e := el.Value.(*convEntry)
		c.lru.Remove(el)
		delete(c.entries, e.key)
		c.size -= e.size
	}
}

// rendered returns what a surface rendered of e under name, rendering it
// with render and keeping it with e the first time.
func (c *convCache) rendered(e *convEntry, name string, render func() ([]byte, error)) ([]byte, error) {
	if b, ok := c.memo(e, name); ok {
		return b, nil
	}
	b, err := render()
	if err == nil {
		c.setMemo(e, name, b)
	}
	return b, err
}

// memo returns what was rendered of e under name.
func (c *convCache) memo(e *convEntry, name string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := e.memo[name]
	return b, ok
}

// setMemo keeps b, a rendering of e, with e while e is cached, counting it
// in the cache's size; a rendering over the bound of one page is not kept.
func (c *convCache) setMemo(e *convEntry, name string, b []byte) {
	n := int64(len(b) + len(name) + entryOverhead)
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.size+n > min(maxCachedConversation, c.max) {
		return
	}
	if el, ok := c.entries[e.key]; !ok || el.Value.(*convEntry) != e {
		return // evicted meanwhile
	}
	if _, ok := e.memo[name]; ok {
		return
	}
	if e.memo == nil {
		e.memo = map[string][]byte{}
	}
	e.memo[name] = b
	e.size += n
	c.size += n
	c.evict()
}

// bytes is the size of what the cache holds, as conversationSize counts it.
func (c *convCache) bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size
}

// Approximate sizes of what a cached page holds besides its text: a
// Message's fixed fields and slice headers, a Customer with its profile, a
// User, and a map entry of Participants.
const (
	messageOverhead  = 400
	customerOverhead = 1000
	userOverhead     = 400
	entryOverhead    = 200
)

// conversationSize approximates the memory of a page: its text, which is
// what varies (a body is up to 1 MB), plus a fixed cost per object.
func conversationSize(messages []*Message, people *Participants) int64 {
	n := int64(entryOverhead)
	for _, m := range messages {
		n += messageOverhead + int64(len(m.Body)+len(m.Subject)+len(m.FromAddress)+len(m.FromName)+
			len(m.ExternalID)+len(m.InReplyTo)+len(m.Channel)+len(m.DeliveryError)+len(m.ExternalAttachments))
		for _, p := range []*string{m.BodyHTML, m.BodyCleaned, m.Language, m.Sentiment} {
			if p != nil {
				n += int64(len(*p))
			}
		}
		for _, l := range [][]string{m.To, m.Cc, m.References, m.Tags} {
			for _, s := range l {
				n += int64(len(s)) + 16
			}
		}
	}
	if people != nil {
		for _, c := range people.Customers {
			n += customerOverhead
			if c != nil {
				d := c.Profile.CustomerDetails
				n += int64(len(c.Email) + len(c.FirstName) + len(c.LastName) + len(c.Phone) + len(c.Profile.Name) +
					len(d.Address) + len(d.Notes) + len(d.Company) + len(d.Title))
				for _, m := range []map[string]string{c.Profile.Identities, c.Profile.Metadata} {
					for k, v := range m {
						n += int64(len(k)+len(v)) + 32
					}
				}
			}
		}
		for _, u := range people.Users {
			n += userOverhead
			if u != nil {
				n += int64(len(u.Email) + len(u.Name) + len(u.AvatarURL))
			}
		}
	}
	return n
}
