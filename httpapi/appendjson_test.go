package httpapi_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ticketd/ticketd/httpapi"
	"github.com/ticketd/ticketd/httpapi/jsoncheck"
)

// AppendString escapes as encoding/json does without HTML escaping: every
// byte alone, the fixtures' texts, and random byte strings (mostly invalid
// UTF-8) and random runes.
func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	inputs := append([]string{}, jsoncheck.Strings...)
	for c := range 256 {
		inputs = append(inputs, string([]byte{byte(c)}), "a"+string([]byte{byte(c)})+"z")
	}
	rnd := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		b := make([]byte, rnd.IntN(12))
		for i := range b {
			b[i] = byte(rnd.IntN(256))
		}
		inputs = append(inputs, string(b))
		rs := make([]rune, rnd.IntN(6))
		for i := range rs {
			rs[i] = rune(rnd.IntN(0x30000))
		}
		inputs = append(inputs, string(rs))
	}
	for _, s := range inputs {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		if got, w := httpapi.AppendString(nil, s), bytes.TrimSuffix(want.Bytes(), []byte("\n")); !bytes.Equal(got, w) {
			t.Fatalf("%q: AppendString wrote %s, encoding/json %s", s, got, w)
		}
	}
}

// AppendID writes a UUID's text; AppendTime refuses what time.Time's
// MarshalJSON refuses, so a poison time is still a logged 500, never a 2xx.
func TestAppendIDAndTime(t *testing.T) {
	id := uuid.Must(uuid.NewV7())
	if got := string(httpapi.AppendID(nil, id)); got != `"`+id.String()+`"` {
		t.Errorf("AppendID wrote %s, want %q", got, id.String())
	}
	if _, err := httpapi.AppendTime(nil, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Error("AppendTime accepted the year 10000")
	}
}
