package ticketd

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"time"
)

// SendingDomain is a mail domain a workspace sends from. It carries the DKIM
// key that signs its mail; only a verified domain sends.
type SendingDomain struct {
	ID          ID
	Number      int64
	WorkspaceID ID
	Name        string
	Keys        DomainKeys
	VerifiedAt  *time.Time
	CreatedAt   time.Time
}

// DomainKeys are a sending domain's secrets and the token that proves its
// ownership. PrivateKeyPEM never leaves the database: no surface renders it.
type DomainKeys struct {
	Selector      string
	Token         string
	PrivateKeyPEM []byte
	PublicKey     string
}

// DNSRecord is one record a workspace publishes for a sending domain.
type DNSRecord struct {
	Type    string
	Name    string // fully qualified
	Value   string // exactly as it must appear in DNS
	Purpose string // "ownership", "dkim" or "spf"
}

// DNSRecordCheck is what verification found for one record.
type DNSRecordCheck struct {
	DNSRecord
	Found []string
	OK    bool
	Error string
}

// DomainVerification is the outcome of checking a domain's records.
type DomainVerification struct {
	Verified bool
	Records  []DNSRecordCheck
}

// DomainAuthority makes sending-domain keys and checks their DNS records. It
// is implemented over DNS by package mail.
type DomainAuthority interface {
	NewKeys(domain string) (DomainKeys, error)
	// Records lists what the domain's owner must publish.
	Records(d *SendingDomain) []DNSRecord
	// Verify looks the records up; an error means the check could not run.
	Verify(ctx context.Context, d *SendingDomain) (*DomainVerification, error)
}

// Inbox is a monitored address on a sending domain: mail to it becomes
// tickets, and replies go out from it.
type Inbox struct {
	ID          ID
	Number      int64
	WorkspaceID ID
	DomainID    ID
	Address     string
	Name        string
	// Signature is appended to every reply sent from the inbox.
	Signature string
	CreatedAt time.Time
}

// OutgoingEmail is one message on its way to a customer, with everything the
// mailer needs to compose, sign and send it.
type OutgoingEmail struct {
	MessageID ID
	From      EmailAddress
	// ReplyTo carries the ticket's token (see ReplyAddress), so replies
	// find their ticket even from clients that drop threading headers.
	ReplyTo    string
	To         []EmailAddress
	Cc         []EmailAddress
	Subject    string
	ExternalID string // our Message-ID
	InReplyTo  string
	References []string
	Text       string
	HTML       string
	Date       time.Time
	Domain     string
	Keys       DomainKeys
}

// EmailAddress is an address with its display name.
type EmailAddress struct{ Name, Address string }

// ErrPermanentDelivery marks a delivery error that retrying cannot fix (a 5xx
// answer). A Mailer wraps it into such errors; any other error is temporary.
var ErrPermanentDelivery = errors.New("permanent delivery failure")

// Mailer sends one composed email through the relay. Send returns nil when
// the relay accepted the message for every recipient, a *PartialDelivery
// when it accepted it for some, an error wrapping ErrPermanentDelivery when
// retrying cannot help, and any other error for a temporary failure.
type Mailer interface {
	Send(ctx context.Context, e *OutgoingEmail) error
}

// PartialDelivery is the error of a send the relay accepted for some
// recipients and refused for others. The message has left: it is sent, and
// sending it again would deliver it twice to those who have it.
type PartialDelivery struct {
	Refused []RecipientRefusal
}

// RecipientRefusal is one recipient the relay refused, with its reply.
type RecipientRefusal struct {
	Address string
	Reason  string
}

func (p *PartialDelivery) Error() string {
	parts := make([]string, len(p.Refused))
	for i, r := range p.Refused {
		parts[i] = r.Address + ": " + r.Reason
	}
	return "sent, but refused for " + strings.Join(parts, "; ")
}

// OutboxEntry is a message waiting to be emailed. Accepting a reply stores
// the message and its entry in one transaction, so an accepted reply is
// delivered or visibly fails, whatever happens to the process.
type OutboxEntry struct {
	ID            ID
	WorkspaceID   ID
	MessageID     ID
	Attempts      int
	NextAttemptAt time.Time
	CreatedAt     time.Time
}

// Delivery policy of the outbox.
const (
	// MaxDeliveryAttempts bounds retries of temporary failures: with the
	// backoff below they span about two days.
	MaxDeliveryAttempts = 12
	// DefaultSendTimeout bounds one send (see WithSendTimeout).
	DefaultSendTimeout = time.Minute
	// leaseMargin is how much longer than its send deadline a claimed entry
	// stays reserved for the worker that claimed it, to record the outcome;
	// an entry whose worker died is claimed again after the lease.
	leaseMargin = time.Minute
)

// WithSendTimeout sets the deadline of one send through the relay. Each
// send has its own, and the entry's lease outlasts it, so no other node can
// take a message over while it is being sent.
func WithSendTimeout(d time.Duration) Option {
	return func(s *Service) {
		if d > 0 {
			s.sendTimeout = d
		}
	}
}

// retryDelay is the exponential backoff after attempt n (1-based), with
// jitter so that many messages failing together do not retry together:
// 30 s, 1 min, 2 min, ... capped at 8 hours, each ±20%.
func retryDelay(n int) time.Duration {
	d := 30 * time.Second << min(n-1, 10)
	if d > 8*time.Hour {
		d = 8 * time.Hour
	}
	jitter := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * jitter)
}

// EmailIntent says whether a surface asks for a message to be emailed. The
// domain still decides: a note, or a message from the customer, never leaves.
type EmailIntent int

const (
	// EmailNever: the surface's clients send their own mail (the shop API).
	EmailNever EmailIntent = iota
	// EmailIfEmailTicket: email public team messages on email tickets when
	// the workspace sends agent comments (the comments resource).
	EmailIfEmailTicket
	// EmailAlways: the surface promises delivery (the messages resource).
	EmailAlways
)

// replySubject is "Re: <subject>" without stacking prefixes.
func replySubject(subject string) string {
	s := strings.TrimSpace(subject)
	if s == "" {
		return "Re: your request"
	}
	if len(s) >= 3 && strings.EqualFold(s[:3], "re:") {
		return s
	}
	return "Re: " + s
}

// checkHeaderText is checkText for a value that ends up in an email header
// (a subject, a display name): it must also hold no line break. A CR or LF
// there would either inject header fields into every reply or make every
// reply fail at the relay, so it is refused where it is typed, on every
// surface, rather than discovered when the outbox gives up.
func checkHeaderText(field, v string, minLen, maxLen int) error {
	if err := checkOneLine(field, v); err != nil {
		return err
	}
	return checkText(field, v, minLen, maxLen)
}

// checkOneLine is the line-break half of checkHeaderText, for validators
// that check lengths with checkTexts.
func checkOneLine(field, v string) error {
	if strings.ContainsAny(v, "\r\n") {
		return Invalid(field, "value_error.str", "must not contain line breaks (it is used in email headers)")
	}
	return nil
}
