package domainauth

import (
	"net"
	"strings"
)

// Record is one DNS record the domain's owner is asked to publish.
type Record struct {
	Type string // always "TXT" today
	// Name is fully qualified, lowercase, without a trailing dot
	// ("tkd20260714a3f9._domainkey.example.com"), the way DNS providers'
	// forms and most people write names; resolvers add the dot.
	Name string
	// Value is the text exactly as it must appear in DNS. A value longer than
	// 255 bytes (a 2048-bit DKIM key) must be split into several strings of
	// one record; most providers' forms do that themselves.
	Value   string
	Purpose string // PurposeOwnership, PurposeDKIM or PurposeSPF
}

// Records returns the records that prove ownership of domain and publish its
// DKIM key, followed by an SPF suggestion.
//
// The SPF record is advice, never required for Verified: ticketd hands mail
// to the operator's relay, so whether SPF passes depends on the relay, and a
// domain may publish only one SPF record, which its owner has to merge by
// hand with what is already there. spfIncludes names what the relay's
// provider says to include (e.g. "_spf.relay.example", or an IP address of
// the relay); without any, the suggestion authorises the domain's MX hosts.
//
// Records returns nil if domain is not a valid hostname. If keys has no
// PublicKey and none can be derived from PrivateKey, the DKIM record is left
// out, and Verify will then never report the domain verified.
func Records(domain string, keys Keys, spfIncludes ...string) []Record {
	d, err := normalizeDomain(domain)
	if err != nil {
		return nil
	}
	recs := []Record{{
		Type:    "TXT",
		Name:    OwnershipLabel + "." + d,
		Value:   OwnershipPrefix + keys.Token,
		Purpose: PurposeOwnership,
	}}
	pub := keys.PublicKey
	if pub == "" {
		pub, _ = PublicKeyFromPEM(keys.PrivateKey)
	}
	if pub != "" && keys.Selector != "" {
		recs = append(recs, Record{
			Type:    "TXT",
			Name:    strings.ToLower(keys.Selector) + "._domainkey." + d,
			Value:   "v=DKIM1; k=rsa; p=" + pub,
			Purpose: PurposeDKIM,
		})
	}
	recs = append(recs, Record{
		Type:    "TXT",
		Name:    d,
		Value:   spfValue(spfIncludes),
		Purpose: PurposeSPF,
	})
	return recs
}

func spfValue(includes []string) string {
	mechs := []string{"v=spf1"}
	for _, inc := range includes {
		inc = strings.TrimSpace(inc)
		if inc == "" {
			continue
		}
		if ip := net.ParseIP(inc); ip != nil {
			if ip.To4() != nil {
				mechs = append(mechs, "ip4:"+inc)
			} else {
				mechs = append(mechs, "ip6:"+inc)
			}
			continue
		}
		mechs = append(mechs, "include:"+strings.ToLower(inc))
	}
	if len(mechs) == 1 {
		mechs = append(mechs, "mx")
	}
	// ~all (softfail) rather than -all: a suggestion must not make a
	// domain's other, unlisted senders bounce the day it is published.
	return strings.Join(append(mechs, "~all"), " ")
}
