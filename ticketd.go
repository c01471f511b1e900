// Package ticketd is the domain of ticketd, a self-hosted helpdesk backend:
// its types, the rules that hold across every API surface, its one error type
// and the use cases (Service) that surfaces call. It knows nothing of HTTP or
// SQL; storage, mail and text analysis are behind the small interfaces it owns.
package ticketd

import (
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Workspace is one support team's tenancy: every other object belongs to
// exactly one workspace, and no query ever crosses workspaces.
type Workspace struct {
	ID        ID
	Number    int64
	Name      string
	Settings  WorkspaceSettings
	CreatedAt time.Time
}

// WorkspaceSettings are the switches a workspace can turn.
type WorkspaceSettings struct {
	// AutoTriage runs language and sentiment detection on inbound messages.
	AutoTriage bool `json:"auto_triage"`
	// EmailAgentComments sends public agent comments on email tickets to the
	// customer, as the messages resource always does.
	EmailAgentComments bool `json:"email_agent_comments"`
	// Website is the team's shop or website domain ("example.myshopify.com"),
	// which the HelpWave API shows as every customer's shopDomain.
	Website string `json:"website"`
}

// DefaultSettings are the settings of a new workspace.
var DefaultSettings = WorkspaceSettings{AutoTriage: true, EmailAgentComments: true}

// Role is an agent's role in a workspace.
type Role string

const (
	RoleAdmin Role = "admin"
	RoleAgent Role = "agent"
	// RoleReadOnlyAdmin sees everything and changes nothing; the keys it
	// makes hold read scopes only and expire (roles.go).
	RoleReadOnlyAdmin Role = "read_only_admin"
	// RoleReadOnlyAgent sees tickets and customers and changes nothing.
	RoleReadOnlyAgent Role = "read_only_agent"
)

// User is an agent: a member of the support team.
type User struct {
	ID          ID
	Number      int64
	WorkspaceID ID
	Email       string
	Name        string
	Role        Role
	// Profile fields (profiles.go).
	IsActive     bool
	EmployeeType EmployeeType
	AvatarURL    string
	// Avatar is a picture uploaded for the agent (profiles.go); it wins over
	// AvatarURL where a surface shows one.
	Avatar    Avatar
	Region    string
	Timezone  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Customer is someone the team supports.
type Customer struct {
	ID          ID
	Number      int64
	WorkspaceID ID
	Email       string
	Phone       string
	FirstName   string
	LastName    string
	// Profile is what else the team knows of the customer: a name as given,
	// ids in other systems, free-form metadata (customers.go), and where they
	// work and live (CustomerDetails, profiles.go).
	Profile   CustomerProfile
	CreatedAt time.Time
	UpdatedAt time.Time
}

// FullName is the customer's name as given, or else the first and last
// name, as the surfaces show it.
func (c *Customer) FullName() string {
	if c.Profile.Name != "" {
		return c.Profile.Name
	}
	return strings.TrimSpace(c.FirstName + " " + c.LastName)
}

// Status is where a ticket stands.
type Status string

const (
	// StatusNew is a ticket nobody on the team has opened yet.
	StatusNew     Status = "new"
	StatusOpen    Status = "open"
	StatusPending Status = "pending" // waiting for the customer
	StatusSolved  Status = "solved"
	StatusClosed  Status = "closed"
)

// Valid reports whether s is one of the five statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusNew, StatusOpen, StatusPending, StatusSolved, StatusClosed:
		return true
	}
	return false
}

// OpenStatuses are what "open" means in a list or a count of tickets: open,
// and new (nobody on the team has opened it yet; TopTickets creates these).
// A surface without a status "new" of its own (the console's open views,
// Ticket0's status=open) lists both, so a new ticket is never out of sight.
// A filter takes them as ViewFilter.Statuses or TicketFilter.Statuses.
var OpenStatuses = []Status{StatusNew, StatusOpen}

// IsOpen reports whether s is one of OpenStatuses.
func (s Status) IsOpen() bool { return s == StatusNew || s == StatusOpen }

// Snoozed reports whether the ticket is put aside at now.
func (t *Ticket) Snoozed(now time.Time) bool {
	return t.SnoozedUntil != nil && t.SnoozedUntil.After(now)
}

// Done reports whether a ticket in this status needs no more work.
func (s Status) Done() bool { return s == StatusSolved || s == StatusClosed }

// IsEmailChannel reports whether a ticket or message channel means email. The
// shop API calls it "Mail", the messages resource "email"; both are kept as
// given and mean the same thing here.
func IsEmailChannel(channel string) bool {
	return strings.EqualFold(channel, "email") || strings.EqualFold(channel, "mail")
}

// Ticket is one support case: a customer, a subject and one conversation.
type Ticket struct {
	ID            ID
	Number        int64
	WorkspaceID   ID
	CustomerID    ID
	Subject       string
	Channel       string // free-form label, e.g. "email", "Mail", "Website"
	Status        Status
	AssigneeID    *ID
	Tags          []string
	UnreadCount   int
	LastMessage   string
	LastMessageAt time.Time
	// Date is when the conversation started; imported tickets may date it back.
	Date time.Time
	// InboxID is the monitored inbox an email ticket belongs to, if any.
	InboxID *ID

	// ChannelThread is the channel's own id of the conversation (an email
	// thread id, a chat thread), as an integration recorded it.
	ChannelThread string
	// ContactAddress is the address the customer wrote to or from.
	ContactAddress string
	// Reason is why the customer got in touch, in the team's own words.
	Reason string
	// Language is the conversation's language (an ISO 639-1 code).
	Language string
	// Source names the integration or path that opened the ticket ("api").
	Source string
	// HandedOffAt is when the conversation was handed to a human agent (an
	// AI or a bot had it before); nil while no human was asked for.
	HandedOffAt *time.Time
	// ClosedAt is when the ticket last became solved or closed.
	ClosedAt *time.Time
	// SnoozedUntil puts the ticket aside until then: it keeps its status,
	// but is snoozed while the time is in the future (Ticket.Snoozed).
	SnoozedUntil *time.Time

	// Triage and planning fields (ticketfields.go).
	Priority    Priority
	Category    string
	Description string
	// DueAt is when the team means to have resolved the ticket.
	DueAt *time.Time
	// ResolvedAt is when the ticket was resolved: it became solved, or
	// closed without having been solved first. Reopening clears it.
	ResolvedAt *time.Time
	// TrackingToken lets the customer follow the ticket without an account;
	// nil for tickets created before tokens existed.
	TrackingToken *ID
	// TeamID is the team the ticket is assigned to, beside or instead of an agent.
	TeamID *ID
	// MessageCount and PublicCount count the ticket's messages (all of them,
	// and those that are not internal notes). The store keeps them in the
	// same transaction as every message write, so a surface that shows a
	// total reads it here instead of counting the conversation.
	MessageCount int
	PublicCount  int

	// Version counts the changes of the ticket's conversation: the store
	// moves it in the same transaction as every write to the ticket's
	// messages or to what hangs off them (attachments, email
	// authentication), whichever code path writes. Equal versions mean the
	// same conversation, which is what the conversation cache keys on
	// (convcache.go); it is also a natural ETag. It does not move for
	// changes of the ticket's own fields, which are always read fresh.
	Version int64

	CreatedAt time.Time
	UpdatedAt time.Time
}

// AuthorKind says who wrote a message. Direction, the shop API's isFromShop
// and every surface's author type are derived from it.
type AuthorKind string

const (
	AuthorCustomer AuthorKind = "customer"
	AuthorAgent    AuthorKind = "agent"  // a human member of the team
	AuthorSystem   AuthorKind = "system" // ticketd itself or an automation
	AuthorAI       AuthorKind = "ai"     // an AI agent replying for the team
)

// Author is the one author of a message: a customer, or a user of the
// workspace for every other kind (a system or AI message may have no user).
type Author struct {
	Kind       AuthorKind
	UserID     *ID
	CustomerID *ID
}

// Direction is inbound for messages from the customer, outbound otherwise.
type Direction string

const (
	Inbound  Direction = "inbound"
	Outbound Direction = "outbound"
)

// DeliveryStatus tracks a message's email delivery through the outbox.
type DeliveryStatus string

const (
	DeliveryNone    DeliveryStatus = ""        // not emailed (notes, chat, inbound)
	DeliveryQueued  DeliveryStatus = "queued"  // in the outbox, not yet accepted by the relay
	DeliverySent    DeliveryStatus = "sent"    // accepted by the relay
	DeliveryFailed  DeliveryStatus = "failed"  // given up on; DeliveryError says why
	DeliveryBounced DeliveryStatus = "bounced" // accepted, then bounced back
)

// Message is one entry of a ticket's conversation: a customer message, an
// agent reply or an internal note. Every surface shows the same messages.
type Message struct {
	ID          ID
	Number      int64
	WorkspaceID ID
	TicketID    ID
	Author      Author
	Internal    bool
	Body        string
	BodyHTML    *string
	// Time is when the message was written; it orders the conversation and may
	// be set by the shop API (imports), unlike CreatedAt.
	Time    time.Time
	Channel string

	// Email fields (seed 003).
	Subject     string
	FromAddress string
	FromName    string
	To          []string
	Cc          []string
	ExternalID  string // the RFC 5322 Message-ID, with angle brackets
	InReplyTo   string
	References  []string

	// Triage results, set on inbound messages.
	BodyCleaned *string
	Language    *string
	Sentiment   *string

	Tags []string
	// ExternalAttachments describe files an integration keeps elsewhere (a
	// shop's attachments payload, seed 000), as the JSON it sent, to be read
	// back; they are not files ticketd stores (see Attachment).
	ExternalAttachments json.RawMessage

	Delivery         DeliveryStatus
	DeliveryAttempts int
	DeliveryError    string

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Direction derives the message's direction from its author.
func (m *Message) Direction() Direction {
	if m.Author.Kind == AuthorCustomer {
		return Inbound
	}
	return Outbound
}

// TagAutoReply marks a message a machine sent in answer to ours (an out-of-office
// reply): it is stored, but never answered automatically and never reopens a ticket.
const TagAutoReply = "auto-reply"

// AutoReply reports whether the message is an automatic reply.
func (m *Message) AutoReply() bool { return slices.Contains(m.Tags, TagAutoReply) }

// FromShop reports whether the team wrote the message (the shop API's isFromShop).
func (m *Message) FromShop() bool { return m.Author.Kind != AuthorCustomer }

// Scope is one right an API key can hold. Routes name the scope they need.
type Scope string

// AllScopes lists every scope, in CONTRACT.md's order.
var AllScopes = []Scope{
	"tickets:read", "tickets:write",
	"comments:read", "comments:write", "comments:delete",
	"messages:read", "messages:send",
	"customers:read", "customers:write",
	"users:read", "users:write",
	"settings:read", "settings:write",
	"inbound:write",
	// Added with the TopTickets surface (its documented scope list).
	"tickets:delete", "customers:delete", "users:delete",
	"attachments:read", "attachments:write", "attachments:delete",
	"teams:read", "teams:write", "teams:delete",
	"dashboard:read",
	// Writing the knowledge base (articles.go); reading it needs tickets:read,
	// as Ticket0's docs say.
	"articles:write",
	"webhooks:read", "webhooks:write",
	ScopeAdmin,
}

// ScopeAdmin is Ticket0's full-access scope ("full access to all resources
// and settings", docs.ticket0.ai/docs/api-reference/authentication): a key
// that holds it may do what every other scope allows, on every surface. It
// is granted by name only: a key holding every other scope does not hold it
// and cannot give it; the read-only roles cannot hold it (roles.go).
const ScopeAdmin Scope = "admin"

// HasScope reports whether scopes grant scope: they name it, or they hold
// ScopeAdmin.
func HasScope(scopes []Scope, scope Scope) bool {
	for _, s := range scopes {
		if s == scope || s == ScopeAdmin {
			return true
		}
	}
	return false
}

// ValidScope reports whether s is a scope ticketd knows.
func ValidScope(s Scope) bool {
	for _, v := range AllScopes {
		if v == s {
			return true
		}
	}
	return false
}

// APIKey grants its holder some scopes in one workspace, acting as one agent:
// that agent is the author of everything the key writes. Only a hash of the
// key is stored; the key itself is shown once, when it is created.
type APIKey struct {
	ID          ID
	Number      int64
	WorkspaceID ID
	UserID      ID
	Name        string
	Prefix      string // the visible start of the key, to tell keys apart
	Hash        []byte
	Scopes      []Scope
	// Role is the role of the agent the key acts as, when it was made; it
	// decides which scopes the key may hold and its rate limit (roles.go).
	Role Role
	// ExpiresAt is when the key stops working; nil never.
	ExpiresAt *time.Time
	// AllowedIPs are the addresses the key may be used from; empty, any.
	AllowedIPs []netip.Prefix
	CreatedAt  time.Time
}

// Principal is the authenticated caller of a use case: every use case works
// inside the principal's workspace and writes as its user.
type Principal struct {
	WorkspaceID ID
	UserID      ID
	KeyID       ID
	Scopes      []Scope
	// Role is the key's role (APIKey.Role).
	Role Role
	// ExpiresAt is when the key stops working (APIKey.ExpiresAt); nil never.
	ExpiresAt *time.Time
	// AllowedIPs are where the key may be used from (APIKey.AllowedIPs).
	AllowedIPs []netip.Prefix
	// Audience is whom the caller's surface faces; the service decides from
	// it alone whether internal notes may be seen or written.
	Audience Audience
}

// Audience is whom a surface faces. The zero value is the customer-facing,
// note-blind audience, so that a caller that forgets to say is never shown
// an internal note.
type Audience int

const (
	// AudienceCustomer is an integration that may show what it reads to
	// customers (a shop widget, an email client): internal notes are
	// invisible to it and it cannot write them.
	AudienceCustomer Audience = iota
	// AudienceTeam is the support team's own tooling: it sees and writes
	// internal notes.
	AudienceTeam
)

// SeesNotes reports whether the audience may see and write internal notes.
func (a Audience) SeesNotes() bool { return a == AudienceTeam }

// Can reports whether the principal holds scope, by name or as admin.
func (p *Principal) Can(scope Scope) bool { return HasScope(p.Scopes, scope) }
