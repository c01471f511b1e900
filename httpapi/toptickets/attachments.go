package toptickets

import (
	"io"
	"net/http"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
)

// maxUploadBody bounds a whole upload request: the 30 MB file and the
// multipart framing around it.
const maxUploadBody = ticketd.MaxTicketAttachmentBytes + 1<<20

type attachmentJSON struct {
	ID               ticketd.ID  `json:"id"`
	TicketID         ticketd.ID  `json:"ticket_id"`
	Filename         string      `json:"filename"`
	ContentType      string      `json:"content_type"`
	SizeBytes        int64       `json:"size_bytes"`
	UploadedByUserID *ticketd.ID `json:"uploaded_by_user_id"`
	CreatedAt        time.Time   `json:"created_at"`
}

func renderAttachment(a *ticketd.TicketAttachment) attachmentJSON {
	return attachmentJSON{ID: a.ID, TicketID: a.TicketID, Filename: a.Filename, ContentType: a.ContentType,
		SizeBytes: a.Size, UploadedByUserID: a.UploadedBy, CreatedAt: a.CreatedAt}
}

func attachmentRefs(r *http.Request) (ticketd.ID, ticketd.ID, error) {
	ticket, err := pathID(r, "ticket_id", "ticket")
	if err != nil {
		return ticket, ticket, err
	}
	id, err := pathID(r, "id", "attachment")
	return ticket, id, err
}

// uploadAttachment streams the part named "file" of a multipart upload to
// the blob store (httpapi.ReadUpload); it is never held in memory.
func (h *Handler) uploadAttachment(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
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
		httpapi.WriteJSON(w, http.StatusCreated, renderAttachment(a))
		return nil
	})
}

func (h *Handler) listAttachments(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	ticket, err := pathID(r, "ticket_id", "ticket")
	if err != nil {
		return err
	}
	as, err := h.svc.TicketAttachments(r.Context(), p, ticketd.ByID(ticket))
	if err != nil {
		return err
	}
	writeList(w, as, renderAttachment)
	return nil
}

func (h *Handler) getAttachment(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	ticket, id, err := attachmentRefs(r)
	if err != nil {
		return err
	}
	a, err := h.svc.TicketAttachment(r.Context(), p, ticket, id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, renderAttachment(a))
	return nil
}

// downloadURL answers a link to the file's bytes that works without the
// API key for ticketd.DownloadLinkLife (one hour), as the product's
// presigned download URLs do: the client may hand it to a browser.
func (h *Handler) downloadURL(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	ticket, id, err := attachmentRefs(r)
	if err != nil {
		return err
	}
	a, token, expires, err := h.svc.DownloadLink(r.Context(), p, ticket, id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"download_url": h.url(r, "/downloads/"+token),
		"filename": a.Filename, "content_type": a.ContentType, "size_bytes": a.Size, "expires_at": expires.UTC()})
	return nil
}

// signedDownload serves the bytes a download link names, to anyone holding
// the link: the link's signature and expiry are checked without the
// database; a refused link is 403 {"detail": ...}.
func (h *Handler) signedDownload(w http.ResponseWriter, r *http.Request) error {
	a, body, err := h.svc.OpenDownloadLink(r.Context(), r.PathValue("token"))
	switch err {
	case nil:
	case ticketd.ErrDownloadLink:
		return ticketd.Errorf(ticketd.EFORBIDDEN, "Invalid download link")
	case ticketd.ErrDownloadLinkExpired:
		return ticketd.Errorf(ticketd.EFORBIDDEN, "Download link has expired")
	default:
		return err
	}
	defer body.Close()
	// A link may be fetched by a browser: never cached by a shared cache.
	w.Header().Set("Cache-Control", "private, no-store")
	httpapi.ServeDownload(w, a.ContentType, a.Filename, a.Size, body)
	return nil
}

// url is the absolute URL of a path of this surface, as the client reached it.
func (h *Handler) url(r *http.Request, path string) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host + h.prefix + path
}

// attachmentContent streams the file's bytes as a download: the stored type,
// Content-Disposition: attachment and nosniff, so that an uploaded HTML file
// is never rendered as a page of ours.
func (h *Handler) attachmentContent(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	ticket, id, err := attachmentRefs(r)
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

func (h *Handler) deleteAttachment(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	ticket, id, err := attachmentRefs(r)
	if err != nil {
		return err
	}
	if err := h.svc.DeleteTicketAttachment(r.Context(), p, ticket, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
