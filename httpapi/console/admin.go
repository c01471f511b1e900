package console

import (
	"net/http"

	"github.com/google/uuid"

	ticketd "github.com/ticketd/ticketd"
)

// The admin pages: agents, API keys, sending domains, inboxes and the
// workspace's settings. Each is a list with its forms; every change is a
// POST answered with a redirect back to the list.

func (c *Console) adminRoutes() {
	c.admin("GET /console/admin", func(w http.ResponseWriter, r *http.Request, s *session) error {
		http.Redirect(w, r, "/console/admin/agents", http.StatusSeeOther)
		return nil
	})
	c.admin("GET /console/admin/agents", c.agents)
	c.admin("POST /console/admin/agents", c.invite)
	c.admin("POST /console/admin/agents/{id}", c.updateAgent)
	c.admin("GET /console/admin/keys", c.keys)
	c.admin("POST /console/admin/keys", c.createKey)
	c.admin("POST /console/admin/keys/{id}/revoke", c.revokeKey)
	c.admin("GET /console/admin/domains", c.domains)
	c.admin("POST /console/admin/domains", c.createDomain)
	c.admin("POST /console/admin/domains/{id}/verify", c.verifyDomain)
	c.admin("GET /console/admin/inboxes", c.inboxes)
	c.admin("POST /console/admin/inboxes", c.createInbox)
	c.admin("GET /console/admin/workspace", c.workspace)
	c.admin("POST /console/admin/workspace", c.updateWorkspace)
	c.webhookRoutes()
}

// admin registers a page for admins only; the scope is the domain's answer
// to "may this agent manage the workspace" (ticketd.RoleScopes).
func (c *Console) admin(pattern string, h handlerFunc) {
	c.page(pattern, func(w http.ResponseWriter, r *http.Request, s *session) error {
		if !s.admin() {
			return ticketd.Errorf(ticketd.EFORBIDDEN, "only an admin can manage the workspace")
		}
		if r.Method == http.MethodPost {
			if err := r.ParseForm(); err != nil {
				return err
			}
		}
		return h(w, r, s)
	})
}

type adminData struct {
	baseData
	Section  string
	Agents   []ticketd.Agent
	Keys     []*ticketd.APIKey
	NewKey   string
	Scopes   []ticketd.Scope
	Domains  []domainView
	Inboxes  []*ticketd.Inbox
	WS       *ticketd.Workspace
	Verified *ticketd.DomainVerification
}

type domainView struct {
	*ticketd.SendingDomain
	Records []ticketd.DNSRecord
}

func (c *Console) adminBase(r *http.Request, s *session, section, title string) adminData {
	return adminData{baseData: c.base(r, s, title), Section: section}
}

func pathID(r *http.Request) (ticketd.ID, error) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		return id, ticketd.NotFound("object")
	}
	return id, nil
}

func (c *Console) agents(w http.ResponseWriter, r *http.Request, s *session) error {
	d := c.adminBase(r, s, "agents", "Agents")
	var err error
	if d.Agents, err = c.svc.Agents(r.Context(), s.p); err != nil {
		return err
	}
	d.Flash = map[string]string{"invited": "Invitation sent.", "saved": "Saved."}[r.URL.Query().Get("flash")]
	c.render(w, r, http.StatusOK, "admin", d)
	return nil
}

func (c *Console) invite(w http.ResponseWriter, r *http.Request, s *session) error {
	_, err := c.svc.Invite(r.Context(), s.p, ticketd.Invitation{Email: formText(r, "email"), Name: formText(r, "name"),
		Role: ticketd.Role(formText(r, "role")), LinkBase: c.linkBase(r, "invite")})
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/console/admin/agents?flash=invited", http.StatusSeeOther)
	return nil
}

// updateAgent changes an agent's role, or deactivates or reactivates it,
// as the button pressed says.
func (c *Console) updateAgent(w http.ResponseWriter, r *http.Request, s *session) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	switch r.PostForm.Get("action") {
	case "deactivate", "activate":
		err = c.svc.SetActive(r.Context(), s.p, id, r.PostForm.Get("action") == "activate")
	default:
		role := ticketd.Role(formText(r, "role"))
		_, err = c.svc.UpdateUser(r.Context(), s.p, id, ticketd.UserUpdate{Role: &role})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/console/admin/agents?flash=saved", http.StatusSeeOther)
	return nil
}

func (c *Console) keysData(r *http.Request, s *session) (adminData, error) {
	d := c.adminBase(r, s, "keys", "API keys")
	d.Scopes = ticketd.AllScopes
	var err error
	d.Keys, err = c.svc.APIKeys(r.Context(), s.p, ticketd.Page{Limit: 500})
	return d, err
}

func (c *Console) keys(w http.ResponseWriter, r *http.Request, s *session) error {
	d, err := c.keysData(r, s)
	if err != nil {
		return err
	}
	c.render(w, r, http.StatusOK, "admin", d)
	return nil
}

// createKey shows the new key once, on the page that answers the POST; it
// is never shown again.
func (c *Console) createKey(w http.ResponseWriter, r *http.Request, s *session) error {
	var scopes []ticketd.Scope
	for _, sc := range r.PostForm["scope"] {
		scopes = append(scopes, ticketd.Scope(sc))
	}
	_, raw, err := c.svc.CreateAPIKey(r.Context(), s.p, ticketd.NewAPIKeyInput{Name: formText(r, "name"), Scopes: scopes})
	if err != nil {
		return err
	}
	d, err := c.keysData(r, s)
	if err != nil {
		return err
	}
	d.NewKey = raw
	c.render(w, r, http.StatusCreated, "admin", d)
	return nil
}

func (c *Console) revokeKey(w http.ResponseWriter, r *http.Request, s *session) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := c.svc.DeleteAPIKey(r.Context(), s.p, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/console/admin/keys", http.StatusSeeOther)
	return nil
}

func (c *Console) domainsData(r *http.Request, s *session) (adminData, error) {
	d := c.adminBase(r, s, "domains", "Sending domains")
	ds, err := c.svc.SendingDomains(r.Context(), s.p)
	for _, dom := range ds {
		d.Domains = append(d.Domains, domainView{SendingDomain: dom, Records: c.svc.DomainRecords(dom)})
	}
	return d, err
}

func (c *Console) domains(w http.ResponseWriter, r *http.Request, s *session) error {
	d, err := c.domainsData(r, s)
	if err != nil {
		return err
	}
	c.render(w, r, http.StatusOK, "admin", d)
	return nil
}

func (c *Console) createDomain(w http.ResponseWriter, r *http.Request, s *session) error {
	if _, err := c.svc.CreateSendingDomain(r.Context(), s.p, formText(r, "name")); err != nil {
		return err
	}
	http.Redirect(w, r, "/console/admin/domains", http.StatusSeeOther)
	return nil
}

func (c *Console) verifyDomain(w http.ResponseWriter, r *http.Request, s *session) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	_, v, err := c.svc.VerifyDomain(r.Context(), s.p, ticketd.ByID(id))
	if err != nil {
		return err
	}
	d, err := c.domainsData(r, s)
	if err != nil {
		return err
	}
	d.Verified = v
	if v.Verified {
		d.Flash = "The domain is verified."
	} else {
		d.Error = "Not verified yet: some records are missing or differ (see below)."
	}
	c.render(w, r, http.StatusOK, "admin", d)
	return nil
}

func (c *Console) inboxes(w http.ResponseWriter, r *http.Request, s *session) error {
	d := c.adminBase(r, s, "inboxes", "Inboxes")
	var err error
	if d.Inboxes, err = c.svc.Inboxes(r.Context(), s.p, ticketd.Page{Limit: 500}); err != nil {
		return err
	}
	c.render(w, r, http.StatusOK, "admin", d)
	return nil
}

func (c *Console) createInbox(w http.ResponseWriter, r *http.Request, s *session) error {
	_, err := c.svc.CreateInbox(r.Context(), s.p, ticketd.NewInbox{Address: formText(r, "address"), Name: formText(r, "name"),
		Signature: r.PostForm.Get("signature")})
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/console/admin/inboxes", http.StatusSeeOther)
	return nil
}

func (c *Console) workspace(w http.ResponseWriter, r *http.Request, s *session) error {
	d := c.adminBase(r, s, "workspace", "Workspace settings")
	var err error
	if d.WS, err = c.svc.Workspace(r.Context(), s.p); err != nil {
		return err
	}
	if r.URL.Query().Get("flash") == "saved" {
		d.Flash = "Saved."
	}
	c.render(w, r, http.StatusOK, "admin", d)
	return nil
}

func (c *Console) updateWorkspace(w http.ResponseWriter, r *http.Request, s *session) error {
	name := formText(r, "name")
	triage, agentMail := r.PostForm.Get("auto_triage") == "on", r.PostForm.Get("email_agent_comments") == "on"
	_, err := c.svc.UpdateWorkspace(r.Context(), s.p, ticketd.WorkspaceUpdate{Name: &name, AutoTriage: &triage, EmailAgentComments: &agentMail})
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/console/admin/workspace?flash=saved", http.StatusSeeOther)
	return nil
}
