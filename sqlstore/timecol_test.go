package sqlstore

import (
	"testing"
	"time"
)

// The hand-written parser reads what the driver writes exactly as time.Parse
// does, and refuses what it does not know (time.Parse then gets it).
func TestFastTimeMatchesTimeParse(t *testing.T) {
	for _, s := range []string{
		"2026-12-01 08:18:08.123456-07:00", "2026-12-01 08:18:08+00:00", "0001-01-01 00:00:00+00:00",
		"9999-12-31 23:59:59.999999+00:00", "2026-04-28T10:00:00.1Z", "2026-04-28 10:00:00.123456789+05:30",
		"2026-04-28 10:00:00",
	} {
		got, ok := fastTime(s)
		if !ok {
			t.Errorf("%s: not parsed", s)
			continue
		}
		var want time.Time
		if err := parseStoredTimeSlow(s, &want); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%s: %v, want %v", s, got, want)
		}
	}
	for _, s := range []string{"", "2026-12-01", "2026-12-01 08:18", "2026-12-01 08:18:08.+00:00", "2026-12-01 08:18:08 MST"} {
		if _, ok := fastTime(s); ok {
			t.Errorf("%q parsed", s)
		}
	}
}

func parseStoredTimeSlow(s string, dst *time.Time) error {
	var err error
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999Z07:00", "2006-01-02 15:04:05"} {
		var t time.Time
		if t, err = time.Parse(layout, s); err == nil {
			*dst = t.UTC()
			return nil
		}
	}
	return err
}
