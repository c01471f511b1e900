package sqlstore

import (
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Reading times cheaply on SQLite. SQLite keeps times as text; modernc's
// driver turns a TIMESTAMP column into a time.Time by trying layouts with
// time.Parse, twice per value at best, which profiling found at a tenth of
// the CPU of listing comments. The hot queries (tickets and messages)
// therefore select their time columns as plain text on SQLite (CAST(x AS
// TEXT), which has no declared type, so the driver leaves it alone) and
// timeDest parses the one layout the driver writes with no allocation.
// PostgreSQL's driver decodes timestamptz in binary already; there the
// columns are selected as they are.

// withTextTimes returns a column list with the named time columns cast to
// text, for SQLite.
func withTextTimes(cols string, names ...string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		name := strings.TrimSpace(p)
		for _, n := range names {
			if name == n {
				parts[i] = strings.Replace(p, name, "CAST("+name+" AS TEXT)", 1)
			}
		}
	}
	return strings.Join(parts, ",")
}

// columnList is a column list as each engine's queries select it.
type columnList struct{ sqlite, postgres string }

func (t *Tx) cols(l columnList) string {
	if t.d.name() == "sqlite" {
		return l.sqlite
	}
	return l.postgres
}

// timeDest scans a stored time, as time.Time or as SQLite's text, into t in
// UTC.
type timeDest struct{ t *time.Time }

func (d timeDest) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*d.t = v.UTC()
		return nil
	case string:
		return parseStoredTime(v, d.t)
	case []byte:
		return parseStoredTime(string(v), d.t)
	}
	return fmt.Errorf("stored time: unexpected %T", src)
}

// optTimeDest scans a nullable stored time.
type optTimeDest struct{ t **time.Time }

func (d optTimeDest) Scan(src any) error {
	if src == nil {
		*d.t = nil
		return nil
	}
	var v time.Time
	if err := (timeDest{&v}).Scan(src); err != nil {
		return err
	}
	*d.t = &v
	return nil
}

var _, _ sql.Scanner = timeDest{}, optTimeDest{}

// parseStoredTime parses "2006-01-02 15:04:05.999999999-07:00" (the layout
// modernc writes; also with T, or Z for the zone) by hand, and anything else
// with time.Parse.
func parseStoredTime(s string, dst *time.Time) error {
	if t, ok := fastTime(s); ok {
		*dst = t
		return nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			*dst = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("stored time %q: unknown layout", s)
}

func fastTime(s string) (time.Time, bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	num := func(a, b int) (int, bool) {
		n := 0
		for i := a; i < b; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 7)
	day, ok3 := num(8, 10)
	hour, ok4 := num(11, 13)
	minute, ok5 := num(14, 16)
	sec, ok6 := num(17, 19)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return time.Time{}, false
	}
	i, nsec := 19, 0
	if i < len(s) && s[i] == '.' {
		i++
		digits := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if digits < 9 {
				nsec = nsec*10 + int(s[i]-'0')
				digits++
			}
			i++
		}
		if digits == 0 {
			return time.Time{}, false
		}
		for ; digits < 9; digits++ {
			nsec *= 10
		}
	}
	offset := 0
	switch {
	case i == len(s):
	case s[i] == 'Z' && i+1 == len(s):
	case (s[i] == '+' || s[i] == '-') && len(s) == i+6 && s[i+3] == ':':
		h, okh := num(i+1, i+3)
		m, okm := num(i+4, i+6)
		if !okh || !okm {
			return time.Time{}, false
		}
		offset = (h*60 + m) * 60
		if s[i] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	return t.Add(-time.Duration(offset) * time.Second), true
}
