package ticketd

import (
	"context"
	"net/netip"
	"strings"
	"time"
)

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleReadOnlyAdmin, RoleAgent, RoleReadOnlyAgent:
		return true
	}
	return false
}

// ReadOnly reports whether the role may only look.
func (r Role) ReadOnly() bool { return r == RoleReadOnlyAdmin || r == RoleReadOnlyAgent }

// CanCreateKeys reports whether an agent of this role may make API keys.
func (r Role) CanCreateKeys() bool { return r == RoleAdmin || r == RoleReadOnlyAdmin }

// AllowsScope reports whether a key acting as an agent of this role may
// hold scope: any scope for an admin or an agent (what an agent's key may do
// is what its creator granted), read scopes only for the read-only roles.
func (r Role) AllowsScope(scope Scope) bool {
	switch r {
	case RoleAdmin, RoleAgent:
		return true
	case RoleReadOnlyAdmin, RoleReadOnlyAgent:
		return strings.HasSuffix(string(scope), ":read")
	}
	return false
}

// ErrAddrNotAllowed refuses a key used from an address outside its
// allow-list.
var ErrAddrNotAllowed = Errorf(EFORBIDDEN, "IP address not in this API key's allowlist")

// AllowsAddr reports whether the principal's key may be used from addr: from
// anywhere unless the key lists the addresses it may be used from.
func (p *Principal) AllowsAddr(addr netip.Addr) bool {
	if len(p.AllowedIPs) == 0 {
		return true
	}
	addr = addr.Unmap()
	for _, pr := range p.AllowedIPs {
		if pr.Contains(addr) {
			return true
		}
	}
	return false
}

// maxAllowedIPs bounds a key's allow-list.
const maxAllowedIPs = 100

// parseAllowedIPs reads an allow-list: CIDR prefixes or single addresses
// (a prefix of one address).
func parseAllowedIPs(in []string) ([]netip.Prefix, error) {
	if len(in) > maxAllowedIPs {
		return nil, Invalid("allowed_ips", KindTooMany, "at most %d entries", maxAllowedIPs)
	}
	var out []netip.Prefix
	for _, s := range in {
		s = strings.TrimSpace(s)
		pr, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, Invalid("allowed_ips", KindInvalid, "%q is not an IP address or CIDR prefix", s)
			}
			a = a.Unmap()
			pr = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, pr.Masked())
	}
	return out, nil
}

// Expired reports whether the principal's key has expired at now.
func (p *Principal) Expired(now time.Time) bool {
	return p.ExpiresAt != nil && !now.Before(*p.ExpiresAt)
}

// ReadOnlyAdminKeyLifetime is the fixed lifetime of every key a read-only
// admin makes.
const ReadOnlyAdminKeyLifetime = 72 * time.Hour

// keyExpiry decides when a new key made by p expires: a read-only admin's
// keys always after ReadOnlyAdminKeyLifetime, whatever was asked; other
// keys when asked, which must be in the future.
func keyExpiry(p *Principal, asked *time.Time, now time.Time) (*time.Time, error) {
	role, err := keyManager(p, "create")
	if err != nil {
		return nil, err
	}
	if role == RoleReadOnlyAdmin {
		t := now.Add(ReadOnlyAdminKeyLifetime)
		return &t, nil
	}
	if asked == nil {
		return nil, nil
	}
	t := asked.UTC().Truncate(time.Microsecond)
	if !t.After(now) {
		return nil, Invalid("expires_at", KindInvalid, "must be in the future")
	}
	return &t, nil
}

// keyManager returns p's role if it may make and revoke API keys (Ticket0:
// "only workspace Owners and Admins can create or revoke keys"; TopTickets:
// admins and read-only admins create them), whatever its scopes: an agent's
// key holding admin or settings:write still may not. verb names the refused
// action.
func keyManager(p *Principal, verb string) (Role, error) {
	role := p.Role
	if role == "" {
		// A principal made in-process (the demo data, a command) rather than
		// from a key or a session speaks for the operator.
		role = RoleAdmin
	}
	if !role.CanCreateKeys() {
		return role, Errorf(EFORBIDDEN, "an API key of a %s cannot %s API keys", role, verb)
	}
	return role, nil
}

// checkKeyRole checks that a key acting as an agent of role may hold scopes.
func checkKeyRole(p *Principal, role Role, scopes []Scope) error {
	for _, sc := range scopes {
		if !role.AllowsScope(sc) {
			return Errorf(EFORBIDDEN, "a key acting as a %s cannot hold scope %s", role, sc)
		}
	}
	return nil
}

// APIKey returns the calling key itself, for a key's self-check.
func (s *Service) APIKey(ctx context.Context, p *Principal) (*APIKey, error) {
	var key *APIKey
	err := s.store.View(ctx, func(tx Tx) error {
		keys, err := tx.APIKeys(ctx, p.WorkspaceID, Page{})
		if err != nil {
			return err
		}
		for _, k := range keys {
			if k.ID == p.KeyID {
				key = k
				return nil
			}
		}
		return NotFound("api key")
	})
	return key, err
}
