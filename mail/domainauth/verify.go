package domainauth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Resolver looks up TXT records. With Server empty it asks the system
// resolver; with Server set ("host:port", port 53 when omitted) it asks that
// server directly, which lets an operator bypass a caching resolver that
// would hide a record published a minute ago, and lets tests use a DNS
// server on loopback. A nil *Resolver is the system resolver.
type Resolver struct {
	Server string
	// Timeout bounds one query (each of UDP and the TCP retry); 5 s when 0.
	Timeout time.Duration
}

// NewResolver returns a Resolver that asks server, or the system resolver
// when server is empty.
func NewResolver(server string) *Resolver { return &Resolver{Server: server} }

// LookupTXT returns the TXT records at name, each record's strings
// concatenated as RFC 7208 and RFC 6376 read them. A name that does not
// exist or has no TXT records yields no records and no error; an error means
// the answer is unknown (timeout, SERVFAIL) and the lookup is worth
// retrying.
func (r *Resolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	if r == nil || r.Server == "" {
		return systemLookupTXT(ctx, name)
	}
	server := r.Server
	if _, _, err := net.SplitHostPort(server); err != nil {
		server = net.JoinHostPort(strings.Trim(server, "[]"), "53")
	}
	timeout := r.Timeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}

	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), dns.TypeTXT)
	q.RecursionDesired = true
	// 1232 bytes is the EDNS buffer size DNS Flag Day 2020 settled on: big
	// enough for a DKIM record, small enough to avoid IP fragmentation.
	q.SetEdns0(1232, false)

	c := &dns.Client{Net: "udp", Timeout: timeout}
	resp, _, err := c.ExchangeContext(ctx, q, server)
	if err == nil && resp.Truncated {
		c.Net = "tcp"
		resp, _, err = c.ExchangeContext(ctx, q, server)
	}
	if err != nil {
		return nil, fmt.Errorf("lookup TXT %s: %w", name, err)
	}
	switch resp.Rcode {
	case dns.RcodeSuccess, dns.RcodeNameError:
	default:
		return nil, fmt.Errorf("lookup TXT %s: server answered %s", name, dns.RcodeToString[resp.Rcode])
	}
	var out []string
	for _, rr := range resp.Answer {
		// A CNAME chain (a DKIM record delegated to a provider) ends in TXT
		// records owned by another name; they are still the answer.
		if txt, ok := rr.(*dns.TXT); ok {
			var b strings.Builder
			for _, part := range txt.Txt {
				b.WriteString(unescapeTXT(part))
			}
			out = append(out, b.String())
		}
	}
	return out, nil
}

// unescapeTXT undoes miekg/dns's presentation format, which it applies to
// TXT strings as it unpacks them: \DDD for unprintable bytes, \X for a
// quote or backslash. Without this a tab in a record would read as "\009".
func unescapeTXT(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b = append(b, s[i])
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			n := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0')
			if n <= 255 {
				b = append(b, byte(n))
				i += 3
				continue
			}
		}
		b = append(b, s[i+1])
		i++
	}
	return string(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func systemLookupTXT(ctx context.Context, name string) ([]string, error) {
	recs, err := net.DefaultResolver.LookupTXT(ctx, name)
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lookup TXT %s: %w", name, err)
	}
	return recs, nil
}

// Result is the outcome of Verify.
type Result struct {
	// Verified is true when every ownership and DKIM record was found as
	// published, and there was at least one of each. SPF never counts.
	Verified bool
	Records  []RecordCheck
}

// RecordCheck is what DNS says about one expected record, for showing the
// user which record is missing or wrong.
type RecordCheck struct {
	Record Record
	// Found holds the TXT values at Record.Name (for SPF, only the ones that
	// are SPF records), so the user can see what is there instead.
	Found []string
	OK    bool
	// Error is set when DNS gave no usable answer (timeout, SERVFAIL); the
	// record may well be there, so the check is worth repeating.
	Error string
}

// Verify looks up each record over DNS and reports which ones are
// published. Comparison is as lenient as receivers are: the ownership value
// ignores surrounding spaces; a DKIM record matches when its key (p=) is the
// same once whitespace is removed, and its v= and k= tags, if present, agree
// (extra tags such as t= are allowed); an SPF record matches when the
// domain has exactly one SPF record and it contains every mechanism
// suggested, whatever else it contains. A nil resolver is the system
// resolver.
func Verify(ctx context.Context, resolver *Resolver, records []Record) Result {
	checks := make([]RecordCheck, len(records))
	var wg sync.WaitGroup
	for i, rec := range records {
		wg.Add(1)
		go func() {
			defer wg.Done()
			checks[i] = check(ctx, resolver, rec)
		}()
	}
	wg.Wait()

	var owned, signed, failed bool
	for _, c := range checks {
		switch c.Record.Purpose {
		case PurposeSPF:
			continue
		case PurposeOwnership:
			owned = true
		case PurposeDKIM:
			signed = true
		}
		if !c.OK {
			failed = true
		}
	}
	return Result{Verified: owned && signed && !failed, Records: checks}
}

func check(ctx context.Context, resolver *Resolver, rec Record) RecordCheck {
	c := RecordCheck{Record: rec}
	if !strings.EqualFold(rec.Type, "TXT") {
		c.Error = fmt.Sprintf("record type %q is not supported", rec.Type)
		return c
	}
	found, err := resolver.LookupTXT(ctx, rec.Name)
	if err != nil {
		c.Error = err.Error()
		return c
	}
	switch rec.Purpose {
	case PurposeDKIM:
		c.Found = found
		for _, f := range found {
			if dkimMatches(rec.Value, f) {
				c.OK = true
			}
		}
	case PurposeSPF:
		for _, f := range found {
			if isSPF(f) {
				c.Found = append(c.Found, f)
			}
		}
		c.OK = len(c.Found) == 1 && spfCovers(c.Found[0], rec.Value)
	default:
		c.Found = found
		for _, f := range found {
			if strings.TrimSpace(f) == strings.TrimSpace(rec.Value) {
				c.OK = true
			}
		}
	}
	return c
}

// dkimTags parses a DKIM tag list (RFC 6376 3.2), removing all whitespace
// from values: folding whitespace is allowed anywhere in a base64 key, and
// people paste keys broken over lines.
func dkimTags(s string) map[string]string {
	tags := make(map[string]string)
	for _, part := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		tags[strings.TrimSpace(k)] = strings.Join(strings.Fields(v), "")
	}
	return tags
}

func dkimMatches(want, got string) bool {
	w, g := dkimTags(want), dkimTags(got)
	if g["p"] == "" || g["p"] != w["p"] {
		return false
	}
	if v, ok := g["v"]; ok && v != w["v"] {
		return false
	}
	if k, ok := g["k"]; ok && !strings.EqualFold(k, w["k"]) {
		return false
	}
	return true
}

func isSPF(s string) bool {
	f := strings.Fields(s)
	return len(f) > 0 && strings.EqualFold(f[0], "v=spf1")
}

// spfCovers reports whether published contains every mechanism of
// suggested other than the version and the final "all".
func spfCovers(published, suggested string) bool {
	have := make(map[string]bool)
	for _, m := range strings.Fields(strings.ToLower(published)) {
		have[strings.TrimPrefix(m, "+")] = true
	}
	for _, m := range strings.Fields(strings.ToLower(suggested)) {
		if m == "v=spf1" || strings.HasSuffix(m, "all") {
			continue
		}
		if !have[m] {
			return false
		}
	}
	return true
}
