package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// writers post comments to one ticket through a running server from
// several goroutines, recording the id of every comment answered 201: the
// writes a crash or a backup must not lose.
type writers struct {
	mu     sync.Mutex
	acked  []string
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// startWriters starts n writers posting to base (a comments path) with key.
func startWriters(s *proc, key, base string, n int) *writers {
	ctx, cancel := context.WithCancel(context.Background())
	w := &writers{cancel: cancel}
	client := &http.Client{Timeout: 10 * time.Second}
	for g := 0; g < n; g++ {
		w.wg.Add(1)
		go func(g int) {
			defer w.wg.Done()
			for i := 0; ctx.Err() == nil && i < 10000; i++ {
				body := fmt.Sprintf(`{"content": "writer %d comment %d"}`, g, i)
				req, _ := http.NewRequest("POST", "http://"+s.addr+base, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+key)
				resp, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				var c map[string]any
				err = json.NewDecoder(resp.Body).Decode(&c)
				resp.Body.Close()
				if resp.StatusCode == 201 && err == nil {
					w.mu.Lock()
					w.acked = append(w.acked, c["id"].(string))
					w.mu.Unlock()
				}
			}
		}(g)
	}
	return w
}

// Acked returns the ids acknowledged so far.
func (w *writers) Acked() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.acked...)
}

// WaitFor waits until at least n writes were acknowledged, or 10 s.
func (w *writers) WaitFor(n int) {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && len(w.Acked()) < n; {
		time.Sleep(10 * time.Millisecond)
	}
}

// Stop stops the writers and waits for them.
func (w *writers) Stop() {
	w.cancel()
	w.wg.Wait()
}
