// Package lang detects the language an inbound message is written in, so
// that triage can route it to an agent who reads that language and so that
// language-specific analysis (sentiment) only runs on text it understands.
//
// It wraps lingua-go in its low-accuracy mode. The choice was made by
// measurement on the shared evaluation corpus (see eval_test.go): the
// high-accuracy mode needs about 1.5 GB of resident memory for 36 languages,
// which a self-hosted helpdesk cannot spend, while the low-accuracy mode only
// loads trigram models (about 30 MB of live heap and 75 MB of RSS for the
// default set) and still reads full
// sentences almost perfectly. What it loses is word pairs and single words,
// which is why Detect abstains on texts that are too short to judge rather
// than guess.
package lang

import (
	"fmt"
	"strings"
	"sync"
	"unicode"

	"github.com/pemistahl/lingua-go"
)

// DefaultCodes is the language set used when New is given nil: the
// languages a support team in Europe, the Americas, the Middle East and Asia
// commonly receives mail in. Every language added costs about 2–3 MB of
// memory and makes confusions between close languages (Bokmål and Danish,
// Croatian and Serbian in Latin script) a little more likely, so the set is
// kept to languages worth routing on.
var DefaultCodes = []string{
	"ar", "bg", "ca", "cs", "da", "de", "el", "en", "es", "fa", "fi", "fr",
	"he", "hi", "hr", "hu", "id", "it", "ja", "ko", "lt", "nb", "nl", "pl",
	"pt", "ro", "ru", "sk", "sl", "sr", "sv", "th", "tr", "uk", "vi", "zh",
}

// Thresholds below which Detect abstains. They were set on the evaluation
// corpus so that sentences and short texts (3–10 words) are almost always
// answered while bare word pairs, which lingua's trigram models often get
// wrong, are mostly left unanswered.
const (
	// minLetters is the fewest letters a text needs before it is judged.
	// Letters of scripts that write a word in one or two characters (Han,
	// kana, Hangul) count as several, see letterWeight.
	minLetters = 5
	// minConfidence is the lowest lingua confidence (the softmax share of
	// the winning language, 0..1) accepted as an answer.
	minConfidence = 0.3
)

// Detector reports the language of a text. It is safe for concurrent use.
//
// New is cheap: lingua's language models are loaded on the first call to
// Detect (or to Preload), all at once and exactly once, which took about
// 0.25 s on two cores and added about 30 MB of live heap (75 MB of RSS) for
// the default set. lingua
// keeps its models in process-wide maps, so several Detectors over the same
// languages share that memory.
type Detector struct {
	codes         []string
	languages     []lingua.Language
	minLetters    int
	minConfidence float64

	once     sync.Once
	detector lingua.LanguageDetector
}

// New builds a detector for the given ISO 639-1 codes (nil = DefaultCodes).
// It returns an error for an unknown code or for fewer than two languages,
// since a detector that can only answer one language has nothing to decide.
func New(codes []string) (*Detector, error) {
	if codes == nil {
		codes = DefaultCodes
	}
	seen := make(map[lingua.Language]bool)
	d := &Detector{minLetters: minLetters, minConfidence: minConfidence}
	for _, c := range codes {
		iso := lingua.GetIsoCode639_1FromValue(strings.TrimSpace(c))
		if iso == lingua.UnknownIsoCode639_1 {
			return nil, fmt.Errorf("lang: unknown ISO 639-1 code %q", c)
		}
		l := lingua.GetLanguageFromIsoCode639_1(iso)
		if l == lingua.Unknown {
			return nil, fmt.Errorf("lang: language %q is not supported", c)
		}
		if seen[l] {
			continue
		}
		seen[l] = true
		d.languages = append(d.languages, l)
		d.codes = append(d.codes, strings.ToLower(iso.String()))
	}
	if len(d.languages) < 2 {
		return nil, fmt.Errorf("lang: need at least two languages, got %d", len(d.languages))
	}
	return d, nil
}

// Codes returns the ISO 639-1 codes the detector chooses among, so callers
// can show or log what a "no language" answer was measured against.
func (d *Detector) Codes() []string {
	return append([]string(nil), d.codes...)
}

// Preload loads the language models now instead of on the first Detect, so
// a server can pay the load time at start-up rather than on the first
// message. Calling it more than once is harmless.
func (d *Detector) Preload() {
	d.once.Do(d.load)
}

func (d *Detector) load() {
	d.detector = lingua.NewLanguageDetectorBuilder().
		FromLanguages(d.languages...).
		WithLowAccuracyMode().
		WithPreloadedLanguageModels().
		Build()
}

// Detect returns the ISO 639-1 code of text, or ok=false when the text is
// too short or too ambiguous to judge. A "no language" answer is better than
// a guess here: a wrong language routes the ticket to the wrong queue and
// silences sentiment analysis, while no language leaves both decisions to
// their defaults.
func (d *Detector) Detect(text string) (code string, ok bool) {
	if letterCount(text) < d.minLetters {
		return "", false
	}
	d.once.Do(d.load)
	values := d.detector.ComputeLanguageConfidenceValues(text)
	if len(values) < 2 || values[0].Value() == 0 || values[0].Value() == values[1].Value() {
		return "", false
	}
	if values[0].Value() < d.minConfidence {
		return "", false
	}
	return strings.ToLower(values[0].Language().IsoCode639_1().String()), true
}

// letterCount counts the letters of text, weighting letters of scripts in
// which one character is a syllable or a word, so that "你好吗" is not
// treated as shorter than "hi".
func letterCount(text string) int {
	n := 0
	for _, r := range text {
		if !unicode.IsLetter(r) {
			continue
		}
		n += letterWeight(r)
	}
	return n
}

func letterWeight(r rune) int {
	switch {
	case unicode.Is(unicode.Han, r):
		return 3
	case unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r), unicode.Is(unicode.Hangul, r):
		return 2
	default:
		return 1
	}
}
