package ticketd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"regexp"
	"slices"
	"strings"
)

// EmployeeType says what kind of member of the team a user is; a bot is an
// automation that acts through the API.
type EmployeeType string

const (
	EmployeePermanent  EmployeeType = "permanent" // the default
	EmployeeContractor EmployeeType = "contractor"
	EmployeeExternal   EmployeeType = "external"
	EmployeeBot        EmployeeType = "bot"
)

// Regions are the regions a user or customer can be placed in ("" for none).
var Regions = []string{"amer", "apac", "emea", "latam", "asean"}

// CustomerTiers are the tiers a customer can be in ("" for none).
var CustomerTiers = []string{"tier_1", "tier_2", "tier_3", "tier_4"}

// CustomerDetails are the part of a customer's profile that says where they
// work and live and how the team rates them.
type CustomerDetails struct {
	Company, Department, Title string
	Tier                       string // one of CustomerTiers, or ""
	Pronoun                    string
	Country, City, State, Zip  string
	Address                    string
	Region                     string // one of Regions, or ""
	Timezone                   string
	// AccountValue is a decimal number as text ("50000.00"), kept exactly.
	AccountValue              string
	LinkedIn, Website, GitHub string
	Notes                     string
	PremiumSupport, VIP       bool
}

// ProfileField names one text field of CustomerDetails. Surfaces map their
// own names to these; the store maps them to columns.
type ProfileField string

// The text fields of a customer profile.
const (
	FieldCompany      ProfileField = "company"
	FieldDepartment   ProfileField = "department"
	FieldTitle        ProfileField = "title"
	FieldTier         ProfileField = "tier"
	FieldPronoun      ProfileField = "pronoun"
	FieldCountry      ProfileField = "country"
	FieldCity         ProfileField = "city"
	FieldState        ProfileField = "state"
	FieldZip          ProfileField = "zip"
	FieldAddress      ProfileField = "address"
	FieldRegion       ProfileField = "region"
	FieldTimezone     ProfileField = "timezone"
	FieldAccountValue ProfileField = "account_value"
	FieldLinkedIn     ProfileField = "linkedin"
	FieldWebsite      ProfileField = "website"
	FieldGitHub       ProfileField = "github"
	FieldNotes        ProfileField = "notes"
)

// ProfileFields lists every text field of CustomerDetails.
var ProfileFields = []ProfileField{FieldCompany, FieldDepartment, FieldTitle, FieldTier, FieldPronoun,
	FieldCountry, FieldCity, FieldState, FieldZip, FieldAddress, FieldRegion, FieldTimezone, FieldAccountValue,
	FieldLinkedIn, FieldWebsite, FieldGitHub, FieldNotes}

// Text returns a pointer to the profile's text field f (nil for an unknown f).
func (p *CustomerDetails) Text(f ProfileField) *string {
	switch f {
	case FieldCompany:
		return &p.Company
	case FieldDepartment:
		return &p.Department
	case FieldTitle:
		return &p.Title
	case FieldTier:
		return &p.Tier
	case FieldPronoun:
		return &p.Pronoun
	case FieldCountry:
		return &p.Country
	case FieldCity:
		return &p.City
	case FieldState:
		return &p.State
	case FieldZip:
		return &p.Zip
	case FieldAddress:
		return &p.Address
	case FieldRegion:
		return &p.Region
	case FieldTimezone:
		return &p.Timezone
	case FieldAccountValue:
		return &p.AccountValue
	case FieldLinkedIn:
		return &p.LinkedIn
	case FieldWebsite:
		return &p.Website
	case FieldGitHub:
		return &p.GitHub
	case FieldNotes:
		return &p.Notes
	}
	return nil
}

// DetailsPatch changes the given fields of CustomerDetails.
type DetailsPatch struct {
	Text           map[ProfileField]string
	PremiumSupport *bool
	VIP            *bool
}

// Empty reports whether the patch writes nothing.
func (p DetailsPatch) Empty() bool {
	return len(p.Text) == 0 && p.PremiumSupport == nil && p.VIP == nil
}

// Apply writes the patch into c (the service trims what it stores).
func (p DetailsPatch) Apply(c *CustomerDetails) {
	for f, v := range p.Text {
		if dst := c.Text(f); dst != nil {
			*dst = v
		}
	}
	if p.PremiumSupport != nil {
		c.PremiumSupport = *p.PremiumSupport
	}
	if p.VIP != nil {
		c.VIP = *p.VIP
	}
}

// trimDetails trims every text field.
func trimDetails(d CustomerDetails) CustomerDetails {
	for _, f := range ProfileFields {
		p := d.Text(f)
		*p = strings.TrimSpace(*p)
	}
	return d
}

var decimalText = regexp.MustCompile(`^-?[0-9]{1,15}(\.[0-9]{1,4})?$`)

func validateDetails(p *CustomerDetails) error {
	for _, f := range ProfileFields {
		limit := maxNameLen
		if f == FieldNotes {
			limit = 10_000
		} else if f == FieldAddress || f == FieldLinkedIn || f == FieldWebsite || f == FieldGitHub {
			limit = 1000
		}
		if err := checkText(string(f), *p.Text(f), 0, limit); err != nil {
			return err
		}
	}
	if p.Tier != "" && !slices.Contains(CustomerTiers, p.Tier) {
		return Invalid(string(FieldTier), KindEnum, "must be one of tier_1, tier_2, tier_3, tier_4")
	}
	if p.Region != "" && !slices.Contains(Regions, p.Region) {
		return Invalid(string(FieldRegion), KindEnum, "must be one of amer, apac, emea, latam, asean")
	}
	if p.AccountValue != "" && !decimalText.MatchString(p.AccountValue) {
		return Invalid(string(FieldAccountValue), KindInvalid, "must be a decimal number such as 50000.00")
	}
	return nil
}

// SplitName splits one full name into first and last name at its first
// space, so that FullName gives it back: surfaces that know a single name
// (TopTickets) and those that know two (the shop API) show the same person.
func SplitName(full string) (first, last string) {
	first, last, _ = strings.Cut(strings.Join(strings.Fields(full), " "), " ")
	return first, last
}

// Avatar is a picture uploaded for a user: its bytes in the BlobStore under
// Key ("" for none).
type Avatar struct {
	Key         string
	ContentType string
}

// UserProfilePatch changes the given profile fields of a user.
type UserProfilePatch struct {
	IsActive     *bool
	EmployeeType *EmployeeType
	AvatarURL    *string
	Region       *string
	Timezone     *string
	Avatar       *Avatar
}

// Empty reports whether the patch writes nothing.
func (p UserProfilePatch) Empty() bool {
	return p.IsActive == nil && p.EmployeeType == nil && p.AvatarURL == nil && p.Region == nil && p.Timezone == nil &&
		p.Avatar == nil
}

func (p UserProfilePatch) apply(u *User) {
	if p.IsActive != nil {
		u.IsActive = *p.IsActive
	}
	if p.EmployeeType != nil {
		u.EmployeeType = *p.EmployeeType
	}
	setTrimmed(&u.AvatarURL, p.AvatarURL)
	setTrimmed(&u.Region, p.Region)
	setTrimmed(&u.Timezone, p.Timezone)
	if p.Avatar != nil {
		u.Avatar = *p.Avatar
	}
}

func validateUserProfile(u *User) error {
	switch u.EmployeeType {
	case EmployeePermanent, EmployeeContractor, EmployeeExternal, EmployeeBot:
	default:
		return Invalid("employee_type", KindEnum, "must be one of permanent, contractor, external, bot")
	}
	if u.Region != "" && !slices.Contains(Regions, u.Region) {
		return Invalid("region", KindEnum, "must be one of amer, apac, emea, latam, asean")
	}
	if err := checkText("avatar_url", u.AvatarURL, 0, 2000); err != nil {
		return err
	}
	return checkText("timezone", u.Timezone, 0, 100)
}

// patchUserProfile applies and writes a user's profile patch inside tx.
func patchUserProfile(ctx context.Context, tx Tx, u *User, patch UserProfilePatch) error {
	if patch.Empty() {
		return nil
	}
	patch.apply(u)
	if err := validateUserProfile(u); err != nil {
		return err
	}
	// Write the stored (trimmed) values.
	stored := UserProfilePatch{IsActive: patch.IsActive, EmployeeType: patch.EmployeeType, Avatar: patch.Avatar}
	if patch.AvatarURL != nil {
		stored.AvatarURL = &u.AvatarURL
	}
	if patch.Region != nil {
		stored.Region = &u.Region
	}
	if patch.Timezone != nil {
		stored.Timezone = &u.Timezone
	}
	return tx.PatchUserProfile(ctx, u.WorkspaceID, u.ID, stored)
}

// DeleteUser deletes an agent: it can no longer sign in or be assigned, the
// keys acting as it stop working, its tickets are unassigned and its team
// memberships end; what it wrote keeps it as its author. A key cannot
// delete the agent it acts as (ECONFLICT), so a workspace never locks
// itself out by accident.
func (s *Service) DeleteUser(ctx context.Context, p *Principal, id ID) error {
	if id == p.UserID {
		return Errorf(ECONFLICT, "cannot delete the user the calling API key acts as")
	}
	err := s.store.Update(ctx, func(tx Tx) error {
		u, err := tx.User(ctx, p.WorkspaceID, ByID(id))
		if err != nil {
			return err
		}
		if err := tx.DeleteUser(ctx, p.WorkspaceID, id, s.Now()); err != nil {
			return err
		}
		return s.emit(ctx, tx, userEvent(EventUserDeleted, u)...)
	})
	// Its keys are gone: they stop working at once here and within the
	// cache's lifetime on other nodes, as a revoked key does.
	s.keys.clear()
	return err
}

// DeleteCustomer deletes a customer: it is no longer found or listed and its
// email address may be used again; its tickets and their conversations
// stay, still naming it as their customer and author.
func (s *Service) DeleteCustomer(ctx context.Context, p *Principal, id ID) error {
	return s.store.Update(ctx, func(tx Tx) error {
		c, err := tx.Customer(ctx, p.WorkspaceID, ByID(id))
		if err != nil {
			return err
		}
		if err := tx.DeleteCustomer(ctx, p.WorkspaceID, id, s.Now()); err != nil {
			return err
		}
		return s.emit(ctx, tx, customerDeleted(c)...)
	})
}

// DeleteTicket deletes a ticket for good, with its whole conversation, its
// attachments and any email still waiting to be sent for it.
func (s *Service) DeleteTicket(ctx context.Context, p *Principal, ref Ref) error {
	return s.store.Update(ctx, func(tx Tx) error {
		t, err := tx.Ticket(ctx, p.WorkspaceID, ref)
		if err != nil {
			return err
		}
		if err := tx.DeleteTicket(ctx, p.WorkspaceID, t.ID); err != nil {
			return err
		}
		return s.emit(ctx, tx, ticketEvent(EventTicketDeleted, t))
	})
}

// setTrimmed sets *dst to the trimmed *v when v is given.
func setTrimmed(dst *string, v *string) {
	if v != nil {
		*dst = strings.TrimSpace(*v)
	}
}

// MaxAvatarBytes bounds an uploaded avatar (5 MB).
const MaxAvatarBytes = 5 << 20

// AvatarTypes are the picture types an avatar may have.
var AvatarTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp"}

// SetAvatar stores a picture as the calling agent's avatar: an image of one
// of AvatarTypes (EINVALID) of at most MaxAvatarBytes (ETOOLARGE), streamed
// to the blob store.
func (s *Service) SetAvatar(ctx context.Context, p *Principal, contentType string, body io.Reader) (*User, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || !slices.Contains(AvatarTypes, mt) {
		return nil, Invalid("file", KindNotAllowed, "an avatar must be one of %s", strings.Join(AvatarTypes, ", "))
	}
	blobs, ok := s.blobs.(StreamBlobStore)
	if !ok {
		return nil, fmt.Errorf("set avatar: the blob store cannot store streams")
	}
	key, _, err := blobs.PutStream(ctx, &capReader{r: body, left: MaxAvatarBytes})
	if errors.Is(err, errTooLarge) {
		return nil, Errorf(ETOOLARGE, "an avatar is at most %d bytes (5 MB)", MaxAvatarBytes)
	} else if err != nil {
		return nil, fmt.Errorf("set avatar: %w", err)
	}
	return s.patchOwnAvatar(ctx, p, Avatar{Key: key, ContentType: mt})
}

// DeleteAvatar removes the calling agent's avatar.
func (s *Service) DeleteAvatar(ctx context.Context, p *Principal) (*User, error) {
	return s.patchOwnAvatar(ctx, p, Avatar{})
}

func (s *Service) patchOwnAvatar(ctx context.Context, p *Principal, a Avatar) (*User, error) {
	var u *User
	err := s.store.Update(ctx, func(tx Tx) (err error) {
		if u, err = tx.UserForUpdate(ctx, p.WorkspaceID, ByID(p.UserID)); err != nil {
			return err
		}
		if err := patchUserProfile(ctx, tx, u, UserProfilePatch{Avatar: &a}); err != nil {
			return err
		}
		return s.emit(ctx, tx, userEvent(EventUserUpdated, u)...)
	})
	return u, err
}

// OpenAvatar returns a user's uploaded avatar and its bytes; ENOTFOUND when
// the user has none.
func (s *Service) OpenAvatar(ctx context.Context, p *Principal, user ID) (*User, io.ReadCloser, error) {
	u, err := s.User(ctx, p, ByID(user))
	if err != nil {
		return nil, nil, err
	}
	if u.Avatar.Key == "" || s.blobs == nil {
		return nil, nil, NotFound("avatar")
	}
	r, err := s.blobs.Open(ctx, u.Avatar.Key)
	if err != nil {
		return nil, nil, fmt.Errorf("open avatar of %s: %w", u.ID, err)
	}
	return u, r, nil
}
