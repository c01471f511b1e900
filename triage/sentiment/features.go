package sentiment

import (
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/jonreiter/govader"
)

// The model reads two kinds of features: hashed word unigrams and bigrams,
// which carry what VADER's lexicon does not know ("annoying af", "why would
// you"), and a few dense features, which carry what VADER and the
// frustration cues already know. Training and Classify build them with the
// same code, so the two cannot drift apart.

// numBuckets is the number of hash buckets for unigrams, bigrams and stems;
// 2^16 keeps model.bin at 512 KB. Other sizes were not tried.
const numBuckets = 1 << 16

// Dense features, after the hash buckets in the weight matrix.
const (
	fCompound = iota // VADER compound score, -1..1
	fPos             // VADER's share of positive, negative and neutral words
	fNeg
	fNeu
	fCompoundBin // first of numCompoundBins one-hot bins of the compound score
)

// compoundBins are the upper edges of the bins of VADER's compound score. The
// bins let a linear model trust VADER more where VADER is sure: a compound of
// 0.9 means more than three times a compound of 0.3. Their edges at ±0.05
// are VADER's own, so VADER's 3-class answer is a sum of bins and needs no
// feature of its own.
var compoundBins = []float64{-0.75, -0.5, -0.25, -0.05, 0.05, 0.25, 0.5, 0.75, math.Inf(1)}

const numCompoundBins = 9

const (
	fRepeated = fCompoundBin + numCompoundBins + iota // repeatedRe matched
	fWaiting                                          // waitingRe matched
	fAnger                                            // angerRe matched
	fExclaim                                          // exclaimRe matched
	fShouting                                         // shouting(text)
	fRequest                                          // isRequest(text)
	fCueScore                                         // frustration(text) / 4
	fLength                                           // log(1 + words) / 5
	numDense
)

// numFeatures is the width of a feature vector: buckets, then dense features.
const numFeatures = numBuckets + numDense

// feature is one non-zero entry of a sparse feature vector.
type feature struct {
	index int32
	value float32
}

// features builds the feature vector of text (already trimmed and known to
// be read as English) with its VADER scores.
func features(text string, vs govader.Sentiment, cs cues, request bool) []feature {
	words := courtesyRemoved(tokens(text), request)
	fs := make([]feature, 0, 2*len(words)+numDense)

	// Each unigram and bigram counts once per occurrence, and the hashed
	// part is scaled to unit length so that a long email does not outvote
	// VADER's scores by sheer number of words.
	n := 0
	prev := "<s>"
	for _, w := range words {
		fs = append(fs, feature{index: bucket(w, ""), value: 1})
		fs = append(fs, feature{index: bucket(prev, w), value: 1})
		prev = w
		n += 2
		if len(w) > stemLength {
			fs = append(fs, feature{index: bucket("~", w[:stemLength]), value: 1})
			n++
		}
	}
	fs = append(fs, feature{index: bucket(prev, "</s>"), value: 1})
	n++
	scale := float32(1 / math.Sqrt(float64(n)))
	for i := range fs {
		fs[i].value = scale
	}

	dense := func(i int, v float64) {
		if v != 0 {
			fs = append(fs, feature{index: int32(numBuckets + i), value: float32(v)})
		}
	}
	dense(fCompound, vs.Compound)
	dense(fPos, vs.Positive)
	dense(fNeg, vs.Negative)
	dense(fNeu, vs.Neutral)
	for i, edge := range compoundBins {
		if vs.Compound < edge {
			dense(fCompoundBin+i, 1)
			break
		}
	}
	flag := func(i int, ok bool) {
		if ok {
			dense(i, 1)
		}
	}
	flag(fRepeated, cs.repeated)
	flag(fWaiting, cs.waiting)
	flag(fAnger, cs.anger)
	flag(fExclaim, cs.exclaim)
	flag(fShouting, cs.shouting)
	flag(fRequest, request)
	dense(fCueScore, cs.score()/4)
	dense(fLength, math.Log1p(float64(len(words)))/5)
	return fs
}

// stemLength is the length of the word prefixes added as crude stems, so
// that "annoyed", "annoying" and "annoyance" share a feature. Prefixes of 4
// did a little better than 5 or 6 or none in cross-validation.
const stemLength = 4

// courtesyRemoved drops the words of courtesy from words, for the same
// reason they are removed from VADER's lexicon (see politeWords): in a
// support request they are manners, not feeling, and GoEmotions, where
// "thanks" is gratitude and "hope" optimism, would teach the model
// otherwise. Gratitude is dropped only from requests.
func courtesyRemoved(words []string, request bool) []string {
	out := words[:0]
	for _, w := range words {
		if slices.Contains(politeWords, w) || request && slices.Contains(gratitudeWords, w) {
			continue
		}
		out = append(out, w)
	}
	return out
}

// tokens splits text into lower-case words (letters, digits and inner
// apostrophes) and runs of "!" or "?", which are kept as tokens because they
// carry tone. Typographic apostrophes become ASCII ones, so "don’t" and
// "don't" are the same word.
func tokens(text string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, strings.Trim(b.String(), "'"))
			b.Reset()
		}
	}
	runes := []rune(text)
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		case (r == '\'' || r == '’') && b.Len() > 0:
			b.WriteByte('\'')
		case r == '!' || r == '?':
			flush()
			j := i
			for j+1 < len(runes) && (runes[j+1] == '!' || runes[j+1] == '?') {
				j++
			}
			if j > i {
				out = append(out, "!!")
			} else {
				out = append(out, string(r))
			}
			i = j
		default:
			flush()
		}
	}
	flush()
	// Trimming apostrophes can leave an empty word ("'").
	words := out[:0]
	for _, w := range out {
		if w != "" {
			words = append(words, w)
		}
	}
	return words
}

// bucket hashes a unigram (b == "") or a bigram into a bucket with 32-bit
// FNV-1a, written out so that hashing allocates nothing.
func bucket(a, b string) int32 {
	const (
		offset = 2166136261
		prime  = 16777619
	)
	h := uint32(offset)
	for i := 0; i < len(a); i++ {
		h ^= uint32(a[i])
		h *= prime
	}
	if b != "" {
		h ^= ' '
		h *= prime
		for i := 0; i < len(b); i++ {
			h ^= uint32(b[i])
			h *= prime
		}
	}
	return int32(h % numBuckets)
}
