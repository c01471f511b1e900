package typeid_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/ticketd/ticketd/httpapi/typeid"
)

func TestRoundTrip(t *testing.T) {
	for i := 0; i < 1000; i++ {
		id := uuid.Must(uuid.NewV7())
		s := typeid.Format(typeid.Message, id)
		if len(s) != len("msg_")+26 {
			t.Fatalf("%s: length %d", s, len(s))
		}
		back, err := typeid.Parse(s, typeid.Message)
		if err != nil || back != id {
			t.Fatalf("%s → %v (%v), want %v", s, back, err, id)
		}
		if up, err := typeid.Parse("msg_"+stringsToUpper(s[4:]), typeid.Message); err != nil || up != id {
			t.Fatalf("upper-case %s did not parse", s)
		}
	}
	// A known vector: the ULID spec's maximum is 7ZZZZZZZZZZZZZZZZZZZZZZZZZ.
	maxID, err := typeid.Parse("conv_7zzzzzzzzzzzzzzzzzzzzzzzzz", typeid.Conversation)
	if err != nil || maxID.String() != "ffffffff-ffff-ffff-ffff-ffffffffffff" {
		t.Fatalf("max: %v %v", maxID, err)
	}
	for _, bad := range []string{"msg_8zzzzzzzzzzzzzzzzzzzzzzzzz", "conv_01arz3ndektsv4rrffq69g5fav", "msg_01arz3ndektsv4rrffq69g5fa", "msg_01arz3ndektsv4rrffq69g5fa!"} {
		if _, err := typeid.Parse(bad, typeid.Message); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func stringsToUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

// TestBothTicket0Spellings: the two spellings of Ticket0's docs name the same
// object, and a prefix not asked for is refused.
func TestBothTicket0Spellings(t *testing.T) {
	id := uuid.Must(uuid.NewV7())
	conv := typeid.Format(typeid.Conversation, id)
	tkt := typeid.Format(typeid.Ticket, id)
	for _, s := range []string{conv, tkt, id.String()} {
		if got, err := typeid.Parse(s, typeid.Ticket, typeid.Conversation); err != nil || got != id {
			t.Fatalf("%s: %v %v", s, got, err)
		}
	}
	if _, err := typeid.Parse(tkt, typeid.Message); err == nil {
		t.Fatal("a tkt_ id parsed as a message id")
	}
}
