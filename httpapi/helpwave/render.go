package helpwave

import (
	"encoding/json"
	"strconv"
	"strings"
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

// channel names an email channel "Mail", as the product's integrations test
// (Channel === "Mail", seeds 000 and 002), whichever surface stored it.
func channel(c string) string {
	if ticketd.IsEmailChannel(c) {
		return "Mail"
	}
	return c
}

// ticketJSON is the conversation the seed's POST /api/v1/tickets returns: its
// documented fields, plus the scalar fields every stored conversation has
// (date, lastMessageTime, unReadChatCount).
type ticketJSON struct {
	ID              string   `json:"id"`
	CustomerID      int64    `json:"customerID"`
	Channel         string   `json:"Channel"`
	Name            *string  `json:"name"`
	ChannelThread   *string  `json:"threadId"`
	ContactAddress  *string  `json:"emailUsed"`
	LastMessage     *string  `json:"lastMessage"`
	Reason          *string  `json:"contact_reason"`
	AssignedTo      *int64   `json:"assigned_to"`
	IsOpenedTicket  bool     `json:"isOpenedTicket"`
	Tags            []string `json:"tags"`
	Language        *string  `json:"language_code"`
	Source          *string  `json:"via"`
	Date            isoTime  `json:"date"`
	LastMessageTime isoTime  `json:"lastMessageTime"`
	UnReadChatCount int      `json:"unReadChatCount"`
}

// ticketDetailJSON is a ticket read back with GET: the same fields and the
// related customer, assigned agent and human ticket.
type ticketDetailJSON struct {
	ticketJSON
	ShopDomain  *string          `json:"shopDomain"`
	Customer    *ticketCustomer  `json:"Customer"`
	User        *userJSON        `json:"User"`
	HumanTicket *humanTicketJSON `json:"HumanTicket"`
}

// humanTicketJSON is the seed product's HumanTicket: the human handling of a
// conversation, opened with isOpenedTicket. ticketd keeps it on the ticket
// itself, so its id is the ticket's and it is CLOSED when the ticket is
// solved or closed.
type humanTicketJSON struct {
	ID                int64    `json:"id"`
	HumanTicketStatus string   `json:"HumanTicketStatus"`
	OpenedAt          isoTime  `json:"openedAt"`
	ClosedAt          *isoTime `json:"closedAt"`
}

// renderTicket renders t given the numbers of its customer and assignee
// (0: none), which the caller has resolved.
func renderTicket(t *ticketd.Ticket, customer, assignee int64) ticketJSON {
	j := ticketJSON{
		ID: idString(t.Number), CustomerID: customer, Channel: channel(t.Channel), Name: nullable(t.Subject),
		ChannelThread: nullable(t.ChannelThread), ContactAddress: nullable(t.ContactAddress), LastMessage: nullable(t.LastMessage),
		Reason: nullable(t.Reason), IsOpenedTicket: t.HandedOffAt != nil, Tags: t.Tags,
		Language: nullable(t.Language), Source: nullable(t.Source), Date: isoTime(t.Date),
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
	if t.HandedOffAt == nil {
		return nil
	}
	h := &humanTicketJSON{ID: t.Number, HumanTicketStatus: "OPEN", OpenedAt: isoTime(*t.HandedOffAt)}
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

// ticketCustomer is the Customer of a ticket read back: the reference, the
// phone number and the Shopify id (developers.helpwave.ai/reference/tickets/get-by-id).
type ticketCustomer struct {
	customerRefJSON
	PhoneNumber *string `json:"phone_number"`
	ShopifyID   *string `json:"shopify_id"`
}

func renderTicketCustomer(c *ticketd.Customer) *ticketCustomer {
	return &ticketCustomer{customerRefJSON: *renderCustomerRef(c), PhoneNumber: nullable(c.Phone),
		ShopifyID: nullable(c.Profile.Identities[ticketd.SystemShopify])}
}

func renderCustomerRef(c *ticketd.Customer) *customerRefJSON {
	if c == nil {
		return nil
	}
	return &customerRefJSON{ID: c.Number, Email: nullable(c.Email), FirstName: nullable(c.FirstName),
		LastName: nullable(c.LastName), FullName: nullable(c.FullName())}
}

// customerJSON is a customer as the customer routes return it
// (developers.helpwave.ai/reference/customers/get-by-id): the same fields,
// the phone number, the platform and import ids (null when unknown), the
// shop's facts and the shop's domain. createdAt is kept beside the
// product's creationDate for the clients of earlier ticketd versions.
type customerJSON struct {
	customerRefJSON
	PhoneNumber     *string  `json:"phone_number"`
	ShopifyID       *string  `json:"shopify_id"`
	WordPressID     *string  `json:"wordpress_id"`
	PrestaShopID    *string  `json:"prestashop_id"`
	FacebookID      *string  `json:"fb_user_id"`
	InstagramID     *string  `json:"ig_user_id"`
	WhatsAppID      *string  `json:"whatsapp_id"`
	NumberOfOrders  int      `json:"numberOfOrders"`
	ShopDomain      *string  `json:"shopDomain"`
	CreationDate    isoTime  `json:"creationDate"`
	CMSCreationDate *isoTime `json:"cms_creationDate"`
	CMS             *string  `json:"CMS"`
	ZendeskID       *string  `json:"zendesk_id"`
	FreshdeskID     *string  `json:"freshdesk_id"`
	InstagramHandle *string  `json:"ig_pseudo"`
	GmeliusID       *string  `json:"gmelius_id"`
	GorgiasID       *string  `json:"gorgias_id"`
	CreatedAt       isoTime  `json:"createdAt"`
}

func renderCustomer(c *ticketd.Customer, ws *ticketd.Workspace) customerJSON {
	id := func(system string) *string { return nullable(c.Profile.Identities[system]) }
	j := customerJSON{customerRefJSON: *renderCustomerRef(c), PhoneNumber: nullable(c.Phone),
		ShopifyID: id(ticketd.SystemShopify), WordPressID: id(ticketd.SystemWordPress),
		PrestaShopID: id(ticketd.SystemPrestaShop), FacebookID: id(ticketd.SystemFacebook),
		InstagramID: id(ticketd.SystemInstagram), WhatsAppID: id(ticketd.SystemWhatsApp),
		ZendeskID: id(ticketd.SystemZendesk), FreshdeskID: id(ticketd.SystemFreshdesk),
		InstagramHandle: id(ticketd.SystemInstagramHandle), GmeliusID: id(ticketd.SystemGmelius),
		GorgiasID: id(ticketd.SystemGorgias), ShopDomain: nullable(ws.Settings.Website),
		CreationDate: isoTime(c.CreatedAt), CMSCreationDate: optTime(c.Profile.PlatformCreatedAt),
		CMS: nullable(c.Profile.Platform), CreatedAt: isoTime(c.CreatedAt)}
	if c.Profile.Orders != nil {
		j.NumberOfOrders = *c.Profile.Orders
	}
	return j
}

// userJSON is an agent inside a ticket or a comment
// (developers.helpwave.ai/reference/tickets/get-by-id, "User"). ticketd
// keeps one name per agent; first_name is its first word and last_name the
// rest, so first and last always join back to full_name.
type userJSON struct {
	ID        int64   `json:"id"`
	Email     *string `json:"email"`
	FirstName *string `json:"first_name"`
	LastName  *string `json:"last_name"`
	FullName  *string `json:"full_name"`
}

func renderUser(u *ticketd.User) *userJSON {
	if u == nil {
		return nil
	}
	name := strings.Join(strings.Fields(u.Name), " ")
	first, last, _ := strings.Cut(name, " ")
	return &userJSON{ID: u.Number, Email: nullable(u.Email), FirstName: nullable(first), LastName: nullable(last),
		FullName: nullable(name)}
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
	c := commentJSON{ID: idString(m.Number), Text: m.Body, Time: isoTime(m.Time), Channel: channel(m.Channel),
		IsFromShop: m.FromShop(), Subject: nullable(m.Subject), FromEmail: nullable(m.FromAddress),
		ToEmails: m.To, Tags: m.Tags, Attachments: m.ExternalAttachments}
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
