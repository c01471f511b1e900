package server_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/httpapi"
	"github.com/ticketd/ticketd/httpapi/apitest"
	"github.com/ticketd/ticketd/httpapi/server"
)

// Every response, whatever the surface or outcome, carries nosniff; the one
// that shows a new key is not to be stored by any cache.
func TestSecurityHeaders(t *testing.T) {
	e := apitest.New(t)
	cases := []struct {
		name, method, path string
		key                string
		body               any
		status             int
		noStore            bool
	}{
		{"native list", "GET", "/v1/tickets", e.WS.Key, nil, 200, false},
		{"shop 401", "GET", "/api/v1/tickets/1", "", nil, 401, false},
		{"unknown path", "GET", "/nope", "", nil, 404, false},
		{"health", "GET", "/healthz", "", nil, 200, false},
		{"new API key", "POST", "/v1/api-keys", e.WS.Key, map[string]any{"name": "ci", "scopes": []string{"tickets:read"}}, 201, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var r *apitest.Response
			if tc.key != "" {
				r = e.As(tc.key, tc.method, tc.path, tc.body)
			} else {
				r = e.Do(tc.method, tc.path, tc.body)
			}
			r.Expect(tc.status)
			if got := r.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q", got)
			}
			if got := r.Header.Get("Cache-Control"); (got == "no-store") != tc.noStore {
				t.Errorf("Cache-Control %q, want no-store: %v", got, tc.noStore)
			}
		})
	}
}

// Behind a trusted proxy the log names the client from X-Forwarded-For;
// from anyone else the header is ignored, since anyone can send it.
func TestTrustedProxiesNameTheClient(t *testing.T) {
	e := apitest.New(t)
	proxies, err := httpapi.ParseTrustedProxies("10.0.0.0/8, 192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	h := server.New(e.Service, server.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil)), TrustedProxies: proxies})
	cases := []struct{ peer, xff, want string }{
		{"10.1.2.3:5000", "203.0.113.7", "203.0.113.7"},
		{"10.1.2.3:5000", "198.51.100.1, 203.0.113.7, 10.9.9.9", "203.0.113.7"}, // the spoofed leftmost is not believed
		{"192.0.2.1:5000", "203.0.113.8", "203.0.113.8"},
		{"198.51.100.50:5000", "203.0.113.9", "198.51.100.50"}, // not a proxy: header ignored
		{"10.1.2.3:5000", "", "10.1.2.3"},
		{"10.1.2.3:5000", "garbage", "10.1.2.3"},
	}
	for _, tc := range cases {
		logs.Reset()
		req := httptest.NewRequest("GET", "/healthz", nil)
		req.RemoteAddr = tc.peer
		if tc.xff != "" {
			req.Header.Set("X-Forwarded-For", tc.xff)
		}
		h.ServeHTTP(httptest.NewRecorder(), req)
		if !strings.Contains(logs.String(), "client="+tc.want) {
			t.Errorf("peer %s, X-Forwarded-For %q: want client=%s in %s", tc.peer, tc.xff, tc.want, logs.String())
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.example", "1.2.3"} {
		if _, err := httpapi.ParseTrustedProxies(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// The server's write timeout cuts a response that takes too long, unless
// the handler declared a stream with httpapi.Stream.
func TestStreamsLiftTheWriteTimeout(t *testing.T) {
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/plain", func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.Write([]byte("late"))
	})
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		if err := httpapi.Stream(w); err != nil {
			t.Error(err)
		}
		<-release
		w.Write([]byte("late"))
	})
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.WriteTimeout = 1 // a nanosecond: expired before any handler writes
	srv.Start()
	defer srv.Close()
	close(release)
	if resp, err := http.Get(srv.URL + "/plain"); err == nil {
		resp.Body.Close()
		t.Fatalf("a plain response outlived the write timeout: %d", resp.StatusCode)
	}
	resp, err := http.Get(srv.URL + "/stream")
	if err != nil {
		t.Fatalf("the stream was cut: %v", err)
	}
	resp.Body.Close()
}

// A download whose client stops reading is cut once it makes no progress
// for httpapi.DownloadStall, instead of holding its connection forever; one
// that keeps reading gets every byte, however long it takes overall.
func TestStalledDownloadIsCut(t *testing.T) {
	old := httpapi.DownloadStall
	httpapi.DownloadStall = 200 * time.Millisecond
	defer func() { httpapi.DownloadStall = old }()
	body := bytes.Repeat([]byte("x"), 64<<20) // far more than socket buffers hold
	done := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		done <- httpapi.CopyDownload(w, bytes.NewReader(body))
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// Read nothing: the handler must give up on its own.
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("the stalled download completed")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a stalled download still holds its handler after 30 s")
	}

	resp2, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp2.Body)
	resp2.Body.Close()
	if err := <-done; err != nil || n != int64(len(body)) {
		t.Fatalf("a reading client got %d of %d bytes (%v)", n, len(body), err)
	}
}
