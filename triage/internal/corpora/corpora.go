// Package corpora finds and reads the shared evaluation corpora for the triage
// evaluations, which live outside the repository (../shared/corpora).
package corpora

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Dir finds the shared evaluation corpora: $TICKETD_CORPORA if set,
// else ../shared/corpora next to the module root. It skips the test when the
// folder is absent, because the corpora live outside the repository and a
// fresh clone on a laptop may not have them.
func Dir(t testing.TB) string {
	t.Helper()
	if dir := os.Getenv("TICKETD_CORPORA"); dir != "" {
		if _, err := os.Stat(dir); err != nil {
			t.Skipf("TICKETD_CORPORA=%s is not readable: %v", dir, err)
		}
		return dir
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("evaluation corpora not found: no go.mod above the package; set TICKETD_CORPORA")
		}
		dir = parent
	}
	corpora := filepath.Join(dir, "..", "shared", "corpora")
	if _, err := os.Stat(corpora); err != nil {
		t.Skipf("evaluation corpora not found at %s; set TICKETD_CORPORA to run this evaluation", corpora)
	}
	return corpora
}

// ReadTSV reads a tab-separated file with a header line into maps keyed by
// column name.
func ReadTSV(t testing.TB, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("corpus file missing: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var header []string
	var rows []map[string]string
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if header == nil {
			header = fields
			continue
		}
		row := make(map[string]string, len(header))
		for i, h := range header {
			if i < len(fields) {
				row[h] = fields[i]
			}
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return rows
}
