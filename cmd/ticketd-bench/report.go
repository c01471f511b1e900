package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// machine describes where the run happened, for the report.
func (e *env) machine() string {
	model, cores := "unknown CPU", runtime.NumCPU()
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		mem = strings.Join(strings.Fields(strings.TrimPrefix(line, "MemTotal:")), " ")
	}
	kernel := ""
	if out, err := exec.Command("uname", "-sr").Output(); err == nil {
		kernel = strings.TrimSpace(string(out))
	}
	var version string
	q := `SELECT sqlite_version()`
	if e.engine == "postgres" {
		q = `SELECT version()`
	}
	_ = e.db.RawQueryRow(nilCtx(), q).Scan(&version)
	if e.engine == "sqlite" {
		version = "SQLite " + version + " (modernc.org/sqlite, WAL, synchronous=NORMAL)"
	} else if i := strings.Index(version, " on "); i > 0 {
		version = version[:i]
	}
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	return fmt.Sprintf("%s, %d cores, %s RAM, %s, %s, %s; load average at the end %s (the machine is shared)",
		model, cores, mem, kernel, runtime.Version(), version, load)
}

// sectionName names a run's section of the report (and its marker, which a
// later run of the same name replaces): the engine, the label, the scale. A
// label that already names the engine or the scale is not repeated.
func (e *env) sectionName(scale bool) string {
	name := e.engine
	if l := e.c.label; l != "" {
		if lower := strings.ToLower(l); lower == e.engine || strings.HasPrefix(lower, e.engine+",") {
			name = l
		} else {
			name += ", " + l
		}
	}
	if s := fmt.Sprintf(", scale %d", e.c.scale); scale && !strings.Contains(name, s) {
		name += s
	}
	return name
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// report renders the run as markdown.
func (e *env) report(rows []row, sc *scaleSeed, scaleRows []scaleRow, seedTime time.Duration) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "### %s (%s)\n\n", e.sectionName(sc != nil), time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "Machine: %s.\n\n", e.machine())
	fmt.Fprintf(&b, "Command: `go run ./cmd/ticketd-bench %s`; %d keep-alive connections over loopback, %s per measurement after %s of warm-up, median of %d run(s); seeding took %s.\n\n",
		strings.Join(os.Args[1:], " "), e.c.conns, e.c.duration, e.c.warmup, max(e.c.runs, 1), seedTime.Round(time.Second))
	if len(rows) > 0 {
		b.WriteString("| route | req/s | p50 | p99 | ceiling | ceiling req/s | ceiling p50 | ceiling p99 | ratio |\n")
		b.WriteString("|---|---:|---:|---:|---|---:|---:|---:|---:|\n")
		for _, r := range rows {
			fmt.Fprintf(&b, "| `%s` | %.0f | %s | %s | %s | %.0f | %s | %s | **%.2f×** |\n", r.route, r.got.rps(), ms(r.got.p50),
				ms(r.got.p99), r.ceiling, r.ceil.rps(), ms(r.ceil.p50), ms(r.ceil.p99), ratio(r.got, r.ceil))
		}
		if e.c.runs > 1 {
			b.WriteString("\nThe runs each median was taken of (req/s, in the order run):\n\n")
			for _, r := range rows {
				fmt.Fprintf(&b, "- %s: ticketd %s; ceiling %s\n", r.name, runList(r.gotRuns), runList(r.ceilRuns))
			}
		}
		for _, r := range rows {
			if r.got.stalled > 0 || r.ceil.stalled > 0 {
				fmt.Fprintf(&b, "\nStalled on %s (unanswered after %s when the run ended): ticketd %d, ceiling %d.\n", r.name,
					stallAfter, r.got.stalled, r.ceil.stalled)
			}
			if r.got.errors > 0 || r.ceil.errors > 0 {
				fmt.Fprintf(&b, "\nErrors on %s: ticketd %d (first: %s), ceiling %d (first: %s).\n", r.name, r.got.errors,
					r.got.firstErr, r.ceil.errors, r.ceil.firstErr)
			}
		}
		fmt.Fprintf(&b, "\nticketd's peak resident memory during the run: %.0f MB (language models loaded).\n", e.maxRSSMB)
		if e.poolStats != "" {
			fmt.Fprintf(&b, "\nticketd's database pools at the end (database/sql): %s.\n", e.poolStats)
		}
	}
	if sc != nil {
		fmt.Fprintf(&b, "\nScale workspace: %d messages over %d tickets (one of %d messages, one of 50), seeded through sqlstore in %s.\n\n",
			sc.messages, sc.tickets, sc.bigCount, sc.seedTime.Round(time.Second))
		b.WriteString("| measurement | req/s | p50 | p99 | note |\n|---|---:|---:|---:|---|\n")
		for _, r := range scaleRows {
			if r.note != "" {
				fmt.Fprintf(&b, "| %s | | | | %s |\n", r.name, r.note)
				continue
			}
			fmt.Fprintf(&b, "| %s | %.0f | %s | %s | %s |\n", r.name, r.res.rps(), ms(r.res.p50), ms(r.res.p99), r.errNote)
		}
	}
	b.WriteString("\n")
	return b.String()
}

// writeReport puts section into the markdown file at path, replacing the
// section of the same name from an earlier run and keeping everything else.
func writeReport(path, name, section string) error {
	begin, end := "<!-- ticketd-bench: "+name+" -->\n", "<!-- /ticketd-bench: "+name+" -->\n"
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	doc := string(old)
	if doc == "" {
		doc = "# Performance\n\nMeasured by `go run ./cmd/ticketd-bench` (see README, \"Performance\"). Each section is one run; a new run of the same engine and label replaces its section.\n\n"
	}
	block := begin + section + end
	if i := strings.Index(doc, begin); i >= 0 {
		if j := strings.Index(doc[i:], end); j >= 0 {
			doc = doc[:i] + block + doc[i+j+len(end):]
		} else {
			doc = doc[:i] + block
		}
	} else {
		doc += block + "\n"
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(doc), 0o644)
}
