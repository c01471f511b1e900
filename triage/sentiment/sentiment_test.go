package sentiment

import (
	"sync"
	"testing"
)

var (
	shared     *Classifier
	sharedOnce sync.Once
)

// sharedClassifier returns one Classifier for the package's tests, as a
// server would share one.
func sharedClassifier() *Classifier {
	sharedOnce.Do(func() { shared = New() })
	return shared
}

func TestClassify(t *testing.T) {
	c := sharedClassifier()
	tests := []struct {
		name string
		text string
		lang string
		want Sentiment
	}{
		{"polite request", "Please reset my password.", "en", Neutral},
		{"thanks with a request", "Thanks, can you help me with the export?", "en", Neutral},
		{"dear support", "Dear support team, I hope you can help me change my billing address.", "en", Neutral},
		{"plain question", "How do I add a second user to my account?", "en", Neutral},
		{"praise", "Thanks so much, it works perfectly", "en", Positive},
		{"praise without lang", "Great, that fixed it. Thank you!", "", Positive},
		{"third time", "This is the THIRD time I'm asking!!!", "en", Frustrated},
		{"waiting", "I have been waiting for two weeks and still no response.", "en", Frustrated},
		{"repeated contact", "I've written three times already and the invoice is still wrong.", "en", Frustrated},
		{"anger", "This is ridiculous, your app deleted all my data.", "en", Frustrated},
		{"shouting", "THE EXPORT IS BROKEN AGAIN", "en", Frustrated},
		{"sad but not angry", "Unfortunately the upload failed and I lost my draft.", "en", Negative},
		{"german is not read", "Das ist wirklich schrecklich, nichts funktioniert!!!", "de", Neutral},
		{"spanish praise is not read", "¡Muchas gracias, funciona perfectamente!", "es", Neutral},
		{"unknown language, non-ASCII", "Спасибо большое!", "", Neutral},
		{"empty", "   ", "en", Neutral},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Classify(tt.text, tt.lang); got != tt.want {
				t.Errorf("Classify(%q, %q) = %s, want %s", tt.text, tt.lang, got, tt.want)
			}
		})
	}
}
