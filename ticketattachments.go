package ticketd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"
)

// TicketAttachment is a file uploaded to a ticket itself rather than sent in
// a message. Its bytes live in the BlobStore under Key.
type TicketAttachment struct {
	ID          ID
	Number      int64
	WorkspaceID ID
	TicketID    ID
	Filename    string
	ContentType string
	Size        int64
	Key         string // the content's SHA-256, hex
	// UploadedBy is the agent whose key uploaded the file.
	UploadedBy *ID
	CreatedAt  time.Time
}

// MaxTicketAttachmentBytes bounds one uploaded file (30 MB).
const MaxTicketAttachmentBytes = 30 << 20

// TicketAttachmentTypes are the content types a file uploaded to a ticket
// may have: documents, images, videos and archives, nothing executable.
var TicketAttachmentTypes = []string{
	"text/plain", "text/html", "application/pdf",
	"image/png", "image/jpeg", "image/gif", "image/webp",
	"video/mp4", "video/webm", "video/ogg", "video/quicktime",
	"application/zip", "application/x-7z-compressed", "application/gzip",
}

// AllowedTicketAttachmentType returns the bare, lower-case media type of ct
// and whether a ticket attachment may have it.
func AllowedTicketAttachmentType(ct string) (string, bool) {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(ct)), false
	}
	for _, t := range TicketAttachmentTypes {
		if t == mt {
			return mt, true
		}
	}
	return mt, false
}

// StreamBlobStore is a BlobStore that can store a stream without holding it
// in memory: it writes r out while hashing it and files it under its
// SHA-256, which it returns with the size. blob.Dir is one.
type StreamBlobStore interface {
	BlobStore
	PutStream(ctx context.Context, r io.Reader) (key string, size int64, err error)
}

// NewTicketAttachment is the input of UploadTicketAttachment.
type NewTicketAttachment struct {
	Filename    string
	ContentType string
	// Body is read once, to its end or to the size limit.
	Body io.Reader
}

// UploadTicketAttachment stores a file on a ticket. The content type must be
// one of TicketAttachmentTypes (EINVALID) and the file at most
// MaxTicketAttachmentBytes (ETOOLARGE); the bytes are streamed to the blob
// store, never held whole in memory. ENOTFOUND if the ticket is not in the
// workspace; nothing is stored then.
func (s *Service) UploadTicketAttachment(ctx context.Context, p *Principal, ticket Ref, in NewTicketAttachment) (*TicketAttachment, error) {
	name := strings.TrimSpace(in.Filename)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:] // a client's path is not ours to keep
	}
	if err := checkText("filename", name, 1, 255); err != nil {
		return nil, err
	}
	ct, ok := AllowedTicketAttachmentType(in.ContentType)
	if !ok {
		return nil, Invalid("file", KindNotAllowed, "content type %q is not allowed; allowed: %s",
			ct, strings.Join(TicketAttachmentTypes, ", "))
	}
	t, err := s.Ticket(ctx, p, ticket)
	if err != nil {
		return nil, err
	}
	blobs, ok := s.blobs.(StreamBlobStore)
	if !ok {
		return nil, fmt.Errorf("upload attachment: the blob store cannot store streams")
	}
	// The stream fails past the limit, so the blob store drops what it wrote.
	key, size, err := blobs.PutStream(ctx, &capReader{r: in.Body, left: MaxTicketAttachmentBytes})
	if errors.Is(err, errTooLarge) {
		return nil, Errorf(ETOOLARGE, "file is larger than %d bytes (30 MB)", MaxTicketAttachmentBytes)
	} else if err != nil {
		return nil, fmt.Errorf("upload attachment: %w", err)
	}
	uploader := p.UserID
	a := &TicketAttachment{ID: NewID(), WorkspaceID: p.WorkspaceID, TicketID: t.ID, Filename: name, ContentType: ct,
		Size: size, Key: key, UploadedBy: &uploader, CreatedAt: s.Now()}
	err = s.store.Update(ctx, func(tx Tx) error {
		// The ticket may have been deleted while the bytes were streaming.
		if _, err := tx.Ticket(ctx, p.WorkspaceID, ByID(t.ID)); err != nil {
			return err
		}
		if err := tx.CreateTicketAttachment(ctx, a); err != nil {
			return err
		}
		return s.emit(ctx, tx, attachmentEvent(EventAttachmentCreated, a)...)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// TicketAttachments lists the files uploaded to a ticket, oldest first.
func (s *Service) TicketAttachments(ctx context.Context, p *Principal, ticket Ref) (as []*TicketAttachment, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		t, err := tx.Ticket(ctx, p.WorkspaceID, ticket)
		if err != nil {
			return err
		}
		as, err = tx.TicketAttachments(ctx, p.WorkspaceID, t.ID)
		return err
	})
	return as, err
}

// TicketAttachment returns one file of a ticket.
func (s *Service) TicketAttachment(ctx context.Context, p *Principal, ticket, id ID) (a *TicketAttachment, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		a, err = tx.TicketAttachment(ctx, p.WorkspaceID, ticket, id)
		return err
	})
	return a, err
}

// OpenTicketAttachment returns one file of a ticket and its bytes; the
// caller closes them.
func (s *Service) OpenTicketAttachment(ctx context.Context, p *Principal, ticket, id ID) (*TicketAttachment, io.ReadCloser, error) {
	a, err := s.TicketAttachment(ctx, p, ticket, id)
	if err != nil {
		return nil, nil, err
	}
	if s.blobs == nil {
		return nil, nil, NotFound("attachment")
	}
	r, err := s.blobs.Open(ctx, a.Key)
	if err != nil {
		return nil, nil, fmt.Errorf("open attachment %s: %w", a.ID, err)
	}
	return a, r, nil
}

// DeleteTicketAttachment removes a file from a ticket. The bytes stay in the
// blob store: they are filed by content and another attachment may share them.
func (s *Service) DeleteTicketAttachment(ctx context.Context, p *Principal, ticket, id ID) error {
	return s.store.Update(ctx, func(tx Tx) error {
		a, err := tx.TicketAttachment(ctx, p.WorkspaceID, ticket, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteTicketAttachment(ctx, p.WorkspaceID, ticket, id); err != nil {
			return err
		}
		return s.emit(ctx, tx, attachmentEvent(EventAttachmentDeleted, a)...)
	})
}

var errTooLarge = errors.New("attachment too large")

// capReader reads r and fails with errTooLarge once more than left bytes
// come; a file of exactly the limit passes.
type capReader struct {
	r    io.Reader
	left int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n, errTooLarge
	}
	return n, err
}
