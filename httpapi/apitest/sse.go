package apitest

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/native"
	"github.com/ticketd/ticketd/httpapi/server"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// SSE is one server-sent event as a stream delivered it; a heartbeat
// comment has Event "comment" followed by the comment.
type SSE struct {
	ID, Event, Data string
}

// Stream sends req (a GET of an event stream) and returns its events as
// they come; it fails the test unless the answer is a 200 event stream that
// begins with its retry line, so the stream is open (subscribed) when it
// returns. stop ends it (the test's end does too).
func Stream(t testing.TB, req *http.Request) (events <-chan SSE, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(req.Context())
	req = req.WithContext(ctx)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		t.Fatalf("stream: %d %s", resp.StatusCode, b)
	}
	out := make(chan SSE, 100)
	sc := bufio.NewScanner(resp.Body)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "retry:") {
		t.Fatalf("stream did not start with retry: %q", sc.Text())
	}
	go func() {
		defer close(out)
		var cur SSE
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if cur != (SSE{}) {
					out <- cur
				}
				cur = SSE{}
			case strings.HasPrefix(line, ":"):
				cur.Event = "comment" + line
			case strings.HasPrefix(line, "id: "):
				cur.ID = line[4:]
			case strings.HasPrefix(line, "event: "):
				cur.Event = line[7:]
			case strings.HasPrefix(line, "data: "):
				cur.Data = line[6:]
			}
		}
	}()
	stop = func() { cancel(); resp.Body.Close() }
	// A test that fails with the stream open must not hang closing its
	// server, which waits for the stream's request to end.
	t.Cleanup(stop)
	return out, stop
}

// NextSSE returns the stream's next event that is not a heartbeat, failing
// the test if none comes within 10 seconds or the stream ends.
func NextSSE(t testing.TB, c <-chan SSE) SSE {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e, ok := <-c:
			if !ok {
				t.Fatal("stream ended")
			}
			if strings.HasPrefix(e.Event, "comment") {
				continue
			}
			return e
		case <-timeout:
			t.Fatal("no event within 10 s")
		}
	}
}

// Node is one ticketd node of a test: a service on the shared database, its
// event hub (polling every 20 ms) and the whole HTTP handler on a loopback
// server, with event streams' heartbeats every 50 ms.
type Node struct {
	Service *ticketd.Service
	Hub     *ticketd.EventHub
	URL     string
}

// StartNode starts a node on the database dsn; several nodes on one
// PostgreSQL database are a cluster.
func StartNode(t testing.TB, dsn string) *Node {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := ticketd.NewService(sqlstoretest.OpenDSN(t, dsn), ticketd.WithLogger(logger))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	hub := ticketd.NewEventHub(svc, 20*time.Millisecond)
	if err := hub.Start(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(svc, server.Config{Logger: logger,
		Events: native.EventsConfig{Hub: hub, Heartbeat: 50 * time.Millisecond}}))
	t.Cleanup(srv.Close)
	return &Node{Service: svc, Hub: hub, URL: srv.URL}
}
