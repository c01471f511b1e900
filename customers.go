package ticketd

import (
	"context"
	"maps"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// CustomerProfile is what the team knows of a customer beyond its contact
// details. Every surface shows the same profile in its own words: a shop's
// platform ids, Ticket0's externalId and metadata, the native API's
// identities and metadata.
type CustomerProfile struct {
	// Name is the customer's full name as given; "" means first and last name.
	Name string
	// Identities are the customer's ids in other systems, by system (see the
	// System constants); one id per system, and within a workspace one
	// customer per system and id.
	Identities map[string]string
	// Metadata is free-form text by key, from the team's own systems.
	Metadata map[string]string
	// Orders is how many orders the customer placed, when a shop says.
	Orders *int
	// Platform is the shop platform the customer came from ("Shopify") and
	// PlatformCreatedAt when the customer was created there.
	Platform          string
	PlatformCreatedAt *time.Time
	// CustomerDetails are where the customer works and lives and how the
	// team rates them (profiles.go).
	CustomerDetails
}

// Systems of customer identities that the product APIs name. A system is any
// lower-case word; these are the ones a surface maps to its own fields.
const (
	SystemExternal   = "external" // the team's own system (Ticket0's externalId)
	SystemShopify    = "shopify"
	SystemWordPress  = "wordpress"
	SystemPrestaShop = "prestashop"
	SystemFacebook   = "facebook"
	SystemInstagram  = "instagram"
	// SystemInstagramHandle is the customer's Instagram user name, not its id.
	SystemInstagramHandle = "instagram_handle"
	SystemWhatsApp        = "whatsapp"
	SystemZendesk         = "zendesk"
	SystemFreshdesk       = "freshdesk"
	SystemGorgias         = "gorgias"
	SystemGmelius         = "gmelius"
)

// Limits of a profile, so that one customer cannot store unbounded data.
const (
	maxIdentities  = 50
	maxMetadata    = 100
	maxMetaKeyLen  = 100
	maxMetaValLen  = 2000
	maxIdentityLen = 200
)

var systemName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// validateProfile checks a profile as it will be stored.
func validateProfile(pr *CustomerProfile) error {
	if err := checkText("name", pr.Name, 0, maxNameLen); err != nil {
		return err
	}
	if len(pr.Identities) > maxIdentities {
		return Invalid("identities", KindTooMany, "at most %d identities", maxIdentities)
	}
	for _, sys := range sortedKeys(pr.Identities) {
		if !systemName.MatchString(sys) {
			return Invalid("identities", KindInvalid, "%q is not a system name (lower-case letters, digits and _)", sys)
		}
		if err := checkText("identities."+sys, pr.Identities[sys], 1, maxIdentityLen); err != nil {
			return err
		}
	}
	if len(pr.Metadata) > maxMetadata {
		return Invalid("metadata", KindTooMany, "at most %d keys", maxMetadata)
	}
	for _, k := range sortedKeys(pr.Metadata) {
		if k == "" || utf8.RuneCountInString(k) > maxMetaKeyLen {
			return Invalid("metadata", KindInvalid, "keys must be 1 to %d characters", maxMetaKeyLen)
		}
		if err := checkText("metadata."+k, pr.Metadata[k], 0, maxMetaValLen); err != nil {
			return err
		}
	}
	if pr.Orders != nil && *pr.Orders < 0 {
		return Invalid("orders", KindRange, "must not be negative")
	}
	if err := checkText("platform", pr.Platform, 0, maxLabelLen); err != nil {
		return err
	}
	return validateDetails(&pr.CustomerDetails)
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// trimProfile trims the profile's text and drops empty identities, which
// an integration sends for "no id there" (a null shopify_id).
func trimProfile(pr CustomerProfile) CustomerProfile {
	pr.Name = strings.TrimSpace(pr.Name)
	pr.Platform = strings.TrimSpace(pr.Platform)
	ids := map[string]string{}
	for k, v := range pr.Identities {
		if v = strings.TrimSpace(v); v != "" {
			ids[k] = v
		}
	}
	pr.Identities = ids
	pr.CustomerDetails = trimDetails(pr.CustomerDetails)
	if pr.Metadata == nil {
		pr.Metadata = map[string]string{}
	}
	return pr
}

// ProfileUpdate changes a customer's profile. Identities and Metadata are
// merged into what the customer has: a key with a nil value is removed, the
// others set (Ticket0's "metadata is merged; null removes a key").
type ProfileUpdate struct {
	Name              *string
	Identities        map[string]*string
	Metadata          map[string]*string
	Orders            Set[*int]
	Platform          *string
	PlatformCreatedAt Set[*time.Time]
	// Details changes the given details.
	Details DetailsPatch
}

// apply merges u into pr.
func (u *ProfileUpdate) apply(pr *CustomerProfile) {
	if u.Name != nil {
		pr.Name = *u.Name
	}
	if u.Platform != nil {
		pr.Platform = *u.Platform
	}
	pr.Identities = merge(pr.Identities, u.Identities)
	pr.Metadata = merge(pr.Metadata, u.Metadata)
	u.Orders.apply(&pr.Orders)
	u.PlatformCreatedAt.apply(&pr.PlatformCreatedAt)
	u.Details.Apply(&pr.CustomerDetails)
}

func merge(m map[string]string, u map[string]*string) map[string]string {
	out := maps.Clone(m)
	if out == nil {
		out = map[string]string{}
	}
	for k, v := range u {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = *v
	}
	return out
}

// UpdateCustomerProfile changes a customer's profile in one transaction
// (the customer row locked, so two merges never lose each other's keys).
// ECONFLICT if an identity belongs to another customer of the workspace.
func (s *Service) UpdateCustomerProfile(ctx context.Context, p *Principal, id ID, u ProfileUpdate) (*Customer, error) {
	var c *Customer
	err := s.store.Update(ctx, func(tx Tx) (err error) {
		if c, err = tx.CustomerForUpdate(ctx, p.WorkspaceID, ByID(id)); err != nil {
			return err
		}
		before := *c // updateProfile merges into copies of the maps
		if err := updateProfile(ctx, tx, c, u, s.Now()); err != nil {
			return err
		}
		return s.emit(ctx, tx, customerChanged(&before, c)...)
	})
	if err != nil {
		return nil, conflictMessage(err, "another customer has this external id")
	}
	return c, nil
}

// updateProfile merges u into the profile of c, read locked in tx, and
// writes it.
func updateProfile(ctx context.Context, tx Tx, c *Customer, u ProfileUpdate, now time.Time) error {
	u.apply(&c.Profile)
	c.Profile = trimProfile(c.Profile)
	if err := validateProfile(&c.Profile); err != nil {
		return err
	}
	c.UpdatedAt = now
	return tx.SetCustomerProfile(ctx, c)
}

// EnsureCustomerByIdentity returns the workspace's customer with the given
// id in system (Ticket0's upsert on externalId), or else as EnsureCustomer
// does by email or phone, creating the customer when there is none. An
// existing customer is returned as it is, except that one found by email
// without an id in system gets externalID.
func (s *Service) EnsureCustomerByIdentity(ctx context.Context, p *Principal, system, externalID string, in NewCustomer) (c *Customer, created bool, err error) {
	externalID = strings.TrimSpace(externalID)
	if externalID != "" {
		err = s.store.View(ctx, func(tx Tx) (err error) {
			c, err = tx.CustomerByIdentity(ctx, p.WorkspaceID, system, externalID)
			return err
		})
		if err == nil {
			return c, false, nil
		} else if ErrorCode(err) != ENOTFOUND {
			return nil, false, err
		}
		if in.Profile.Identities == nil {
			in.Profile.Identities = map[string]string{}
		}
		in.Profile.Identities[system] = externalID
	}
	c, created, err = s.EnsureCustomer(ctx, p, in)
	if err == nil && !created && externalID != "" && c.Profile.Identities[system] == "" {
		// Found by email (a customer who wrote in before the integration
		// knew them): link the id, so the next lookup by it finds them.
		c, err = s.UpdateCustomerProfile(ctx, p, c.ID, ProfileUpdate{Identities: map[string]*string{system: &externalID}})
	}
	if ErrorCode(err) == ECONFLICT && externalID != "" {
		// Another request created the customer with this id meanwhile.
		err = s.store.View(ctx, func(tx Tx) (err error) {
			c, err = tx.CustomerByIdentity(ctx, p.WorkspaceID, system, externalID)
			return err
		})
		return c, false, err
	}
	return c, created, err
}

// CustomerFilter selects customers; an empty field is not a condition.
type CustomerFilter struct {
	Email string
	// System and ExternalID select the customer with that identity.
	System, ExternalID string
	Page               Page
}

// FindCustomers lists the workspace's customers that f selects, in creation
// order.
func (s *Service) FindCustomers(ctx context.Context, p *Principal, f CustomerFilter) (cs []*Customer, err error) {
	if f.Email != "" {
		f.Email = strings.ToLower(strings.TrimSpace(f.Email))
	}
	err = s.store.View(ctx, func(tx Tx) error {
		cs, err = tx.FindCustomers(ctx, p.WorkspaceID, f)
		return err
	})
	return cs, err
}

// CustomerTicketCounts returns how many tickets each of the customers has.
func (s *Service) CustomerTicketCounts(ctx context.Context, p *Principal, customers []*Customer) (counts map[ID]int, err error) {
	ids := make([]ID, len(customers))
	for i, c := range customers {
		ids[i] = c.ID
	}
	err = s.store.View(ctx, func(tx Tx) error {
		counts, err = tx.CustomerTicketCounts(ctx, p.WorkspaceID, ids)
		return err
	})
	return counts, err
}

// CustomerTicketCount returns how many tickets one customer has.
func (s *Service) CustomerTicketCount(ctx context.Context, p *Principal, id ID) (n int, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		counts, err := tx.CustomerTicketCounts(ctx, p.WorkspaceID, []ID{id})
		n = counts[id]
		return err
	})
	return n, err
}

// TicketPeople returns the customers and assignees of tickets, each read
// once, for surfaces that show them beside a list of tickets.
func (s *Service) TicketPeople(ctx context.Context, p *Principal, ts []*Ticket) (*Participants, error) {
	out := &Participants{Customers: map[ID]*Customer{}, Users: map[ID]*User{}}
	err := s.store.View(ctx, func(tx Tx) error {
		for _, t := range ts {
			if _, seen := out.Customers[t.CustomerID]; !seen {
				c, err := tx.Customer(ctx, p.WorkspaceID, ByID(t.CustomerID))
				if err != nil && ErrorCode(err) != ENOTFOUND {
					return err
				}
				out.Customers[t.CustomerID] = c
			}
			if id := t.AssigneeID; id != nil {
				if _, seen := out.Users[*id]; !seen {
					u, err := tx.User(ctx, p.WorkspaceID, ByID(*id))
					if err != nil && ErrorCode(err) != ENOTFOUND {
						return err
					}
					out.Users[*id] = u
				}
			}
		}
		return nil
	})
	return out, err
}
