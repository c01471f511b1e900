package native

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
)

// The concepts that came with the TopTickets surface, under the native API's
// own names: a ticket's priority, category, description, due date, team,
// resolution time and tracking token; teams and members; user and customer
// profiles; key roles and expiry; deletes; files uploaded to a ticket.

func (h *Handler) registerPlanning() {
	s := h.mount
	s.Handle("DELETE", "/tickets/{id}", "tickets:delete", h.deleteTicket)
	s.Handle("DELETE", "/customers/{id}", "customers:delete", h.deleteCustomer)
	s.Handle("DELETE", "/users/{id}", "users:delete", h.deleteUser)

	s.Handle("POST", "/teams", "teams:write", h.createTeam)
	s.Handle("GET", "/teams", "teams:read", h.listTeams)
	s.Handle("GET", "/teams/{id}", "teams:read", h.getTeam)
	s.Handle("PATCH", "/teams/{id}", "teams:write", h.updateTeam)
	s.Handle("DELETE", "/teams/{id}", "teams:delete", h.deleteTeam)
	s.Handle("GET", "/teams/{id}/members", "teams:read", h.listMembers)
	s.Handle("PUT", "/teams/{id}/members/{user_id}", "teams:write", h.putMember)
	s.Handle("DELETE", "/teams/{id}/members/{user_id}", "teams:write", h.deleteMember)

	s.Handle("GET", "/tickets/{ticket_id}/attachments", "attachments:read", h.listFiles)
	s.HandleUpload("POST", "/tickets/{ticket_id}/attachments", "attachments:write",
		ticketd.MaxTicketAttachmentBytes+1<<20, h.uploadFile)
	s.Handle("GET", "/tickets/{ticket_id}/attachments/{id}", "attachments:read", h.getFile)
	s.Handle("DELETE", "/tickets/{ticket_id}/attachments/{id}", "attachments:delete", h.deleteFile)
}

// ---- ticket fields ----------------------------------------------------------

var timeType = reflect.TypeOf(time.Time{})

// optionalTime is a JSON field that may be absent, null or an RFC 3339 time.
type optionalTime struct {
	Set, Null bool
	Time      time.Time
}

func (o *optionalTime) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	if err := json.Unmarshal(b, &o.Time); err != nil {
		return &json.UnmarshalTypeError{Value: "string " + string(b), Type: timeType}
	}
	return nil
}

// planningBody is the planning part of a ticket body.
type planningBody struct {
	Priority    *ticketd.Priority `json:"priority"`
	Category    *string           `json:"category"`
	Description *string           `json:"description"`
	DueAt       optionalTime      `json:"due_at"`
	TeamID      optionalID        `json:"team_id"`
}

func (b *planningBody) applyNew(in *ticketd.NewTicket) {
	if b.Priority != nil {
		in.Priority = *b.Priority
	}
	in.Category, in.Description = deref(b.Category), deref(b.Description)
	if b.DueAt.Set && !b.DueAt.Null {
		in.DueAt = &b.DueAt.Time
	}
	if b.TeamID.Set && !b.TeamID.Null {
		ref := ticketd.ByID(b.TeamID.ID)
		in.Team = &ref
	}
}

func (b *planningBody) applyUpdate(in *ticketd.TicketUpdate) {
	in.Priority, in.Category, in.Description = b.Priority, b.Category, b.Description
	in.ClearDueAt = b.DueAt.Set && b.DueAt.Null
	if b.DueAt.Set && !b.DueAt.Null {
		in.DueAt = &b.DueAt.Time
	}
	in.Unteam = b.TeamID.Set && b.TeamID.Null
	if b.TeamID.Set && !b.TeamID.Null {
		ref := ticketd.ByID(b.TeamID.ID)
		in.Team = &ref
	}
}

// planningJSON is the planning part of a ticket object.
type planningJSON struct {
	Priority      ticketd.Priority `json:"priority"`
	Category      string           `json:"category"`
	Description   string           `json:"description"`
	DueAt         *time.Time       `json:"due_at"`
	TeamID        *ticketd.ID      `json:"team_id"`
	ResolvedAt    *time.Time       `json:"resolved_at"`
	TrackingToken *ticketd.ID      `json:"tracking_token"`
}

func renderPlanning(t *ticketd.Ticket) planningJSON {
	return planningJSON{Priority: t.Priority, Category: t.Category, Description: t.Description, DueAt: t.DueAt,
		TeamID: t.TeamID, ResolvedAt: t.ResolvedAt, TrackingToken: t.TrackingToken}
}

// planningFilter reads the list filters priority, team_id, category and
// unassigned (no agent and no team).
func planningFilter(q url.Values, f *ticketd.TicketFilter) error {
	if s := q.Get("priority"); s != "" {
		p := ticketd.Priority(s)
		if !p.Valid() {
			return queryInvalid("priority", ticketd.KindEnum, "must be one of low, medium, high, urgent")
		}
		f.Priority = &p
	}
	if s := q.Get("team_id"); s != "" {
		id, err := ticketd.ParseID(s)
		if err != nil {
			return queryInvalid("team_id", ticketd.KindType, "must be a UUID")
		}
		f.TeamID = &id
	}
	if q.Has("category") {
		c := q.Get("category")
		f.Category = &c
	}
	if s := q.Get("unassigned"); s != "" {
		v, err := strconv.ParseBool(s)
		if err != nil {
			return queryInvalid("unassigned", ticketd.KindType, "must be true or false")
		}
		f.Unassigned = &v
	}
	return nil
}

func (h *Handler) deleteTicket(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "ticket")
	if err != nil {
		return err
	}
	if err := h.svc.DeleteTicket(r.Context(), p, ticketd.ByID(id)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- people -------------------------------------------------------------------

// profileJSON is a customer's profile under the native names: the name as
// given, ids in other systems and metadata (a null value removes a key on
// PATCH), and the details.
type profileJSON struct {
	Name       *string            `json:"name,omitempty"`
	Identities map[string]*string `json:"identities,omitempty"`
	Metadata   map[string]*string `json:"metadata,omitempty"`
	// Orders, Platform and PlatformCreatedAt are what a shop says of the
	// customer (HelpWave's numberOfOrders, CMS, cms_creationDate).
	Orders            *int       `json:"orders,omitempty"`
	Platform          *string    `json:"platform,omitempty"`
	PlatformCreatedAt *time.Time `json:"platform_created_at,omitempty"`
	Company           *string    `json:"company,omitempty"`
	Department        *string    `json:"department,omitempty"`
	Title             *string    `json:"title,omitempty"`
	Tier              *string    `json:"tier,omitempty"`
	Pronoun           *string    `json:"pronoun,omitempty"`
	Country           *string    `json:"country,omitempty"`
	City              *string    `json:"city,omitempty"`
	State             *string    `json:"state,omitempty"`
	Zip               *string    `json:"zip,omitempty"`
	Address           *string    `json:"address,omitempty"`
	Region            *string    `json:"region,omitempty"`
	Timezone          *string    `json:"timezone,omitempty"`
	AccountValue      *string    `json:"account_value,omitempty"`
	LinkedIn          *string    `json:"linkedin,omitempty"`
	Website           *string    `json:"website,omitempty"`
	GitHub            *string    `json:"github,omitempty"`
	Notes             *string    `json:"notes,omitempty"`
	PremiumSupport    *bool      `json:"premium_support,omitempty"`
	VIP               *bool      `json:"vip,omitempty"`
}

func (p *profileJSON) fields() map[ticketd.ProfileField]**string {
	return map[ticketd.ProfileField]**string{ticketd.FieldCompany: &p.Company, ticketd.FieldDepartment: &p.Department,
		ticketd.FieldTitle: &p.Title, ticketd.FieldTier: &p.Tier, ticketd.FieldPronoun: &p.Pronoun,
		ticketd.FieldCountry: &p.Country, ticketd.FieldCity: &p.City, ticketd.FieldState: &p.State, ticketd.FieldZip: &p.Zip,
		ticketd.FieldAddress: &p.Address, ticketd.FieldRegion: &p.Region, ticketd.FieldTimezone: &p.Timezone,
		ticketd.FieldAccountValue: &p.AccountValue, ticketd.FieldLinkedIn: &p.LinkedIn, ticketd.FieldWebsite: &p.Website,
		ticketd.FieldGitHub: &p.GitHub, ticketd.FieldNotes: &p.Notes}
}

// details turns a body's profile details into the domain's patch.
func (p *profileJSON) details() ticketd.DetailsPatch {
	out := ticketd.DetailsPatch{Text: map[ticketd.ProfileField]string{}}
	for f, v := range p.fields() {
		if *v != nil {
			out.Text[f] = **v
		}
	}
	out.PremiumSupport, out.VIP = p.PremiumSupport, p.VIP
	return out
}

// update is the body's profile as a change (nil: none given).
func (p *profileJSON) update() *ticketd.ProfileUpdate {
	if p == nil {
		return nil
	}
	u := &ticketd.ProfileUpdate{Name: p.Name, Identities: p.Identities, Metadata: p.Metadata, Platform: p.Platform,
		Details: p.details()}
	if p.Orders != nil {
		u.Orders = ticketd.SetTo(p.Orders)
	}
	if p.PlatformCreatedAt != nil {
		u.PlatformCreatedAt = ticketd.SetTo(p.PlatformCreatedAt)
	}
	return u
}

// profile is the body's profile of a new customer.
func (p *profileJSON) profile() ticketd.CustomerProfile {
	var pr ticketd.CustomerProfile
	if p == nil {
		return pr
	}
	pr.Name, pr.Platform, pr.Orders, pr.PlatformCreatedAt = deref(p.Name), deref(p.Platform), p.Orders, p.PlatformCreatedAt
	pr.Identities, pr.Metadata = map[string]string{}, map[string]string{}
	for k, v := range p.Identities {
		if v != nil {
			pr.Identities[k] = *v
		}
	}
	for k, v := range p.Metadata {
		if v != nil {
			pr.Metadata[k] = *v
		}
	}
	p.details().Apply(&pr.CustomerDetails)
	return pr
}

// renderProfile renders the whole profile, empty fields included.
func renderProfile(c *ticketd.CustomerProfile) map[string]any {
	out := map[string]any{"name": c.Name, "identities": emptyMap(c.Identities), "metadata": emptyMap(c.Metadata),
		"premium_support": c.PremiumSupport, "vip": c.VIP, "orders": c.Orders, "platform": c.Platform,
		"platform_created_at": c.PlatformCreatedAt}
	for _, f := range ticketd.ProfileFields {
		out[string(f)] = *c.Text(f)
	}
	return out
}

func emptyMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// userProfileBody is the profile part of a user body.
type userProfileBody struct {
	IsActive     *bool                 `json:"is_active"`
	EmployeeType *ticketd.EmployeeType `json:"employee_type"`
	AvatarURL    *string               `json:"avatar_url"`
	Region       *string               `json:"region"`
	Timezone     *string               `json:"timezone"`
}

func (b *userProfileBody) patch() ticketd.UserProfilePatch {
	return ticketd.UserProfilePatch{IsActive: b.IsActive, EmployeeType: b.EmployeeType, AvatarURL: b.AvatarURL,
		Region: b.Region, Timezone: b.Timezone}
}

// userProfileJSON is the profile part of a user object.
type userProfileJSON struct {
	IsActive     bool   `json:"is_active"`
	EmployeeType string `json:"employee_type"`
	AvatarURL    string `json:"avatar_url"`
	Region       string `json:"region"`
	Timezone     string `json:"timezone"`
}

func renderUserProfile(u *ticketd.User) userProfileJSON {
	return userProfileJSON{IsActive: u.IsActive, EmployeeType: string(u.EmployeeType), AvatarURL: u.AvatarURL,
		Region: u.Region, Timezone: u.Timezone}
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

// ---- teams --------------------------------------------------------------------

type teamJSON struct {
	ID          ticketd.ID `json:"id"`
	Number      int64      `json:"number"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

func renderTeam(t *ticketd.Team) teamJSON {
	return teamJSON{ID: t.ID, Number: t.Number, Name: t.Name, Description: t.Description, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

type teamBody struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
}

func (h *Handler) createTeam(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	var b teamBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	t, err := h.svc.CreateTeam(r.Context(), p, ticketd.NewTeam{Name: deref(b.Name), Description: deref(b.Description)})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, renderTeam(t))
	return nil
}

func (h *Handler) listTeams(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	ctx := r.Context()
	return listAfter(w, r, func(id ticketd.ID) (*ticketd.Team, error) { return h.svc.Team(ctx, p, ticketd.ByID(id)) },
		func(t *ticketd.Team) int64 { return t.Number },
		func(pg ticketd.Page) ([]*ticketd.Team, error) { return h.svc.Teams(ctx, p, pg) },
		func(t *ticketd.Team) ticketd.ID { return t.ID }, renderTeam)
}

func (h *Handler) getTeam(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "team")
	if err != nil {
		return err
	}
	t, err := h.svc.Team(r.Context(), p, ticketd.ByID(id))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, renderTeam(t))
	return nil
}

func (h *Handler) updateTeam(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "team")
	if err != nil {
		return err
	}
	var b teamBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	t, err := h.svc.UpdateTeam(r.Context(), p, id, ticketd.TeamUpdate{Name: b.Name, Description: b.Description})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, renderTeam(t))
	return nil
}

func (h *Handler) deleteTeam(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "team")
	if err != nil {
		return err
	}
	if err := h.svc.DeleteTeam(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listMembers answers a team's members as user objects, in the order they joined.
func (h *Handler) listMembers(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	if err := knownParams(r); err != nil {
		return err
	}
	id, err := pathID(r, "id", "team")
	if err != nil {
		return err
	}
	if err := knownParams(r); err != nil {
		return err
	}
	us, err := h.svc.TeamMembers(r.Context(), p, id)
	if err != nil {
		return err
	}
	out := make([]UserJSON, len(us))
	for i, u := range us {
		out[i] = RenderUser(u)
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

// putMember makes a user a member; PUT because doing it twice changes nothing.
func (h *Handler) putMember(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "team")
	if err != nil {
		return err
	}
	user, err := pathID(r, "user_id", "user")
	if err != nil {
		return err
	}
	if err := h.svc.AddTeamMember(r.Context(), p, id, ticketd.ByID(user)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) deleteMember(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "team")
	if err != nil {
		return err
	}
	user, err := pathID(r, "user_id", "team member")
	if err != nil {
		return err
	}
	if err := h.svc.RemoveTeamMember(r.Context(), p, id, user); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- files uploaded to a ticket (ticket attachments) -------------------------------------------------

type fileJSON struct {
	ID          ticketd.ID  `json:"id"`
	Number      int64       `json:"number"`
	TicketID    ticketd.ID  `json:"ticket_id"`
	Filename    string      `json:"filename"`
	ContentType string      `json:"content_type"`
	Size        int64       `json:"size"`
	UploadedBy  *ticketd.ID `json:"uploaded_by"`
	CreatedAt   time.Time   `json:"created_at"`
}

// fileRefs reads the ticket and attachment ids of a file's path.
func fileRefs(r *http.Request) (ticketd.ID, ticketd.ID, error) {
	ticket, err := pathID(r, "ticket_id", "ticket")
	if err != nil {
		return ticket, ticket, err
	}
	id, err := pathID(r, "id", "attachment")
	return ticket, id, err
}

func renderFile(a *ticketd.TicketAttachment) fileJSON {
	return fileJSON{ID: a.ID, Number: a.Number, TicketID: a.TicketID, Filename: a.Filename, ContentType: a.ContentType,
		Size: a.Size, UploadedBy: a.UploadedBy, CreatedAt: a.CreatedAt}
}

func (h *Handler) uploadFile(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	ticket, err := pathID(r, "ticket_id", "ticket")
	if err != nil {
		return err
	}
	// An unknown ticket is a 404 before any complaint about the body (the
	// route matrix checks every route for it).
	if _, err := h.svc.Ticket(r.Context(), p, ticketd.ByID(ticket)); err != nil {
		return err
	}
	return httpapi.ReadUpload(w, r, "file", func(filename, contentType string, body io.Reader) error {
		a, err := h.svc.UploadTicketAttachment(r.Context(), p, ticketd.ByID(ticket),
			ticketd.NewTicketAttachment{Filename: filename, ContentType: contentType, Body: body})
		if err != nil {
			return err
		}
		httpapi.WriteJSON(w, http.StatusCreated, renderFile(a))
		return nil
	})
}

func (h *Handler) listFiles(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	if err := knownParams(r); err != nil {
		return err
	}
	ticket, err := pathID(r, "ticket_id", "ticket")
	if err != nil {
		return err
	}
	if err := knownParams(r); err != nil {
		return err
	}
	as, err := h.svc.TicketAttachments(r.Context(), p, ticketd.ByID(ticket))
	if err != nil {
		return err
	}
	out := make([]fileJSON, len(as))
	for i, a := range as {
		out[i] = renderFile(a)
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

// getFile answers the file's bytes as a download (the stored type,
// Content-Disposition: attachment, nosniff), as an email attachment's route
// does; the list carries the metadata.
func (h *Handler) getFile(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	ticket, id, err := fileRefs(r)
	if err != nil {
		return err
	}
	a, body, err := h.svc.OpenTicketAttachment(r.Context(), p, ticket, id)
	if err != nil {
		return err
	}
	defer body.Close()
	httpapi.ServeDownload(w, a.ContentType, a.Filename, a.Size, body)
	return nil
}

func (h *Handler) deleteFile(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	ticket, id, err := fileRefs(r)
	if err != nil {
		return err
	}
	if err := h.svc.DeleteTicketAttachment(r.Context(), p, ticket, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
