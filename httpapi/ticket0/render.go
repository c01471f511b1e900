package ticket0

import (
	"net/http"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
	"github.com/ticketd/ticketd/httpapi/typeid"
)

// messageJSON is the seed's message object, every field always present: a
// value the message does not have is null, a recipient list is [].
type messageJSON struct {
	ID          string   `json:"id"`
	Direction   string   `json:"direction"`
	Channel     string   `json:"channel"`
	Subject     *string  `json:"subject"`
	FromAddress *string  `json:"fromAddress"`
	FromName    *string  `json:"fromName"`
	ToAddresses []string `json:"toAddresses"`
	CcAddresses []string `json:"ccAddresses"`
	BodyText    string   `json:"bodyText"`
	BodyHTML    *string  `json:"bodyHtml"`
	// BodyTextCleaned is the inbound body without quoted replies and
	// signatures, as triage left it; null on outbound messages and until
	// triage has run on an inbound one, never a copy of bodyText, so that a
	// client can tell "cleaned, nothing to strip" from "not cleaned".
	BodyTextCleaned  *string `json:"bodyTextCleaned"`
	ExternalID       *string `json:"externalId"`
	InReplyTo        *string `json:"inReplyTo"`
	AuthorType       string  `json:"authorType"`
	AuthorID         *string `json:"authorId"`
	AuthorName       *string `json:"authorName"`
	ConversationID   string  `json:"conversationId"`
	AISentiment      *string `json:"aiSentiment"`
	DetectedLanguage *string `json:"detectedLanguage"`
	CreatedAt        string  `json:"createdAt"`
}

// render renders messages with their authors' names, each author looked up
// once per response however many messages they wrote.
func render(r *http.Request, svc *ticketd.Service, p *ticketd.Principal, ms []*ticketd.Message) ([]messageJSON, error) {
	people, err := svc.Participants(r.Context(), p, ms)
	if err != nil {
		return nil, err
	}
	out := make([]messageJSON, 0, len(ms))
	for _, m := range ms {
		out = append(out, renderMessage(m, people))
	}
	return out, nil
}

// authorType is the seed's word for who wrote a message: the customer, a
// user (a human operator), or an agent (an AI agent or automation).
func authorType(k ticketd.AuthorKind) string {
	switch k {
	case ticketd.AuthorCustomer:
		return "customer"
	case ticketd.AuthorAgent:
		return "user"
	}
	return "agent"
}

func renderMessage(m *ticketd.Message, people *ticketd.Participants) messageJSON {
	j := messageJSON{
		ID:               typeid.Format(typeid.Message, m.ID),
		Direction:        string(m.Direction()),
		Channel:          "chat",
		Subject:          nullable(m.Subject),
		FromAddress:      nullable(m.FromAddress),
		FromName:         nullable(m.FromName),
		ToAddresses:      nonNil(m.To),
		CcAddresses:      nonNil(m.Cc),
		BodyText:         m.Body,
		BodyHTML:         m.BodyHTML,
		ExternalID:       nullable(m.ExternalID),
		InReplyTo:        nullable(m.InReplyTo),
		AuthorType:       authorType(m.Author.Kind),
		ConversationID:   typeid.Format(typeid.Conversation, m.TicketID),
		AISentiment:      m.Sentiment,
		DetectedLanguage: m.Language,
		CreatedAt:        m.CreatedAt.UTC().Format(time.RFC3339),
	}
	if ticketd.IsEmailChannel(m.Channel) {
		j.Channel = "email"
	}
	if m.Direction() == ticketd.Inbound {
		j.BodyTextCleaned = m.BodyCleaned
	}
	switch {
	case m.Author.CustomerID != nil:
		id := typeid.Format(typeid.Customer, *m.Author.CustomerID)
		j.AuthorID = &id
		if c := people.Customers[*m.Author.CustomerID]; c != nil {
			j.AuthorName = nullable(c.FullName())
			// An inbound message without its own sender (a chat message,
			// or one posted through another surface) was sent by the
			// customer, whose address and name these are.
			if j.FromAddress == nil {
				j.FromAddress = nullable(c.Email)
			}
			if j.FromName == nil {
				j.FromName = nullable(c.FullName())
			}
		}
	case m.Author.UserID != nil:
		id := typeid.Format(typeid.User, *m.Author.UserID)
		j.AuthorID = &id
		if u := people.Users[*m.Author.UserID]; u != nil {
			j.AuthorName = nullable(u.Name)
		}
	}
	return j
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// AppendJSON writes j as encoding/json would (see httpapi.JSONAppender):
// a conversation is the hottest read of the API.
func (j messageJSON) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = httpapi.AppendString(b, j.ID)
	b = append(b, `,"direction":`...)
	b = httpapi.AppendString(b, j.Direction)
	b = append(b, `,"channel":`...)
	b = httpapi.AppendString(b, j.Channel)
	b = append(b, `,"subject":`...)
	b = httpapi.AppendStringPtr(b, j.Subject)
	b = append(b, `,"fromAddress":`...)
	b = httpapi.AppendStringPtr(b, j.FromAddress)
	b = append(b, `,"fromName":`...)
	b = httpapi.AppendStringPtr(b, j.FromName)
	b = append(b, `,"toAddresses":`...)
	b = httpapi.AppendStrings(b, j.ToAddresses)
	b = append(b, `,"ccAddresses":`...)
	b = httpapi.AppendStrings(b, j.CcAddresses)
	b = append(b, `,"bodyText":`...)
	b = httpapi.AppendString(b, j.BodyText)
	b = append(b, `,"bodyHtml":`...)
	b = httpapi.AppendStringPtr(b, j.BodyHTML)
	b = append(b, `,"bodyTextCleaned":`...)
	b = httpapi.AppendStringPtr(b, j.BodyTextCleaned)
	b = append(b, `,"externalId":`...)
	b = httpapi.AppendStringPtr(b, j.ExternalID)
	b = append(b, `,"inReplyTo":`...)
	b = httpapi.AppendStringPtr(b, j.InReplyTo)
	b = append(b, `,"authorType":`...)
	b = httpapi.AppendString(b, j.AuthorType)
	b = append(b, `,"authorId":`...)
	b = httpapi.AppendStringPtr(b, j.AuthorID)
	b = append(b, `,"authorName":`...)
	b = httpapi.AppendStringPtr(b, j.AuthorName)
	b = append(b, `,"conversationId":`...)
	b = httpapi.AppendString(b, j.ConversationID)
	b = append(b, `,"aiSentiment":`...)
	b = httpapi.AppendStringPtr(b, j.AISentiment)
	b = append(b, `,"detectedLanguage":`...)
	b = httpapi.AppendStringPtr(b, j.DetectedLanguage)
	b = append(b, `,"createdAt":`...)
	b = httpapi.AppendString(b, j.CreatedAt)
	return append(b, '}'), nil
}
