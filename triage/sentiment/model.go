package sentiment

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// modelData is the trained model, written by TestTrain (see the package
// documentation for how to retrain it).
//
//go:embed model.bin
var modelData []byte

// classes is the order of the model's outputs.
var classes = [numClasses]Sentiment{Positive, Neutral, Negative, Frustrated}

const (
	numClasses = 4
	cPos       = 0
	cNeu       = 1
	cNeg       = 2
	cFrus      = 3
)

// model is a multinomial logistic regression over the features of
// features.go, with the decision rule chosen on out-of-fold predictions of
// the training data.
type model struct {
	// weights[f*numClasses+k] is the weight of feature f for class k.
	weights []float32
	bias    [numClasses]float32
	// frustratedAt is the probability of Frustrated above which a message
	// is Frustrated, whatever the other classes score.
	frustratedAt float32
	// offsets are added to the log-probabilities of the other classes
	// before taking the largest, to balance them for macro-F1.
	offsets [numClasses]float32
	// vaderGate is the size of VADER's compound score from which VADER's
	// polarity is taken over the model's, for messages not Frustrated.
	// VADER's lexicon is sure of itself in general English (it reaches 82%
	// on its tweets); GoEmotions, on which the model learns, is Reddit,
	// where half the comments are neutral and compound scores mean less.
	vaderGate float32
}

// noGate is a vaderGate that never opens.
const noGate = 2

// probabilities returns the model's probability of each class.
func (m *model) probabilities(fs []feature) [numClasses]float64 {
	var z [numClasses]float64
	for k := range z {
		z[k] = float64(m.bias[k])
	}
	for _, f := range fs {
		w := m.weights[int(f.index)*numClasses : int(f.index)*numClasses+numClasses]
		for k := range z {
			z[k] += float64(f.value) * float64(w[k])
		}
	}
	return softmax(z)
}

// decide turns probabilities into a sentiment: Frustrated when its
// probability reaches frustratedAt, which is set low to favour recall
// (frustration drives escalation, and a person reading a merely unhappy
// message costs less than a missed angry one); otherwise the most probable
// of the other three after the offsets.
func (m *model) decide(p [numClasses]float64, r reading) Sentiment {
	if p[cFrus] >= float64(m.frustratedAt) || overrideFrustrated(r) {
		return Frustrated
	}
	switch {
	case r.compound >= float64(m.vaderGate):
		return Positive
	case r.compound <= -float64(m.vaderGate):
		return Negative
	}
	best, bestScore := cNeu, math.Inf(-1)
	for _, k := range []int{cPos, cNeu, cNeg} {
		s := math.Log(p[k]+1e-12) + float64(m.offsets[k])
		if s > bestScore {
			best, bestScore = k, s
		}
	}
	return classes[best]
}

func softmax(z [numClasses]float64) [numClasses]float64 {
	mx := z[0]
	for _, v := range z[1:] {
		mx = max(mx, v)
	}
	var p [numClasses]float64
	sum := 0.0
	for k, v := range z {
		p[k] = math.Exp(v - mx)
		sum += p[k]
	}
	for k := range p {
		p[k] /= sum
	}
	return p
}

// The model file is little-endian: the magic, the number of buckets, dense
// features and classes (uint32 each), the bias, frustratedAt and offsets
// (float32), the scale of the bucket weights (float32), the bucket weights as
// int16 multiples of that scale, and the dense weights as float32. Bucket
// weights are quantised to 16 bits to halve the file; the loss of precision
// (under 1e-4 of the largest weight) changes no decision measured.
const modelMagic = "TDSENT2\n"

var errModel = errors.New("sentiment model")

// decodeModel reads a model file.
func decodeModel(data []byte) (*model, error) {
	if len(data) < len(modelMagic) || string(data[:len(modelMagic)]) != modelMagic {
		return nil, fmt.Errorf("%w: bad magic", errModel)
	}
	r := data[len(modelMagic):]
	u32 := func() uint32 {
		if len(r) < 4 {
			r = nil
			return 0
		}
		v := binary.LittleEndian.Uint32(r)
		r = r[4:]
		return v
	}
	f32 := func() float32 { return math.Float32frombits(u32()) }
	nb, nd, nc := u32(), u32(), u32()
	if nb != numBuckets || nd != numDense || nc != numClasses {
		return nil, fmt.Errorf("%w: shape %d+%d×%d, code expects %d+%d×%d", errModel, nb, nd, nc, numBuckets, numDense, numClasses)
	}
	m := &model{weights: make([]float32, numFeatures*numClasses)}
	for k := range m.bias {
		m.bias[k] = f32()
	}
	m.frustratedAt = f32()
	for k := range m.offsets {
		m.offsets[k] = f32()
	}
	m.vaderGate = f32()
	scale := f32()
	want := numBuckets*numClasses*2 + numDense*numClasses*4
	if len(r) != want {
		return nil, fmt.Errorf("%w: %d bytes of weights, want %d", errModel, len(r), want)
	}
	for i := range numBuckets * numClasses {
		m.weights[i] = float32(int16(binary.LittleEndian.Uint16(r[2*i:]))) * scale
	}
	r = r[numBuckets*numClasses*2:]
	for i := range numDense * numClasses {
		m.weights[numBuckets*numClasses+i] = f32()
	}
	return m, nil
}

// encode writes m in the format decodeModel reads.
func (m *model) encode() []byte {
	maxAbs := float32(0)
	for _, w := range m.weights[:numBuckets*numClasses] {
		maxAbs = max(maxAbs, float32(math.Abs(float64(w))))
	}
	scale := maxAbs / math.MaxInt16
	if scale == 0 {
		scale = 1
	}
	out := []byte(modelMagic)
	u32 := func(v uint32) { out = binary.LittleEndian.AppendUint32(out, v) }
	f32 := func(v float32) { u32(math.Float32bits(v)) }
	u32(numBuckets)
	u32(numDense)
	u32(numClasses)
	for _, b := range m.bias {
		f32(b)
	}
	f32(m.frustratedAt)
	for _, o := range m.offsets {
		f32(o)
	}
	f32(m.vaderGate)
	f32(scale)
	for _, w := range m.weights[:numBuckets*numClasses] {
		out = binary.LittleEndian.AppendUint16(out, uint16(int16(math.Round(float64(w/scale)))))
	}
	for _, w := range m.weights[numBuckets*numClasses:] {
		f32(w)
	}
	return out
}

// overrideFrustrated keeps the rules that recognise frustration in support
// email, which the training data (Reddit comments and reviews) barely
// contains, so that "This is the THIRD time I'm asking!!!" does not depend on
// what GoEmotions taught the model: two cues make a message Frustrated
// whatever the model says, and so does repeated contact or waiting where
// VADER reads the tone as negative. In cross-validation on GoEmotions dev the
// first rule cost nothing and the second 0.005 of Frustrated F1; counting
// anger words with a negative tone too, as the rules before the model did,
// cost 0.013.
func overrideFrustrated(r reading) bool {
	return r.cues.score() >= frustratedAlone ||
		r.compound < negativeBelow && (r.cues.repeated || r.cues.waiting)
}
