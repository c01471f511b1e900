package quote

import (
	"bufio"
	"encoding/json"
	"fmt"
	"github.com/ticketd/ticketd/triage/internal/corpora"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"
)

// evalCase is one line of replies/manifest.jsonl.
type evalCase struct {
	ID             string   `json:"id"`
	Source         string   `json:"source"`
	InputPath      string   `json:"input_path"`
	InputFormat    string   `json:"input_format"`
	Expected       *string  `json:"expected"`
	ExpectedKind   string   `json:"expected_kind"`
	Scope          string   `json:"scope"`
	MustContain    []string `json:"must_contain"`
	MustNotContain []string `json:"must_not_contain"`
	AltExpected    []string `json:"alt_expected"`
	Tags           []string `json:"tags"`
}

// heldOut are the sources we report but do not develop against.
var heldOut = map[string]bool{
	"mailgun/talon":                    true,
	"activecollab/EmailReplyExtractor": true,
	"web-ridge/email-reply-parser":     true,
	"kvannotten/mailstrip":             true,
}

// normalise is the corpus's comparison form: CRLF to LF, lines right-trimmed,
// three or more newlines collapsed to two, ends trimmed.
func normalise(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r\f\v")
	}
	s = strings.Join(lines, "\n")
	for strings.Contains(s, "\n\n\n") {
		s = strings.ReplaceAll(s, "\n\n\n", "\n\n")
	}
	return strings.TrimSpace(s)
}

var whitespace = regexp.MustCompile(`\s+`)

// looksLikeHTML tells talon's HTML expectations from its plain-text ones.
func looksLikeHTML(s string) bool {
	l := strings.ToLower(s)
	return strings.Contains(l, "<html") || strings.Contains(l, "<div") || strings.Contains(l, "<body") || strings.Contains(l, "<p>") || strings.Contains(l, "<br")
}

// emlBody returns the part of a message a reply parser reads: the text/plain
// part when there is one, the HTML part otherwise.
func emlBody(raw []byte) (body string, isHTML bool, err error) {
	// One fixture opens with a line of spaces before its headers; a mail
	// server would not have stored it so, so skip leading white space.
	env, err := enmime.ReadEnvelope(strings.NewReader(strings.TrimLeft(string(raw), " \t\r\n")))
	if err != nil {
		return "", false, err
	}
	plain := env.Root.BreadthMatchFirst(func(p *enmime.Part) bool {
		return p.ContentType == "text/plain" && p.Disposition != "attachment"
	})
	if plain != nil || env.HTML == "" {
		return env.Text, false, nil
	}
	return env.HTML, true, nil
}

// evalResult is the outcome of one case.
type evalResult struct {
	c       evalCase
	split   string
	pass    bool
	skipped string
	got     string
	elapsed time.Duration
}

func runCase(t *testing.T, dir string, c evalCase) evalResult {
	r := evalResult{c: c, split: "dev"}
	if heldOut[c.Source] {
		r.split = "held-out"
	}
	raw, err := os.ReadFile(filepath.Join(dir, c.InputPath))
	if err != nil {
		t.Fatalf("%s: %v", c.ID, err)
	}
	var opts Options
	switch c.Scope {
	case "quotes_only":
		opts.KeepSignatures = true
	case "signature_only":
		opts.KeepQuotes = true
	}
	input, isHTML := string(raw), c.InputFormat == "html"
	if c.InputFormat == "eml" {
		input, isHTML, err = emlBody(raw)
		if err != nil {
			t.Fatalf("%s: %v", c.ID, err)
		}
	}
	for _, s := range c.MustContain {
		if strings.HasPrefix(s, "<") || strings.Contains(s, "xmlns") {
			// talon checks that its HTML output is well-formed HTML; we
			// return text, so the case does not apply.
			r.skipped = "expects HTML output"
			return r
		}
	}
	start := time.Now()
	if isHTML {
		r.got = opts.CleanHTML(input)
	} else {
		r.got = opts.Clean(input)
	}
	r.elapsed = time.Since(start)
	r.pass = judge(c, r.got)
	return r
}

// judge applies the manifest's rules to one output.
func judge(c evalCase, got string) bool {
	for _, s := range c.MustNotContain {
		if strings.Contains(got, s) {
			return false
		}
	}
	switch {
	case c.ExpectedKind == "perf_only":
		return true
	case c.Expected == nil || (c.ExpectedKind == "contains_from_test" && *c.Expected == ""):
		must := c.MustContain
		if hasTag(c, "forward") && hasTag(c, "policy-dependent") && len(must) > 0 {
			// Our policy drops a forwarded message below the customer's own
			// words; the manifest says only the first check applies then.
			must = must[:1]
		}
		for _, s := range must {
			if !strings.Contains(got, s) {
				return false
			}
		}
		return true
	case c.ExpectedKind == "exact_from_test_whitespace_removed":
		want := *c.Expected
		if looksLikeHTML(want) {
			want = htmlText(want)
		}
		return whitespace.ReplaceAllString(want, "") == whitespace.ReplaceAllString(got, "")
	}
	n := normalise(got)
	for _, want := range append([]string{*c.Expected}, c.AltExpected...) {
		if n == normalise(want) {
			return true
		}
	}
	return false
}

func hasTag(c evalCase, tag string) bool {
	for _, t := range c.Tags {
		if t == tag {
			return true
		}
	}
	return false
}

// tally accumulates one row of the report.
type tally struct {
	cases, pass int
	elapsed     time.Duration
}

func (t *tally) add(r evalResult) {
	t.cases++
	if r.pass {
		t.pass++
	}
	t.elapsed += r.elapsed
}

func (t tally) percent() float64 {
	if t.cases == 0 {
		return 100
	}
	return 100 * float64(t.pass) / float64(t.cases)
}

func (t tally) meanMicros() float64 {
	if t.cases == 0 {
		return 0
	}
	return float64(t.elapsed.Microseconds()) / float64(t.cases)
}

// TestEvalReplies measures Clean and CleanHTML on the labelled replies corpus
// and fails when a figure drops below testdata/floors.json.
func TestEvalReplies(t *testing.T) {
	root := corpora.Dir(t)
	dir := filepath.Join(root, "replies")
	f, err := os.Open(filepath.Join(dir, "manifest.jsonl"))
	if err != nil {
		t.Skipf("replies corpus not found at %s (set TICKETD_CORPORA to the corpora folder): %v", dir, err)
	}
	defer f.Close()

	var results []evalResult
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var c evalCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		results = append(results, runCase(t, dir, c))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}

	bySource := map[string]*tally{}
	byGroup := map[string]*tally{}
	var keepAll tally
	for _, r := range results {
		if r.skipped != "" {
			t.Logf("n/a %s: %s", r.c.ID, r.skipped)
			continue
		}
		key := r.split + "  " + r.c.Source + "  " + r.c.Scope
		if bySource[key] == nil {
			bySource[key] = &tally{}
		}
		bySource[key].add(r)
		g := r.split + "/" + r.c.Scope
		if byGroup[g] == nil {
			byGroup[g] = &tally{}
		}
		byGroup[g].add(r)
		if r.c.InputFormat == "text" && r.c.Expected != nil && r.c.ExpectedKind != "perf_only" {
			raw, _ := os.ReadFile(filepath.Join(dir, r.c.InputPath))
			if normalise(string(raw)) == normalise(*r.c.Expected) {
				keepAll.add(r)
				if !r.pass {
					t.Errorf("nothing should be stripped from %s, got:\n%s", r.c.ID, r.got)
				}
			}
		}
		if !r.pass && testing.Verbose() && os.Getenv("QUOTE_EVAL_FAILURES") != "" {
			want := "(must_contain checks)"
			if r.c.Expected != nil {
				want = *r.c.Expected
			}
			t.Logf("FAIL %s [%s]\n--- got:\n%s\n--- want:\n%s\n", r.c.ID, r.c.Scope, r.got, want)
		}
	}
	byGroup["all/nothing-to-strip"] = &keepAll

	var b strings.Builder
	fmt.Fprintf(&b, "\n%-70s %6s %8s %9s\n", "split  source  scope", "cases", "exact%", "mean µs")
	for _, k := range sortedKeys(bySource) {
		s := bySource[k]
		fmt.Fprintf(&b, "%-70s %6d %7.1f%% %9.1f\n", k, s.cases, s.percent(), s.meanMicros())
	}
	fmt.Fprintf(&b, "\n%-70s %6s %8s %9s\n", "split/scope", "cases", "exact%", "mean µs")
	for _, k := range sortedKeys(byGroup) {
		s := byGroup[k]
		fmt.Fprintf(&b, "%-70s %6d %7.1f%% %9.1f\n", k, s.cases, s.percent(), s.meanMicros())
	}
	t.Log(b.String())

	floors := readFloors(t)
	for g, floor := range floors {
		s, ok := byGroup[g]
		if !ok {
			t.Errorf("floor for %q names no group of the report", g)
			continue
		}
		if s.percent() < floor {
			t.Errorf("%s: %.1f%% is below the floor of %.1f%%", g, s.percent(), floor)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// readFloors reads the minimum exact-match percentage per split/scope.
func readFloors(t *testing.T) map[string]float64 {
	raw, err := os.ReadFile(filepath.Join("testdata", "floors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var floors map[string]float64
	if err := json.Unmarshal(raw, &floors); err != nil {
		t.Fatal(err)
	}
	return floors
}
