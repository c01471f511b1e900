// Package typeid renders and parses ids as "<prefix>_<ULID>", the form the
// Ticket0 API shows (msg_01j…): the 26-character Crockford base32 text of
// the same 128 bits as the object's UUIDv7, so the form is a rendering, not a
// second identity. It belongs to the surfaces; the domain knows only UUIDs.
package typeid

import (
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// Prefixes of Ticket0's ids. Its docs spell them two ways: the messages
// page (seed 003) conv_, cust_, user_, msg_; the tickets, customers and
// inbox pages tkt_, cus_, usr_, inb_. Both name the same 128 bits.
const (
	Message      = "msg"
	Conversation = "conv"
	Ticket       = "tkt"
	Customer     = "cust"
	CustomerAlt  = "cus"
	User         = "user"
	UserAlt      = "usr"
	Inbox        = "inb"
	Article      = "art"
)

// crockford is Crockford's base32 alphabet, the one ULIDs use. Ids are rendered
// in lower case (as the seed's examples and TypeID do) and parsed in either case.
const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

// Format renders id as "<prefix>_<26 characters of Crockford base32>", the
// ULID text of the same 128 bits.
func Format(prefix string, id uuid.UUID) string {
	var out [26]byte
	// 26 characters carry 130 bits; the first character holds only the top 3 bits.
	hi := uint64(id[0])<<56 | uint64(id[1])<<48 | uint64(id[2])<<40 | uint64(id[3])<<32 |
		uint64(id[4])<<24 | uint64(id[5])<<16 | uint64(id[6])<<8 | uint64(id[7])
	lo := uint64(id[8])<<56 | uint64(id[9])<<48 | uint64(id[10])<<40 | uint64(id[11])<<32 |
		uint64(id[12])<<24 | uint64(id[13])<<16 | uint64(id[14])<<8 | uint64(id[15])
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return prefix + "_" + string(out[:])
}

// Parse parses "<prefix>_<ULID>" with any of the given prefixes, or a plain
// UUID, which every surface that shows the prefixed form also accepts.
func Parse(s string, prefixes ...string) (uuid.UUID, error) {
	if id, err := uuid.Parse(s); err == nil && len(s) == 36 {
		return id, nil
	}
	var text string
	ok := false
	for _, p := range prefixes {
		if text, ok = strings.CutPrefix(s, p+"_"); ok {
			break
		}
	}
	if !ok || len(text) != 26 {
		return uuid.Nil, fmt.Errorf("not a %s id: %q", strings.Join(prefixes, "_ or "), s)
	}
	var hi, lo uint64
	for i := 0; i < 26; i++ {
		v := crockfordValue(text[i])
		if v < 0 || (i == 0 && v > 7) {
			return uuid.Nil, fmt.Errorf("not an id: %q", s)
		}
		hi = hi<<5 | lo>>59
		lo = lo<<5 | uint64(v)
	}
	var id uuid.UUID
	for i := 0; i < 8; i++ {
		id[i] = byte(hi >> (56 - 8*i))
		id[8+i] = byte(lo >> (56 - 8*i))
	}
	return id, nil
}

func crockfordValue(c byte) int {
	if c >= 'A' && c <= 'Z' {
		c += 'a' - 'A'
	}
	switch c { // Crockford's decoding aliases.
	case 'o':
		c = '0'
	case 'i', 'l':
		c = '1'
	}
	return strings.IndexByte(crockford, c)
}
