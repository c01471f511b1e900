package ticketd

import (
	"fmt"

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

// Ref names an object either by its id or by its number, the two identities
// CONTRACT.md gives every object. Exactly one of the fields is set.
type Ref struct {
	ID     ID
	Number int64
}

// ByID and ByNumber build Refs.
func ByID(id ID) Ref            { return Ref{ID: id} }
func ByNumber(number int64) Ref { return Ref{Number: number} }
