package httpapi_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
	"github.com/ticketd/ticketd/httpapi/apitest"
	"github.com/ticketd/ticketd/httpapi/helpwave"
	"github.com/ticketd/ticketd/httpapi/native"
	"github.com/ticketd/ticketd/httpapi/ticket0"
)

// A handler that panics answers 500 in its own surface's error format, not
// in whichever format the outer middleware knows, and the server goes on.
func TestPanicAnswersInTheSurfacesErrorFormat(t *testing.T) {
	e := apitest.New(t)
	for _, tc := range []struct {
		name       string
		writeError httpapi.ErrorWriter
		header     string
		want       string // the field of the error body that holds the message
	}{
		{"shop", helpwave.WriteError, "x-api-key", "error"},
		{"native", native.WriteError, "Authorization", "detail"},
		{"messages", ticket0.WriteError, "Authorization", "error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mux := http.NewServeMux()
			s := httpapi.Surface{Service: e.Service, XAPIKey: tc.name == "shop", WriteError: tc.writeError,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
			s.Handle(mux, "GET /boom", ticketd.Scope("tickets:read"), func(http.ResponseWriter, *http.Request, *ticketd.Principal) error {
				panic("boom")
			})
			srv := httptest.NewServer(httpapi.Middleware(slog.New(slog.NewTextHandler(io.Discard, nil)), mux))
			defer srv.Close()
			req, _ := http.NewRequest("GET", srv.URL+"/boom", nil)
			key := e.WS.Key
			if tc.header == "Authorization" {
				key = "Bearer " + key
			}
			req.Header.Set(tc.header, key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			var got map[string]any
			if resp.StatusCode != 500 || json.Unmarshal(body, &got) != nil {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			if !strings.Contains(string(body), "internal error") || got[tc.want] == nil {
				t.Fatalf("body %s, want the message under %q", body, tc.want)
			}
			if tc.name == "shop" && got["success"] != false {
				t.Fatalf("shop body without success=false: %s", body)
			}
		})
	}
}
