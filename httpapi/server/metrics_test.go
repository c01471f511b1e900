package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/apitest"
	"github.com/ticketd/ticketd/httpapi/server"
	"github.com/ticketd/ticketd/metrics"
)

type fixedAnalyzer struct{}

func (fixedAnalyzer) Analyze(context.Context, string, string) ticketd.Analysis {
	return ticketd.Analysis{}
}

// sample returns the value of the exposed series (name and labels exactly
// as exposed), or -1 when it is absent.
func sample(t *testing.T, body, series string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return -1
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// A scrape of /metrics shows requests by surface, route pattern and status,
// their latency, the outbox backlog and its oldest entry's age read from the
// store, SMTP sessions, triage latency, the database pools and the runtime.
func TestMetricsScrape(t *testing.T) {
	e := apitest.New(t)
	m := metrics.New()
	m.AddBacklog(metrics.Backlog{Name: "outbox", Stats: e.Service.OutboxBacklog})
	m.AddDBPools(e.DB.Pools())
	h := server.New(e.Service, server.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: m})
	do := func(method, path, key string) {
		req := httptest.NewRequest(method, path, nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	do("GET", "/v1/tickets", e.WS.Key)
	do("GET", "/v1/tickets", e.WS.Key)
	do("GET", "/v1/tickets", "")
	do("GET", "/api/v1/tickets/1", e.WS.Key)
	do("GET", "/v1/no/such/path/"+ticketd.NewID().String(), "") // the mount's catch-all
	do("GET", "/v1/tickets/"+ticketd.NewID().String()+"/messages", e.WS.Key)
	// Two replies waiting, the older queued 90 s ago.
	now := time.Now().UTC()
	err := e.DB.Update(context.Background(), func(tx ticketd.Tx) error {
		for _, age := range []time.Duration{90 * time.Second, 10 * time.Second} {
			if err := tx.EnqueueOutbox(context.Background(), &ticketd.OutboxEntry{ID: ticketd.NewID(), WorkspaceID: e.WS.ID,
				MessageID: ticketd.NewID(), NextAttemptAt: now, CreatedAt: now.Add(-age)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	m.SMTPConnection(true)
	m.SMTPConnection(true)
	m.SMTPConnection(false)
	m.Analyzer(fixedAnalyzer{}).Analyze(context.Background(), "hello", "")

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("GET /metrics: %d", rec.Code)
	}
	body := rec.Body.String()
	want := map[string]float64{
		`ticketd_http_requests_total{code="200",method="GET",route="/v1/tickets",surface="native"}`:                  2,
		`ticketd_http_requests_total{code="401",method="GET",route="/v1/tickets",surface="native"}`:                  1,
		`ticketd_http_requests_total{code="404",method="GET",route="/api/v1/tickets/{ticketId}",surface="helpwave"}`: 1,
		`ticketd_http_requests_total{code="404",method="GET",route="/v1/",surface="native"}`:                         1,
		`ticketd_http_request_duration_seconds_count{route="/v1/tickets",surface="native"}`:                          3,
		`ticketd_queue_backlog{queue="outbox"}`:                                                                      2,
		`ticketd_queue_scrape_ok{queue="outbox"}`:                                                                    1,
		`ticketd_smtp_sessions_total{result="accepted"}`:                                                             2,
		`ticketd_smtp_sessions_total{result="refused"}`:                                                              1,
		`ticketd_triage_duration_seconds_count`:                                                                      1,
	}
	for series, v := range want {
		if got := sample(t, body, series); got != v {
			t.Errorf("%s = %v, want %v", series, got, v)
		}
	}
	if age := sample(t, body, `ticketd_queue_oldest_age_seconds{queue="outbox"}`); age < 90 || age > 3600 {
		t.Errorf("oldest outbox entry age %v, want about 90 s", age)
	}
	if strings.Contains(body, "no/such/path") {
		t.Error("an unknown path became a label value")
	}
	if got := sample(t, body, `ticketd_http_requests_total{code="404",method="GET",route="/v1/tickets/{id}/messages",surface="ticket0"}`); got != 1 {
		t.Errorf("the messages resource under /v1 is Ticket0's: %v", got)
	}
	for _, name := range []string{"go_goroutines", "go_sql_open_connections", "process_open_fds"} {
		if !strings.Contains(body, "\n"+name) {
			t.Errorf("no %s in the scrape", name)
		}
	}
}
