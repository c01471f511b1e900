// Command searchonly measures search alone, over a dataset of its own, where
// the scale run of ticketd-bench would take too long to seed (PostgreSQL):
//
//	go run ./cmd/ticketd-bench/searchonly seed DSN     # 100,000 tickets, 1,000,000 messages
//	go run ./cmd/ticketd-bench/searchonly measure DSN  # p50/p99 of Service.Search per kind of query
//	go run ./cmd/ticketd-bench/searchonly measure DSN "" 3  # 3 searches a kind (with auto_explain, their plans)
//
// On PostgreSQL on this machine, measure also reports the CPU time of the
// server's backend per search (from /proc), which the other processes'
// load inflates far less than the wall clock.
//
// It seeds through the store (as TestConsolePerformance does): 25,000
// customers with made-up names, tickets with five-word subjects, messages
// of 40 words drawn from 20,000 made-up words with a Zipf distribution
// (s = 1.1), every tenth an internal note. DSN is a SQLite path or a
// postgres:// URL (its search_path names a schema of its own).
package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/internal/scaledata"
	"github.com/ticketd/ticketd/sqlstore"
)

func seed(dsn string) {
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		panic(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		panic(err)
	}
	svc := ticketd.NewService(db)
	ws, owner, key, err := svc.CreateWorkspace(ctx, ticketd.NewWorkspace{Name: "S", OwnerEmail: "owner@s.test"})
	if err != nil {
		panic(err)
	}
	fmt.Println("ws", ws.ID, "key", key)
	words := scaledata.Vocabulary(20000)
	rng := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rng, 1.1, 1, uint64(len(words)-1))
	text := func(n int) string { return scaledata.Sentence(words, zipf, n) }
	nT, nM := 100000, 1000000
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var customers []ticketd.ID
	var tix []*ticketd.Ticket
	began := time.Now()
	for done := 0; done < nT; done += 5000 {
		err := db.Update(ctx, func(tx ticketd.Tx) error {
			for i := done; i < done+5000; i++ {
				if i%4 == 0 {
					c := &ticketd.Customer{ID: ticketd.NewID(), WorkspaceID: ws.ID, Email: fmt.Sprintf("c%d@example.com", i),
						FirstName: strings.Title(words[rng.IntN(len(words))]), LastName: strings.Title(words[rng.IntN(len(words))]), CreatedAt: now, UpdatedAt: now}
					if err := tx.CreateCustomer(ctx, c); err != nil {
						return err
					}
					customers = append(customers, c.ID)
				}
				st := []ticketd.Status{ticketd.StatusOpen, ticketd.StatusOpen, ticketd.StatusPending, ticketd.StatusSolved}[rng.IntN(4)]
				tk := &ticketd.Ticket{ID: ticketd.NewID(), WorkspaceID: ws.ID, CustomerID: customers[len(customers)-1],
					Subject: text(5), Channel: "email", Status: st, Tags: []string{[]string{"refund", "shipping", "vip", "bug"}[rng.IntN(4)]},
					LastMessage: "x", LastMessageAt: now, Date: now, CreatedAt: now, UpdatedAt: now}
				if rng.IntN(3) == 0 {
					tk.AssigneeID = &owner.ID
				}
				if err := tx.CreateTicket(ctx, tk); err != nil {
					return err
				}
				tix = append(tix, tk)
			}
			return nil
		})
		if err != nil {
			panic(err)
		}
	}
	fmt.Println("tickets", time.Since(began))
	for done := 0; done < nM; done += 10000 {
		err := db.Update(ctx, func(tx ticketd.Tx) error {
			for i := done; i < done+10000; i++ {
				// messages arrive on recent tickets mostly: ticket i/10 with jitter
				tk := tix[min(nT-1, max(0, i/10+rng.IntN(200)-100))]
				m := &ticketd.Message{ID: ticketd.NewID(), WorkspaceID: ws.ID, TicketID: tk.ID,
					Author: ticketd.Author{Kind: ticketd.AuthorAgent, UserID: &owner.ID}, Internal: i%10 == 0, Body: text(40),
					Time: now, Channel: "email", To: []string{}, Cc: []string{}, References: []string{}, Tags: []string{},
					CreatedAt: now, UpdatedAt: now}
				if err := tx.CreateMessage(ctx, m); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			panic(err)
		}
		if done%100000 == 0 {
			fmt.Println("messages", done, time.Since(began))
		}
	}
	if err := db.RawExec(ctx, "ANALYZE"); err != nil {
		panic(err)
	}
	fmt.Println("done", time.Since(began))
}

// backendCPU is the CPU time the PostgreSQL backend pid has run, from
// /proc (the server on this machine): what a search costs the server,
// which the other processes' load inflates far less than the wall clock.
func backendCPU(pid int) (time.Duration, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/schedstat", pid))
	if err != nil {
		return 0, false
	}
	var ns int64
	if _, err := fmt.Sscan(string(b), &ns); err != nil {
		return 0, false
	}
	return time.Duration(ns), true
}

func measure(dsn string, only string, n int) {
	ctx := context.Background()
	// One read connection: its backend is the one whose CPU is measured.
	db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{ReadConns: 1})
	if err != nil {
		panic(err)
	}
	began := time.Now()
	if _, err := db.Migrate(ctx); err != nil {
		panic(err)
	}
	fmt.Println("migrate", time.Since(began))
	var wsID, ownerID string
	if err := db.RawQueryRow(ctx, `SELECT w.id, u.id FROM workspaces w JOIN users u ON u.workspace_id = w.id ORDER BY u.number LIMIT 1`).Scan(&wsID, &ownerID); err != nil {
		panic(err)
	}
	ws, _ := ticketd.ParseID(wsID)
	owner, _ := ticketd.ParseID(ownerID)
	p := &ticketd.Principal{WorkspaceID: ws, UserID: owner, Scopes: ticketd.AllScopes, Audience: ticketd.AudienceTeam}
	svc := ticketd.NewService(db)
	pid := 0
	if strings.HasPrefix(dsn, "postgres") {
		err := db.RawView(ctx, func(tx *sql.Tx) error { return tx.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid) })
		if err != nil {
			panic(err)
		}
	}
	words := scaledata.Vocabulary(20000)
	rng := rand.New(rand.NewPCG(3, 4))
	pick := func(lo, hi int) string { return words[lo+rng.IntN(hi-lo)] }
	pending := ticketd.StatusPending
	kinds := []struct {
		name string
		q    func() string
		f    ticketd.ViewFilter
	}{
		{"rare word (rank 5k-20k)", func() string { return pick(5000, 20000) }, ticketd.ViewFilter{}},
		{"middling word (rank 100-1000)", func() string { return pick(100, 1000) }, ticketd.ViewFilter{}},
		{"very common word (rank 0-10)", func() string { return pick(0, 10) }, ticketd.ViewFilter{}},
		{"two words, common + middling", func() string { return pick(0, 10) + " " + pick(100, 1000) }, ticketd.ViewFilter{}},
		{"two words, middling", func() string { return pick(50, 500) + " " + pick(50, 500) }, ticketd.ViewFilter{}},
		{"prefix, 3 letters*", func() string { return pick(100, 5000)[:3] + "*" }, ticketd.ViewFilter{}},
		{"customer email local part", func() string { return fmt.Sprintf("c%d", 4*rng.IntN(25000)) }, ticketd.ViewFilter{}},
		{"customer email domain (every customer)", func() string { return "example" }, ticketd.ViewFilter{}},
		{"middling word, status pending", func() string { return pick(100, 1000) }, ticketd.ViewFilter{Status: &pending}},
		{"very common word, status pending", func() string { return pick(0, 10) }, ticketd.ViewFilter{Status: &pending}},
	}
	for _, k := range kinds {
		if only != "" && !strings.Contains(k.name, only) {
			continue
		}
		d := make([]time.Duration, 0, n)
		cpu := make([]time.Duration, 0, n)
		server := make([]time.Duration, 0, n)
		got := 0
		for i := range n + 5 {
			q := k.q()
			s := time.Now()
			var r0, r1 syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
			s0, _ := backendCPU(pid)
			ts, err := svc.Search(ctx, p, q, k.f, 50)
			s1, ok := backendCPU(pid)
			syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
			if err != nil {
				panic(err)
			}
			if i >= 5 {
				d = append(d, time.Since(s))
				cpu = append(cpu, time.Duration(r1.Utime.Nano()+r1.Stime.Nano()-r0.Utime.Nano()-r0.Stime.Nano()))
				got += len(ts)
				if ok {
					server = append(server, s1-s0)
				}
			}
		}
		slices.Sort(d)
		slices.Sort(cpu)
		slices.Sort(server)
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		fmt.Printf("%-42s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  cpu p50 %6.2f p99 %6.2f", k.name,
			ms(d[n/2]), ms(d[n*99/100]), ms(d[n-1]), ms(cpu[n/2]), ms(cpu[n*99/100]))
		if len(server) == n {
			fmt.Printf("  server cpu p50 %6.2f p99 %6.2f", ms(server[n/2]), ms(server[n*99/100]))
		}
		fmt.Printf("  avg results %d\n", got/n)
	}
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: searchonly seed|measure DSN [kind [n]]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "seed":
		seed(os.Args[2])
	case "measure":
		only := ""
		if len(os.Args) > 3 {
			only = os.Args[3]
		}
		n := 200
		if len(os.Args) > 4 {
			n, _ = strconv.Atoi(os.Args[4])
		}
		measure(os.Args[2], only, max(n, 1))
	}
}
