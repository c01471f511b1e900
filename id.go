package ticketd

import (
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// ID identifies every object of ticketd. It is a UUIDv7, so ids sort by
// creation time and index well.
type ID = uuid.UUID

// NewID returns a fresh UUIDv7.
func NewID() ID {
	return uuid.Must(uuid.NewV7())
}

// ParseID parses the plain UUID form of an id.
func ParseID(s string) (ID, error) {
	id, err := uuid.Parse(s)
	if err != nil || len(s) != 36 {
		return uuid.Nil, fmt.Errorf("not a UUID: %q", s)
	}
	return id, nil
}

// Prefixes of the messages resource's ids (seed 003), which render the same
// 128 bits as "<prefix>_<ULID>".
const (
	PrefixMessage      = "msg"
	PrefixConversation = "conv"
	PrefixCustomer     = "cust"
	PrefixUser         = "user"
)

// crockford is Crockford's base32 alphabet, the one ULIDs use. Ids are rendered
// in lower case (as the seed's examples and TypeID do) and parsed in either case.
const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

// PrefixedID renders id as "<prefix>_<26 characters of Crockford base32>", the
// ULID text of the same 128 bits.
func PrefixedID(prefix string, id ID) string {
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

// ParsePrefixedID parses "<prefix>_<ULID>" with the given prefix, or a plain
// UUID, which every surface that shows the prefixed form also accepts.
func ParsePrefixedID(prefix, s string) (ID, error) {
	if id, err := ParseID(s); err == nil {
		return id, nil
	}
	text, ok := strings.CutPrefix(s, prefix+"_")
	if !ok || len(text) != 26 {
		return uuid.Nil, fmt.Errorf("not a %s id: %q", prefix, s)
	}
	var hi, lo uint64
	for i := 0; i < 26; i++ {
		v := crockfordValue(text[i])
		if v < 0 || (i == 0 && v > 7) {
			return uuid.Nil, fmt.Errorf("not a %s id: %q", prefix, s)
		}
		hi = hi<<5 | lo>>59
		lo = lo<<5 | uint64(v)
	}
	var id ID
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

// Ref names an object either by its id or by its number, the two identities
// CONTRACT.md gives every object. Exactly one of the fields is set.
type Ref struct {
	ID     ID
	Number int64
}

// ByID and ByNumber build Refs.
func ByID(id ID) Ref            { return Ref{ID: id} }
func ByNumber(number int64) Ref { return Ref{Number: number} }
