package lang

import (
	"sync"
	"testing"
)

var (
	shared     *Detector
	sharedOnce sync.Once
)

// sharedDetector returns one preloaded detector for the whole package, since
// loading the models takes most of the time of these tests.
func sharedDetector(t testing.TB) *Detector {
	t.Helper()
	sharedOnce.Do(func() {
		d, err := New(nil)
		if err != nil {
			t.Fatalf("New(nil): %v", err)
		}
		d.Preload()
		shared = d
	})
	if shared == nil {
		t.Fatal("shared detector failed to build")
	}
	return shared
}

func TestDetect(t *testing.T) {
	d := sharedDetector(t)
	tests := []struct {
		name   string
		text   string
		want   string
		wantOK bool
	}{
		{"german", "Ich habe mein Passwort vergessen und kann mich nicht mehr anmelden.", "de", true},
		{"spanish", "Hola, el pedido que hice la semana pasada todavía no ha llegado.", "es", true},
		{"japanese", "パスワードを忘れてしまったので、リセットしていただけますか。", "ja", true},
		{"english", "My invoice shows the wrong amount, could you please check it?", "en", true},
		{"french", "Bonjour, je n'arrive pas à télécharger ma facture depuis hier.", "fr", true},
		{"russian", "Здравствуйте, я не могу войти в свой аккаунт уже третий день.", "ru", true},
		{"empty", "", "", false},
		{"only punctuation and digits", "?? 123 !!", "", false},
		{"one short word", "ok", "", false},
		{"greeting", "Hi", "", false},
		{"emoji", "👍👍", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := d.Detect(tt.text)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Detect(%q) = %q, %v; want %q, %v", tt.text, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestNew(t *testing.T) {
	if _, err := New([]string{"en", "xx"}); err == nil {
		t.Error("New with an unknown code: want an error")
	}
	if _, err := New([]string{"en"}); err == nil {
		t.Error("New with one language: want an error")
	}
	if _, err := New([]string{"en", "EN"}); err == nil {
		t.Error("New with one language given twice: want an error")
	}
	d, err := New([]string{"en", "de"})
	if err != nil {
		t.Fatalf("New(en, de): %v", err)
	}
	if got := d.Codes(); len(got) != 2 || got[0] != "en" || got[1] != "de" {
		t.Errorf("Codes() = %v, want [en de]", got)
	}
	// A restricted set answers only within the set, which is what an
	// operator who configures it expects.
	if got, ok := d.Detect("Je voudrais annuler mon abonnement, s'il vous plaît."); ok && got != "en" && got != "de" {
		t.Errorf("Detect outside the set returned %q", got)
	}
	if got, ok := d.Detect("Ich möchte mein Abonnement kündigen, bitte."); !ok || got != "de" {
		t.Errorf("Detect(German) = %q, %v; want de", got, ok)
	}
}

func TestDetectConcurrent(t *testing.T) {
	// A fresh detector, so that the first calls race on the lazy load.
	d, err := New([]string{"en", "de", "fr"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got, ok := d.Detect("The quick brown fox jumps over the lazy dog."); !ok || got != "en" {
				errs <- got
			}
		}()
	}
	wg.Wait()
	close(errs)
	for got := range errs {
		t.Errorf("concurrent Detect = %q, want en", got)
	}
}
