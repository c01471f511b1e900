// Package sentiment tells how the writer of an inbound message feels, so that
// triage can put frustrated customers in front of a person sooner.
//
// The classifier runs offline inside the binary. A multinomial logistic
// regression (model.go, weights embedded from model.bin, 512 KB) reads hashed
// word unigrams, bigrams and 4-letter stems, VADER's scores (through govader)
// and the frustration cues: repeated contact ("this is the third time"),
// waiting ("no response for two weeks"), anger words, "!!!" and capitals.
// Because the training data holds almost no support email, two rules stay
// on top of the model (overrideFrustrated), and words of courtesy are hidden
// from both VADER and the model, so "Please reset my password" stays
// Neutral. Only English is read.
//
// # Training
//
// The model is trained on the dev split of GoEmotions (anger and annoyance
// standing in for frustration) and on VADER's Amazon, movie and New York
// Times snippets, whose "negative" may be Negative or Frustrated. The
// GoEmotions test split and VADER's tweets are held out for evaluation
// (eval_test.go). To retrain, with the shared corpora in place:
//
//	go test ./triage/sentiment -run TestTrain -train -v
//
// which chooses the VADER snippets' weight, the L2 penalty and the decision
// rule by 5-fold cross-validation (folds by hash of id), trains on everything
// and rewrites model.bin; then update the floors in eval_test.go. Training is
// deterministic (fixed seed) and takes about two and a half minutes. The
// hyperparameters are ranked by the priorities: cross-validated
// GoEmotions 3-class macro-F1 plus Frustrated F1, plus half the macro-F1 on
// VADER's snippets. The decision rule for Frustrated is a threshold on its
// probability, chosen to maximise its F1 among thresholds whose recall is at
// least their precision in every fold (pooled alone, the rule left held-out
// recall below precision), since frustration drives escalation.
//
// The model is a trade-off, not a clear gain over the VADER rules it
// replaced. On the held-out data it raises GoEmotions' 3-class macro-F1 from
// 0.591 to 0.645 (target 0.62) and Frustrated F1 from 0.41 to 0.44 (P 0.44,
// R 0.44; target 0.45, not met), but lowers VADER's tweets from 82.1% to
// 72.2% (target 82%, not met), the corpus on which VADER's lexicon was
// validated, and UCI review sentences from 67.5% to 66.9%. Two ways to keep
// VADER's tweets were tried in cross-validation and rejected: taking VADER's
// polarity when its compound score is large (vaderGate, from 0.3 to 0.9)
// lowered GoEmotions' macro-F1 at every gate for the chosen weight and
// penalty (by 0.001 to 0.026) and moved VADER's non-tweet snippets by at most
// 0.001, so the gate stays shut (it opened only for weaker settings); and
// VADER's own 3-class answer as a feature adds nothing a linear model does
// not already have from the compound bins (features.go), whose edges at
// ±0.05 are VADER's. No setting tried reached Frustrated F1 0.45 in
// cross-validation (best 0.427).
package sentiment

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jonreiter/govader"
)

// Sentiment is the feeling a message expresses, as stored in a ticket's
// aiSentiment field.
type Sentiment string

// The four sentiments. Frustrated is a kind of negative that asks for
// escalation: the customer is angry at us or tired of waiting, rather than
// merely reporting something bad.
const (
	Positive   Sentiment = "positive"
	Neutral    Sentiment = "neutral"
	Negative   Sentiment = "negative"
	Frustrated Sentiment = "frustrated"
)

// Thresholds on VADER's compound score (-1..1), VADER's authors' own ±0.05.
// Higher positive thresholds were tried to keep courtesy neutral, but they
// cost accuracy on VADER's tweets (82.1% → 81.2% at 0.30); removing the
// courtesy words from the lexicon (politeWords, gratitudeWords) keeps
// requests neutral without that cost.
const (
	positiveAbove = 0.05
	negativeBelow = -0.05
)

// politeWords are VADER lexicon entries that in a support request are
// courtesy or the vocabulary of the trade rather than feeling: "Dear support,
// please help" is a neutral request, not a happy one. They are removed from
// the lexicon.
var politeWords = []string{
	"please", "help", "kindly", "dear", "support", "care", "hope", "ok",
	"okay", "yes", "want", "urgent", "welcome",
}

// gratitudeWords are removed only when the message also asks for something,
// because "Thanks, can you help me with X?" is a request while "Thanks so
// much!" on its own is praise.
var gratitudeWords = []string{
	"thanks", "thank", "thx", "appreciate", "appreciated", "grateful",
}

// Classifier labels messages with a Sentiment. It is safe for concurrent use:
// after New it only reads its lexicons.
type Classifier struct {
	plain   *govader.SentimentIntensityAnalyzer // politeness removed
	request *govader.SentimentIntensityAnalyzer // politeness and gratitude removed
	model   *model
}

// New builds a classifier. It parses VADER's lexicon twice (about 10 ms and
// 3 MB), so build one per server and share it.
func New() *Classifier {
	m, err := decodeModel(modelData)
	if err != nil {
		// The model is embedded at build time, so a bad one is a bug in
		// this package, not a condition a caller could handle.
		panic(err)
	}
	return newClassifier(m)
}

// newClassifier builds a classifier around m; the trainer passes nil, as it
// needs only the features.
func newClassifier(m *model) *Classifier {
	c := &Classifier{
		model:   m,
		plain:   govader.NewSentimentIntensityAnalyzer(),
		request: govader.NewSentimentIntensityAnalyzer(),
	}
	for _, w := range politeWords {
		delete(c.plain.Lexicon, w)
		delete(c.request.Lexicon, w)
	}
	for _, w := range gratitudeWords {
		delete(c.request.Lexicon, w)
	}
	return c
}

// Classify returns the sentiment of text written in language lang (ISO
// 639-1; "" = unknown). Only English is read, since VADER's lexicon and the
// frustration rules are English; text in any other language is Neutral
// rather than guessed. Text of unknown language (too short for the language
// detector) is read only when it is written in ASCII letters, so that short
// replies such as "Thanks!" or "STILL BROKEN!!!" are not lost.
func (c *Classifier) Classify(text, lang string) Sentiment {
	switch lang {
	case "en":
	case "":
		if !asciiLetters(text) {
			return Neutral
		}
	default:
		return Neutral
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return Neutral
	}

	r := c.read(text)
	return c.model.decide(c.model.probabilities(r.features), r)
}

// reading is what the classifier reads in a message before deciding.
type reading struct {
	features []feature
	compound float64 // VADER's compound score
	cues     cues
}

// read extracts the features of text, which must be trimmed and read as
// English.
func (c *Classifier) read(text string) reading {
	request := isRequest(text)
	analyzer := c.plain
	if request {
		analyzer = c.request
	}
	vs := analyzer.PolarityScores(text)
	cs := findCues(text)
	return reading{features: features(text, vs, cs, request), compound: vs.Compound, cues: cs}
}

// frustratedAlone is the cue score at which a message is Frustrated
// whatever the model says (see overrideFrustrated): two cues, one of them
// strong, as in "This is the THIRD time I'm asking!!!".
const frustratedAlone = 3.0

var (
	// Repeated contact: the customer has asked before and is asking again.
	repeatedRe = regexp.MustCompile(`(?i)\b(` +
		`(second|third|fourth|fifth|\d+(st|nd|rd|th)|2nd|3rd|4th|5th|umpteenth|nth) time|` +
		`(two|three|four|five|several|many|multiple|\d+) times|how many times|` +
		`(once|yet) again|again and again|over and over|keep (getting|having|asking|telling|saying|receiving)|` +
		`(already|repeatedly|previously) (told|asked|sent|wrote|written|explained|called|contacted|reported|emailed|mentioned)|` +
		`(i('ve| have)|we('ve| have)) (asked|written|called|emailed|contacted|reported)|` +
		`still (not|no|doesn'?t|don'?t|isn'?t|can'?t|cannot|won'?t|haven'?t|hasn'?t|broken|waiting|nothing|having|getting|the same)|` +
		`not again|(broken|down|failing|failed|crashed|crashing|wrong|stuck|missing|not working|happening|happened|same (problem|issue|error))( \w+)? again|` +
		`(reminder|follow(ing)?[- ]up)\b)`)
	// Waiting time or silence from our side.
	waitingRe = regexp.MustCompile(`(?i)\b(` +
		`for (over |more than |almost |nearly )?(a|one|two|three|four|five|six|several|many|\d+) (days?|weeks?|months?|hours?)|` +
		`no (response|reply|answer|one (has )?(responded|replied|answered|got back))|` +
		`(nobody|no one|no-one) (has )?(responded|replied|answered|got back|helped|bothered)|` +
		`(haven'?t|hasn'?t|have not|has not|never) (heard|received|gotten|got)( anything| a (reply|response))?|` +
		`(still|been) waiting|waiting (since|for (days|weeks|months|ages))|for ages|` +
		`days later|weeks later|months later|ignored|ignoring)\b`)
	// Words of anger or exasperation. VADER scores many of them negative but
	// no worse than sad ones, so they are counted again here.
	angerRe = regexp.MustCompile(`(?i)\b(` +
		`ridiculous|unacceptable|useless|pathetic|absurd|outrageous|disgrace(ful)?|incompetent|incompetence|` +
		`joke|scam|rip-?off|stupid|idiot(s|ic)?|dumb|moron(s|ic)?|hate|hated|worst|` +
		`annoy(ed|ing|s)?|irritat(ed|ing)|frustrat(ed|ing|ion)|furious|angry|mad at|pissed|` +
		`sick (and tired )?of|fed up|tired of|enough is enough|` +
		`wtf|wth|damn(it)?|dammit|fuck\w*|f\*+k\w*|shit\w*|crap(py)?|bullshit|bs|` +
		`what the (hell|heck|fuck)|are you (kidding|serious)|seriously\?|` +
		`waste of (time|money)|wasting (my|our) time|terrible|awful|horrible|` +
		`shut up|stfu|screw (you|this|it)|sucks?|wrong with you)\b`)
	placeholderRe = regexp.MustCompile(`\[[A-Z_]+\]`)
	exclaimRe     = regexp.MustCompile(`!{2,}|\?!|!\?|\?{3,}`)
	requestRe     = regexp.MustCompile(`(?i)(\?|\b(please|pls|plz|kindly|could you|can you|would you|will you|can i|could i|how do i|how can i|i need|we need|i would like|i'd like|let me know)\b)`)
)

// cues are the signs of frustration found in a message.
type cues struct {
	repeated, waiting, anger, exclaim, shouting bool
}

func findCues(text string) cues {
	return cues{
		repeated: repeatedRe.MatchString(text),
		waiting:  waitingRe.MatchString(text),
		anger:    angerRe.MatchString(text),
		exclaim:  exclaimRe.MatchString(text),
		shouting: shouting(text),
	}
}

// score weighs the cues. Each kind of cue counts once, so a long rant does
// not outscore a short, pointed one. Punctuation and capitals weigh half as
// much as words, because on their own they more often mean excitement than
// anger (on GoEmotions dev, 7 of 111 messages with "!!" were angry or
// annoyed).
func (c cues) score() float64 {
	score := 0.0
	for _, strong := range []bool{c.repeated, c.waiting, c.anger} {
		if strong {
			score += 2
		}
	}
	for _, weak := range []bool{c.exclaim, c.shouting} {
		if weak {
			score++
		}
	}
	return score
}

// shouting reports whether text has at least two all-capital words of three
// or more letters, a sign of raised voice. Acronyms like "PDF" usually come
// alone, and a whole message in capitals still counts. Bracketed
// placeholders such as "[NAME]", left by anonymisation and templates, are
// not shouting.
func shouting(text string) bool {
	n := 0
	text = placeholderRe.ReplaceAllString(text, " ")
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if utf8.RuneCountInString(w) < 3 {
			continue
		}
		if strings.ToUpper(w) == w && strings.ToLower(w) != w {
			n++
		}
	}
	return n >= 2
}

// isRequest reports whether text asks for something, in which case thanks
// are courtesy rather than praise.
func isRequest(text string) bool {
	return requestRe.MatchString(text)
}

// asciiLetters reports whether every letter of text is ASCII, the cheap test
// for "could be English" when the language detector gave no answer.
func asciiLetters(text string) bool {
	for _, r := range text {
		if r > unicode.MaxASCII && unicode.IsLetter(r) {
			return false
		}
	}
	return true
}
