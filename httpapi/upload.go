package httpapi

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	ticketd "github.com/ticketd/ticketd"
)

// UploadFunc receives the one file of an upload as a stream.
type UploadFunc func(filename, contentType string, body io.Reader) error

// ReadUpload finds the part named field of a multipart/form-data request and
// hands it to fn as a stream: the request is never held in memory nor
// parsed into a form, so its size is bounded only by the route's body limit.
// Other parts are read past. The part's own Content-Type names the file's
// type; a part without one, or with application/octet-stream, is typed by
// its first 512 bytes. Errors: EMALFORMED for a body that is not such an
// upload, EINVALID when the part is missing, ETOOLARGE past the body limit.
//
// The server's read timeout would cut a large upload from a slow client, so
// the read deadline moves with each read instead (UploadStall).
func ReadUpload(w http.ResponseWriter, r *http.Request, field string, fn UploadFunc) error {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return ticketd.Errorf(ticketd.EMALFORMED, "the body must be multipart/form-data with the file in a part named %s", field)
	}
	mr := multipart.NewReader(&uploadBody{r: r.Body, rc: http.NewResponseController(w)}, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return ticketd.Invalid(field, ticketd.KindMissing, "field required")
		} else if err != nil {
			return uploadError(err)
		}
		if part.FormName() != field {
			if _, err := io.Copy(io.Discard, part); err != nil {
				return uploadError(err)
			}
			continue
		}
		ct := part.Header.Get("Content-Type")
		body := io.Reader(part)
		if base, _, _ := mime.ParseMediaType(ct); ct == "" || base == "application/octet-stream" {
			head := make([]byte, 512)
			n, err := io.ReadFull(part, head)
			if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
				return uploadError(err)
			}
			ct = http.DetectContentType(head[:n])
			body = io.MultiReader(bytes.NewReader(head[:n]), part)
		}
		return uploadError(fn(part.FileName(), ct, body))
	}
}

// uploadError words a failure while reading an upload; domain errors pass.
func uploadError(err error) error {
	var maxErr *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &maxErr):
		return ticketd.Errorf(ticketd.ETOOLARGE, "request body is larger than %d bytes", maxErr.Limit)
	case ticketd.ErrorCode(err) != ticketd.EINTERNAL:
		return err
	case errors.Is(err, io.ErrUnexpectedEOF), strings.Contains(err.Error(), "multipart"):
		return ticketd.Errorf(ticketd.EMALFORMED, "malformed multipart body: %v", err)
	}
	return err
}
