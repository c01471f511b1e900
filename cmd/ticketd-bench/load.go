package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// target is one route to drive: a request template and the status a
// success answers with.
type target struct {
	method, url string
	// urlFor, when set, gives the i-th request's URL instead of url.
	urlFor func(i int64) string
	header http.Header
	// body returns the i-th request's body (nil for none).
	body func(i int64) []byte
	want int
}

// result is what one run of a target measured.
type result struct {
	requests int
	errors   int
	elapsed  time.Duration
	p50, p99 time.Duration
	// firstErr is the first unexpected answer, for the report.
	firstErr string
	// stalled counts the requests still unanswered when the run ended
	// after waiting longer than stallAfter; they are in neither requests
	// nor errors, so without this a route whose requests hang looks merely
	// slow (inbound email at 16 req/s with a p99 of 60 ms was that).
	stalled int
}

// stallAfter is how long a request cut off by the end of a run must have
// waited to count as stalled rather than merely in flight.
const stallAfter = time.Second

func (r result) rps() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.requests) / r.elapsed.Seconds()
}

// drive sends t's requests from conns concurrent keep-alive connections for
// d, or until maxRequests were sent, whichever comes first, and measures
// each request's latency. Only loopback addresses are ever driven (the
// harness builds every URL itself).
func drive(ctx context.Context, t target, conns int, d time.Duration, maxRequests int64) result {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
		DisableCompression: true, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var next atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	res := result{}
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 1024)
			errs, stalled := 0, 0
			first := ""
			for ctx.Err() == nil {
				i := next.Add(1)
				if i > maxRequests {
					break
				}
				var body io.Reader
				if t.body != nil {
					body = bytes.NewReader(t.body(i))
				}
				u := t.url
				if t.urlFor != nil {
					u = t.urlFor(i)
				}
				req, _ := http.NewRequestWithContext(ctx, t.method, u, body)
				for k, v := range t.header {
					req.Header[k] = v
				}
				began := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() != nil {
						// The run ended mid-request: not an error of the
						// server, unless it had kept the request waiting.
						if time.Since(began) > stallAfter {
							stalled++
						}
						break
					}
					errs++
					if first == "" {
						first = err.Error()
					}
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if ctx.Err() != nil {
					// The run ended while this request was in flight: the
					// server saw its client go away (and may have answered
					// 500 for the cancelled query); not the server's error.
					break
				}
				if resp.StatusCode != t.want {
					errs++
					if first == "" {
						first = fmt.Sprintf("%d %.200s", resp.StatusCode, b)
					}
					continue
				}
				local = append(local, time.Since(began))
			}
			mu.Lock()
			lat = append(lat, local...)
			res.errors += errs
			res.stalled += stalled
			if res.firstErr == "" {
				res.firstErr = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.requests = len(lat)
	if len(lat) > 0 {
		slices.Sort(lat)
		res.p50 = lat[len(lat)/2]
		res.p99 = lat[min(len(lat)-1, len(lat)*99/100)]
	}
	return res
}
