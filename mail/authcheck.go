package mail

import (
	"cmp"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"blitiri.com.ar/go/spf"
	"github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-msgauth/dmarc"
	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/mail/domainauth"
	"golang.org/x/net/publicsuffix"
)

// Verifier checks where an inbound email comes from: SPF for the SMTP
// client's address and envelope sender (blitiri.com.ar/go/spf), DKIM
// signatures and DMARC for the From domain (go-msgauth), all over one
// resolver, so tests and --dns-server answer every look-up.
//
// The checks of one email take at most Timeout: past it, what is still
// unanswered is a "temperror" and the email is stored with that verdict. A
// slow or silent DNS thus delays mail by a bounded time and never loses it
// (before the bound, an email waited for the resolver's own 5 s timeouts,
// one after the other, and the sender gave up first). TXT answers are
// cached for CacheTTL (see txtCache).
type Verifier struct {
	Resolver *domainauth.Resolver
	// Timeout bounds the checks of one email; 2 s when 0.
	Timeout time.Duration
	// CacheTTL is how long a TXT answer is reused; 1 minute when 0.
	CacheTTL time.Duration

	once  sync.Once
	cache *txtCache
}

// lookupTXT asks for name's TXT records through the cache.
func (v *Verifier) lookupTXT(ctx context.Context, name string) ([]string, error) {
	v.once.Do(func() {
		v.cache = &txtCache{resolver: v.Resolver, ttl: cmp.Or(v.CacheTTL, time.Minute), timeout: v.timeout()}
	})
	return v.cache.lookupTXT(ctx, name)
}

func (v *Verifier) timeout() time.Duration { return cmp.Or(v.Timeout, 2*time.Second) }

// Origin is what the SMTP session knew of the sender; all empty for an
// email posted over HTTP, whose SPF is then "none".
type Origin struct {
	IP       net.IP
	Helo     string
	MailFrom string
}

// Verify returns the verdict for msg (size bytes) whose From address is in
// fromDomain. It never fails: a look-up that fails is a "temperror" result.
func (v *Verifier) Verify(ctx context.Context, msg io.Reader, fromDomain string, o Origin) *ticketd.EmailAuth {
	a := &ticketd.EmailAuth{FromDomain: strings.ToLower(fromDomain), SPF: "none", DKIM: "none", DMARC: "none"}
	ctx, cancel := context.WithTimeout(ctx, v.timeout())
	defer cancel()
	lookup := func(name string) ([]string, error) { return v.lookupTXT(ctx, name) }

	spfDomain := ""
	if o.IP != nil {
		sender := o.MailFrom
		if sender == "" {
			sender = "postmaster@" + o.Helo // RFC 7208 section 2.4: the HELO identity
		}
		_, spfDomain, _ = strings.Cut(sender, "@")
		res, _ := spf.CheckHostWithSender(o.IP, o.Helo, sender, spf.WithContext(ctx), spf.WithResolver(spfResolver{v}))
		a.SPF = string(res)
	}

	verifications, err := dkim.VerifyWithOptions(msg, &dkim.VerifyOptions{LookupTXT: lookup, MaxVerifications: 5})
	switch {
	case err != nil:
		a.DKIM = "temperror"
	case len(verifications) > 0:
		a.DKIM = "fail"
		for _, ver := range verifications {
			if ver.Err == nil {
				a.DKIM = "pass"
				a.DKIMDomains = append(a.DKIMDomains, strings.ToLower(ver.Domain))
			} else if dkim.IsTempFail(ver.Err) && a.DKIM == "fail" {
				a.DKIM = "temperror"
			}
		}
	}

	if a.FromDomain == "" {
		return a
	}
	rec, err := lookupDMARC(a.FromDomain, lookup)
	switch {
	case errors.Is(err, dmarc.ErrNoPolicy):
		return a
	case err != nil:
		a.DMARC = "temperror"
		return a
	}
	a.Policy = string(rec.Policy)
	aligned := func(d string, mode dmarc.AlignmentMode) bool {
		if d == "" {
			return false
		}
		if mode == dmarc.AlignmentStrict {
			return strings.EqualFold(d, a.FromDomain)
		}
		return orgDomain(d) == orgDomain(a.FromDomain)
	}
	a.DMARC = "fail"
	if a.SPF == "pass" && aligned(spfDomain, rec.SPFAlignment) {
		a.DMARC = "pass"
	}
	for _, d := range a.DKIMDomains {
		if aligned(d, rec.DKIMAlignment) {
			a.DMARC = "pass"
		}
	}
	return a
}

// lookupDMARC finds the From domain's policy, or its organizational
// domain's (RFC 7489 section 6.6.3).
func lookupDMARC(domain string, lookup func(string) ([]string, error)) (*dmarc.Record, error) {
	opts := &dmarc.LookupOptions{LookupTXT: lookup}
	rec, err := dmarc.LookupWithOptions(domain, opts)
	if errors.Is(err, dmarc.ErrNoPolicy) {
		if org := orgDomain(domain); org != domain {
			return dmarc.LookupWithOptions(org, opts)
		}
	}
	return rec, err
}

// orgDomain is the registrable domain (public suffix plus one label).
func orgDomain(d string) string {
	d = strings.ToLower(strings.TrimSuffix(d, "."))
	if org, err := publicsuffix.EffectiveTLDPlusOne(d); err == nil {
		return org
	}
	return d
}

// spfResolver gives the SPF library our TXT look-ups (over --dns-server in
// tests and when configured) and the system's for the rest (a, mx, ptr
// mechanisms), which it only needs for records that use them.
type spfResolver struct{ v *Verifier }

func (s spfResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	txt, err := s.v.lookupTXT(ctx, name)
	switch {
	case err != nil:
		// The library calls only a temporary *net.DNSError a temperror
		// (RFC 7208 section 2.6.6); anything else would be a permerror, a
		// verdict on the record that a timeout or a SERVFAIL is not.
		return nil, &net.DNSError{Err: err.Error(), Name: name, IsTemporary: true}
	case len(txt) == 0:
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	return txt, nil
}

func (s spfResolver) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	return net.DefaultResolver.LookupMX(ctx, name)
}

func (s spfResolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	return net.DefaultResolver.LookupIPAddr(ctx, host)
}

func (s spfResolver) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	return net.DefaultResolver.LookupAddr(ctx, addr)
}
