// Package triage analyses inbound messages for the domain: the customer's own
// text without quotes and signature (triage/quote), its language
// (triage/lang) and its mood (triage/sentiment).
package triage

import (
	"context"
	"strings"
	"unicode/utf8"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/triage/lang"
	"github.com/ticketd/ticketd/triage/quote"
	"github.com/ticketd/ticketd/triage/sentiment"
)

// maxAnalysed bounds the text language and sentiment read: the opening of a
// message says enough about both, and the models' cost grows with length.
const maxAnalysed = 4096

// Analyzer implements ticketd.Analyzer.
type Analyzer struct {
	Lang      *lang.Detector
	Sentiment *sentiment.Classifier
}

var _ ticketd.Analyzer = (*Analyzer)(nil)

// New returns an analyzer for the given languages (nil: the default set).
// The language models load on first use; call Preload to load them at start.
func New(languages []string) (*Analyzer, error) {
	d, err := lang.New(languages)
	if err != nil {
		return nil, err
	}
	return &Analyzer{Lang: d, Sentiment: sentiment.New()}, nil
}

// Analyze cleans the text body, or the HTML body when the email has no text,
// and reads language and sentiment from the cleaned text: quoted history
// would otherwise speak for the customer. A text in a language the sentiment
// model cannot read comes out neutral rather than guessed.
func (a *Analyzer) Analyze(_ context.Context, text, html string) ticketd.Analysis {
	var cleaned string
	if strings.TrimSpace(text) == "" && html != "" {
		cleaned = quote.CleanHTML(html)
	} else {
		cleaned = quote.Clean(text)
	}
	sample := cleaned
	if len(sample) > maxAnalysed {
		sample = sample[:maxAnalysed]
		for !utf8.ValidString(sample) {
			sample = sample[:len(sample)-1]
		}
	}
	out := ticketd.Analysis{Cleaned: cleaned}
	if code, ok := a.Lang.Detect(sample); ok {
		out.Language = code
	}
	out.Sentiment = string(a.Sentiment.Classify(sample, out.Language))
	return out
}
