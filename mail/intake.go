package mail

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/mail/inbound"
	"golang.org/x/sync/semaphore"
)

// Intake is how raw inbound email enters the process, over SMTP and HTTP
// alike, with memory bounded whatever senders push: a message is spooled to
// disk past a threshold as it arrives, every byte in flight is charged to
// one Budget (past it, senders are told to retry), and parsing, which holds
// a message's parts in memory, runs for at most ParseBytes of email at once.
type Intake struct {
	Budget   *inbound.Budget
	SpoolDir string
	// MaxBytes caps one message.
	MaxBytes int64
	// Verifier, when set, checks each email's SPF, DKIM and DMARC.
	Verifier *Verifier
	parse    *semaphore.Weighted
	parseMax int64
}

// NewIntake returns an Intake with a budget of inFlight bytes, parsing at
// most parseBytes of email at once.
func NewIntake(inFlight, parseBytes, maxBytes int64, spoolDir string) *Intake {
	return &Intake{Budget: inbound.NewBudget(inFlight), SpoolDir: spoolDir, MaxBytes: maxBytes,
		parse: semaphore.NewWeighted(parseBytes), parseMax: parseBytes}
}

// Receive spools r, a raw email. ETOOLARGE past MaxBytes; EUNAVAILABLE
// when the budget of email in flight is exhausted. The caller closes the
// spool, which returns its bytes to the budget.
func (in *Intake) Receive(r io.Reader) (*inbound.Spool, error) {
	s := &inbound.Spool{Budget: in.Budget, Dir: in.SpoolDir, Max: in.MaxBytes}
	_, err := s.ReadFrom(r)
	switch {
	case err == nil:
		return s, nil
	case errors.Is(err, inbound.ErrTooLarge):
		s.Close()
		return nil, ticketd.Errorf(ticketd.ETOOLARGE, "the email is larger than %d bytes", s.Max)
	case errors.Is(err, inbound.ErrBusy):
		s.Close()
		return nil, ticketd.Errorf(ticketd.EUNAVAILABLE, "too much email is being received; try again shortly")
	default:
		s.Close()
		return nil, err
	}
}

// Admit waits until a message of size bytes may be parsed and stored, and
// returns the function that ends its turn. A nil Intake admits everything.
func (in *Intake) Admit(ctx context.Context, size int64) (release func(), err error) {
	if in == nil || in.parse == nil {
		return func() {}, nil
	}
	n := min(max(size, 1), in.parseMax)
	if err := in.parse.Acquire(ctx, n); err != nil {
		return nil, err
	}
	return func() { in.parse.Release(n) }, nil
}

// Authenticate sets e.Auth to the verdict on msg's origin, when the intake
// has a Verifier.
func (in *Intake) Authenticate(ctx context.Context, msg *inbound.Spool, e *ticketd.InboundEmail, o Origin) {
	if in == nil || in.Verifier == nil {
		return
	}
	_, domain, _ := strings.Cut(e.From.Address, "@")
	e.Auth = in.Verifier.Verify(ctx, io.NewSectionReader(msg.ReaderAt(), 0, msg.Size()), domain, o)
}

// OriginOf is what an SMTP envelope says of the sender, for SPF.
func OriginOf(env inbound.Envelope) Origin {
	host, _, err := net.SplitHostPort(env.RemoteAddr)
	if err != nil {
		host = env.RemoteAddr
	}
	return Origin{IP: net.ParseIP(host), Helo: env.HeloName, MailFrom: env.From}
}
