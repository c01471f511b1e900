package native

import (
	"net/http"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
	"github.com/ticketd/ticketd/httpapi/typeid"
)

// registerEmail adds the routes of sending domains, inboxes and message
// delivery.
func (h *Handler) registerEmail() {
	h.mount.Handle("POST", "/domains", "settings:write", h.createDomain)
	h.mount.Handle("GET", "/domains/{id}", "settings:read", h.getDomain)
	h.mount.Handle("POST", "/domains/{id}/verify", "settings:write", h.verifyDomain)
	h.mount.Handle("POST", "/inboxes", "settings:write", h.createInbox)
	h.mount.Handle("GET", "/inboxes", "settings:read", h.listInboxes)
	h.mount.Handle("GET", "/inboxes/{id}", "settings:read", h.getInbox)
	h.mount.Handle("PATCH", "/inboxes/{id}", "settings:write", h.updateInbox)
	h.mount.Handle("GET", "/messages/{id}", "messages:read", h.getMessage)
}

type dnsRecordJSON struct {
	Type    string `json:"type"`
	Name    string `json:"name"`
	Value   string `json:"value"`
	Purpose string `json:"purpose"`
}

type domainJSON struct {
	ID         ticketd.ID      `json:"id"`
	Number     int64           `json:"number"`
	Name       string          `json:"name"`
	Verified   bool            `json:"verified"`
	VerifiedAt *time.Time      `json:"verified_at"`
	DNSRecords []dnsRecordJSON `json:"dns_records"`
	CreatedAt  time.Time       `json:"created_at"`
}

func (h *Handler) renderDomain(d *ticketd.SendingDomain) domainJSON {
	out := domainJSON{ID: d.ID, Number: d.Number, Name: d.Name, Verified: d.VerifiedAt != nil, VerifiedAt: d.VerifiedAt,
		DNSRecords: []dnsRecordJSON{}, CreatedAt: d.CreatedAt}
	for _, r := range h.svc.DomainRecords(d) {
		out.DNSRecords = append(out.DNSRecords, dnsRecordJSON(r))
	}
	return out
}

func (h *Handler) createDomain(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	var b struct {
		Name *string `json:"name"`
	}
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	if b.Name == nil {
		return ticketd.Invalid("name", ticketd.KindMissing, "field required")
	}
	d, err := h.svc.CreateSendingDomain(r.Context(), p, *b.Name)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, h.renderDomain(d))
	return nil
}

func (h *Handler) getDomain(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "domain")
	if err != nil {
		return err
	}
	d, err := h.svc.SendingDomain(r.Context(), p, ticketd.ByID(id))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, h.renderDomain(d))
	return nil
}

type recordCheckJSON struct {
	dnsRecordJSON
	Expected string   `json:"expected"`
	Found    []string `json:"found"`
	OK       bool     `json:"ok"`
	Error    string   `json:"error,omitempty"`
}

func (h *Handler) verifyDomain(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "domain")
	if err != nil {
		return err
	}
	d, v, err := h.svc.VerifyDomain(r.Context(), p, ticketd.ByID(id))
	if err != nil {
		return err
	}
	checks := []recordCheckJSON{}
	for _, c := range v.Records {
		found := c.Found
		if found == nil {
			found = []string{}
		}
		checks = append(checks, recordCheckJSON{dnsRecordJSON: dnsRecordJSON(c.DNSRecord), Expected: c.Value,
			Found: found, OK: c.OK, Error: c.Error})
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"verified": v.Verified, "records": checks, "domain": h.renderDomain(d)})
	return nil
}

type inboxJSON struct {
	ID        ticketd.ID `json:"id"`
	Number    int64      `json:"number"`
	Address   string     `json:"address"`
	Name      string     `json:"name"`
	Signature string     `json:"signature"`
	DomainID  ticketd.ID `json:"domain_id"`
	CreatedAt time.Time  `json:"created_at"`
	// IMAP is the inbox's IMAP mailbox, on POST, PATCH and GET of one
	// inbox; the password is never rendered.
	IMAP *imapJSON `json:"imap,omitempty"`
}

// imapBody is the imap object of POST and PATCH /v1/inboxes.
type imapBody struct {
	Host       string `json:"host"`
	Port       int    `json:"port"`
	Security   string `json:"security"`
	Username   string `json:"username"`
	Password   string `json:"password"`
	Folder     string `json:"folder"`
	SentFolder string `json:"sent_folder"`
}

func (b *imapBody) account() *ticketd.IMAPAccount {
	if b == nil {
		return nil
	}
	return &ticketd.IMAPAccount{Host: b.Host, Port: b.Port, Security: b.Security, Username: b.Username,
		Password: b.Password, Folder: b.Folder, SentFolder: b.SentFolder}
}

type imapJSON struct {
	Host        string     `json:"host"`
	Port        int        `json:"port"`
	Security    string     `json:"security"`
	Username    string     `json:"username"`
	PasswordSet bool       `json:"password_set"`
	Folder      string     `json:"folder"`
	SentFolder  string     `json:"sent_folder"`
	LastSyncAt  *time.Time `json:"last_sync_at"`
	LastError   string     `json:"last_error"`
}

// withIMAP adds the inbox's IMAP mailbox, if any, to its rendering.
func (h *Handler) withIMAP(r *http.Request, p *ticketd.Principal, ib *ticketd.Inbox) (inboxJSON, error) {
	out := renderInbox(ib)
	mb, err := h.svc.InboxIMAP(r.Context(), p, ib.ID)
	if ticketd.ErrorCode(err) == ticketd.ENOTFOUND {
		return out, nil
	} else if err != nil {
		return out, err
	}
	a := mb.Account
	out.IMAP = &imapJSON{Host: a.Host, Port: a.Port, Security: a.Security, Username: a.Username,
		PasswordSet: a.Password != "", Folder: a.Folder, SentFolder: a.SentFolder, LastSyncAt: mb.LastSyncAt,
		LastError: mb.LastError}
	return out, nil
}

// writeInbox answers with one inbox and its IMAP mailbox.
func (h *Handler) writeInbox(w http.ResponseWriter, r *http.Request, p *ticketd.Principal, ib *ticketd.Inbox, status int) error {
	out, err := h.withIMAP(r, p, ib)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, status, out)
	return nil
}

func (h *Handler) getInbox(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := ticketd.ParseID(r.PathValue("id"))
	if err != nil {
		return ticketd.NotFound("inbox")
	}
	ib, err := h.svc.Inbox(r.Context(), p, ticketd.ByID(id))
	if err != nil {
		return err
	}
	return h.writeInbox(w, r, p, ib, http.StatusOK)
}

func (h *Handler) updateInbox(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := ticketd.ParseID(r.PathValue("id"))
	if err != nil {
		return ticketd.NotFound("inbox")
	}
	var b struct {
		IMAP *imapBody `json:"imap"`
	}
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	ib, err := h.svc.UpdateInbox(r.Context(), p, ticketd.ByID(id), ticketd.InboxUpdate{IMAP: b.IMAP.account()})
	if err != nil {
		return err
	}
	return h.writeInbox(w, r, p, ib, http.StatusOK)
}

func renderInbox(ib *ticketd.Inbox) inboxJSON {
	return inboxJSON{ID: ib.ID, Number: ib.Number, Address: ib.Address, Name: ib.Name, Signature: ib.Signature,
		DomainID: ib.DomainID, CreatedAt: ib.CreatedAt}
}

func (h *Handler) createInbox(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	var b struct {
		Address   string    `json:"address"`
		Name      string    `json:"name"`
		Signature string    `json:"signature"`
		IMAP      *imapBody `json:"imap"`
	}
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	ib, err := h.svc.CreateInbox(r.Context(), p, ticketd.NewInbox{Address: b.Address, Name: b.Name, Signature: b.Signature,
		IMAP: b.IMAP.account()})
	if err != nil {
		return err
	}
	return h.writeInbox(w, r, p, ib, http.StatusCreated)
}

func (h *Handler) listInboxes(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	if err := knownParams(r, "limit", "after"); err != nil {
		return err
	}
	page, err := httpapi.ParsePage(r, "after")
	if err != nil {
		return err
	}
	all, err := h.svc.Inboxes(r.Context(), p, ticketd.Page{})
	if err != nil {
		return err
	}
	inboxID := func(ib *ticketd.Inbox) ticketd.ID { return ib.ID }
	inboxes, err := pageOf(all, page, inboxID)
	if err != nil {
		return err
	}
	writeList(w, r, page, inboxes, inboxID, renderInbox)
	return nil
}

// messageJSON is the native view of any message, with what the comment
// object of seed 001 has no room for: email fields and delivery status.
type messageJSON struct {
	ID               ticketd.ID  `json:"id"`
	Number           int64       `json:"number"`
	TicketID         ticketd.ID  `json:"ticket_id"`
	AuthorKind       string      `json:"author_kind"`
	AuthorUserID     *ticketd.ID `json:"author_user_id"`
	AuthorCustomerID *ticketd.ID `json:"author_customer_id"`
	Direction        string      `json:"direction"`
	IsInternal       bool        `json:"is_internal"`
	Body             string      `json:"body"`
	Channel          string      `json:"channel"`
	Subject          string      `json:"subject"`
	FromAddress      string      `json:"from_address"`
	To               []string    `json:"to"`
	Cc               []string    `json:"cc"`
	ExternalID       string      `json:"external_id"`
	InReplyTo        string      `json:"in_reply_to"`
	DeliveryStatus   string      `json:"delivery_status"`
	DeliveryAttempts int         `json:"delivery_attempts"`
	DeliveryError    string      `json:"delivery_error"`
	Tags             []string    `json:"tags"`
	Time             time.Time   `json:"time"`
	CreatedAt        time.Time   `json:"created_at"`
	UpdatedAt        time.Time   `json:"updated_at"`
	// Authentication is the origin verdict of an inbound email, on
	// GET /v1/messages/{id} only.
	Authentication *authJSON `json:"authentication,omitempty"`
}

// authJSON renders ticketd.EmailAuth.
type authJSON struct {
	SPF         string   `json:"spf"`
	DKIM        string   `json:"dkim"`
	DMARC       string   `json:"dmarc"`
	FromDomain  string   `json:"from_domain"`
	DKIMDomains []string `json:"dkim_domains"`
	DMARCPolicy string   `json:"dmarc_policy"`
}

func renderMessage(m *ticketd.Message) messageJSON {
	status := string(m.Delivery)
	if status == "" {
		status = "none"
	}
	return messageJSON{ID: m.ID, Number: m.Number, TicketID: m.TicketID, AuthorKind: string(m.Author.Kind),
		AuthorUserID: m.Author.UserID, AuthorCustomerID: m.Author.CustomerID, Direction: string(m.Direction()),
		IsInternal: m.Internal, Body: m.Body, Channel: m.Channel, Subject: m.Subject, FromAddress: m.FromAddress,
		To: m.To, Cc: m.Cc, ExternalID: m.ExternalID, InReplyTo: m.InReplyTo, DeliveryStatus: status,
		DeliveryAttempts: m.DeliveryAttempts, DeliveryError: m.DeliveryError, Tags: m.Tags, Time: m.Time,
		CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
}

// getMessage shows one message with its delivery status, by UUID or by the
// messages resource's msg_ id.
func (h *Handler) getMessage(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := typeid.Parse(r.PathValue("id"), typeid.Message)
	if err != nil {
		return ticketd.NotFound("message")
	}
	m, err := h.svc.MessageByID(r.Context(), p, id)
	if err != nil {
		return err
	}
	out := renderMessage(m)
	if a, err := h.svc.MessageAuth(r.Context(), p, id); err == nil {
		out.Authentication = &authJSON{SPF: a.SPF, DKIM: a.DKIM, DMARC: a.DMARC, FromDomain: a.FromDomain,
			DKIMDomains: a.DKIMDomains, DMARCPolicy: a.Policy}
	} else if ticketd.ErrorCode(err) != ticketd.ENOTFOUND {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}
