package toptickets

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
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

// uploadAttachment reads a multipart/form-data body with the file in the
// part named "file" and streams that part to the blob store: the request is
// never held in memory or parsed into a form. The part's own Content-Type
// names the file's type; a part without one (or with
// application/octet-stream) is typed by its first bytes.
func (h *Handler) uploadAttachment(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	ticket, err := pathID(r, "ticket_id", "ticket")
	if err != nil {
		return err
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return ticketd.Errorf(ticketd.EMALFORMED, "the body must be multipart/form-data with the file in a part named file")
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return ticketd.Invalid("file", "value_error.missing", "field required")
		} else if err != nil {
			return uploadError(err)
		}
		if part.FormName() != "file" {
			// Other fields are read past, never kept.
			if _, err := io.Copy(io.Discard, part); err != nil {
				return uploadError(err)
			}
			continue
		}
		a, err := h.storeUpload(r, p, ticket, part)
		if err != nil {
			return uploadError(err)
		}
		httpapi.WriteJSON(w, http.StatusCreated, renderAttachment(a))
		return nil
	}
}

func (h *Handler) storeUpload(r *http.Request, p *ticketd.Principal, ticket ticketd.ID, part *multipart.Part) (*ticketd.TicketAttachment, error) {
	ct := part.Header.Get("Content-Type")
	body := io.Reader(part)
	if base, _, _ := mime.ParseMediaType(ct); ct == "" || base == "application/octet-stream" {
		// Sniff the first 512 bytes, then hand them on with the rest.
		head := make([]byte, 512)
		n, err := io.ReadFull(part, head)
		if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
			return nil, err
		}
		head = head[:n]
		ct = http.DetectContentType(head)
		body = io.MultiReader(bytes.NewReader(head), part)
	}
	return h.svc.UploadTicketAttachment(r.Context(), p, ticketd.ByID(ticket),
		ticketd.NewTicketAttachment{Filename: part.FileName(), ContentType: ct, Body: body})
}

// uploadError words a failure while reading the upload.
func uploadError(err error) error {
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr):
		return ticketd.Errorf(ticketd.ETOOLARGE, "file is larger than %d bytes (30 MB)", ticketd.MaxTicketAttachmentBytes)
	case ticketd.ErrorCode(err) != ticketd.EINTERNAL:
		return err
	case errors.Is(err, io.ErrUnexpectedEOF), strings.Contains(err.Error(), "multipart"):
		return ticketd.Errorf(ticketd.EMALFORMED, "malformed multipart body: %v", err)
	}
	return err
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

// downloadURL answers where the file's bytes are. ticketd serves them
// itself, behind the same API key, so the URL does not expire and is useless
// without the key (expires_at is null).
func (h *Handler) downloadURL(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	ticket, id, err := attachmentRefs(r)
	if err != nil {
		return err
	}
	a, err := h.svc.TicketAttachment(r.Context(), p, ticket, id)
	if err != nil {
		return err
	}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	url := scheme + "://" + r.Host + h.prefix + "/tickets/" + ticket.String() + "/attachments/" + id.String() + "/content"
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"download_url": url, "filename": a.Filename,
		"content_type": a.ContentType, "size_bytes": a.Size, "expires_at": nil})
	return nil
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
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Length", strconv.FormatInt(a.Size, 10))
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Filename}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, body) // the client went away; nothing to do
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
