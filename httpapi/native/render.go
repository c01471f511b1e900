package native

import (
	"time"

	ticketd "github.com/ticketd/ticketd"
)

// The native API's objects, in snake_case. Every object carries its UUID id
// and its number (the id of the /api/v1 surface).

// WorkspaceJSON is a workspace as the native API renders it.
type WorkspaceJSON struct {
	ID        ticketd.ID                `json:"id"`
	Number    int64                     `json:"number"`
	Name      string                    `json:"name"`
	Settings  ticketd.WorkspaceSettings `json:"settings"`
	CreatedAt time.Time                 `json:"created_at"`
}

// RenderWorkspace renders w.
func RenderWorkspace(w *ticketd.Workspace) WorkspaceJSON {
	return WorkspaceJSON{ID: w.ID, Number: w.Number, Name: w.Name, Settings: w.Settings, CreatedAt: w.CreatedAt}
}

// UserJSON is an agent as the native API renders it.
type UserJSON struct {
	ID        ticketd.ID `json:"id"`
	Number    int64      `json:"number"`
	Email     string     `json:"email"`
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	userProfileJSON
}

// RenderUser renders u.
func RenderUser(u *ticketd.User) UserJSON {
	return UserJSON{ID: u.ID, Number: u.Number, Email: u.Email, Name: u.Name, Role: string(u.Role),
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, userProfileJSON: renderUserProfile(u)}
}

type customerJSON struct {
	ID          ticketd.ID `json:"id"`
	Number      int64      `json:"number"`
	Email       string     `json:"email"`
	PhoneNumber string     `json:"phone_number"`
	FirstName   string     `json:"first_name"`
	LastName    string     `json:"last_name"`
	FullName    string     `json:"full_name"`
	// Profile holds the profile fields (planning.go), every one of them.
	Profile   map[string]any `json:"profile"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
}

func renderCustomer(c *ticketd.Customer) customerJSON {
	return customerJSON{ID: c.ID, Number: c.Number, Email: c.Email, PhoneNumber: c.Phone, FirstName: c.FirstName,
		LastName: c.LastName, FullName: c.FullName(), Profile: renderProfile(&c.Profile), CreatedAt: c.CreatedAt,
		UpdatedAt: c.UpdatedAt}
}

type apiKeyJSON struct {
	ID     ticketd.ID      `json:"id"`
	Number int64           `json:"number"`
	Name   string          `json:"name"`
	Prefix string          `json:"prefix"`
	Scopes []ticketd.Scope `json:"scopes"`
	UserID ticketd.ID      `json:"user_id"`
	// Role is the role of the agent the key acts as, which bounds its scopes.
	Role      ticketd.Role `json:"role"`
	ExpiresAt *time.Time   `json:"expires_at"`
	// AllowedIPs are where the key may be used from; empty, anywhere.
	AllowedIPs []string  `json:"allowed_ips"`
	CreatedAt  time.Time `json:"created_at"`
	// Key is the key itself, present only in the response that created it.
	Key string `json:"key,omitempty"`
}

func renderAPIKey(k *ticketd.APIKey, raw string) apiKeyJSON {
	allowed := make([]string, len(k.AllowedIPs))
	for i, pr := range k.AllowedIPs {
		allowed[i] = pr.String()
	}
	return apiKeyJSON{ID: k.ID, Number: k.Number, Name: k.Name, Prefix: k.Prefix, Scopes: k.Scopes, UserID: k.UserID,
		Role: k.Role, ExpiresAt: k.ExpiresAt, AllowedIPs: allowed, CreatedAt: k.CreatedAt, Key: raw}
}

type ticketJSON struct {
	ID             ticketd.ID  `json:"id"`
	Number         int64       `json:"number"`
	CustomerID     ticketd.ID  `json:"customer_id"`
	Subject        string      `json:"subject"`
	Channel        string      `json:"channel"`
	Status         string      `json:"status"`
	AssigneeID     *ticketd.ID `json:"assignee_id"`
	Tags           []string    `json:"tags"`
	UnreadCount    int         `json:"unread_count"`
	LastMessage    string      `json:"last_message"`
	LastMessageAt  time.Time   `json:"last_message_at"`
	Date           time.Time   `json:"date"`
	InboxID        *ticketd.ID `json:"inbox_id"`
	ChannelThread  string      `json:"channel_thread"`
	ContactAddress string      `json:"contact_address"`
	Reason         string      `json:"reason"`
	Language       string      `json:"language"`
	Source         string      `json:"source"`
	HandedOffAt    *time.Time  `json:"handed_off_at"`
	// SnoozedUntil is set while the ticket is put aside (it may be past:
	// the ticket then needs the team again).
	SnoozedUntil *time.Time `json:"snoozed_until"`
	ClosedAt     *time.Time `json:"closed_at"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	planningJSON
}

func renderTicket(t *ticketd.Ticket) ticketJSON {
	return ticketJSON{ID: t.ID, Number: t.Number, CustomerID: t.CustomerID, Subject: t.Subject, Channel: t.Channel,
		Status: string(t.Status), AssigneeID: t.AssigneeID, Tags: t.Tags, UnreadCount: t.UnreadCount,
		LastMessage: t.LastMessage, LastMessageAt: t.LastMessageAt, Date: t.Date, InboxID: t.InboxID,
		ChannelThread: t.ChannelThread, ContactAddress: t.ContactAddress, Reason: t.Reason, Language: t.Language,
		Source: t.Source, HandedOffAt: t.HandedOffAt, SnoozedUntil: t.SnoozedUntil, ClosedAt: t.ClosedAt,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, planningJSON: renderPlanning(t)}
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// RenderAPIKey renders k as POST /v1/api-keys answers it, with the raw key
// when raw is set (the command line's `ticketd key create` prints the same).
func RenderAPIKey(k *ticketd.APIKey, raw string) any { return renderAPIKey(k, raw) }
