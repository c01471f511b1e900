package helpwave

import (
	"encoding/json"
	"strconv"
	"time"

	ticketd "github.com/ticketd/ticketd"
)

// The shop API's objects, with the seed's field names and casings. Ids are
// numbers: tickets and comments as decimal strings (the seed's BigInts),
// customers and agents as JSON integers. An optional text field that was
// never set is null, as it is in the seed product's database.

// isoTime renders times as the seed does: UTC, milliseconds, "Z".
type isoTime time.Time

func (t isoTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format("2006-01-02T15:04:05.000Z") + `"`), nil
}

func optTime(t *time.Time) *isoTime {
	if t == nil {
		return nil
	}
	v := isoTime(*t)
	return &v
}

// nullable renders an unset text field as null.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func idString(n int64) string { return strconv.FormatInt(n, 10) }

// ticketJSON is the conversation the seed's POST /api/v1/tickets returns: its
// documented fields, plus the scalar fields every stored conversation has
// (date, lastMessageTime, unReadChatCount).
type ticketJSON struct {
	ID              string   `json:"id"`
	CustomerID      int64    `json:"customerID"`
	Channel         string   `json:"Channel"`
	Name            *string  `json:"name"`
	ThreadID        *string  `json:"threadId"`
	EmailUsed       *string  `json:"emailUsed"`
	LastMessage     *string  `json:"lastMessage"`
	ContactReason   *string  `json:"contact_reason"`
	AssignedTo      *int64   `json:"assigned_to"`
	IsOpenedTicket  bool     `json:"isOpenedTicket"`
	Tags            []string `json:"tags"`
	LanguageCode    *string  `json:"language_code"`
	Via             *string  `json:"via"`
	Date            isoTime  `json:"date"`
	LastMessageTime isoTime  `json:"lastMessageTime"`
	UnReadChatCount int      `json:"unReadChatCount"`
}

// ticketDetailJSON is a ticket read back with GET: the same fields and the
// related customer, assigned agent and human ticket.
type ticketDetailJSON struct {
	ticketJSON
	Customer    *customerRefJSON `json:"Customer"`
	User        *userJSON        `json:"User"`
	HumanTicket *humanTicketJSON `json:"HumanTicket"`
}

// humanTicketJSON is the seed product's HumanTicket: the human handling of a
// conversation, opened with isOpenedTicket. ticketd keeps it on the ticket
// itself, so its id is the ticket's and it is CLOSED when the ticket is
// solved or closed.
type humanTicketJSON struct {
	ID                string   `json:"id"`
	HumanTicketStatus string   `json:"HumanTicketStatus"`
	OpenedAt          isoTime  `json:"openedAt"`
	ClosedAt          *isoTime `json:"closedAt"`
}

// renderTicket renders t given the numbers of its customer and assignee
// (0: none), which the caller has resolved.
func renderTicket(t *ticketd.Ticket, customer, assignee int64) ticketJSON {
	j := ticketJSON{
		ID: idString(t.Number), CustomerID: customer, Channel: t.Channel, Name: nullable(t.Subject),
		ThreadID: nullable(t.ThreadID), EmailUsed: nullable(t.EmailUsed), LastMessage: nullable(t.LastMessage),
		ContactReason: nullable(t.ContactReason), IsOpenedTicket: t.HumanOpenedAt != nil, Tags: t.Tags,
		LanguageCode: nullable(t.LanguageCode), Via: nullable(t.Via), Date: isoTime(t.Date),
		LastMessageTime: isoTime(t.LastMessageAt), UnReadChatCount: t.UnreadCount,
	}
	if j.Tags == nil {
		j.Tags = []string{}
	}
	if assignee != 0 {
		j.AssignedTo = &assignee
	}
	return j
}

func renderHumanTicket(t *ticketd.Ticket) *humanTicketJSON {
	if t.HumanOpenedAt == nil {
		return nil
	}
	h := &humanTicketJSON{ID: idString(t.Number), HumanTicketStatus: "OPEN", OpenedAt: isoTime(*t.HumanOpenedAt)}
	if t.Status.Done() {
		h.HumanTicketStatus = "CLOSED"
		h.ClosedAt = optTime(t.ClosedAt)
	}
	return h
}

// customerRefJSON is a customer as it appears inside a ticket or a comment
// (seed 000's "Customer").
type customerRefJSON struct {
	ID        int64   `json:"id"`
	Email     *string `json:"email"`
	FirstName *string `json:"first_name"`
	LastName  *string `json:"last_name"`
	FullName  *string `json:"full_name"`
}

func renderCustomerRef(c *ticketd.Customer) *customerRefJSON {
	if c == nil {
		return nil
	}
	return &customerRefJSON{ID: c.Number, Email: nullable(c.Email), FirstName: nullable(c.FirstName),
		LastName: nullable(c.LastName), FullName: nullable(c.FullName())}
}

// customerJSON is a customer as the customer routes return it: the same
// fields and the phone number.
type customerJSON struct {
	customerRefJSON
	PhoneNumber *string `json:"phone_number"`
	CreatedAt   isoTime `json:"createdAt"`
}

func renderCustomer(c *ticketd.Customer) customerJSON {
	return customerJSON{customerRefJSON: *renderCustomerRef(c), PhoneNumber: nullable(c.Phone), CreatedAt: isoTime(c.CreatedAt)}
}

// userJSON is an agent inside a ticket or a comment (seed 000's "User").
type userJSON struct {
	ID    int64   `json:"id"`
	Email *string `json:"email"`
	Name  *string `json:"name"`
}

func renderUser(u *ticketd.User) *userJSON {
	if u == nil {
		return nil
	}
	return &userJSON{ID: u.Number, Email: nullable(u.Email), Name: nullable(u.Name)}
}

// commentJSON is a message as seed 000's POST returns it, with its stored
// attachments.
type commentJSON struct {
	ID          string          `json:"id"`
	Text        string          `json:"text"`
	Time        isoTime         `json:"time"`
	Channel     string          `json:"Channel"`
	IsFromShop  bool            `json:"isFromShop"`
	Subject     *string         `json:"subject"`
	FromEmail   *string         `json:"fromEmail"`
	ToEmails    []string        `json:"toEmails"`
	Tags        []string        `json:"tags"`
	Attachments json.RawMessage `json:"attachments"`
}

// commentDetailJSON is a message as seed 000's GET lists it: with its author,
// the Customer for a customer's message and the User for the team's.
type commentDetailJSON struct {
	commentJSON
	Customer *customerRefJSON `json:"Customer"`
	User     *userJSON        `json:"User"`
}

func renderComment(m *ticketd.Message) commentJSON {
	c := commentJSON{ID: idString(m.Number), Text: m.Body, Time: isoTime(m.Time), Channel: m.Channel,
		IsFromShop: m.FromShop(), Subject: nullable(m.Subject), FromEmail: nullable(m.FromAddress),
		ToEmails: m.To, Tags: m.Tags, Attachments: m.Attachments}
	if c.ToEmails == nil {
		c.ToEmails = []string{}
	}
	if c.Tags == nil {
		c.Tags = []string{}
	}
	if len(c.Attachments) == 0 {
		c.Attachments = json.RawMessage("null")
	}
	return c
}
