// Package mail adapts ticketd's email building blocks to the domain's
// interfaces: Authority (sending-domain keys and DNS verification, over
// mail/domainauth), Sender (compose, DKIM-sign and relay, over mail/outbound)
// and the outbox Worker that delivers queued replies. Inbound mail lives in
// mail/inbound.
package mail

import (
	"context"
	"errors"
	"fmt"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/mail/domainauth"
	"github.com/ticketd/ticketd/mail/outbound"
)

// Authority implements ticketd.DomainAuthority over DNS.
type Authority struct {
	Resolver *domainauth.Resolver
	// SPFIncludes are what the SPF suggestion includes: the relay's host.
	SPFIncludes []string
	// KeyBits is the RSA key size; 0 means domainauth.DefaultKeyBits.
	KeyBits int
}

var _ ticketd.DomainAuthority = (*Authority)(nil)

// NewKeys makes a DKIM key pair and an ownership token for domain.
func (a *Authority) NewKeys(domain string) (ticketd.DomainKeys, error) {
	k, err := domainauth.NewDomainKeys(domain, a.KeyBits)
	if err != nil {
		return ticketd.DomainKeys{}, err
	}
	return ticketd.DomainKeys{Selector: k.Selector, Token: k.Token, PrivateKeyPEM: k.PrivateKey, PublicKey: k.PublicKey}, nil
}

func (a *Authority) records(d *ticketd.SendingDomain) []domainauth.Record {
	keys := domainauth.Keys{Selector: d.Keys.Selector, Token: d.Keys.Token, PublicKey: d.Keys.PublicKey}
	return domainauth.Records(d.Name, keys, a.SPFIncludes...)
}

// Records lists the records to publish for d.
func (a *Authority) Records(d *ticketd.SendingDomain) []ticketd.DNSRecord {
	var out []ticketd.DNSRecord
	for _, r := range a.records(d) {
		out = append(out, ticketd.DNSRecord{Type: r.Type, Name: r.Name, Value: r.Value, Purpose: r.Purpose})
	}
	return out
}

// Verify looks d's records up.
func (a *Authority) Verify(ctx context.Context, d *ticketd.SendingDomain) (*ticketd.DomainVerification, error) {
	res := domainauth.Verify(ctx, a.Resolver, a.records(d))
	v := &ticketd.DomainVerification{Verified: res.Verified}
	for _, c := range res.Records {
		v.Records = append(v.Records, ticketd.DNSRecordCheck{
			DNSRecord: ticketd.DNSRecord{Type: c.Record.Type, Name: c.Record.Name, Value: c.Record.Value, Purpose: c.Record.Purpose},
			Found:     c.Found, OK: c.OK, Error: c.Error,
		})
	}
	return v, nil
}

// Sender implements ticketd.Mailer: it composes the email, signs it with the
// sending domain's DKIM key and hands it to the relay.
type Sender struct {
	Relay *outbound.Relay
}

var _ ticketd.Mailer = (*Sender)(nil)

// Send delivers e. A message the relay took for some recipients only is a
// *ticketd.PartialDelivery. Errors the relay calls permanent wrap
// ticketd.ErrPermanentDelivery; a message that cannot even be composed is
// permanent too, since retrying would compose it the same way.
func (s *Sender) Send(ctx context.Context, e *ticketd.OutgoingEmail) error {
	m := outbound.Message{
		FromAddress: e.From.Address, FromName: e.From.Name, Subject: e.Subject, MessageID: e.ExternalID,
		InReplyTo: e.InReplyTo, References: e.References, Text: e.Text, HTML: e.HTML, Date: e.Date,
		ReplyTo: outbound.Address{Name: e.From.Name, Email: e.ReplyTo},
	}
	for _, a := range e.To {
		m.To = append(m.To, outbound.Address{Name: a.Name, Email: a.Address})
	}
	for _, a := range e.Cc {
		m.Cc = append(m.Cc, outbound.Address{Name: a.Name, Email: a.Address})
	}
	raw, err := outbound.Compose(m)
	if err != nil {
		return fmt.Errorf("%w: compose: %v", ticketd.ErrPermanentDelivery, err)
	}
	signed, err := outbound.Sign(raw, e.Domain, e.Keys.Selector, e.Keys.PrivateKeyPEM)
	if err != nil {
		return fmt.Errorf("%w: dkim: %v", ticketd.ErrPermanentDelivery, err)
	}
	if err := s.Relay.Send(ctx, e.From.Address, m.Recipients(), signed); err != nil {
		var se *outbound.SendError
		if errors.As(err, &se) && se.Delivered {
			p := &ticketd.PartialDelivery{}
			for i, a := range se.Rejected {
				p.Refused = append(p.Refused, ticketd.RecipientRefusal{Address: a, Reason: se.Reasons[i]})
			}
			return p
		}
		if outbound.IsPermanent(err) {
			return fmt.Errorf("%w: %v", ticketd.ErrPermanentDelivery, err)
		}
		return err
	}
	return nil
}
