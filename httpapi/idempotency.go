package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	ticketd "github.com/ticketd/ticketd"
)

// maxKeptResponse bounds an answer kept for replay. Every create route
// answers with one object, far below it; a larger answer is not kept (the
// key is released), rather than kept cut.
const maxKeptResponse = 1 << 20

// maxIdempotencyKey bounds the header's value.
const maxIdempotencyKey = 255

// IdempotencyKey reads the Idempotency-Key header: the IETF draft makes it
// a structured-field string ("..."); a bare token is accepted too, as most
// clients send one. ok is false without the header.
func IdempotencyKey(r *http.Request) (key string, ok bool, err error) {
	v := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if v == "" {
		return "", false, nil
	}
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		if uq, err := strconv.Unquote(v); err == nil {
			v = uq
		}
	}
	if v == "" || len(v) > maxIdempotencyKey || strings.ContainsFunc(v, func(c rune) bool { return c < 0x20 || c > 0x7e }) {
		return "", false, ticketd.Errorf(ticketd.EMALFORMED, "Idempotency-Key must be 1 to %d printable ASCII characters", maxIdempotencyKey)
	}
	return v, true, nil
}

// IsIdempotencyError reports whether err is one the idempotency layer
// answers itself, so a surface that maps every validation error to 400 can
// still answer 422 for a key reused with another request, as the draft says.
func IsIdempotencyError(err error) bool {
	return errors.Is(err, ticketd.ErrIdempotencyKeyReused) || errors.Is(err, ticketd.ErrIdempotencyInProgress)
}

// Idempotent makes a POST handler honour Idempotency-Key (the IETF draft):
//   - the first request with a key reserves it for the caller's API key and
//     runs; a 2xx answer is kept for 24 hours, anything else releases the
//     key (nothing was created, so a retry may run again);
//   - the same key with the same method, path and body replays the kept
//     status and body (with Idempotent-Replayed: true) and runs nothing;
//   - the same key with a different request is ErrIdempotencyKeyReused (422);
//   - while the first is still running, another with its key is
//     ErrIdempotencyInProgress (409) at once, rather than wait.
//
// The body is read whole to fingerprint it, within the limit the surface
// already put on it, and handed on to h. Errors are returned, so each
// surface renders them in its own format. Requests without the header, and
// methods other than POST, pass straight through.
func Idempotent(svc *ticketd.Service, h HandlerFunc) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
		if r.Method != http.MethodPost {
			return h(w, r, p)
		}
		key, ok, err := IdempotencyKey(r)
		if err != nil || !ok {
			if err != nil {
				return err
			}
			return h(w, r, p)
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			var maxErr *http.MaxBytesError
			if errors.As(err, &maxErr) {
				return ticketd.Errorf(ticketd.ETOOLARGE, "request body is larger than %d bytes", maxErr.Limit)
			}
			return ticketd.Errorf(ticketd.EMALFORMED, "could not read the request body")
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		sum := sha256.New()
		sum.Write([]byte(r.Method + " " + r.URL.Path + "\n"))
		sum.Write(body)
		replay, res, err := svc.ReserveIdempotencyKey(r.Context(), p, key, sum.Sum(nil))
		if err != nil {
			return err
		}
		if replay != nil {
			if replay.ContentType != "" {
				w.Header().Set("Content-Type", replay.ContentType)
			}
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(replay.Status)
			_, _ = w.Write(replay.Body)
			return nil
		}
		rec := &keepingWriter{ResponseWriter: w, status: http.StatusOK}
		herr := h(rec, r, p)
		// Recorded even if the client left meanwhile: the object exists,
		// and its retry must find the answer.
		ctx := context.WithoutCancel(r.Context())
		if herr == nil && rec.status >= 200 && rec.status < 300 && !rec.overflow {
			err = svc.CompleteIdempotencyKey(ctx, res, &ticketd.IdempotentResponse{Status: rec.status,
				ContentType: rec.Header().Get("Content-Type"), Body: rec.buf.Bytes()})
		} else {
			err = svc.ReleaseIdempotencyKey(ctx, res)
		}
		if herr != nil {
			return herr
		}
		return err
	}
}

// keepingWriter passes a response through and keeps a copy of it.
type keepingWriter struct {
	http.ResponseWriter
	status   int
	wrote    bool
	buf      bytes.Buffer
	overflow bool
}

func (k *keepingWriter) WriteHeader(code int) {
	if !k.wrote {
		k.status, k.wrote = code, true
	}
	k.ResponseWriter.WriteHeader(code)
}

func (k *keepingWriter) Write(b []byte) (int, error) {
	k.wrote = true
	if !k.overflow {
		if k.buf.Len()+len(b) > maxKeptResponse {
			k.overflow = true
			k.buf.Reset()
		} else {
			k.buf.Write(b)
		}
	}
	return k.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (k *keepingWriter) Unwrap() http.ResponseWriter { return k.ResponseWriter }
