package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// The scale workspace's words, for the search measurements: each message
// carries, after the fixed sentence every message shares, searchWordsPer
// words drawn from a vocabulary of searchVocab made-up words with a Zipf
// distribution (s = 1.1), as words are in mail: the commonest is in nearly
// every message, a word of rank 100 in about 1 in 30, of rank 1,000 in 1 in
// 300, of rank 10,000 in 1 in 3,000. The draw is a function of the message's
// place (ticket i, message j), so a retried transaction writes the same.
const (
	searchVocab    = 20000
	searchWordsPer = 12
)

var searchWords, searchCDF = func() ([]string, []float64) {
	cons, vow := "bcdfghklmnprstvz", "aeiou"
	seen := map[string]bool{}
	words := make([]string, 0, searchVocab)
	for n := uint64(1); len(words) < searchVocab; n++ {
		var b strings.Builder
		x := n * 0x9e3779b97f4a7c15
		for range 2 + x%3 {
			x = x*6364136223846793005 + 1442695040888963407
			b.WriteByte(cons[(x>>33)%16])
			b.WriteByte(vow[(x>>40)%5])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	cdf := make([]float64, searchVocab)
	sum := 0.0
	for r := range cdf {
		sum += math.Pow(float64(r+1), -1.1)
		cdf[r] = sum
	}
	for r := range cdf {
		cdf[r] /= sum
	}
	return words, cdf
}()

// scaleWords are the drawn words of message j of ticket i.
func scaleWords(i, j int) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%d", i, j)
	x := h.Sum64()
	var b strings.Builder
	for k := range searchWordsPer {
		x = x*6364136223846793005 + 1442695040888963407
		u := float64(x>>11) / (1 << 53)
		if k > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(searchWords[sort.SearchFloat64s(searchCDF, u)])
	}
	return b.String()
}

// searchKinds are the searches measured at scale: each request draws its
// text from the kind's list in turn, so that a word's postings are not
// always the one just read.
func searchKinds(s *scaleSeed) []struct {
	name, path string
	texts      []string
} {
	ranks := func(lo, hi, n int) []string {
		out := make([]string, n)
		for k := range out {
			out[k] = searchWords[lo+(k*7919)%(hi-lo)]
		}
		return out
	}
	pair := func(a, b []string) []string {
		out := make([]string, len(a))
		for k := range a {
			out[k] = a[k] + " " + b[(k*13)%len(b)]
		}
		return out
	}
	prefixes := ranks(100, 1000, 64)
	for k, w := range prefixes {
		prefixes[k] = w[:3] + "*"
	}
	var emails []string
	for k := range 64 {
		emails = append(emails, fmt.Sprintf("c%d", (k*37)%1000))
	}
	return []struct {
		name, path string
		texts      []string
	}{
		{"rare word (rank 5,000–20,000)", "/v1/search", ranks(5000, searchVocab, 64)},
		{"middling word (rank 100–1,000)", "/v1/search", ranks(100, 1000, 64)},
		{"very common word (rank 1–10)", "/v1/search", ranks(0, 10, 10)},
		{"a word of every message and customer", "/v1/search", []string{"customer"}},
		{"two words, common and middling", "/v1/search", pair(ranks(0, 10, 64), ranks(100, 1000, 64))},
		{"two words, middling", "/v1/search", pair(ranks(100, 1000, 64), ranks(50, 500, 64))},
		{"prefix of 3 letters", "/v1/search", prefixes},
		{"customer by email", "/v1/search", emails},
		{"customer email domain (every customer)", "/v1/search", []string{"scale"}},
		{"middling word, status=pending", "/v1/search?status=pending", ranks(100, 1000, 64)},
		{"TopTickets list, search=middling word", "/toptickets/v1/tickets?limit=50", ranks(100, 1000, 64)},
	}
}

// runSearchScale measures GET /v1/search (and TopTickets' search filter) over
// the scale workspace, one client at a time: the latency of a search itself.
func (e *env) runSearchScale(ctx context.Context, s *scaleSeed) []scaleRow {
	var rows []scaleRow
	for _, k := range searchKinds(s) {
		param := "q"
		if strings.HasPrefix(k.path, "/toptickets/") {
			param = "search"
		}
		sep := "?"
		if strings.Contains(k.path, "?") {
			sep = "&"
		}
		texts := k.texts
		t := target{method: "GET", header: http.Header{"Authorization": {"Bearer " + s.key}}, want: 200,
			urlFor: func(i int64) string {
				return e.ticketd.addr + k.path + sep + param + "=" + url.QueryEscape(texts[int(i)%len(texts)])
			}}
		drive(ctx, t, 1, e.c.warmup, e.c.maxRequests)
		r := drive(ctx, t, 1, e.c.duration, e.c.maxRequests)
		name := "search: " + k.name + ", one client"
		fmt.Printf("%-60s %8.0f req/s p50 %-8s p99 %-8s\n", name, r.rps(), r.p50, r.p99)
		row := scaleRow{name: name, res: r}
		if r.errors > 0 {
			row.errNote = fmt.Sprintf("%d errors, first: %.200s", r.errors, r.firstErr)
		}
		rows = append(rows, row)
	}
	return rows
}
