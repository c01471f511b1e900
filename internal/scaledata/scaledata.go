// Package scaledata makes the made-up text of the scale measurements (the
// console's TestConsolePerformance and cmd/ticketd-bench/searchonly): words
// that no dictionary knows, so that a search's cost depends on how common a
// word was made, drawn with a Zipf distribution as words are in mail.
package scaledata

import (
	"math/rand/v2"
	"strings"
)

// Vocabulary makes n distinct pronounceable words, the same n words on every
// call.
func Vocabulary(n int) []string {
	cons, vow := "bcdfghklmnprstvz", "aeiou"
	rng := rand.New(rand.NewPCG(7, 7))
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		var b strings.Builder
		for range 2 + rng.IntN(3) {
			b.WriteByte(cons[rng.IntN(len(cons))])
			b.WriteByte(vow[rng.IntN(len(vow))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// Sentence is n words of words drawn by zipf, separated by spaces.
func Sentence(words []string, zipf *rand.Zipf, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[zipf.Uint64()])
	}
	return b.String()
}
