package native

import (
	"net/http"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
)

// The native API's deletions (issue 15): list and delete sending domains,
// delete inboxes, erase a customer with their data (POST
// /v1/customers/{id}/erase), and read the audit log those acts write.
func (h *Handler) registerOps() {
	s := h.mount
	s.Handle("GET", "/domains", "settings:read", h.listDomains)
	s.Handle("DELETE", "/domains/{id}", "settings:write", h.deleteDomain)
	s.Handle("DELETE", "/inboxes/{id}", "settings:write", h.deleteInbox)
	// DELETE /v1/customers/{id} marks a customer deleted and keeps the
	// conversations (planning.go); erasure is its own, explicit act.
	s.Handle("POST", "/customers/{id}/erase", "customers:delete", h.eraseCustomer)
	s.Handle("GET", "/audit", "settings:read", h.listAudit)
}

func (h *Handler) listDomains(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	if err := knownParams(r, "limit", "after"); err != nil {
		return err
	}
	page, err := httpapi.ParsePage(r, "after")
	if err != nil {
		return err
	}
	all, err := h.svc.SendingDomains(r.Context(), p)
	if err != nil {
		return err
	}
	domainID := func(d *ticketd.SendingDomain) ticketd.ID { return d.ID }
	ds, err := pageOf(all, page, domainID)
	if err != nil {
		return err
	}
	writeList(w, r, page, ds, domainID, h.renderDomain)
	return nil
}

func (h *Handler) deleteDomain(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "domain")
	if err != nil {
		return err
	}
	if err := h.svc.DeleteSendingDomain(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) deleteInbox(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "inbox")
	if err != nil {
		return err
	}
	if err := h.svc.DeleteInbox(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type erasureJSON struct {
	Erased      bool `json:"erased"`
	Tickets     int  `json:"tickets"`
	Messages    int  `json:"messages"`
	Attachments int  `json:"attachments"`
}

func (h *Handler) eraseCustomer(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "customer")
	if err != nil {
		return err
	}
	er, err := h.svc.EraseCustomer(r.Context(), p, id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, erasureJSON{Erased: true, Tickets: er.Tickets, Messages: er.Messages, Attachments: er.Attachments})
	return nil
}

type auditJSON struct {
	ID          ticketd.ID  `json:"id"`
	Number      int64       `json:"number"`
	Action      string      `json:"action"`
	ObjectType  string      `json:"object_type"`
	ObjectID    ticketd.ID  `json:"object_id"`
	Detail      string      `json:"detail"`
	ActorUserID *ticketd.ID `json:"actor_user_id"`
	ActorKeyID  *ticketd.ID `json:"actor_key_id"`
	CreatedAt   time.Time   `json:"created_at"`
}

func renderAudit(e *ticketd.AuditEntry) auditJSON {
	return auditJSON{ID: e.ID, Number: e.Number, Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID,
		Detail: e.Detail, ActorUserID: e.ActorUserID, ActorKeyID: e.ActorKeyID, CreatedAt: e.CreatedAt}
}

func (h *Handler) listAudit(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	if err := knownParams(r, "limit", "after"); err != nil {
		return err
	}
	page, err := httpapi.ParsePage(r, "after")
	if err != nil {
		return err
	}
	var after *ticketd.ID
	if page.After != "" {
		id, err := ticketd.ParseID(page.After)
		if err != nil {
			return httpapi.InvalidCursor("after")
		}
		after = &id
	}
	es, err := h.svc.AuditLog(r.Context(), p, after, page.Limit+1)
	if ticketd.ErrorCode(err) == ticketd.ENOTFOUND {
		return httpapi.InvalidCursor("after")
	} else if err != nil {
		return err
	}
	writeList(w, r, page, es, func(e *ticketd.AuditEntry) ticketd.ID { return e.ID }, renderAudit)
	return nil
}
