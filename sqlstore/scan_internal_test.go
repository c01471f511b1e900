package sqlstore

import (
	"encoding/json"
	"reflect"
	"testing"
)

// parseStrings reads plain lists by hand and everything else with
// encoding/json: either way it reads what encoding/json reads, and fails
// where it fails.
func TestParseStringsMatchesEncodingJSON(t *testing.T) {
	hand := 0
	for _, s := range []string{
		`[]`, `[""]`, `["a"]`, `["billing","vip"]`, `["日本","é"]`, `["a","",""]`, `["say \"hi\""]`, `["tab\there"]`,
		`["\u00e9"]`, `[ "a" ]`, `["a", "b"]`, `["bad ` + "\xff" + `"]`, `["a",]`, `["a"`, `["a"]]`, `["a""b"]`,
		`[1]`, `["a",1]`, `null`, `{}`, `["` + "\x01" + `"]`, `[","]`, `["]"]`, `["a"],`,
	} {
		var want []string
		wantErr := json.Unmarshal([]byte(s), &want)
		got, err := parseStrings(s)
		if (err != nil) != (wantErr != nil) {
			t.Errorf("%s: error %v, encoding/json %v", s, err, wantErr)
			continue
		}
		if err == nil && want != nil && !reflect.DeepEqual(got, want) {
			t.Errorf("%s: read %q, encoding/json %q", s, got, want)
		}
		if _, ok := plainStrings(s); ok {
			hand++
		}
	}
	if hand < 6 {
		t.Errorf("only %d lists read by hand: the fast path is not taken", hand)
	}
}
