package ticketd

import "time"

// How ticketd avoids lost updates, on SQLite and on several nodes sharing one
// PostgreSQL at READ COMMITTED:
//
//  1. An update writes only what it changes. A use case builds a patch (the
//     structs below) and the store turns the fields that are set into the
//     SET clause of one UPDATE, so an agent editing a reply and the outbox
//     marking it sent touch different columns and cannot undo each other,
//     whatever the interleaving. Counters are written as increments
//     (column = column + n), never as a value read earlier.
//  2. A use case that must read a row to decide what to write (a status
//     change that sets closed_at, a message that may become the ticket's last
//     message, validation of the row as it will be) reads it with the
//     ...ForUpdate methods of Tx inside its Update transaction: SELECT ... FOR
//     UPDATE on PostgreSQL, so a second node waits for the first to commit and
//     then decides on what it wrote. SQLite has one writer and begins every
//     write transaction IMMEDIATE, which serialises the same way, so there the
//     lock is a plain read.
//
// A version column with optimistic retries was the other choice; it was not
// taken because every conflicting pair of requests would cost a retry of the
// whole use case, and because rule 1 alone already makes the common case (two
// clients changing different fields) conflict-free without any waiting.
//
// Adding a column: add the field to the domain type, to its patch and to the
// patch's Apply, and one line to the store's setter for that table.

// Set is one field of a patch: written when OK, left alone otherwise. It
// tells "set to nothing" (OK with a nil V, for nullable columns) from "not
// given".
type Set[T any] struct {
	V  T
	OK bool
}

// SetTo returns a Set that writes v.
func SetTo[T any](v T) Set[T] { return Set[T]{V: v, OK: true} }

func (s Set[T]) apply(dst *T) {
	if s.OK {
		*dst = s.V
	}
}

// TicketPatch is an update of some columns of one ticket.
type TicketPatch struct {
	Subject       Set[string]
	Channel       Set[string]
	Status        Set[Status]
	AssigneeID    Set[*ID]
	Tags          Set[[]string]
	UnreadCount   Set[int]
	LastMessage   Set[string]
	LastMessageAt Set[time.Time]
	ClosedAt      Set[*time.Time]
	HandedOffAt   Set[*time.Time]
	InboxID       Set[*ID]
	// Planning fields (ticketfields.go).
	Priority     Set[Priority]
	Category     Set[string]
	Description  Set[string]
	DueAt        Set[*time.Time]
	ResolvedAt   Set[*time.Time]
	TeamID       Set[*ID]
	SnoozedUntil Set[*time.Time]
	// AddMessages and AddPublic change the ticket's message counters by
	// these amounts (every message, and public messages only). They are
	// applied as increments in SQL, so concurrent posts never lose a count.
	AddMessages int
	AddPublic   int
	// UpdatedAt is always written: every change moves it.
	UpdatedAt time.Time
}

// Apply makes the same change to t in memory, so a use case can validate and
// return the ticket as the patch leaves it.
func (p *TicketPatch) Apply(t *Ticket) {
	p.Subject.apply(&t.Subject)
	p.Channel.apply(&t.Channel)
	p.Status.apply(&t.Status)
	p.AssigneeID.apply(&t.AssigneeID)
	p.Tags.apply(&t.Tags)
	p.UnreadCount.apply(&t.UnreadCount)
	p.LastMessage.apply(&t.LastMessage)
	p.LastMessageAt.apply(&t.LastMessageAt)
	p.ClosedAt.apply(&t.ClosedAt)
	p.HandedOffAt.apply(&t.HandedOffAt)
	p.InboxID.apply(&t.InboxID)
	p.Priority.apply(&t.Priority)
	p.Category.apply(&t.Category)
	p.Description.apply(&t.Description)
	p.DueAt.apply(&t.DueAt)
	p.ResolvedAt.apply(&t.ResolvedAt)
	p.TeamID.apply(&t.TeamID)
	p.SnoozedUntil.apply(&t.SnoozedUntil)
	t.MessageCount += p.AddMessages
	t.PublicCount += p.AddPublic
	t.UpdatedAt = p.UpdatedAt
}

// MessagePatch is an update of some columns of one message.
type MessagePatch struct {
	Body             Set[string]
	Internal         Set[bool]
	BodyCleaned      Set[*string]
	Language         Set[*string]
	Sentiment        Set[*string]
	Delivery         Set[DeliveryStatus]
	DeliveryAttempts Set[int]
	DeliveryError    Set[string]
	UpdatedAt        time.Time
}

// Apply makes the same change to m in memory.
func (p *MessagePatch) Apply(m *Message) {
	p.Body.apply(&m.Body)
	p.Internal.apply(&m.Internal)
	p.BodyCleaned.apply(&m.BodyCleaned)
	p.Language.apply(&m.Language)
	p.Sentiment.apply(&m.Sentiment)
	p.Delivery.apply(&m.Delivery)
	p.DeliveryAttempts.apply(&m.DeliveryAttempts)
	p.DeliveryError.apply(&m.DeliveryError)
	m.UpdatedAt = p.UpdatedAt
}

// CustomerPatch is an update of some columns of one customer.
type CustomerPatch struct {
	Email     Set[string]
	Phone     Set[string]
	FirstName Set[string]
	LastName  Set[string]
	UpdatedAt time.Time
}

// Apply makes the same change to c in memory.
func (p *CustomerPatch) Apply(c *Customer) {
	p.Email.apply(&c.Email)
	p.Phone.apply(&c.Phone)
	p.FirstName.apply(&c.FirstName)
	p.LastName.apply(&c.LastName)
	c.UpdatedAt = p.UpdatedAt
}

// UserPatch is an update of some columns of one user.
type UserPatch struct {
	Email     Set[string]
	Name      Set[string]
	Role      Set[Role]
	UpdatedAt time.Time
}

// Apply makes the same change to u in memory.
func (p *UserPatch) Apply(u *User) {
	p.Email.apply(&u.Email)
	p.Name.apply(&u.Name)
	p.Role.apply(&u.Role)
	u.UpdatedAt = p.UpdatedAt
}

// WorkspacePatch is an update of some columns of one workspace. Settings are
// one column: a use case that changes some of them reads the workspace with
// WorkspaceForUpdate and writes them all.
type WorkspacePatch struct {
	Name     Set[string]
	Settings Set[WorkspaceSettings]
}

// Apply makes the same change to w in memory.
func (p *WorkspacePatch) Apply(w *Workspace) {
	p.Name.apply(&w.Name)
	p.Settings.apply(&w.Settings)
}
