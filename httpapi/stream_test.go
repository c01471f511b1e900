package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/apitest"
)

// seedConversation stores n messages on t through the store in one
// transaction (every third an internal note, times in runs of equal values so
// that ties are ordered by number), and the counters with them.
func seedConversation(t *testing.T, e *apitest.Env, tk *ticketd.Ticket, n int, body string) {
	t.Helper()
	ctx := context.Background()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	public := 0
	err := e.DB.Update(ctx, func(tx ticketd.Tx) error {
		for i := range n {
			at := base.Add(time.Duration(i/7) * time.Second)
			m := &ticketd.Message{ID: ticketd.NewID(), WorkspaceID: tk.WorkspaceID, TicketID: tk.ID,
				Author: ticketd.Author{Kind: ticketd.AuthorAgent, UserID: &e.WS.Owner.ID}, Internal: i%3 == 2,
				Body: strconv.Itoa(i) + " " + body, Time: at, Channel: "chat", To: []string{}, Cc: []string{},
				References: []string{}, Tags: []string{}, CreatedAt: at, UpdatedAt: at}
			if !m.Internal {
				public++
			}
			if err := tx.CreateMessage(ctx, m); err != nil {
				return err
			}
		}
		return tx.UpdateTicket(ctx, tk.WorkspaceID, tk.ID, ticketd.TicketPatch{AddMessages: n, AddPublic: public, UpdatedAt: base})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The unpaged lists of the seeds (the messages resource, the shop comments)
// are read in chunks and streamed; across chunk boundaries nothing is lost,
// repeated or reordered, notes stay out, and the total is the counter's.
func TestStreamedListsAcrossChunks(t *testing.T) {
	e := apitest.New(t)
	tk := e.Ticket(e.WS, "chat")
	const n = 650 // several chunks of 200
	seedConversation(t, e, tk, n, "hello")
	var want []string
	for i := range n {
		if i%3 != 2 {
			want = append(want, strconv.Itoa(i)+" hello")
		}
	}
	var msgs struct {
		Messages []struct {
			BodyText string `json:"bodyText"`
		} `json:"messages"`
		Total int `json:"total"`
	}
	must(t, json.Unmarshal(e.As(e.WS.Key, "GET", "/v1/tickets/"+tk.ID.String()+"/messages", nil).Expect(200).Body, &msgs))
	var shopList struct {
		Success  bool `json:"success"`
		Comments []struct {
			Text string `json:"text"`
		} `json:"comments"`
		TotalCount int `json:"totalCount"`
	}
	must(t, json.Unmarshal(e.As(e.WS.Key, "GET", "/api/v1/tickets/"+itoa(tk.Number)+"/comments", nil).Expect(200).Body, &shopList))
	if msgs.Total != len(want) || shopList.TotalCount != len(want) || !shopList.Success {
		t.Fatalf("totals %d and %d, want %d", msgs.Total, shopList.TotalCount, len(want))
	}
	if len(msgs.Messages) != len(want) || len(shopList.Comments) != len(want) {
		t.Fatalf("%d and %d messages, want %d", len(msgs.Messages), len(shopList.Comments), len(want))
	}
	for i, w := range want {
		if msgs.Messages[i].BodyText != w || shopList.Comments[i].Text != w {
			t.Fatalf("message %d: %q and %q, want %q", i, msgs.Messages[i].BodyText, shopList.Comments[i].Text, w)
		}
	}
}

// heapWriter is a ResponseWriter that keeps nothing but notes the live heap
// every megabyte written.
type heapWriter struct {
	h       http.Header
	status  int
	written int
	next    int
	peak    uint64
}

func (w *heapWriter) Header() http.Header { return w.h }
func (w *heapWriter) WriteHeader(s int)   { w.status = s }
func (w *heapWriter) Write(b []byte) (int, error) {
	w.written += len(b)
	if w.written >= w.next {
		w.next += 1 << 20
		if h := liveHeap(); h > w.peak {
			w.peak = h
		}
	}
	return len(b), nil
}

func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// Serving a long conversation unpaged keeps the live heap at about one chunk
// of messages, not the conversation: here 1,500 messages of 16 KB (1,000 public ones: a 16 MB
// response) grow the live heap by less than 8 MB on every surface.
func TestUnpagedListsStreamInFlatMemory(t *testing.T) {
	e := apitest.New(t)
	tk := e.Ticket(e.WS, "chat")
	seedConversation(t, e, tk, 1500, strings.Repeat("x", 16<<10))
	for _, path := range []string{"/v1/tickets/" + tk.ID.String() + "/messages", "/api/v1/tickets/" + itoa(tk.Number) + "/comments",
		"/v1/tickets/" + tk.ID.String() + "/comments"} {
		base := liveHeap()
		w := &heapWriter{h: http.Header{}, next: 1 << 20}
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+e.WS.Key)
		e.Handler.ServeHTTP(w, req)
		if w.status != 200 || w.written < 15<<20 {
			t.Fatalf("%s: status %d, %d bytes", path, w.status, w.written)
		}
		if growth := int64(w.peak) - int64(base); growth > 8<<20 {
			t.Errorf("%s: live heap grew by %d MB while streaming %d MB", path, growth>>20, w.written>>20)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
