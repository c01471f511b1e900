package ticketd

import (
	"context"
	"time"
)

// Store persists ticketd's objects. A use case opens one transaction with
// Update or View and does all its reads and writes through the Tx it is given,
// so a rule that touches several objects (a message and its ticket) holds
// atomically. Implementations: package sqlstore (SQLite and PostgreSQL).
type Store interface {
	// Update runs fn in a read-write transaction, committing when fn returns
	// nil and rolling back otherwise. When the engine aborts the transaction
	// for a reason that a new attempt can fix (a PostgreSQL serialization
	// failure or deadlock, SQLite busy), fn runs again, a bounded number of
	// times; so fn must not have effects outside the Tx and must not rely on
	// state a previous attempt left behind.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	Close() error
}

// Tx is one transaction. Every lookup is scoped to a workspace: an object of
// another workspace is reported exactly like one that does not exist, as
// ENOTFOUND. Create methods assign Number; the caller assigns ID and times.
// Unique violations are ECONFLICT.
//
// Updates take a patch and write only the fields it sets (see patch.go). The
// ...ForUpdate reads lock the row until the transaction ends, for a use case
// that reads a row to decide what to write; they are for Update transactions.
type Tx interface {
	CreateWorkspace(ctx context.Context, w *Workspace) error
	// Workspace returns ENOTFOUND if there is no workspace with that id.
	Workspace(ctx context.Context, id ID) (*Workspace, error)
	// WorkspaceForUpdate is Workspace, locking the row.
	WorkspaceForUpdate(ctx context.Context, id ID) (*Workspace, error)
	// UpdateWorkspace returns ENOTFOUND if there is no such workspace.
	UpdateWorkspace(ctx context.Context, id ID, p WorkspacePatch) error
	// CountWorkspaces counts every workspace of the database.
	CountWorkspaces(ctx context.Context) (int, error)

	CreateUser(ctx context.Context, u *User) error
	// User returns ENOTFOUND if the user is not in workspace ws.
	User(ctx context.Context, ws ID, ref Ref) (*User, error)
	Users(ctx context.Context, ws ID, page Page) ([]*User, error)
	// UserForUpdate is User, locking the row.
	UserForUpdate(ctx context.Context, ws ID, ref Ref) (*User, error)
	// UpdateUser returns ENOTFOUND if the user is not in workspace ws.
	UpdateUser(ctx context.Context, ws, id ID, p UserPatch) error

	// People returns the customers and the users of workspace ws that the
	// ids name, in one look-up however many ids there are (at most
	// MaxPeopleLookup of each a call); an id that names no one (any more)
	// is absent, and the order is the store's.
	People(ctx context.Context, ws ID, customers, users []ID) ([]*Customer, []*User, error)

	CreateCustomer(ctx context.Context, c *Customer) error
	// Customer returns ENOTFOUND if the customer is not in workspace ws.
	Customer(ctx context.Context, ws ID, ref Ref) (*Customer, error)
	// CustomerByEmail finds a customer by email, case-insensitively; ENOTFOUND if none.
	CustomerByEmail(ctx context.Context, ws ID, email string) (*Customer, error)
	// CustomerByPhone finds a customer by phone number; ENOTFOUND if none.
	CustomerByPhone(ctx context.Context, ws ID, phone string) (*Customer, error)
	Customers(ctx context.Context, ws ID, page Page) ([]*Customer, error)
	// CustomerForUpdate is Customer, locking the row.
	CustomerForUpdate(ctx context.Context, ws ID, ref Ref) (*Customer, error)
	// UpdateCustomer returns ENOTFOUND if the customer is not in workspace ws.
	UpdateCustomer(ctx context.Context, ws, id ID, p CustomerPatch) error

	// Customer profiles (customers.go). CreateCustomer stores c.Profile too.
	// SetCustomerProfile writes c.Profile and c.UpdatedAt; ECONFLICT if an
	// identity belongs to another customer of the workspace.
	SetCustomerProfile(ctx context.Context, c *Customer) error
	// CustomerByIdentity finds the customer with id externalID in system;
	// ENOTFOUND if none.
	CustomerByIdentity(ctx context.Context, ws ID, system, externalID string) (*Customer, error)
	FindCustomers(ctx context.Context, ws ID, f CustomerFilter) ([]*Customer, error)
	// CustomerTicketCounts counts the tickets of each customer (absent: 0).
	CustomerTicketCounts(ctx context.Context, ws ID, customers []ID) (map[ID]int, error)

	// Knowledge-base articles (articles.go). CreateArticle and UpdateArticle
	// return ECONFLICT for a slug another article of the workspace has.
	CreateArticle(ctx context.Context, a *Article) error
	// Article returns ENOTFOUND if the article is not in workspace ws.
	Article(ctx context.Context, ws ID, ref Ref) (*Article, error)
	ArticleForUpdate(ctx context.Context, ws ID, ref Ref) (*Article, error)
	Articles(ctx context.Context, ws ID, f ArticleFilter) ([]*Article, error)
	UpdateArticle(ctx context.Context, a *Article) error
	// DeleteArticle returns ENOTFOUND if the article is not in workspace ws.
	DeleteArticle(ctx context.Context, ws, id ID) error

	CreateAPIKey(ctx context.Context, k *APIKey) error
	// APIKeyByPrefix finds a key by its visible prefix, in any workspace: the
	// key is what tells us the workspace. ENOTFOUND if none, or if the agent
	// it acts as is inactive or deleted.
	APIKeyByPrefix(ctx context.Context, prefix string) (*APIKey, error)
	APIKeys(ctx context.Context, ws ID, page Page) ([]*APIKey, error)
	// DeleteAPIKey returns ENOTFOUND if the key is not in workspace ws.
	DeleteAPIKey(ctx context.Context, ws, id ID) error

	CreateTicket(ctx context.Context, t *Ticket) error
	// Ticket returns ENOTFOUND if the ticket is not in workspace ws.
	Ticket(ctx context.Context, ws ID, ref Ref) (*Ticket, error)
	// Tickets lists tickets newest first. A listed ticket has every field
	// but MessageCount and PublicCount, which are zero: no list shows a
	// total, and reading them would cost every list (read one Ticket for
	// the counters).
	Tickets(ctx context.Context, ws ID, f TicketFilter) ([]*Ticket, error)
	// TicketForUpdate is Ticket, locking the row.
	TicketForUpdate(ctx context.Context, ws ID, ref Ref) (*Ticket, error)
	// UpdateTicket returns ENOTFOUND if the ticket is not in workspace ws.
	UpdateTicket(ctx context.Context, ws, id ID, p TicketPatch) error

	CreateMessage(ctx context.Context, m *Message) error
	// Message returns ENOTFOUND if the message is not in workspace ws.
	Message(ctx context.Context, ws ID, ref Ref) (*Message, error)
	// Messages lists a ticket's messages in the order the filter asks for.
	Messages(ctx context.Context, ws, ticket ID, f MessageFilter) ([]*Message, error)
	// MessageForUpdate is Message, locking the row.
	MessageForUpdate(ctx context.Context, ws ID, ref Ref) (*Message, error)
	// UpdateMessage returns ENOTFOUND if the message is not in workspace ws.
	UpdateMessage(ctx context.Context, ws, id ID, p MessagePatch) error
	// ExternalIDs lists the Message-IDs of a ticket's messages that have
	// one, in creation order: the first and the newest limit-1 of them.
	ExternalIDs(ctx context.Context, ws, ticket ID, limit int) ([]string, error)
	// MessageByExternalID finds a message of ws by its Message-ID; ENOTFOUND if none.
	MessageByExternalID(ctx context.Context, ws ID, externalID string) (*Message, error)
	// DeleteMessage returns ENOTFOUND if the message is not in workspace ws.
	DeleteMessage(ctx context.Context, ws, id ID) error

	CreateSendingDomain(ctx context.Context, d *SendingDomain) error
	// SendingDomain returns ENOTFOUND if the domain is not in workspace ws.
	SendingDomain(ctx context.Context, ws ID, ref Ref) (*SendingDomain, error)
	// SendingDomainByName finds a domain of ws by its lower-case name.
	SendingDomainByName(ctx context.Context, ws ID, name string) (*SendingDomain, error)
	// MarkDomainVerified records the first successful verification of a
	// domain at; a domain verified already keeps its first time.
	MarkDomainVerified(ctx context.Context, ws, id ID, at time.Time) error

	CreateInbox(ctx context.Context, in *Inbox) error
	// Inbox returns ENOTFOUND if the inbox is not in workspace ws.
	Inbox(ctx context.Context, ws ID, ref Ref) (*Inbox, error)
	// InboxByAddress finds an inbox by its lower-case address in any
	// workspace: an address is monitored by one workspace at most, and
	// inbound mail names only the address. ENOTFOUND if none.
	InboxByAddress(ctx context.Context, address string) (*Inbox, error)
	Inboxes(ctx context.Context, ws ID, page Page) ([]*Inbox, error)

	// SetInboxIMAP creates or replaces an inbox's IMAP account; the sync
	// state is kept when the folders are the same, reset when they change.
	SetInboxIMAP(ctx context.Context, mb *IMAPMailbox) error
	// InboxIMAP returns an inbox's IMAP mailbox; ENOTFOUND without one.
	InboxIMAP(ctx context.Context, ws, inbox ID) (*IMAPMailbox, error)
	// IMAPMailboxes lists every IMAP mailbox of every workspace.
	IMAPMailboxes(ctx context.Context) ([]*IMAPMailbox, error)
	// ClaimIMAP takes or renews the lease on a mailbox for owner until
	// until, when no other owner holds a lease still running at now;
	// false when another does.
	ClaimIMAP(ctx context.Context, inbox ID, owner string, now, until time.Time) (bool, error)
	// SaveIMAPState records a mailbox's sync state (UIDs, last sync, last
	// error); only the lease holder calls it.
	SaveIMAPState(ctx context.Context, mb *IMAPMailbox) error

	CreateAttachment(ctx context.Context, a *Attachment) error
	// CreateMessageAuth records how an inbound email's origin verified.
	CreateMessageAuth(ctx context.Context, ws, message ID, a *EmailAuth) error
	// MessageAuth returns that record; ENOTFOUND when there is none (a
	// message that did not come by email, or came before verification).
	MessageAuth(ctx context.Context, ws, message ID) (*EmailAuth, error)
	// Attachment returns ENOTFOUND if the attachment is not in workspace ws.
	Attachment(ctx context.Context, ws, id ID) (*Attachment, error)
	Attachments(ctx context.Context, ws, message ID) ([]*Attachment, error)
	// AttachmentsOf lists the attachments of several messages (a
	// conversation's page) in one read, in upload order.
	AttachmentsOf(ctx context.Context, ws ID, messages []ID) ([]*Attachment, error)

	// ---- operations (issue 15): the command line and deletions ----

	// Workspaces lists every workspace of the database in creation order.
	Workspaces(ctx context.Context, page Page) ([]*Workspace, error)
	// UserByEmail finds an agent of ws by email, case-insensitively;
	// ENOTFOUND if none.
	UserByEmail(ctx context.Context, ws ID, email string) (*User, error)
	// OutboxBacklog counts the outbox's entries in every workspace and
	// returns the creation time of the oldest (zero when empty).
	OutboxBacklog(ctx context.Context) (n int, oldest time.Time, err error)
	// WebhookBacklog is OutboxBacklog for webhook deliveries still pending.
	WebhookBacklog(ctx context.Context) (n int, oldest time.Time, err error)
	// DeleteSendingDomain returns ENOTFOUND if the domain is not in ws and
	// ECONFLICT while an inbox uses it.
	DeleteSendingDomain(ctx context.Context, ws, id ID) error
	// DeleteInbox returns ENOTFOUND if the inbox is not in ws and ECONFLICT
	// while something still refers to it; tickets of the inbox keep no
	// reference to it.
	DeleteInbox(ctx context.Context, ws, id ID) error
	// EraseCustomer deletes the customer (marked deleted or not), their
	// tickets with every message and attachment on them, the messages they
	// wrote on other tickets, and the outbox entries of all those messages.
	// ENOTFOUND if ws has no such customer.
	EraseCustomer(ctx context.Context, ws, id ID) (*Erasure, error)
	CreateAuditEntry(ctx context.Context, e *AuditEntry) error
	// AuditEntries lists up to limit of ws's audit entries oldest first,
	// after the entry with id after when it is set (ENOTFOUND if there is
	// no such entry in ws).
	AuditEntries(ctx context.Context, ws ID, after *ID, limit int) ([]*AuditEntry, error)

	EnqueueOutbox(ctx context.Context, e *OutboxEntry) error
	// ClaimOutbox reserves up to limit entries that are due at now and not
	// reserved by another worker, until leaseUntil, in any workspace.
	ClaimOutbox(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*OutboxEntry, error)
	// RescheduleOutbox releases an entry for another attempt at next.
	RescheduleOutbox(ctx context.Context, id ID, attempts int, next time.Time) error
	// DeleteOutbox removes a finished entry.
	DeleteOutbox(ctx context.Context, id ID) error

	TeamTx
	ProfileTx
	// ServerSecret returns the server's secret of that name, storing fresh
	// (sealed, as every secret) when there is none yet; every node reads the
	// same one.
	ServerSecret(ctx context.Context, name string, fresh []byte, now time.Time) ([]byte, error)
}

// TeamTx persists teams, their members, ticket planning fields, ticket
// attachments and deletions (the concepts that came with the TopTickets
// surface), under the same workspace rules as Tx.
type TeamTx interface {
	CreateTeam(ctx context.Context, t *Team) error
	// Team returns ENOTFOUND if the team is not in workspace ws.
	Team(ctx context.Context, ws ID, ref Ref) (*Team, error)
	// Teams lists teams in creation order.
	Teams(ctx context.Context, ws ID, page Page) ([]*Team, error)
	// UpdateTeam writes the given fields; ENOTFOUND if the team is not in ws.
	UpdateTeam(ctx context.Context, ws, id ID, name, description *string, now time.Time) error
	// DeleteTeam removes a team and its memberships and unassigns its
	// tickets; ENOTFOUND if the team is not in ws.
	DeleteTeam(ctx context.Context, ws, id ID) error
	// AddTeamMember makes user a member of team; adding a member twice is
	// not an error.
	AddTeamMember(ctx context.Context, team, user ID, now time.Time) error
	// RemoveTeamMember returns ENOTFOUND if user is not a member of team.
	RemoveTeamMember(ctx context.Context, team, user ID) error
	// TeamMembers lists a team's members in the order they joined.
	TeamMembers(ctx context.Context, ws, team ID) ([]*User, error)

	// DeleteTicket removes a ticket with its conversation, its attachments
	// and its queued email; ENOTFOUND if the ticket is not in ws.
	DeleteTicket(ctx context.Context, ws, id ID) error

	CreateTicketAttachment(ctx context.Context, a *TicketAttachment) error
	// TicketAttachment returns ENOTFOUND unless the attachment is one of
	// ticket's in workspace ws.
	TicketAttachment(ctx context.Context, ws, ticket, id ID) (*TicketAttachment, error)
	// TicketAttachments lists a ticket's uploaded files in upload order.
	TicketAttachments(ctx context.Context, ws, ticket ID) ([]*TicketAttachment, error)
	// DeleteTicketAttachment returns ENOTFOUND unless the attachment is one
	// of ticket's in ws.
	DeleteTicketAttachment(ctx context.Context, ws, ticket, id ID) error
}

// ProfileTx persists the profile fields of users and customers, key
// expiry, and the deletion of users and customers.
type ProfileTx interface {
	// PatchUserProfile writes the set fields; ENOTFOUND if the user is not in ws.
	PatchUserProfile(ctx context.Context, ws, id ID, patch UserProfilePatch) error
	// DeleteUser marks a user deleted (it is then not found), revokes the
	// keys that act as it, unassigns its tickets and ends its memberships.
	// Its messages keep their author. ENOTFOUND if the user is not in ws.
	DeleteUser(ctx context.Context, ws, id ID, now time.Time) error
	// DeleteCustomer marks a customer deleted (it is then not found, and its
	// email address is free again); its tickets and their conversations are
	// kept. ENOTFOUND if the customer is not in ws.
	DeleteCustomer(ctx context.Context, ws, id ID, now time.Time) error
	// ConsoleTx: sign-in, sessions, views and search (console.go).
	ConsoleTx
	// The event log (events.go).
	EventTx
	// Webhooks and their deliveries (webhooks.go).
	WebhookTx
	// Idempotency keys (idempotency.go).
	IdempotencyTx
}

// Page selects one page of a list ordered by creation: the items after the
// one whose Number is AfterNumber (0: from the start), at most Limit of them.
type Page struct {
	AfterNumber int64
	Limit       int
	// Offset skips that many items first (the TopTickets surface's
	// offset/skip paging).
	Offset int
}

// TicketFilter selects tickets; a nil field is not a condition.
type TicketFilter struct {
	Status *Status
	// Statuses selects tickets in any of these statuses (OpenStatuses, for
	// one); the store reads each status in order and merges, so a page costs
	// a page whatever the statuses hold. Use it or Status, not both.
	Statuses   []Status
	AssigneeID *ID
	CustomerID *ID
	Number     *int64
	// BeforeNumber pages newest first: only tickets older than this one.
	BeforeNumber int64
	// BeforeID is the cursor as a surface has it (the id of the last ticket
	// seen); the Tickets use case resolves it to BeforeNumber inside its own
	// read, and answers ErrCursor when it names no ticket of the workspace.
	BeforeID *ID
	Limit    int

	// Added with the TopTickets surface.
	Priority *Priority
	TeamID   *ID
	Category *string
	// Unassigned: true selects tickets with neither an agent nor a team,
	// false those with either.
	Unassigned *bool
	// Search selects tickets matching the words of this text as a search
	// does (Service.Search), in the list's order; Tickets reads it into
	// Match, which is what the store reads.
	Search string
	Match  *TextMatch
	// Offset skips that many tickets first.
	Offset int
	// Filters of the product APIs (issue 11).
	InboxID *ID
	// Tag selects tickets carrying this tag.
	Tag string
	// Done selects tickets that are solved or closed (true) or not (false).
	Done *bool
	// SnoozedAt selects tickets snoozed at this time (with Snoozed true) or
	// not snoozed then (false).
	Snoozed   *bool
	SnoozedAt time.Time
	// ActiveSince selects tickets whose last message is this recent.
	ActiveSince *time.Time
	// ByActivity orders by last message, the most recent first (ties: the
	// newest ticket first), instead of newest ticket first: HelpWave's
	// recent conversations.
	ByActivity bool
}

// MessageOrder is the order of a conversation listing.
type MessageOrder int

const (
	// ByCreation lists messages in the order they were stored.
	ByCreation MessageOrder = iota
	// ByTime lists messages by their Time, ties in the order they were stored
	// (the shop API, whose callers may date messages back).
	ByTime
	// NewestByTime lists the newest message by Time first.
	NewestByTime
)

// MessageFilter selects a ticket's messages.
type MessageFilter struct {
	// IncludeInternal lists internal notes too. Service.Messages sets it from
	// the principal's audience, whatever a surface passed: no surface decides
	// who sees notes.
	IncludeInternal bool
	Order           MessageOrder
	// Page.AfterNumber applies to ByCreation, and to ByTime together with
	// AfterTime (the keyset (time, number) of the last message seen);
	// Page.Limit to every order.
	Page      Page
	AfterTime time.Time
	// AfterID is the cursor as a surface has it (the id of the last message
	// seen); the Messages use case resolves it inside its own read, and
	// answers ErrCursor when it is not a message of the ticket.
	AfterID *ID
	// Authors asks the Messages use case to load the messages' authors in
	// the same read (Conversation.People). Stores ignore it.
	Authors bool
	// Brief lets the store read only the conversation's core fields (ids,
	// author, visibility, body, channel, times); the email, triage, shop
	// and delivery fields come back empty. A list that renders only those
	// (the comments resource) sets it: reading a third of the columns is
	// most of the cost of a page on SQLite.
	Brief bool
}

// Clock tells the time; tests pin it.
type Clock func() time.Time
