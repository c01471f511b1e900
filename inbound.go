package ticketd

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// InboundEmail is one received email, parsed (by package mail) into what the
// domain needs. Message ids keep their angle brackets.
type InboundEmail struct {
	MessageID  string
	InReplyTo  string
	References []string
	From       EmailAddress
	// FirstName and LastName split From's display name.
	FirstName, LastName string
	To, Cc              []EmailAddress
	// Recipients are the envelope recipients when the email came by SMTP.
	Recipients    []string
	Subject       string
	Text          string
	HTML          string
	Attachments   []InboundAttachment
	AutoSubmitted bool
	Bounce        *InboundBounce
}

// InboundAttachment is one attachment of a received email.
type InboundAttachment struct {
	Filename    string
	ContentType string
	ContentID   string
	Inline      bool
	Data        []byte
}

// InboundBounce is a delivery status notification.
type InboundBounce struct {
	OriginalMessageID string
	Recipient         string
	Status            string
	Diagnostic        string
	// Failed is false for a mere delay notice.
	Failed bool
}

// Attachment is a stored file of a message. Its bytes live in the BlobStore
// under Key; the database keeps what lists and downloads need.
type Attachment struct {
	ID          ID
	Number      int64
	WorkspaceID ID
	MessageID   ID
	Filename    string
	ContentType string
	ContentID   string
	Inline      bool
	Size        int64
	Key         string // the content's SHA-256, hex
	CreatedAt   time.Time
}

// BlobStore keeps attachment bytes outside the database. Keys are content
// hashes, so storing the same bytes twice is harmless.
type BlobStore interface {
	Put(ctx context.Context, key string, data []byte) error
	Open(ctx context.Context, key string) (io.ReadCloser, error)
}

// Analysis is what triage says of an inbound message.
type Analysis struct {
	Cleaned   string // the customer's own text: quotes and signature removed
	Language  string // ISO 639-1, "" when too short to judge
	Sentiment string // positive, neutral, negative or frustrated; "" when not run
}

// Analyzer analyses inbound text (package triage).
type Analyzer interface {
	Analyze(ctx context.Context, text, html string) Analysis
}

// WithAnalyzer sets the triage of inbound messages.
func WithAnalyzer(a Analyzer) Option { return func(s *Service) { s.analyzer = a } }

// WithBlobStore sets where attachment bytes are kept.
func WithBlobStore(b BlobStore) Option { return func(s *Service) { s.blobs = b } }

// IngestResult says what became of one inbound email.
type IngestResult struct {
	Ticket  *Ticket
	Message *Message
	// Duplicate is true when the email had been ingested before: it is
	// acknowledged and nothing new is stored.
	Duplicate bool
	// Bounced is our outbound message a delivery status notification was
	// about; no ticket is opened for a bounce.
	Bounced *Message
	// Ignored says why nothing was stored, when nothing was.
	Ignored string
}

// plusToken splits "support+t<ticket-hex>@example.com" into the inbox address
// and the ticket token. Replies carry that address in Reply-To, so a client
// that drops In-Reply-To and References still finds its ticket; the token is
// the ticket's 128-bit id, which cannot be guessed to post into someone else's
// ticket.
func plusToken(address string) (base string, ticket *ID) {
	address = strings.ToLower(strings.TrimSpace(address))
	local, domain, ok := strings.Cut(address, "@")
	if !ok {
		return address, nil
	}
	local, tag, hasTag := strings.Cut(local, "+")
	base = local + "@" + domain
	if hasTag && len(tag) == 33 && tag[0] == 't' {
		if id, err := ParseID(tag[1:9] + "-" + tag[9:13] + "-" + tag[13:17] + "-" + tag[17:21] + "-" + tag[21:]); err == nil {
			return base, &id
		}
	}
	return base, nil
}

// ReplyAddress is the Reply-To of replies on ticket t from inbox address:
// the inbox with the ticket's token (see plusToken).
func ReplyAddress(inboxAddress string, t ID) string {
	local, domain, _ := strings.Cut(inboxAddress, "@")
	return local + "+t" + strings.ReplaceAll(t.String(), "-", "") + "@" + domain
}

// InboxFor returns the inbox that monitors address (with or without a ticket
// token), in any workspace, for an SMTP recipient check. ENOTFOUND if none.
func (s *Service) InboxFor(ctx context.Context, address string) (ib *Inbox, err error) {
	base, _ := plusToken(address)
	err = s.store.View(ctx, func(tx Tx) error {
		ib, err = tx.InboxByAddress(ctx, base)
		return err
	})
	return ib, err
}

// InboxAmong returns the first of addresses that is an inbox of the
// principal's workspace: the inbox an email sent to them arrived at.
// EINVALID if none is.
func (s *Service) InboxAmong(ctx context.Context, p *Principal, addresses []string) (*Inbox, error) {
	for _, a := range addresses {
		ib, err := s.InboxFor(ctx, a)
		if err == nil && ib.WorkspaceID == p.WorkspaceID {
			return ib, nil
		} else if err != nil && ErrorCode(err) != ENOTFOUND {
			return nil, err
		}
	}
	return nil, Invalid("recipients", KindReference, "no recipient of the email is a monitored inbox of this workspace")
}

// IngestEmail turns one email received at inbox into a message, in one
// transaction:
//   - what does not fit the limits every message keeps (a subject of 1000
//     characters, a body of 1 MiB, names of 200, no NUL anywhere) is cut to
//     fit rather than refused: the customer's email is kept, not bounced;
//   - a bounce of our own outbound email marks that message bounced and
//     opens no ticket;
//   - an email whose Message-ID the workspace has seen is acknowledged and
//     ignored, and writes no attachment (the unique index on Message-ID is
//     the guard; the look-up first spares the work and the orphan files);
//   - a reply joins its ticket through In-Reply-To, then References (newest
//     first), matched against inbound and outbound Message-IDs, then the
//     ticket token of a Reply-To address; a closed ticket is not reopened: the
//     email starts a new ticket;
//   - the sender is found by address or created with the display name split;
//   - the message updates its ticket as every customer message does, carries
//     triage's cleaned text, language and sentiment (when the workspace's
//     auto-triage is on), and is tagged auto-reply when it is one, so that no
//     automation answers it.
func (s *Service) IngestEmail(ctx context.Context, inbox *Inbox, e *InboundEmail) (*IngestResult, error) {
	e = fitEmail(e)
	var analysis Analysis
	if s.analyzer != nil && e.Bounce == nil {
		analysis = s.analyzer.Analyze(ctx, e.Text, e.HTML)
	}
	// A redelivery (the Message-ID is known) and a bounce store no
	// attachment: their files would be referenced by nothing. Two
	// deliveries racing past this look-up write the same content-addressed
	// files, which the winner references.
	if e.Bounce == nil {
		if dup, err := s.ingested(ctx, inbox.WorkspaceID, e.MessageID); err == nil {
			return dup, nil
		} else if ErrorCode(err) != ENOTFOUND {
			return nil, err
		}
	}
	var atts []*Attachment
	if e.Bounce == nil {
		var err error
		if atts, err = s.storeBlobs(ctx, e.Attachments); err != nil {
			return nil, err
		}
	}
	for attempt := 1; ; attempt++ {
		var res *IngestResult
		err := s.store.Update(ctx, func(tx Tx) (err error) {
			res, err = s.ingest(ctx, tx, inbox, e, analysis, atts)
			return err
		})
		if ErrorCode(err) != ECONFLICT {
			return res, err
		}
		// Another delivery of the same email won the race to the unique
		// index on Message-ID: acknowledge it as a duplicate.
		dup, lookupErr := s.ingested(ctx, inbox.WorkspaceID, e.MessageID)
		if lookupErr == nil {
			return dup, nil
		} else if ErrorCode(lookupErr) != ENOTFOUND || attempt == maxIngestAttempts {
			return nil, err
		}
		// Or another email won a race on something else, the customer both
		// emails are from being the usual one: this email is new, and the
		// next attempt finds what the other created.
	}
}

// maxIngestAttempts bounds how often IngestEmail runs again after losing a
// race on a unique index to a different email.
const maxIngestAttempts = 3

// ingested returns what an email with Message-ID id became, as a duplicate.
func (s *Service) ingested(ctx context.Context, ws ID, id string) (res *IngestResult, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		m, err := tx.MessageByExternalID(ctx, ws, id)
		if err != nil {
			return err
		}
		t, err := tx.Ticket(ctx, ws, ByID(m.TicketID))
		res = &IngestResult{Ticket: t, Message: m, Duplicate: true}
		return err
	})
	return res, err
}

func (s *Service) ingest(ctx context.Context, tx Tx, inbox *Inbox, e *InboundEmail, analysis Analysis, atts []*Attachment) (*IngestResult, error) {
	ws := inbox.WorkspaceID
	now := s.Now()
	if e.Bounce != nil {
		return s.bounce(ctx, tx, ws, e.Bounce, now)
	}
	if m, err := tx.MessageByExternalID(ctx, ws, e.MessageID); err == nil {
		t, err := tx.Ticket(ctx, ws, ByID(m.TicketID))
		return &IngestResult{Ticket: t, Message: m, Duplicate: true}, err
	} else if ErrorCode(err) != ENOTFOUND {
		return nil, err
	}

	t, err := s.threadTicket(ctx, tx, ws, e)
	if err != nil {
		return nil, err
	}
	var before *Ticket // the ticket as it was, nil for a new one
	if t != nil {
		snap := *t
		before = &snap
	}
	var newCustomer *Customer
	c, err := tx.CustomerByEmail(ctx, ws, strings.ToLower(e.From.Address))
	if ErrorCode(err) == ENOTFOUND {
		c = &Customer{ID: NewID(), WorkspaceID: ws, Email: strings.ToLower(e.From.Address),
			FirstName: e.FirstName, LastName: e.LastName, CreatedAt: now, UpdatedAt: now}
		if err := validateCustomer(c); err != nil {
			return nil, err
		}
		err = tx.CreateCustomer(ctx, c)
		newCustomer = c
	}
	if err != nil {
		return nil, err
	}
	if t == nil {
		subject := strings.TrimSpace(e.Subject)
		if subject == "" {
			subject = "(no subject)"
		}
		t = &Ticket{ID: NewID(), WorkspaceID: ws, CustomerID: c.ID, Subject: preview(subject), Channel: "email",
			Status: StatusOpen, Tags: []string{}, InboxID: &inbox.ID, Date: now, LastMessageAt: now,
			CreatedAt: now, UpdatedAt: now, Priority: PriorityMedium, TrackingToken: newTrackingToken()}
		if err := tx.CreateTicket(ctx, t); err != nil {
			return nil, err
		}
	}

	m := &Message{ID: NewID(), WorkspaceID: ws, TicketID: t.ID,
		Author: Author{Kind: AuthorCustomer, CustomerID: &c.ID}, Body: e.Text, Time: now, Channel: "email",
		Subject: e.Subject, FromAddress: strings.ToLower(e.From.Address), FromName: e.From.Name,
		To: addresses(e.To), Cc: addresses(e.Cc), ExternalID: e.MessageID, InReplyTo: e.InReplyTo,
		References: nonNil(e.References), Tags: []string{}, CreatedAt: now, UpdatedAt: now}
	if strings.TrimSpace(m.Body) == "" {
		// The rule that a message has a body holds for what people type; an
		// email may carry only attachments, and is still a message.
		m.Body = "(no text)"
	}
	if e.HTML != "" {
		m.BodyHTML = &e.HTML
	}
	cleaned := analysis.Cleaned
	if s.analyzer == nil {
		cleaned = m.Body
	}
	m.BodyCleaned = &cleaned
	wsp, err := tx.Workspace(ctx, ws)
	if err != nil {
		return nil, err
	}
	if wsp.Settings.AutoTriage {
		if analysis.Language != "" {
			m.Language = &analysis.Language
		}
		if analysis.Sentiment != "" {
			m.Sentiment = &analysis.Sentiment
		}
	}
	if e.AutoSubmitted {
		m.Tags = []string{TagAutoReply}
	}
	if err := validateMessage(m); err != nil {
		return nil, err
	}
	if err := tx.CreateMessage(ctx, m); err != nil {
		return nil, err
	}
	for _, a := range atts {
		a.WorkspaceID, a.MessageID, a.CreatedAt = ws, m.ID, now
		if err := tx.CreateAttachment(ctx, a); err != nil {
			return nil, err
		}
	}
	patch := applyToTicket(t, m, now)
	patch.Apply(t)
	if err := tx.UpdateTicket(ctx, t.WorkspaceID, t.ID, patch); err != nil {
		return nil, err
	}
	if err := s.emit(ctx, tx, inboundEvents(newCustomer, m, before, t)...); err != nil {
		return nil, err
	}
	return &IngestResult{Ticket: t, Message: m}, nil
}

// truncatedNote ends a body that was cut to fit maxBodyLen.
const truncatedNote = "\n\n[ticketd: the rest of this email was too long to keep]"

// fitEmail returns a copy of e that fits what a message and a customer may
// hold. Refusing an email for a long subject, a long display name, a pasted
// log or a stray NUL byte (which PostgreSQL cannot store) would bounce a real
// customer's mail; a record of what was received that is cut to size is
// worth more. The cut is deterministic, so a redelivery is still a duplicate.
func fitEmail(in *InboundEmail) *InboundEmail {
	e := *in
	e.MessageID, e.InReplyTo = fitText(e.MessageID, 0), fitText(e.InReplyTo, 0)
	e.References = make([]string, len(in.References))
	for i, r := range in.References {
		e.References[i] = fitText(r, 0)
	}
	e.From = EmailAddress{Name: fitText(e.From.Name, maxNameLen), Address: fitText(e.From.Address, 0)}
	e.FirstName, e.LastName = fitText(e.FirstName, maxNameLen), fitText(e.LastName, maxNameLen)
	e.To, e.Cc = fitAddresses(in.To), fitAddresses(in.Cc)
	e.Recipients = make([]string, len(in.Recipients))
	for i, r := range in.Recipients {
		e.Recipients[i] = fitText(r, 0)
	}
	e.Subject = fitText(e.Subject, maxSubjectLen)
	e.HTML = fitText(e.HTML, 0)
	e.Text = fitText(e.Text, 0)
	if utf8.RuneCountInString(e.Text) > maxBodyLen {
		e.Text = fitText(e.Text, maxBodyLen-utf8.RuneCountInString(truncatedNote)) + truncatedNote
	}
	e.Attachments = make([]InboundAttachment, len(in.Attachments))
	for i, a := range in.Attachments {
		a.Filename, a.ContentType, a.ContentID = fitText(a.Filename, 255), fitText(a.ContentType, 255), fitText(a.ContentID, 998)
		e.Attachments[i] = a
	}
	if in.Bounce != nil {
		b := *in.Bounce
		b.OriginalMessageID, b.Recipient = fitText(b.OriginalMessageID, 0), fitText(b.Recipient, 0)
		b.Status, b.Diagnostic = fitText(b.Status, 0), fitText(b.Diagnostic, 0)
		e.Bounce = &b
	}
	return &e
}

// fitText makes s valid UTF-8 without NUL and, when max > 0, at most max
// characters long.
func fitText(s string, max int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	if max > 0 && utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max])
	}
	return s
}

func fitAddresses(as []EmailAddress) []EmailAddress {
	out := make([]EmailAddress, len(as))
	for i, a := range as {
		out[i] = EmailAddress{Name: fitText(a.Name, maxNameLen), Address: fitText(a.Address, 0)}
	}
	return out
}

// threadTicket finds the ticket an email replies to, or nil.
func (s *Service) threadTicket(ctx context.Context, tx Tx, ws ID, e *InboundEmail) (*Ticket, error) {
	var candidates []string
	if e.InReplyTo != "" {
		candidates = append(candidates, e.InReplyTo)
	}
	for i := len(e.References) - 1; i >= 0; i-- {
		candidates = append(candidates, e.References[i])
	}
	for _, id := range candidates {
		m, err := tx.MessageByExternalID(ctx, ws, id)
		if ErrorCode(err) == ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		return openTicket(ctx, tx, ws, m.TicketID)
	}
	for _, a := range append(append(append([]string{}, e.Recipients...), addresses(e.To)...), addresses(e.Cc)...) {
		if _, id := plusToken(a); id != nil {
			return openTicket(ctx, tx, ws, *id)
		}
	}
	return nil, nil
}

// openTicket returns the ticket unless it is closed (or gone): a closed
// ticket is archived, and a new email about it is a new case. The ticket is
// locked, since the email's message will change it.
func openTicket(ctx context.Context, tx Tx, ws, id ID) (*Ticket, error) {
	t, err := tx.TicketForUpdate(ctx, ws, ByID(id))
	if ErrorCode(err) == ENOTFOUND || (err == nil && t.Status == StatusClosed) {
		return nil, nil
	}
	return t, err
}

// bounce records a delivery status notification on the outbound message it
// is about.
func (s *Service) bounce(ctx context.Context, tx Tx, ws ID, b *InboundBounce, now time.Time) (*IngestResult, error) {
	if b.OriginalMessageID == "" {
		return &IngestResult{Ignored: "a bounce that names no message"}, nil
	}
	m, err := tx.MessageByExternalID(ctx, ws, b.OriginalMessageID)
	if ErrorCode(err) == ENOTFOUND || (err == nil && m.Direction() != Outbound) {
		return &IngestResult{Ignored: "a bounce for a message this workspace did not send"}, nil
	} else if err != nil {
		return nil, err
	}
	if !b.Failed {
		return &IngestResult{Bounced: m, Ignored: "a delay notice; the message may still arrive"}, nil
	}
	previous := m.Delivery
	patch := MessagePatch{Delivery: SetTo(DeliveryBounced), UpdatedAt: now,
		DeliveryError: SetTo(strings.TrimSpace(fmt.Sprintf("%s %s %s", b.Status, b.Recipient, b.Diagnostic)))}
	patch.Apply(m)
	if err := tx.UpdateMessage(ctx, m.WorkspaceID, m.ID, patch); err != nil {
		return nil, err
	}
	if err := s.emit(ctx, tx, deliveryChanged(m, previous)...); err != nil {
		return nil, err
	}
	s.logger.Warn("email bounced", "message_id", m.ID, "reason", m.DeliveryError)
	return &IngestResult{Bounced: m}, nil
}

// storeBlobs writes attachment bytes before the transaction that records
// them: a blob without a record is harmless garbage, a record without its
// blob would be a broken download.
func (s *Service) storeBlobs(ctx context.Context, in []InboundAttachment) ([]*Attachment, error) {
	if len(in) == 0 || s.blobs == nil {
		return nil, nil
	}
	out := make([]*Attachment, 0, len(in))
	for _, a := range in {
		sum := sha256.Sum256(a.Data)
		key := hex.EncodeToString(sum[:])
		if err := s.blobs.Put(ctx, key, a.Data); err != nil {
			return nil, fmt.Errorf("store attachment: %w", err)
		}
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		out = append(out, &Attachment{ID: NewID(), Filename: a.Filename, ContentType: ct, ContentID: a.ContentID,
			Inline: a.Inline, Size: int64(len(a.Data)), Key: key})
	}
	return out, nil
}

// Attachments lists a message's attachments.
func (s *Service) Attachments(ctx context.Context, p *Principal, message ID) (as []*Attachment, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		if _, err := tx.Message(ctx, p.WorkspaceID, ByID(message)); err != nil {
			return err
		}
		as, err = tx.Attachments(ctx, p.WorkspaceID, message)
		return err
	})
	return as, err
}

// OpenAttachment returns an attachment of a message and its bytes.
func (s *Service) OpenAttachment(ctx context.Context, p *Principal, message, id ID) (*Attachment, io.ReadCloser, error) {
	var a *Attachment
	err := s.store.View(ctx, func(tx Tx) (err error) {
		a, err = tx.Attachment(ctx, p.WorkspaceID, id)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if a.MessageID != message || s.blobs == nil {
		return nil, nil, NotFound("attachment")
	}
	r, err := s.blobs.Open(ctx, a.Key)
	if err != nil {
		return nil, nil, fmt.Errorf("open attachment %s: %w", a.ID, err)
	}
	return a, r, nil
}

func addresses(as []EmailAddress) []string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		out = append(out, strings.ToLower(a.Address))
	}
	return out
}
