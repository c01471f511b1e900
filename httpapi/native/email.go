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
}

func renderInbox(ib *ticketd.Inbox) inboxJSON {
	return inboxJSON{ID: ib.ID, Number: ib.Number, Address: ib.Address, Name: ib.Name, Signature: ib.Signature,
		DomainID: ib.DomainID, CreatedAt: ib.CreatedAt}
}

func (h *Handler) createInbox(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	var b struct {
		Address   string `json:"address"`
		Name      string `json:"name"`
		Signature string `json:"signature"`
	}
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	ib, err := h.svc.CreateInbox(r.Context(), p, ticketd.NewInbox{Address: b.Address, Name: b.Name, Signature: b.Signature})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, renderInbox(ib))
	return nil
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
	httpapi.WriteJSON(w, http.StatusOK, renderMessage(m))
	return nil
}
