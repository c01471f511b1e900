package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/ticketd/ticketd/httpapi/ratelimit"
	"github.com/ticketd/ticketd/httpapi/server"
	"github.com/ticketd/ticketd/sqlstore"
)

// rateLimitFlags adds --ratelimit-<mount>-key and -workspace: requests per
// minute per API key and per workspace on each mount; 0 turns a limit off.
func rateLimitFlags(fs *flag.FlagSet, rl *server.RateLimits) {
	d := server.DefaultRateLimits
	for _, f := range []struct {
		mount string
		key   *int
		ws    *int
		dk    int
		dw    int
	}{
		{"native", &rl.NativeKey, &rl.NativeWorkspace, d.NativeKey, d.NativeWorkspace},
		{"helpwave", &rl.HelpWaveKey, &rl.HelpWaveWorkspace, d.HelpWaveKey, d.HelpWaveWorkspace},
		{"ticket0", &rl.Ticket0Key, &rl.Ticket0Workspace, d.Ticket0Key, d.Ticket0Workspace},
		// TopTickets limits by the key's role: -key is for every key but an
		// admin's, which has -admin-key.
		{"toptickets", &rl.TopTicketsKey, &rl.TopTicketsWorkspace, d.TopTicketsKey, d.TopTicketsWorkspace},
	} {
		fs.IntVar(f.key, "ratelimit-"+f.mount+"-key", f.dk, "requests per minute per API key on the "+f.mount+" mount (0: no limit)")
		fs.IntVar(f.ws, "ratelimit-"+f.mount+"-workspace", f.dw, "requests per minute per workspace on the "+f.mount+" mount (0: no limit)")
	}
	fs.IntVar(&rl.TopTicketsAdminKey, "ratelimit-toptickets-admin-key", d.TopTicketsAdminKey,
		"requests per minute per admin API key on the toptickets mount (0: no limit)")
}

// rateCounter counts rate-limited requests where every node sees the same
// count: in the shared PostgreSQL when there is one, else in this process,
// which on a single SQLite node costs no database write per request.
func rateCounter(db *sqlstore.DB) ratelimit.Counter {
	if db.Engine() == "postgres" {
		return ratelimit.SQL{Store: db}
	}
	return ratelimit.NewMemory()
}

// surfaceMounts are the mounts --surface-host may name.
var surfaceMounts = []string{"native", "helpwave", "ticket0", "toptickets"}

// parseSurfaceHosts reads --surface-host: comma-separated mount=host pairs,
// returned as host → mount.
func parseSurfaceHosts(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, pair := range splitList(s) {
		mount, host, ok := strings.Cut(pair, "=")
		mount, host = strings.TrimSpace(mount), strings.ToLower(strings.TrimSpace(host))
		known := false
		for _, m := range surfaceMounts {
			known = known || m == mount
		}
		if !ok || host == "" || !known {
			return nil, fmt.Errorf("--surface-host: %q is not mount=host with a mount among %s", pair, strings.Join(surfaceMounts, ", "))
		}
		if _, dup := out[host]; dup {
			return nil, fmt.Errorf("--surface-host: host %s given twice", host)
		}
		out[host] = mount
	}
	return out, nil
}
