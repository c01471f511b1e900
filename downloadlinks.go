package ticketd

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"io"
	"time"
)

// A download link lets whoever holds it fetch one ticket attachment's bytes
// without an API key until it expires, as a presigned URL does: a client
// may hand it to a browser or another service. It is a token that names the
// workspace, the ticket, the attachment and the expiry, signed with HMAC-SHA256
// under a key of the server's (ServerSecret "download-links"), which every
// node reads from the shared database and then keeps in memory. Checking a
// token therefore needs no database: a tampered or expired link is refused
// before anything is read, and only a valid one reads the attachment (which
// may have been deleted since: then it is not found).

// DownloadLinkLife is how long a download link works.
const DownloadLinkLife = time.Hour

const (
	downloadSecretName = "download-links"
	downloadPayloadLen = 3*16 + 8
	downloadMACLen     = 32
)

// ErrDownloadLink is the answer to a download link that was not made by this
// server (or was altered); ErrDownloadLinkExpired to one past its expiry.
var (
	ErrDownloadLink        = Errorf(EFORBIDDEN, "invalid download link")
	ErrDownloadLinkExpired = Errorf(EFORBIDDEN, "download link has expired")
)

// downloadKey is the signing key, read once from the store.
func (s *Service) downloadKey(ctx context.Context) ([]byte, error) {
	s.mu.Lock()
	k := s.downloadSecret
	s.mu.Unlock()
	if k != nil {
		return k, nil
	}
	random := make([]byte, 32)
	if _, err := rand.Read(random); err != nil {
		return nil, err
	}
	// Stored as text (a secret column is text on both engines); its 256
	// random bits are the key.
	fresh := []byte(base64.RawURLEncoding.EncodeToString(random))
	err := s.store.Update(ctx, func(tx Tx) (err error) {
		k, err = tx.ServerSecret(ctx, downloadSecretName, fresh, s.Now())
		return err
	})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.downloadSecret = k
	s.mu.Unlock()
	return k, nil
}

func downloadMAC(key, payload []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("ticketd download link v1\x00"))
	m.Write(payload)
	return m.Sum(nil)
}

// DownloadLink returns a ticket attachment and a token for its bytes that
// works until the returned time, for a principal that may read it.
func (s *Service) DownloadLink(ctx context.Context, p *Principal, ticket, id ID) (*TicketAttachment, string, time.Time, error) {
	a, err := s.TicketAttachment(ctx, p, ticket, id)
	if err != nil {
		return nil, "", time.Time{}, err
	}
	key, err := s.downloadKey(ctx)
	if err != nil {
		return nil, "", time.Time{}, err
	}
	expires := s.Now().Add(DownloadLinkLife).Truncate(time.Second)
	payload := make([]byte, 0, downloadPayloadLen+downloadMACLen)
	payload = append(payload, p.WorkspaceID[:]...)
	payload = append(payload, a.TicketID[:]...)
	payload = append(payload, a.ID[:]...)
	payload = binary.BigEndian.AppendUint64(payload, uint64(expires.Unix()))
	token := append(payload, downloadMAC(key, payload)...)
	return a, base64.RawURLEncoding.EncodeToString(token), expires, nil
}

// OpenDownloadLink checks a token DownloadLink made and returns the
// attachment and its bytes; the caller closes them. ErrDownloadLink for a
// token this server did not sign, ErrDownloadLinkExpired past its expiry,
// ENOTFOUND when the attachment is gone.
func (s *Service) OpenDownloadLink(ctx context.Context, token string) (*TicketAttachment, io.ReadCloser, error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token) // Strict: one token, one spelling
	if err != nil || len(raw) != downloadPayloadLen+downloadMACLen {
		return nil, nil, ErrDownloadLink
	}
	key, err := s.downloadKey(ctx)
	if err != nil {
		return nil, nil, err
	}
	payload, mac := raw[:downloadPayloadLen], raw[downloadPayloadLen:]
	if subtle.ConstantTimeCompare(mac, downloadMAC(key, payload)) != 1 {
		return nil, nil, ErrDownloadLink
	}
	expires := time.Unix(int64(binary.BigEndian.Uint64(payload[48:])), 0)
	if !s.Now().Before(expires) {
		return nil, nil, ErrDownloadLinkExpired
	}
	var ws, ticket, id ID
	copy(ws[:], payload[:16])
	copy(ticket[:], payload[16:32])
	copy(id[:], payload[32:48])
	// The link stands for the reader who made it: it reads what that
	// reader's workspace holds, nothing else.
	return s.OpenTicketAttachment(ctx, &Principal{WorkspaceID: ws}, ticket, id)
}
