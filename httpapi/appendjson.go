package httpapi

import (
	"errors"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// JSONAppender is a response value that writes its own JSON, for the hot
// lists (a ticket list, a conversation): profiles of those routes showed
// encoding/json's reflection, and the compaction it applies to every
// time.Time's MarshalJSON, at a fifth of the CPU. WriteJSON and JSONStream
// use AppendJSON when a value has it; its output must be byte for byte what
// encoding/json writes with SetEscapeHTML(false) (apitest.SameJSON checks
// every field of every implementation against it).
type JSONAppender interface {
	AppendJSON(b []byte) ([]byte, error)
}

// List is the response value of a list of items: one that appends its own
// JSON when the items do, the items as they are otherwise.
func List[J any](items []J) any {
	if _, ok := any(*new(J)).(JSONAppender); ok {
		return appendedList[J](items)
	}
	return items
}

type appendedList[J any] []J

func (l appendedList[J]) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, '[')
	var err error
	for i := range l {
		if i > 0 {
			b = append(b, ',')
		}
		// A pointer to the item: an item itself (a struct of some hundred
		// bytes) would be copied to the heap to become an interface.
		if b, err = any(&l[i]).(JSONAppender).AppendJSON(b); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string as encoding/json writes it
// without HTML escaping: invalid UTF-8 becomes U+FFFD, U+2028 and U+2029
// are escaped (JavaScript reads them as line ends).
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendStringPtr appends *s, or null.
func AppendStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return AppendString(b, *s)
}

// AppendStrings appends a list of strings; nil is null, as encoding/json
// writes it.
func AppendStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, s)
	}
	return append(b, ']')
}

// AppendInt appends n.
func AppendInt(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }

// AppendBool appends v.
func AppendBool(b []byte, v bool) []byte { return strconv.AppendBool(b, v) }

// AppendID appends a UUID as its text, quoted.
func AppendID(b []byte, id uuid.UUID) []byte {
	b = append(b, '"')
	var s [36]byte
	hexID(s[:], id)
	b = append(b, s[:]...)
	return append(b, '"')
}

func hexID(dst []byte, id uuid.UUID) {
	j := 0
	for i, c := range id {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst[j] = '-'
			j++
		}
		dst[j], dst[j+1] = hexDigits[c>>4], hexDigits[c&0xF]
		j += 2
	}
}

// AppendIDPtr appends *id, or null.
func AppendIDPtr(b []byte, id *uuid.UUID) []byte {
	if id == nil {
		return append(b, "null"...)
	}
	return AppendID(b, *id)
}

var errTimeRange = errors.New("Time.MarshalJSON: year outside of range [0,9999]")

// AppendTime appends t as time.Time's MarshalJSON does (RFC 3339 with
// nanoseconds, quoted), and fails where it fails.
func AppendTime(b []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 0 || y >= 10000 {
		return b, errTimeRange
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

// AppendTimePtr appends *t, or null.
func AppendTimePtr(b []byte, t *time.Time) ([]byte, error) {
	if t == nil {
		return append(b, "null"...), nil
	}
	return AppendTime(b, *t)
}
