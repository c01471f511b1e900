package sentiment

import (
	"flag"
	"fmt"
	"github.com/ticketd/ticketd/triage/internal/corpora"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var (
	trainFlag    = flag.Bool("train", false, "retrain the model from the shared corpora and write model.bin")
	vaderFlag    = flag.String("vaderweights", "0.1,0.3,1", "VADER snippet weights to try")
	lambdaFlag   = flag.String("lambdas", "1e-3,3e-3,1e-2,3e-2", "L2 penalties to try")
	epochsFlag   = flag.Int("epochs", trainEpochs, "experiment: epochs")
	writeFlag    = flag.Bool("write", true, "write model.bin")
	foldLeanFlag = flag.Bool("foldlean", true, "experiment: require recall >= precision in every fold")
	gatesFlag    = flag.Bool("gates", false, "experiment: log the cross-validated figures at every VADER gate")
)

// example is one training message: its features, the classes its label
// allows (one class, or Negative and Frustrated for a VADER snippet rated
// negative, which says nothing about frustration) and its weight in the loss.
type example struct {
	r      reading
	allow  [numClasses]bool
	weight float64
	fold   int  // cross-validation fold, 0..numFolds-1
	ge     bool // from GoEmotions (else a VADER snippet)
	gold   int  // the class (Negative for a negative VADER snippet)
}

// trainParams are the hyperparameters chosen by cross-validation.
type trainParams struct {
	lambda      float64 // L2 penalty per update
	vaderWeight float64 // weight of a VADER snippet relative to a GoEmotions comment
}

const (
	numFolds  = 5
	trainRate = 0.2
	trainSeed = 20240611
)

// TestTrain retrains the model (go test -run TestTrain -train): it reads the
// GoEmotions dev split and VADER's non-tweet snippets, chooses the
// hyperparameters and the decision rule by 5-fold cross-validation on
// GoEmotions dev, trains on all of it and writes model.bin. The GoEmotions
// test split and VADER's tweets are never read here.
func TestTrain(t *testing.T) {
	if !*trainFlag {
		t.Skip("retrain with: go test -run TestTrain -train")
	}
	trainEpochs = *epochsFlag
	dir := filepath.Join(corpora.Dir(t), "sentiment")
	c := newClassifier(nil)
	var data []example
	for _, r := range corpora.ReadTSV(t, filepath.Join(dir, "eval_goemotions_4class.tsv")) {
		if r["split"] != "dev" {
			continue
		}
		k := classIndex(Sentiment(r["label4"]))
		ex := example{r: c.read(strings.TrimSpace(r["text"])), weight: 1, fold: foldOf(r["id"]), ge: true, gold: k}
		ex.allow[k] = true
		data = append(data, ex)
	}
	nDev := len(data)
	for _, r := range corpora.ReadTSV(t, filepath.Join(dir, "eval_vader_groundtruth.tsv")) {
		if r["source"] == "tweets" {
			continue
		}
		k := classIndex(Sentiment(r["label3_band0.5"]))
		ex := example{r: c.read(strings.TrimSpace(r["text"])), weight: 1, fold: foldOf(r["source"] + r["id"]), gold: k}
		ex.allow[k] = true
		if k == cNeg {
			ex.allow[cFrus] = true
		}
		data = append(data, ex)
	}
	t.Logf("training data: %d GoEmotions dev comments, %d VADER non-tweet snippets", nDev, len(data)-nDev)

	best, bestScore := trainParams{}, math.Inf(-1)
	var bestModel *model
	for _, vw := range floats(*vaderFlag) {
		for _, lambda := range floats(*lambdaFlag) {
			p := trainParams{lambda: lambda, vaderWeight: vw}
			oof := crossValidate(data, p)
			m := &model{}
			r := chooseDecision(m, data, oof)
			score := r.score()
			t.Logf("vaderWeight %.1f lambda %.0e: OOF GoEmotions 3-class macro-F1 %.3f, frustrated P/R/F1 %.2f/%.2f/%.3f at p ≥ %.2f; VADER non-tweets macro-F1 %.3f; gate %.2f, offsets %v",
				vw, lambda, r.geMacro3, r.frusP, r.frusR, r.frusF1, m.frustratedAt, r.vaderMacro3, m.vaderGate, m.offsets)
			if score > bestScore {
				best, bestScore, bestModel = p, score, m
			}
		}
	}
	t.Logf("chosen: %+v", best)

	final := train(data, best, func(ex *example) bool { return true })
	final.frustratedAt = bestModel.frustratedAt
	final.offsets = bestModel.offsets
	final.vaderGate = bestModel.vaderGate
	if !*writeFlag {
		return
	}
	out := final.encode()
	if err := os.WriteFile("model.bin", out, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote model.bin, %d bytes", len(out))
}

var trainEpochs = 12

func floats(s string) []float64 {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			panic(err)
		}
		out = append(out, v)
	}
	return out
}

func classIndex(s Sentiment) int {
	for k, c := range classes {
		if c == s {
			return k
		}
	}
	panic(fmt.Sprintf("unknown class %q", s))
}

// foldOf assigns a GoEmotions comment to a cross-validation fold by the hash
// of its id, so the folds do not depend on file order.
func foldOf(id string) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % numFolds)
}

// crossValidate returns out-of-fold probabilities for every example.
func crossValidate(data []example, p trainParams) [][numClasses]float64 {
	oof := make([][numClasses]float64, len(data))
	for fold := range numFolds {
		m := train(data, p, func(ex *example) bool { return ex.fold != fold })
		for i := range data {
			if data[i].fold == fold {
				oof[i] = m.probabilities(data[i].r.features)
			}
		}
	}
	return oof
}

// train fits a multinomial logistic regression by stochastic gradient
// descent with AdaGrad step sizes and L2 penalty, in a fixed order drawn from
// a fixed seed, so that training is deterministic. For an example whose
// label allows two classes, the loss is minus the log of their summed
// probability.
func train(data []example, p trainParams, use func(*example) bool) *model {
	m := &model{weights: make([]float32, numFeatures*numClasses)}
	g2 := make([]float32, numFeatures*numClasses)
	var bg2 [numClasses]float64
	var order []int
	for i := range data {
		if use(&data[i]) && (data[i].ge || p.vaderWeight > 0) {
			order = append(order, i)
		}
	}
	rng := rand.New(rand.NewPCG(trainSeed, 0))
	for range trainEpochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			ex := &data[i]
			w := ex.weight
			if !ex.ge {
				w *= p.vaderWeight
			}
			prob := m.probabilities(ex.r.features)
			allowed := 0.0
			for k := range prob {
				if ex.allow[k] {
					allowed += prob[k]
				}
			}
			var grad [numClasses]float64
			for k := range prob {
				grad[k] = prob[k]
				if ex.allow[k] {
					grad[k] -= prob[k] / allowed
				}
				grad[k] *= w
			}
			for k := range grad {
				bg2[k] += grad[k] * grad[k]
				m.bias[k] -= float32(trainRate * grad[k] / math.Sqrt(bg2[k]+1e-8))
			}
			for _, f := range ex.r.features {
				base := int(f.index) * numClasses
				for k := range grad {
					g := grad[k]*float64(f.value) + p.lambda*float64(m.weights[base+k])
					g2[base+k] += float32(g * g)
					m.weights[base+k] -= float32(trainRate * g / math.Sqrt(float64(g2[base+k])+1e-8))
				}
			}
		}
	}
	return m
}

// decisionResult is what a decision rule scores on out-of-fold predictions.
type decisionResult struct {
	geMacro3             float64 // GoEmotions 3-class macro-F1
	frusP, frusR, frusF1 float64 // GoEmotions Frustrated
	vaderMacro3          float64 // VADER non-tweet snippets, macro-F1
}

// score ranks hyperparameters by the priorities: GoEmotions' 3-class
// macro-F1 and Frustrated F1 first, as a helpdesk cares most about them;
// VADER's non-tweet snippets, the only proxy in the training data for the
// held-out tweets, count half. With full weight on VADER the choice went to
// a model 0.02 worse on GoEmotions for 0.02 better on VADER's snippets.
func (r decisionResult) score() float64 { return r.geMacro3 + r.frusF1 + 0.5*r.vaderMacro3 }

// chooseDecision sets m's decision rule from out-of-fold probabilities.
// frustratedAt maximises the F1 of Frustrated on GoEmotions among thresholds
// where recall is at least precision in every fold, since a missed frustrated customer
// costs more than a needless escalation. The VADER gate and the offsets
// then maximise the sum of the 3-class macro-F1 on GoEmotions and on VADER's
// non-tweet snippets (Frustrated counted as Negative), searched on a grid:
// GoEmotions alone would fit the decision to Reddit.
func chooseDecision(m *model, data []example, oof [][numClasses]float64) decisionResult {
	var res decisionResult
	bestF := -1.0
	for th := 0.05; th <= 0.6; th += 0.01 {
		var tp, fp, fn [numFolds + 1]int // per fold, then pooled
		for i := range data {
			if !data[i].ge {
				continue
			}
			pred := oof[i][cFrus] >= th || overrideFrustrated(data[i].r)
			gold := data[i].gold == cFrus
			for _, f := range []int{data[i].fold, numFolds} {
				switch {
				case pred && gold:
					tp[f]++
				case pred:
					fp[f]++
				case gold:
					fn[f]++
				}
			}
		}
		// Recall must reach precision in every fold, not only pooled:
		// pooled, the old rule left held-out recall below precision.
		leans := true
		for f := range numFolds {
			if tp[f]+fp[f] < tp[f]+fn[f] { // fewer predicted than gold: recall < precision
				leans = false
			}
		}
		p := float64(tp[numFolds]) / float64(max(tp[numFolds]+fp[numFolds], 1))
		r := float64(tp[numFolds]) / float64(max(tp[numFolds]+fn[numFolds], 1))
		f := 0.0
		if p+r > 0 {
			f = 2 * p * r / (p + r)
		}
		if (leans || !*foldLeanFlag && r >= p) && f > bestF {
			bestF = f
			m.frustratedAt = float32(th)
			res.frusP, res.frusR, res.frusF1 = p, r, f
		}
	}
	best := -1.0
	bestOff, bestGate := m.offsets, m.vaderGate
	for _, gate := range []float32{0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, noGate} {
		m.vaderGate = gate
		gBest, gGE, gV, gVacc := -1.0, 0.0, 0.0, 0.0
		for i := -10; i <= 10; i++ {
			for j := -10; j <= 10; j++ {
				m.offsets = [numClasses]float32{float32(i) / 10, 0, float32(j) / 10, 0}
				ge := newScores(Positive, Neutral, Negative)
				vader := newScores(Positive, Neutral, Negative)
				for k := range data {
					s := vader
					if data[k].ge {
						s = ge
					}
					s.add(fold3(classes[data[k].gold]), fold3(m.decide(oof[k], data[k].r)))
				}
				f := ge.macroF1() + vader.macroF1()
				if f > gBest {
					gBest, gGE, gV, gVacc = f, ge.macroF1(), vader.macroF1(), vader.accuracy()
				}
				if f > best {
					best = f
					bestOff, bestGate = m.offsets, gate
					res.geMacro3, res.vaderMacro3 = ge.macroF1(), vader.macroF1()
				}
			}
		}
		if *gatesFlag {
			fmt.Printf("    gate %.2f: OOF GoEmotions macro-F1 %.3f, VADER non-tweets macro-F1 %.3f acc %.3f\n", gate, gGE, gV, gVacc)
		}
	}
	m.offsets, m.vaderGate = bestOff, bestGate
	return res
}
