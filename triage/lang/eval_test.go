package lang

import (
	"fmt"
	"github.com/ticketd/ticketd/triage/internal/corpora"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Floors for TestEvalLanguage, set a little below the figures measured when
// the thresholds in lang.go were chosen (sentence 98.8%, short 93.6%,
// word_pair 83%; 30 MB heap, 0.25 ms per message). Accuracy counts an
// abstention as a miss, so raising minLetters or minConfidence shows up here.
var langFloors = map[string]float64{
	"sentence":  0.980,
	"short":     0.930,
	"word_pair": 0.800,
}

// Memory the detector may add to the server, in bytes of live heap after
// loading. The budget for the whole feature is 150 MB; the floor is tighter
// so that a change that doubles the models is noticed.
const maxHeapAdded = 80 << 20

// TestEvalLanguage measures the detector on the shared 36-language corpus
// and fails when accuracy per kind of text drops below langFloors or the
// models grow past maxHeapAdded.
func TestEvalLanguage(t *testing.T) {
	rows := corpora.ReadTSV(t, filepath.Join(corpora.Dir(t), "lang", "eval_set.tsv"))

	// Measure the cost of loading on a fresh detector. lingua's models live
	// in process-wide maps, so this is only the true cost when no other test
	// in the process loaded them first; sharedDetector is built after this.
	heapBefore, rssBefore := memNow()
	start := time.Now()
	d := sharedDetector(t)
	load := time.Since(start)
	heapAfter, rssAfter := memNow()
	heapAdded := int64(heapAfter) - int64(heapBefore)

	type tally struct{ n, answered, correct int }
	perKind := map[string]*tally{}
	// confusion counts, for per-language F1 over all kinds
	tp, fp, fn := map[string]int{}, map[string]int{}, map[string]int{}
	start = time.Now()
	for _, r := range rows {
		want := r["lang"]
		got, ok := d.Detect(r["text"])
		k := perKind[r["kind"]]
		if k == nil {
			k = &tally{}
			perKind[r["kind"]] = k
		}
		k.n++
		if ok {
			k.answered++
		}
		switch {
		case ok && got == want:
			k.correct++
			tp[want]++
		case ok:
			fp[got]++
			fn[want]++
		default:
			fn[want]++
		}
	}
	perMsg := time.Since(start) / time.Duration(len(rows))

	var kinds []string
	for k := range perKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var b strings.Builder
	fmt.Fprintf(&b, "\nlanguage detection, %d languages, low-accuracy lingua\n", len(d.Codes()))
	fmt.Fprintf(&b, "%-10s %6s %9s %9s %10s\n", "kind", "cases", "accuracy", "answered", "precision")
	total := tally{}
	for _, kind := range kinds {
		k := perKind[kind]
		fmt.Fprintf(&b, "%-10s %6d %8.1f%% %8.1f%% %9.1f%%\n", kind, k.n,
			pct(k.correct, k.n), pct(k.answered, k.n), pct(k.correct, k.answered))
		total.n += k.n
		total.answered += k.answered
		total.correct += k.correct
	}
	fmt.Fprintf(&b, "%-10s %6d %8.1f%% %8.1f%% %9.1f%%\n", "all", total.n,
		pct(total.correct, total.n), pct(total.answered, total.n), pct(total.correct, total.answered))
	fmt.Fprintf(&b, "macro-F1 over languages (all kinds): %.3f\n", macroF1(d.Codes(), tp, fp, fn))
	fmt.Fprintf(&b, "time per message: %.0f µs; load: %v; heap added: %.1f MB; RSS added: %.1f MB\n",
		float64(perMsg.Nanoseconds())/1e3, load.Round(time.Millisecond),
		float64(heapAdded)/(1<<20), float64(int64(rssAfter)-int64(rssBefore))/(1<<20))
	t.Log(b.String())

	for kind, floor := range langFloors {
		k := perKind[kind]
		if k == nil {
			t.Errorf("kind %q missing from the corpus", kind)
			continue
		}
		if acc := float64(k.correct) / float64(k.n); acc < floor {
			t.Errorf("%s accuracy %.3f is below the floor %.3f", kind, acc, floor)
		}
	}
	if heapAdded > maxHeapAdded {
		t.Errorf("loading the models added %d MB of heap, more than the %d MB allowed", heapAdded>>20, maxHeapAdded>>20)
	}
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

func macroF1(classes []string, tp, fp, fn map[string]int) float64 {
	sum := 0.0
	for _, c := range classes {
		p := float64(tp[c]) / float64(max(tp[c]+fp[c], 1))
		r := float64(tp[c]) / float64(max(tp[c]+fn[c], 1))
		if p+r > 0 {
			sum += 2 * p * r / (p + r)
		}
	}
	return sum / float64(len(classes))
}

// memNow returns the live heap after a full collection and the resident set
// size from /proc (0 where /proc is missing). Both are reported because the
// heap shows what the models hold, while RSS is what an operator sees.
func memNow() (heap, rss uint64) {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	data, err := os.ReadFile("/proc/self/status")
	if err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
				kb, _ := strconv.ParseUint(f[1], 10, 64)
				rss = kb << 10
			}
		}
	}
	return ms.HeapAlloc, rss
}
