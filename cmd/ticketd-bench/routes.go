package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
)

// row is one line of the route table: ticketd's measurement beside its
// ceiling's, each the median of the runs by req/s.
type row struct {
	name, route, ceiling string
	got, ceil            result
	// runs holds every run's req/s, ticketd's and the ceiling's, so that
	// the report shows what the median was taken of.
	gotRuns, ceilRuns []float64
}

func rates(rs []result) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = r.rps()
	}
	return out
}

// runList renders a run's req/s figures as "1163, 1201, 1090".
func runList(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strings.Join(s, ", ")
}

type routeSpec struct {
	name, route, ceilingName string
	target, ceiling          target
}

func (e *env) routes() []routeSpec {
	s := e.seed
	bearer := http.Header{"Authorization": {"Bearer " + e.key}}
	shopKey := http.Header{"X-Api-Key": {e.key}, "Content-Type": {"application/json"}}
	jsonBearer := http.Header{"Authorization": {"Bearer " + e.key}, "Content-Type": {"application/json"}}
	content := "Thanks for waiting, your refund is on its way. " + strings.Repeat("It should reach you in three to five days. ", 3)
	insert := target{method: "POST", url: e.ceil.addr + "/tickets/" + s.ceilTicket.ID.String() + "/comments",
		body: jsonBody(map[string]string{"content": content}), want: 201, header: http.Header{"Content-Type": {"application/json"}}}
	selectCeil := target{method: "GET", url: e.ceil.addr + "/tickets/" + s.readTicket.ID.String() + "/comments", want: 200}
	b := make([]byte, 4)
	rand.Read(b)
	run := hex.EncodeToString(b)
	listCeil := target{method: "GET", url: e.ceil.addr + "/tickets?status=open&assignee_id=" + s.agents[0].ID.String(), want: 200}
	specs := []routeSpec{
		{"static", "GET /healthz (ticketd) vs static JSON", "static JSON",
			target{method: "GET", url: e.ticketd.addr + "/healthz", want: 200},
			target{method: "GET", url: e.ceil.addr + "/static", want: 200}},
		{"post-native", "POST /v1/tickets/{id}/comments", "decode + insert + ticket update, one tx",
			target{method: "POST", url: e.ticketd.addr + "/v1/tickets/" + s.postTicket.ID.String() + "/comments",
				header: jsonBearer, body: jsonBody(map[string]string{"content": content}), want: 201}, insert},
		{"post-shop", "POST /api/v1/tickets/{id}/comments", "decode + insert + ticket update, one tx",
			target{method: "POST", url: e.ticketd.addr + "/api/v1/tickets/" + strconv.FormatInt(s.shopTicket.Number, 10) + "/comments",
				header: shopKey, body: jsonBody(map[string]string{"text": content}), want: 201}, insert},
		{"get-comments", "GET /v1/tickets/{id}/comments?limit=50", "select 50 by index + encode",
			target{method: "GET", url: e.ticketd.addr + "/v1/tickets/" + s.readTicket.ID.String() + "/comments?limit=50",
				header: bearer, want: 200}, selectCeil},
		{"get-messages", "GET /v1/tickets/{id}/messages (50, unpaged)", "select 50 by index + encode",
			target{method: "GET", url: e.ticketd.addr + "/v1/tickets/" + s.readTicket.ID.String() + "/messages",
				header: bearer, want: 200}, selectCeil},
		{"list-tickets", "GET /v1/tickets?status=open&assignee_id=…", "select 50 tickets by index + encode",
			target{method: "GET", url: e.ticketd.addr + "/v1/tickets?status=open&limit=50&assignee_id=" + s.agents[0].ID.String(),
				header: bearer, want: 200},
			listCeil},
		{"inbound", "POST /v1/inbound/email", "read + parse the email",
			target{method: "POST", url: e.ticketd.addr + "/v1/inbound/email",
				header: http.Header{"Authorization": {"Bearer " + e.key}, "Content-Type": {"message/rfc822"}},
				body:   e.inboundEmail("t" + run), want: 201},
			target{method: "POST", url: e.ceil.addr + "/inbound", body: e.inboundEmail("c" + run), want: 201}},
	}
	return append(specs, e.consoleRoutes(listCeil, selectCeil)...)
}

// selected reports whether --routes selects the route named name.
func (e *env) selected(name string) bool {
	if e.c.only == "" {
		return true
	}
	for _, n := range strings.Split(e.c.only, ",") {
		if strings.TrimSpace(n) == name {
			return true
		}
	}
	return false
}

// measure warms t up, then measures it.
func (e *env) measure(ctx context.Context, t target) result {
	if e.c.warmup > 0 {
		drive(ctx, t, e.c.conns, e.c.warmup, e.c.maxRequests)
	}
	return drive(ctx, t, e.c.conns, e.c.duration, e.c.maxRequests)
}

func (e *env) runRoutes(ctx context.Context) ([]row, error) {
	var rows []row
	for _, spec := range e.routes() {
		if !e.selected(spec.name) {
			continue
		}
		var gots, ceils []result
		profile := e.c.profileDir != "" && slices.Contains(strings.Split(e.c.profile, ","), spec.name)
		for run := range max(e.c.runs, 1) {
			// The ceiling first, then ticketd, alternately, so that both
			// see the same machine.
			ceils = append(ceils, e.measure(ctx, spec.ceiling))
			if profile && run == 0 {
				if err := os.MkdirAll(e.c.profileDir, 0o755); err != nil {
					return nil, err
				}
				// The profile covers the measurement, after the warm-up.
				drive(ctx, spec.target, e.c.conns, e.c.warmup, e.c.maxRequests)
				wait := e.ticketd.profileDuring(e.c.profileDir, spec.name, e.c.duration)
				gots = append(gots, drive(ctx, spec.target, e.c.conns, e.c.duration, e.c.maxRequests))
				if err := wait(); err != nil {
					return nil, fmt.Errorf("profile %s: %w", spec.name, err)
				}
				continue
			}
			gots = append(gots, e.measure(ctx, spec.target))
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		r := row{name: spec.name, route: spec.route, ceiling: spec.ceilingName, gotRuns: rates(gots), ceilRuns: rates(ceils)}
		r.got, r.ceil = median(gots), median(ceils)
		fmt.Printf("%-14s %8.0f req/s p50 %-8s p99 %-8s | ceiling %8.0f req/s p99 %-8s | %.2fx\n", spec.name,
			r.got.rps(), r.got.p50, r.got.p99, r.ceil.rps(), r.ceil.p99, ratio(r.got, r.ceil))
		if len(gots) > 1 {
			fmt.Printf("   runs (req/s): ticketd %s; ceiling %s\n", runList(r.gotRuns), runList(r.ceilRuns))
		}
		if r.got.stalled > 0 || r.ceil.stalled > 0 {
			fmt.Printf("   stalled (unanswered after %s when the run ended): ticketd %d, ceiling %d\n", stallAfter, r.got.stalled, r.ceil.stalled)
		}
		if r.got.errors > 0 || r.ceil.errors > 0 {
			fmt.Printf("   errors: ticketd %d (%s), ceiling %d (%s)\n", r.got.errors, r.got.firstErr, r.ceil.errors, r.ceil.firstErr)
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func median(rs []result) result {
	slices.SortFunc(rs, func(a, b result) int {
		switch {
		case a.rps() < b.rps():
			return -1
		case a.rps() > b.rps():
			return 1
		}
		return 0
	})
	return rs[len(rs)/2]
}

func ratio(got, ceil result) float64 {
	if ceil.rps() == 0 {
		return 0
	}
	return got.rps() / ceil.rps()
}
