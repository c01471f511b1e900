package native

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
	"github.com/ticketd/ticketd/httpapi/typeid"
	"github.com/ticketd/ticketd/mail"
)

// registerInbound adds the raw-email endpoint and attachment downloads.
func (h *Handler) registerInbound() {
	h.mount.HandleRaw("POST", "/inbound/email", "inbound:write", h.inboundEmail)
	h.mount.Handle("GET", "/messages/{id}/attachments", "messages:read", h.listAttachments)
	h.mount.Handle("GET", "/messages/{id}/attachments/{attachment_id}", "messages:read", h.downloadAttachment)
}

// inboundEmail ingests a raw RFC 5322 message exactly as the SMTP listener
// does, for MTAs that pipe mail and providers that forward it. The inbox is
// the first recipient (Delivered-To / X-Original-To / Envelope-To, then To,
// then Cc) that is an inbox of the key's workspace.
// A new message answers 201; a redelivery 200 with duplicate true; a bounce
// or an email that is ignored 202 with the reason.
func (h *Handler) inboundEmail(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		switch mt {
		case "message/rfc822", "text/plain", "application/octet-stream":
		default:
			return ticketd.Errorf(ticketd.EMALFORMED, "Content-Type must be message/rfc822, not %s", mt)
		}
	}
	raw, err := io.ReadAll(r.Body)
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return ticketd.Errorf(ticketd.ETOOLARGE, "the email is larger than %d bytes", maxErr.Limit)
	} else if err != nil {
		return ticketd.Errorf(ticketd.EMALFORMED, "reading the body: %v", err)
	}
	e, err := mail.ParseInbound(raw, int64(len(raw))+1, nil)
	if err != nil {
		return err
	}
	addrs := e.Recipients // Delivered-To and the like, when present
	for _, a := range append(append([]ticketd.EmailAddress{}, e.To...), e.Cc...) {
		addrs = append(addrs, a.Address)
	}
	inbox, err := h.svc.InboxAmong(r.Context(), p, addrs)
	if err != nil {
		return err
	}
	res, err := h.svc.IngestEmail(r.Context(), inbox, e)
	if err != nil {
		return err
	}
	switch {
	case res.Bounced != nil || res.Ignored != "":
		out := map[string]any{"ignored": res.Ignored, "bounced_message_id": nil}
		if res.Bounced != nil {
			out["bounced_message_id"] = res.Bounced.ID
		}
		httpapi.WriteJSON(w, http.StatusAccepted, out)
	default:
		status := http.StatusCreated
		if res.Duplicate {
			status = http.StatusOK
		}
		httpapi.WriteJSON(w, status, map[string]any{"ticket_id": res.Ticket.ID, "ticket_number": res.Ticket.Number,
			"message_id": res.Message.ID, "duplicate": res.Duplicate})
	}
	return nil
}

type attachmentJSON struct {
	ID          ticketd.ID `json:"id"`
	Filename    string     `json:"filename"`
	ContentType string     `json:"content_type"`
	ContentID   string     `json:"content_id"`
	Inline      bool       `json:"inline"`
	Size        int64      `json:"size"`
	URL         string     `json:"url"`
	CreatedAt   time.Time  `json:"created_at"`
}

func renderAttachment(a *ticketd.Attachment) attachmentJSON {
	return attachmentJSON{ID: a.ID, Filename: a.Filename, ContentType: a.ContentType, ContentID: a.ContentID,
		Inline: a.Inline, Size: a.Size, URL: fmt.Sprintf("/v1/messages/%s/attachments/%s", a.MessageID, a.ID),
		CreatedAt: a.CreatedAt}
}

func (h *Handler) listAttachments(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	if err := knownParams(r); err != nil {
		return err
	}
	id, err := typeid.Parse(r.PathValue("id"), typeid.Message)
	if err != nil {
		return ticketd.NotFound("message")
	}
	as, err := h.svc.Attachments(r.Context(), p, id)
	if err != nil {
		return err
	}
	out := make([]attachmentJSON, len(as))
	for i, a := range as {
		out[i] = renderAttachment(a)
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

// downloadAttachment streams an attachment with its content type. It is
// always offered as a download (Content-Disposition: attachment, nosniff), so
// an HTML or SVG file a customer sent never runs in an agent's browser.
func (h *Handler) downloadAttachment(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	msg, err := typeid.Parse(r.PathValue("id"), typeid.Message)
	if err != nil {
		return ticketd.NotFound("attachment")
	}
	id, err := ticketd.ParseID(r.PathValue("attachment_id"))
	if err != nil {
		return ticketd.NotFound("attachment")
	}
	a, body, err := h.svc.OpenAttachment(r.Context(), p, msg, id)
	if err != nil {
		return err
	}
	defer body.Close()
	httpapi.ServeDownload(w, a.ContentType, a.Filename, a.Size, body)
	return nil
}
