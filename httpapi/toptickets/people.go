package toptickets

import (
	"net/http"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
)

// ---- customers ------------------------------------------------------------

type customerJSON struct {
	ID                ticketd.ID `json:"id"`
	Name              string     `json:"name"`
	Email             *string    `json:"email"`
	Company           string     `json:"company"`
	Department        string     `json:"department"`
	Title             string     `json:"title"`
	CustomerTier      *string    `json:"customer_tier"`
	ContactNumber     string     `json:"contact_number"`
	Pronoun           string     `json:"pronoun"`
	LocationCountry   string     `json:"location_country"`
	LocationCity      string     `json:"location_city"`
	LocationState     string     `json:"location_state"`
	LocationZip       string     `json:"location_zip"`
	LocationAddress   string     `json:"location_address"`
	Region            *string    `json:"region"`
	Timezone          string     `json:"timezone"`
	AccountValue      *string    `json:"account_value"`
	HasPremiumSupport bool       `json:"has_premium_support"`
	IsVIP             bool       `json:"is_vip"`
	SocialLinkedIn    string     `json:"social_linkedin"`
	SocialWebsite     string     `json:"social_website"`
	SocialGitHub      string     `json:"social_github"`
	Notes             string     `json:"notes"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
}

func renderCustomer(c *ticketd.Customer) customerJSON {
	pr := &c.Profile
	return customerJSON{ID: c.ID, Name: c.FullName(), Email: nullable(c.Email), Company: pr.Company,
		Department: pr.Department, Title: pr.Title, CustomerTier: nullable(pr.Tier), ContactNumber: c.Phone,
		Pronoun: pr.Pronoun, LocationCountry: pr.Country, LocationCity: pr.City, LocationState: pr.State,
		LocationZip: pr.Zip, LocationAddress: pr.Address, Region: nullable(pr.Region), Timezone: pr.Timezone,
		AccountValue: nullable(pr.AccountValue), HasPremiumSupport: pr.PremiumSupport, IsVIP: pr.VIP,
		SocialLinkedIn: pr.LinkedIn, SocialWebsite: pr.Website, SocialGitHub: pr.GitHub, Notes: pr.Notes,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

type customerBody struct {
	Name              *string `json:"name"`
	Email             *string `json:"email"`
	ContactNumber     *string `json:"contact_number"`
	Company           *string `json:"company"`
	Department        *string `json:"department"`
	Title             *string `json:"title"`
	CustomerTier      *string `json:"customer_tier"`
	Pronoun           *string `json:"pronoun"`
	LocationCountry   *string `json:"location_country"`
	LocationCity      *string `json:"location_city"`
	LocationState     *string `json:"location_state"`
	LocationZip       *string `json:"location_zip"`
	LocationAddress   *string `json:"location_address"`
	Region            *string `json:"region"`
	Timezone          *string `json:"timezone"`
	AccountValue      *string `json:"account_value"`
	HasPremiumSupport *bool   `json:"has_premium_support"`
	IsVIP             *bool   `json:"is_vip"`
	SocialLinkedIn    *string `json:"social_linkedin"`
	SocialWebsite     *string `json:"social_website"`
	SocialGitHub      *string `json:"social_github"`
	Notes             *string `json:"notes"`
}

// details gathers the body's profile fields into the domain's patch.
func (b *customerBody) details() ticketd.DetailsPatch {
	p := ticketd.DetailsPatch{Text: map[ticketd.ProfileField]string{}, PremiumSupport: b.HasPremiumSupport, VIP: b.IsVIP}
	for f, v := range map[ticketd.ProfileField]*string{
		ticketd.FieldCompany: b.Company, ticketd.FieldDepartment: b.Department, ticketd.FieldTitle: b.Title,
		ticketd.FieldTier: b.CustomerTier, ticketd.FieldPronoun: b.Pronoun, ticketd.FieldCountry: b.LocationCountry,
		ticketd.FieldCity: b.LocationCity, ticketd.FieldState: b.LocationState, ticketd.FieldZip: b.LocationZip,
		ticketd.FieldAddress: b.LocationAddress, ticketd.FieldRegion: b.Region, ticketd.FieldTimezone: b.Timezone,
		ticketd.FieldAccountValue: b.AccountValue, ticketd.FieldLinkedIn: b.SocialLinkedIn,
		ticketd.FieldWebsite: b.SocialWebsite, ticketd.FieldGitHub: b.SocialGitHub, ticketd.FieldNotes: b.Notes,
	} {
		if v != nil {
			p.Text[f] = *v
		}
	}
	return p
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (h *Handler) createCustomer(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	var b customerBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	if b.Name == nil {
		return ticketd.Invalid("name", ticketd.KindMissing, "field required")
	}
	first, last := ticketd.SplitName(*b.Name)
	if first == "" {
		return ticketd.Invalid("name", ticketd.KindTooShort, "ensure this value has at least 1 characters")
	}
	// The name as given is the customer's name on every surface; first and
	// last name are split from it for the surfaces that show two.
	in := ticketd.NewCustomer{Email: deref(b.Email), Phone: deref(b.ContactNumber), FirstName: first, LastName: last,
		Profile: ticketd.CustomerProfile{Name: *b.Name}}
	b.details().Apply(&in.Profile.CustomerDetails)
	c, err := h.svc.CreateCustomer(r.Context(), p, in)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, renderCustomer(c))
	return nil
}

func (h *Handler) listCustomers(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	pg, err := parsePaging(r, 100, 500)
	if err != nil {
		return err
	}
	cs, err := h.svc.Customers(r.Context(), p, ticketd.Page{Offset: pg.Offset, Limit: pg.Limit})
	if err != nil {
		return err
	}
	writeList(w, cs, renderCustomer)
	return nil
}

func (h *Handler) getCustomer(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "customer")
	if err != nil {
		return err
	}
	c, err := h.svc.Customer(r.Context(), p, ticketd.ByID(id))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, renderCustomer(c))
	return nil
}

func (h *Handler) updateCustomer(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "customer")
	if err != nil {
		return err
	}
	var b customerBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	in := ticketd.CustomerUpdate{Email: b.Email, Phone: b.ContactNumber, Profile: &ticketd.ProfileUpdate{Details: b.details()}}
	if b.Name != nil {
		first, last := ticketd.SplitName(*b.Name)
		if first == "" {
			return ticketd.Invalid("name", ticketd.KindTooShort, "ensure this value has at least 1 characters")
		}
		in.FirstName, in.LastName, in.Profile.Name = &first, &last, b.Name
	}
	c, err := h.svc.UpdateCustomer(r.Context(), p, id, in)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, renderCustomer(c))
	return nil
}

func (h *Handler) deleteCustomer(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "customer")
	if err != nil {
		return err
	}
	if err := h.svc.DeleteCustomer(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- users ----------------------------------------------------------------

type userJSON struct {
	ID           ticketd.ID `json:"id"`
	Email        string     `json:"email"`
	FullName     string     `json:"full_name"`
	Role         string     `json:"role"`
	IsActive     bool       `json:"is_active"`
	AvatarURL    *string    `json:"avatar_url"`
	EmployeeType string     `json:"employee_type"`
	Region       *string    `json:"region"`
	Timezone     *string    `json:"timezone"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

func renderUser(u *ticketd.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, FullName: u.Name, Role: string(u.Role), IsActive: u.IsActive,
		AvatarURL: nullable(u.AvatarURL), EmployeeType: string(u.EmployeeType), Region: nullable(u.Region),
		Timezone: nullable(u.Timezone), CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

type userBody struct {
	Email        *string `json:"email"`
	FullName     *string `json:"full_name"`
	Role         *string `json:"role"`
	IsActive     *bool   `json:"is_active"`
	AvatarURL    *string `json:"avatar_url"`
	EmployeeType *string `json:"employee_type"`
	Region       *string `json:"region"`
	Timezone     *string `json:"timezone"`
}

func (b *userBody) profile() ticketd.UserProfilePatch {
	p := ticketd.UserProfilePatch{IsActive: b.IsActive, AvatarURL: b.AvatarURL, Region: b.Region, Timezone: b.Timezone}
	if b.EmployeeType != nil {
		et := ticketd.EmployeeType(*b.EmployeeType)
		p.EmployeeType = &et
	}
	return p
}

func (b *userBody) role() *ticketd.Role {
	if b.Role == nil {
		return nil
	}
	r := ticketd.Role(*b.Role)
	return &r
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	var b userBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	if b.FullName == nil {
		return ticketd.Invalid("full_name", ticketd.KindMissing, "field required")
	}
	in := ticketd.NewUser{Email: deref(b.Email), Name: *b.FullName, Profile: b.profile()}
	if rl := b.role(); rl != nil {
		in.Role = *rl
	}
	u, err := h.svc.CreateUser(r.Context(), p, in)
	if err != nil {
		return renameField(err, "name", "full_name")
	}
	httpapi.WriteJSON(w, http.StatusCreated, renderUser(u))
	return nil
}

// renameField renames a domain field in a validation error, where the
// surface's name differs by resource (a user's name is full_name).
func renameField(err error, from, to string) error {
	e, ok := err.(*ticketd.Error)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = append([]ticketd.FieldError(nil), e.Fields...)
	for i := range out.Fields {
		if out.Fields[i].Field == from {
			out.Fields[i].Field = to
		}
	}
	return &out
}

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	pg, err := parsePaging(r, 50, 100) // the users page: default 50, max 100
	if err != nil {
		return err
	}
	us, err := h.svc.Users(r.Context(), p, ticketd.Page{Offset: pg.Offset, Limit: pg.Limit})
	if err != nil {
		return err
	}
	writeList(w, us, renderUser)
	return nil
}

func (h *Handler) getUser(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "user")
	if err != nil {
		return err
	}
	u, err := h.svc.User(r.Context(), p, ticketd.ByID(id))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, renderUser(u))
	return nil
}

func (h *Handler) updateUser(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "user")
	if err != nil {
		return err
	}
	var b userBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	u, err := h.svc.UpdateUser(r.Context(), p, id, ticketd.UserUpdate{Email: b.Email, Name: b.FullName, Role: b.role(),
		Profile: b.profile()})
	if err != nil {
		return renameField(err, "name", "full_name")
	}
	httpapi.WriteJSON(w, http.StatusOK, renderUser(u))
	return nil
}

func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "user")
	if err != nil {
		return err
	}
	if err := h.svc.DeleteUser(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- POST /test -----------------------------------------------------------

// testKey is the key self-check: any valid key may call it, whatever its
// scopes, and learns its name, prefix, scopes and expiry.
func (h *Handler) testKey(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	k, err := h.svc.APIKey(r.Context(), p)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{
		"success": true, "message": "API key is valid and working correctly",
		"key_name": k.Name, "key_prefix": k.Prefix, "scopes": k.Scopes, "role": k.Role,
		"expires_at": k.ExpiresAt, "organization_id": p.WorkspaceID,
		"authenticated_at": h.svc.Now(),
	})
	return nil
}
