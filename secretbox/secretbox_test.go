package secretbox

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	box, _ := New(NewKey())
	s, err := box.Seal([]byte("-----BEGIN PRIVATE KEY-----"))
	if err != nil || !IsSealed(s) || strings.Contains(s, "PRIVATE") {
		t.Fatalf("sealed %q, %v", s, err)
	}
	again, _ := box.Seal([]byte("-----BEGIN PRIVATE KEY-----"))
	if again == s {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
	if got, err := box.Open(s); err != nil || string(got) != "-----BEGIN PRIVATE KEY-----" {
		t.Fatalf("open: %q %v", got, err)
	}
	// A flipped character anywhere in the ciphertext is refused.
	b := []byte(s)
	b[len(b)-3] ^= 1
	if _, err := box.Open(string(b)); err == nil {
		t.Fatal("a tampered value opened")
	}
	other, _ := New(NewKey())
	if _, err := other.Open(s); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("another key: %v", err)
	}
	// Values stored before sealing was configured pass through.
	if got, _ := box.Open("-----BEGIN clear"); string(got) != "-----BEGIN clear" {
		t.Fatalf("clear value: %q", got)
	}
}

func TestKeyFileCreateRotateRetire(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k")
	box, created, err := OpenOrCreate(path)
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	if perm, _ := Perm(path); perm != 0o600 {
		t.Fatalf("key file mode %v, want 0600", perm)
	}
	if _, created, _ := OpenOrCreate(path); created {
		t.Fatal("an existing key file was replaced")
	}
	old, _ := box.Seal([]byte("secret"))

	rotated, err := Rotate(path)
	if err != nil || rotated.Current() == box.Current() {
		t.Fatalf("rotate: %v", err)
	}
	if got, err := rotated.Open(old); err != nil || string(got) != "secret" {
		t.Fatalf("the rotated box cannot open the old value: %v", err)
	}
	fresh, _ := rotated.Seal([]byte("new"))
	// A node that loaded the file before the rotation reads it again when it
	// meets the new key.
	if got, err := box.Open(fresh); err != nil || string(got) != "new" {
		t.Fatalf("the old box did not pick up the new key: %v", err)
	}
	if err := Retire(path); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if n := bytes.Count(b, []byte("=\n")); n != 1 {
		t.Fatalf("after retire the file holds %d keys", n)
	}
	if perm, _ := Perm(path); perm != 0o600 {
		t.Fatalf("key file mode after rotation %v", perm)
	}
	os.WriteFile(path, []byte("not a key\n"), 0o600)
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("bad key file: %v", err)
	}
}
