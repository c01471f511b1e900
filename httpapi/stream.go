package httpapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
)

// streamWriters keeps the write buffers of ended streams for the next: a
// 32 KiB buffer a request was most of what a streamed conversation
// allocated, and the collector's work with it (profile of the messages
// resource, session 18).
var streamWriters = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 32<<10) }}

// JSONStream writes a JSON response whose one array is written element by
// element as the elements are read, for the unpaged lists of the seeds: the
// response of a conversation of 100,000 messages costs the memory of one
// element and a write buffer, not of the whole body.
//
// The status goes out with the first bytes, so an error after Start cannot
// become an error response any more: the handler returns it, and the
// surface logs it and aborts the connection (the client sees a cut response,
// never a complete-looking one). Each element is encoded into a buffer before
// any of it is written, so a cut never falls inside an element either.
type JSONStream struct {
	bw *bufio.Writer
	// item is the element being encoded; its array is kept for the next.
	item []byte
	n    int
}

// StartJSONStream writes the status and prefix, the JSON up to and including
// the array's opening bracket (`{"comments":[`).
func StartJSONStream(w http.ResponseWriter, status int, prefix string) *JSONStream {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	bw := streamWriters.Get().(*bufio.Writer)
	bw.Reset(w)
	s := &JSONStream{bw: bw}
	_, _ = s.bw.WriteString(prefix)
	return s
}

// Item writes one element of the array.
func (s *JSONStream) Item(v any) error {
	var err error
	if s.item, err = AppendItem(s.item[:0], v); err != nil {
		return err
	}
	if s.n > 0 {
		_ = s.bw.WriteByte(',')
	}
	s.n++
	_, err = s.bw.Write(s.item)
	return err
}

// AppendItem appends v's JSON exactly as Item writes it, for a surface that
// renders its elements ahead (ticketd.Service.StreamRendered).
func AppendItem(b []byte, v any) ([]byte, error) {
	if a, ok := v.(JSONAppender); ok {
		out, err := a.AppendJSON(b)
		if err != nil {
			return b, &EncodeError{Err: err}
		}
		return out, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return b, &EncodeError{Err: err}
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...), nil
}

// Items writes n elements at once, rendered before and joined by commas
// (ticketd.Service.StreamRendered).
func (s *JSONStream) Items(items []byte, n int) error {
	if n == 0 {
		return nil
	}
	if s.n > 0 {
		_ = s.bw.WriteByte(',')
	}
	s.n += n
	_, err := s.bw.Write(items)
	return err
}

// End writes suffix, what follows the array (`],"total":3}`), and flushes.
func (s *JSONStream) End(suffix string) error {
	_, _ = s.bw.WriteString(suffix + "\n")
	err := s.bw.Flush()
	// The buffer goes back only from a stream that ended: one cut short
	// by an error is left to the collector, with whatever it still holds.
	s.bw.Reset(nil)
	streamWriters.Put(s.bw)
	s.bw = nil
	return err
}
