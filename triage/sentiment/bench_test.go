package sentiment

import "testing"

const benchText = "I have been waiting for two weeks and still no response, this is ridiculous."

// BenchmarkClassify measures one message end to end.
func BenchmarkClassify(b *testing.B) {
	c := sharedClassifier()
	for b.Loop() {
		c.Classify(benchText, "en")
	}
}

// BenchmarkRead measures VADER and the features alone, which is nearly all of
// Classify: the model's dot products are a few hundred multiplications.
func BenchmarkRead(b *testing.B) {
	c := sharedClassifier()
	for b.Loop() {
		c.read(benchText)
	}
}
