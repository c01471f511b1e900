package main

import "testing"

// A section is named once by engine, label and scale, whether or not the
// label already says the engine or the scale, so that a run replaces the
// section of the same run instead of adding "sqlite, sqlite, ...".
func TestSectionNameNamesTheEngineOnce(t *testing.T) {
	for _, c := range []struct {
		label string
		scale bool
		want  string
	}{
		{"", false, "sqlite"},
		{"final", false, "sqlite, final"},
		{"sqlite, final", false, "sqlite, final"},
		{"SQLite, final", false, "SQLite, final"},
		{"sqlitey", false, "sqlite, sqlitey"},
		{"final", true, "sqlite, final, scale 200"},
		{"sqlite, final, scale 200", true, "sqlite, final, scale 200"},
	} {
		e := &env{engine: "sqlite", c: config{label: c.label, scale: 200}}
		if got := e.sectionName(c.scale); got != c.want {
			t.Errorf("label %q scale %v: %q, want %q", c.label, c.scale, got, c.want)
		}
	}
}
