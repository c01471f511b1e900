// Command ticketd-bench measures ticketd against ceilings measured in the
// same run: it seeds a database through the store, builds and starts the real
// ticketd binary on it, starts minimal ceiling servers on the same database
// and engine settings in its own process, drives each route and its ceiling
// with the same concurrent keep-alive load over loopback, and prints a table
// of req/s, p50, p99 and the ratio to the ceiling. It writes the table, with
// a description of the machine, to docs/performance.md.
//
//	go run ./cmd/ticketd-bench                      # SQLite in a temporary directory
//	go run ./cmd/ticketd-bench --db postgres://postgres@127.0.0.1:5432/test
//	go run ./cmd/ticketd-bench --scale 1000000      # the scale runs (see --help)
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/sqlstore"
)

type config struct {
	db          string
	conns       int
	duration    time.Duration
	warmup      time.Duration
	runs        int
	maxRequests int64
	out         string
	label       string
	only        string
	scale       int
	scaleTix    int
	bigTicket   int
	keep        bool
	profileDir  string
	profile     string
	roundTrips  int
}

func main() {
	var c config
	flag.StringVar(&c.db, "db", "", "database: empty for a SQLite file in a temporary directory, or a postgres:// URL (a fresh schema is created in it and dropped after)")
	flag.IntVar(&c.conns, "conns", 32, "concurrent keep-alive connections")
	flag.DurationVar(&c.duration, "duration", 5*time.Second, "how long each route and each ceiling is driven per run")
	flag.DurationVar(&c.warmup, "warmup", time.Second, "unmeasured load before each measurement")
	flag.IntVar(&c.runs, "runs", 1, "runs per route; the table shows the median run by req/s")
	flag.Int64Var(&c.maxRequests, "max-requests", 500000, "at most this many requests per measurement")
	flag.StringVar(&c.out, "out", "docs/performance.md", "markdown file the results are written into (empty: none)")
	flag.StringVar(&c.label, "label", "", "a label for this run in the report (e.g. before, after)")
	flag.StringVar(&c.only, "routes", "", "comma-separated route names to run (default: all)")
	flag.IntVar(&c.scale, "scale", 0, "scale mode: seed this many messages (e.g. 1000000) and measure pages and lists at that size")
	flag.IntVar(&c.scaleTix, "scale-tickets", 0, "tickets of the scale workspace (default: messages/10)")
	flag.IntVar(&c.bigTicket, "big-ticket", 0, "messages on the scale run's one long ticket (default: messages/10)")
	flag.BoolVar(&c.keep, "keep", false, "keep the temporary directory (database, ticketd log) and, on PostgreSQL, the schema")
	flag.StringVar(&c.profileDir, "profile-dir", "", "write CPU and allocation profiles of ticketd (pprof, through its --pprof-addr) taken while each --profile route runs into this directory")
	flag.StringVar(&c.profile, "profile", "post-native,get-comments", "routes to profile with --profile-dir")
	flag.IntVar(&c.roundTrips, "round-trips", 0, "PostgreSQL only: instead of the load, send this many requests of each route one at a time, through a proxy that counts the protocol's round trips, and report round trips per request beside the ceiling's")
	var ceilAddr, ceilWS, ceilUser string
	flag.StringVar(&ceilAddr, "serve-ceilings", "", "internal: run as the ceiling server on this address")
	flag.StringVar(&ceilWS, "ceiling-workspace", "", "internal: the ceiling server's workspace id")
	flag.StringVar(&ceilUser, "ceiling-user", "", "internal: the ceiling server's agent id")
	flag.Parse()
	if flag.NArg() > 0 {
		// An unquoted --label "after x" would end the flags at "x" silently.
		fmt.Fprintf(os.Stderr, "ticketd-bench: unexpected arguments %q (quote a label of several words)\n", flag.Args())
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if ceilAddr != "" {
		ws, err1 := ticketd.ParseID(ceilWS)
		user, err2 := ticketd.ParseID(ceilUser)
		if err := errors.Join(err1, err2); err != nil {
			fmt.Fprintln(os.Stderr, "ticketd-bench ceilings:", err)
			os.Exit(2)
		}
		if err := serveCeilings(ctx, ceilAddr, c.db, ws, user); err != nil {
			fmt.Fprintln(os.Stderr, "ticketd-bench ceilings:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(ctx, c); err != nil {
		fmt.Fprintln(os.Stderr, "ticketd-bench:", err)
		os.Exit(1)
	}
}

// env is one benchmark run's world: the database, the seeded objects, the
// ticketd process and the ceilings.
type env struct {
	c        config
	tmp      string
	dsn      string
	engine   string
	db       *sqlstore.DB
	svc      *ticketd.Service
	key      string
	p        *ticketd.Principal
	seed     seeded
	ticketd  *process
	ceil     *ceilingProcess
	maxRSSMB float64
	wire     *wireCounter
	// poolStats is ticketd's database pool at the end of the run.
	poolStats string
}

func run(ctx context.Context, c config) error {
	tmp, err := os.MkdirTemp("", "ticketd-bench-")
	if err != nil {
		return err
	}
	if !c.keep {
		defer os.RemoveAll(tmp)
	} else {
		fmt.Println("keeping", tmp)
	}
	e := &env{c: c, tmp: tmp}
	dsn, cleanup, err := prepareDSN(ctx, c.db, tmp)
	if err != nil {
		return err
	}
	if c.keep {
		fmt.Println("keeping the database:", dsn)
	} else {
		defer cleanup()
	}
	e.dsn = dsn
	if e.db, err = sqlstore.Open(ctx, dsn, sqlstore.Options{}); err != nil {
		return err
	}
	defer e.db.Close()
	if _, err := e.db.Migrate(ctx); err != nil {
		return err
	}
	e.engine = e.db.Engine()
	e.svc = ticketd.NewService(e.db, ticketd.WithDomainAuthority(trustingAuthority{}))
	fmt.Printf("seeding (%s)...\n", e.engine)
	began := time.Now()
	if err := e.seedBasic(ctx); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	var sc *scaleSeed
	if c.scale > 0 {
		if sc, err = e.seedScale(ctx); err != nil {
			return fmt.Errorf("seed scale: %w", err)
		}
	}
	seedTime := time.Since(began)
	fmt.Printf("seeded in %s\n", seedTime.Round(time.Millisecond))
	serveDSN := dsn
	if c.roundTrips > 0 {
		if e.engine != "postgres" {
			return errors.New("--round-trips counts PostgreSQL's protocol: give a postgres:// --db")
		}
		u, err := url.Parse(dsn)
		if err != nil {
			return err
		}
		if e.wire, err = startWireCounter(u.Host); err != nil {
			return err
		}
		defer e.wire.close()
		if serveDSN, err = e.wire.dsn(dsn); err != nil {
			return err
		}
	}
	if e.ticketd, err = startTicketd(ctx, tmp, serveDSN, c.profileDir != ""); err != nil {
		return err
	}
	defer e.ticketd.stop()
	if e.ceil, err = startCeilingProcess(serveDSN, e.p.WorkspaceID, e.p.UserID); err != nil {
		return err
	}
	defer e.ceil.close()
	if c.roundTrips > 0 {
		rep := e.reportRoundTrips(e.runRoundTrips(ctx))
		fmt.Print(rep)
		if c.out != "" {
			return writeReport(c.out, e.sectionName(false)+", round trips", rep)
		}
		return nil
	}
	stopRSS := e.ticketd.sampleRSS(&e.maxRSSMB)
	rows, err := e.runRoutes(ctx)
	if err != nil {
		return err
	}
	var scaleRows []scaleRow
	if sc != nil {
		if scaleRows, err = e.runScale(ctx, sc); err != nil {
			return err
		}
	}
	stopRSS()
	e.poolStats = e.ticketd.poolStats()
	rep := e.report(rows, sc, scaleRows, seedTime)
	fmt.Print(rep)
	if c.out != "" {
		return writeReport(c.out, e.sectionName(sc != nil), rep)
	}
	return nil
}

// prepareDSN returns the database to run on: a new SQLite file, or a new
// schema of the given PostgreSQL database, dropped by cleanup.
func prepareDSN(ctx context.Context, db, tmp string) (string, func(), error) {
	if db == "" {
		return filepath.Join(tmp, "bench.db"), func() {}, nil
	}
	if !strings.HasPrefix(db, "postgres://") && !strings.HasPrefix(db, "postgresql://") {
		return db, func() {}, nil
	}
	b := make([]byte, 4)
	rand.Read(b)
	schema := "bench_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", db)
	if err != nil {
		return "", nil, err
	}
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	u, err := url.Parse(db)
	if err != nil {
		admin.Close()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	}, nil
}

// trustingAuthority verifies every sending domain: the inbound route needs
// an inbox, not DNS.
type trustingAuthority struct{}

func (trustingAuthority) NewKeys(string) (ticketd.DomainKeys, error) {
	return ticketd.DomainKeys{Selector: "bench", Token: "bench"}, nil
}
func (trustingAuthority) Records(*ticketd.SendingDomain) []ticketd.DNSRecord { return nil }
func (trustingAuthority) Verify(context.Context, *ticketd.SendingDomain) (*ticketd.DomainVerification, error) {
	return &ticketd.DomainVerification{Verified: true}, nil
}

// ---- the ticketd process -------------------------------------------------

type process struct {
	cmd   *exec.Cmd
	addr  string
	pprof string
	log   *os.File
}

// profileDuring fetches a CPU profile of d and, after it, the allocation
// profile, into dir/name.cpu.pprof and dir/name.allocs.pprof; the returned
// function waits for both.
func (p *process) profileDuring(dir, name string, d time.Duration) func() error {
	done := make(chan error, 1)
	go func() {
		fetch := func(path, file string) error {
			resp, err := http.Get(p.pprof + path)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			if resp.StatusCode != 200 {
				return fmt.Errorf("%s: %s", path, resp.Status)
			}
			f, err := os.Create(filepath.Join(dir, file))
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(f, resp.Body)
			return err
		}
		err := fetch(fmt.Sprintf("/debug/pprof/profile?seconds=%d", max(int(d.Seconds()), 1)), name+".cpu.pprof")
		if err == nil {
			err = fetch("/debug/pprof/allocs", name+".allocs.pprof")
		}
		done <- err
	}()
	return func() error { return <-done }
}

// startTicketd builds ./cmd/ticketd and starts `ticketd serve` on dsn, with
// the products' rate limits off (the load would hit them in a second) and
// everything else at its defaults, language models included.
func startTicketd(ctx context.Context, tmp, dsn string, pprof bool) (*process, error) {
	bin := filepath.Join(tmp, "ticketd")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/ticketd")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("go build ./cmd/ticketd (run from the repository root): %w", err)
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(tmp, "ticketd.log"))
	if err != nil {
		return nil, err
	}
	args := []string{"serve", "--db", dsn, "--addr", addr, "--blob-dir", filepath.Join(tmp, "blobs")}
	for _, m := range []string{"helpwave", "ticket0", "native", "toptickets"} {
		args = append(args, "--ratelimit-"+m+"-key", "0", "--ratelimit-"+m+"-workspace", "0")
	}
	args = append(args, "--ratelimit-toptickets-admin-key", "0")
	// /v1/tickets/{id}/comments is the TopTickets comments resource, limited by key role.
	args = append(args, "--ratelimit-toptickets-admin-key", "0")
	if err := os.MkdirAll(filepath.Join(tmp, "blobs"), 0o700); err != nil {
		return nil, err
	}
	pprofAddr := ""
	if pprof {
		if pprofAddr, err = freeAddr(); err != nil {
			return nil, err
		}
		args = append(args, "--pprof-addr", pprofAddr)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, addr: "http://" + addr, log: logf}
	if pprofAddr != "" {
		p.pprof = "http://" + pprofAddr
	}
	for i := 0; ; i++ {
		resp, err := http.Get(p.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p, nil
			}
		}
		if i == 300 {
			p.stop()
			return nil, fmt.Errorf("ticketd did not become ready; see %s", logf.Name())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (p *process) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
	}
	p.log.Close()
}

// poolStats summarises ticketd's database pools from its /metrics (the
// database/sql statistics): how often a request waited for a connection and
// for how long in all, and how many connections were closed and so had to
// be opened again.
func (p *process) poolStats() string {
	resp, err := http.Get(p.addr + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		for _, m := range []string{"go_sql_max_open_connections", "go_sql_wait_count_total", "go_sql_wait_duration_seconds_total",
			"go_sql_max_idle_closed_total", "go_sql_max_idle_time_closed_total", "go_sql_max_lifetime_closed_total"} {
			if strings.HasPrefix(line, m+"{") {
				out = append(out, strings.Replace(strings.TrimPrefix(line, "go_sql_"), "_total{", "{", 1))
			}
		}
	}
	return strings.Join(out, ", ")
}

// rssMB reads the process's resident memory.
func (p *process) rssMB() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// sampleRSS keeps the largest resident size seen in *max until stopped.
func (p *process) sampleRSS(max *float64) func() {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if v := p.rssMB(); v > *max {
					*max = v
				}
			}
		}
	}()
	return func() { close(done) }
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// ---- helpers ---------------------------------------------------------------

func jsonBody(v any) func(int64) []byte {
	b, _ := json.Marshal(v)
	return func(int64) []byte { return b }
}

func drain(r io.Reader) { io.Copy(io.Discard, r) }

func nilCtx() context.Context { return context.Background() }
