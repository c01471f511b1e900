package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/mail/inbound"
)

// parseMessage is the parser ParseSpooled runs (a test may replace it).
var parseMessage = func(p inbound.Parser, msg *inbound.Spool) (*inbound.Email, error) {
	return p.ParseReaderAt(msg.ReaderAt(), msg.Size())
}

// errUnreadable stands for a parser that panicked: the email is refused as
// one that cannot be read.
var errUnreadable = errors.New("the parser could not read this email")

// parse runs parseMessage, and turns a panic of the parser into an error.
// It reads hostile input from anyone who can send an email: a bug there must
// refuse that one email — over SMTP with a permanent error rather than go-smtp's
// 421, which has the sender retry for days; over IMAP as a skipped message,
// where a panic would stop the node and meet the same message again at every
// start. The parser's own fuzz targets call it directly, so such a bug still
// fails them.
func parse(p inbound.Parser, msg *inbound.Spool) (e *inbound.Email, err error) {
	defer func() {
		if v := recover(); v != nil {
			slog.Default().Error("inbound email: parser panic", "panic", v)
			e, err = nil, errUnreadable
		}
	}()
	return parseMessage(p, msg)
}

// recipientHeaders name the envelope recipient as MTAs record it when they
// hand a message on; a forwarding provider or a piped message keeps them, so
// mail that reached an inbox through an alias (To: sales@, delivered to
// support@) still finds its inbox.
var recipientHeaders = []string{"Delivered-To", "X-Original-To", "Envelope-To"}

// ParseInbound parses a raw RFC 5322 message into the domain's InboundEmail.
// recipients are the SMTP envelope's; when nil (the HTTP endpoint), the
// envelope recipient headers stand in for them.
// Both ways in (the SMTP listener and POST /v1/inbound/email) call it, then
// Service.IngestEmail: one ingest path. Errors are domain errors: EMALFORMED
// for what is not an email, ETOOLARGE past maxBytes, EINVALID for a structure
// too complex to read.
func ParseInbound(raw []byte, maxBytes int64, recipients []string) (*ticketd.InboundEmail, error) {
	return ParseSpooled(inbound.NewSpool(raw), maxBytes, recipients)
}

// ParseSpooled is ParseInbound for a message held in a spool (in memory or
// on disk), which the parser reads without a copy of the whole message.
func ParseSpooled(msg *inbound.Spool, maxBytes int64, recipients []string) (*ticketd.InboundEmail, error) {
	e, err := parse(inbound.Parser{MaxBytes: maxBytes}, msg)
	switch {
	case errors.Is(err, inbound.ErrTooLarge):
		return nil, ticketd.Errorf(ticketd.ETOOLARGE, "the email is larger than %d bytes", maxBytes)
	case errors.Is(err, inbound.ErrTooComplex):
		return nil, ticketd.Errorf(ticketd.EINVALID, "the email's MIME structure is too deep or has too many parts")
	case err != nil:
		return nil, ticketd.Errorf(ticketd.EMALFORMED, "not an RFC 5322 email message")
	}
	if e.From.Email == "" {
		return nil, ticketd.Errorf(ticketd.EINVALID, "the email has no sender address")
	}
	if recipients == nil {
		for _, name := range recipientHeaders {
			for _, v := range e.Header.Values(name) {
				if a := strings.Trim(strings.TrimSpace(v), "<>"); a != "" {
					recipients = append(recipients, a)
				}
			}
		}
	}
	first, last := e.From.SplitName()
	out := &ticketd.InboundEmail{
		MessageID: e.MessageID, InReplyTo: e.InReplyTo, References: e.References,
		From: ticketd.EmailAddress{Name: e.From.Name, Address: e.From.Email}, FirstName: first, LastName: last,
		Recipients: recipients, Subject: e.Subject, Text: e.Text, HTML: e.HTML, AutoSubmitted: e.AutoSubmitted,
	}
	for _, a := range e.To {
		out.To = append(out.To, ticketd.EmailAddress{Name: a.Name, Address: a.Email})
	}
	for _, a := range e.Cc {
		out.Cc = append(out.Cc, ticketd.EmailAddress{Name: a.Name, Address: a.Email})
	}
	for _, a := range e.Attachments {
		out.Attachments = append(out.Attachments, ticketd.InboundAttachment{Filename: a.Filename,
			ContentType: a.ContentType, ContentID: a.ContentID, Inline: a.Inline, Data: a.Data})
	}
	if b := e.Bounce; b != nil {
		out.Bounce = &ticketd.InboundBounce{OriginalMessageID: b.OriginalMessageID, Recipient: b.Recipient,
			Status: b.Status, Diagnostic: b.Diagnostic, Failed: !strings.EqualFold(b.Action, "delayed")}
	}
	return out, nil
}

// InboundHandler connects the SMTP listener to the domain: it accepts mail
// only for monitored inboxes and ingests each message once per workspace
// among its recipients.
type InboundHandler struct {
	Service  *ticketd.Service
	MaxBytes int64
	Logger   *slog.Logger
	// Intake, when set, bounds how much email is parsed at once.
	Intake *Intake
}

var _ inbound.Handler = (*InboundHandler)(nil)

// AcceptRecipient reports whether addr is a monitored inbox (any workspace).
func (h *InboundHandler) AcceptRecipient(ctx context.Context, addr string) (bool, error) {
	_, err := h.Service.InboxFor(ctx, addr)
	switch ticketd.ErrorCode(err) {
	case "":
		return true, nil
	case ticketd.ENOTFOUND:
		return false, nil
	}
	return false, err
}

// Deliver ingests raw. A message that can never be ingested is refused for
// good (554); anything else, a database outage say, is temporary (451) so
// that the sending server tries again: an acknowledged email is stored.
func (h *InboundHandler) Deliver(ctx context.Context, env inbound.Envelope, msg *inbound.Spool) error {
	release, err := h.Intake.Admit(ctx, msg.Size())
	if err != nil {
		return inbound.Temporary(err)
	}
	defer release()
	e, err := ParseSpooled(msg, h.MaxBytes, env.To)
	if err != nil {
		return inbound.Permanent(err)
	}
	h.Intake.Authenticate(ctx, msg, e, OriginOf(env))
	seen := map[ticketd.ID]bool{}
	for _, rcpt := range env.To {
		ib, err := h.Service.InboxFor(ctx, rcpt)
		if ticketd.ErrorCode(err) == ticketd.ENOTFOUND {
			continue // removed since RCPT
		} else if err != nil {
			return inbound.Temporary(err)
		}
		if seen[ib.WorkspaceID] {
			continue
		}
		seen[ib.WorkspaceID] = true
		res, err := h.Service.IngestEmail(ctx, ib, e)
		if err != nil {
			if code := ticketd.ErrorCode(err); code == ticketd.EINVALID || code == ticketd.EMALFORMED {
				return inbound.Permanent(err)
			}
			return inbound.Temporary(fmt.Errorf("ingest: %w", err))
		}
		h.logger().Info("email ingested", "inbox", ib.Address, "message_id", e.MessageID, "duplicate", res.Duplicate,
			"ignored", res.Ignored)
	}
	return nil
}

func (h *InboundHandler) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.Default()
	}
	return h.Logger
}
