package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"testing"
)

func TestPutOpen(t *testing.T) {
	d := &Dir{Path: t.TempDir()}
	data := []byte("%PDF-1.4 hello")
	sum := sha256.Sum256(data)
	key := hex.EncodeToString(sum[:])
	ctx := context.Background()
	for i := 0; i < 2; i++ { // the second Put of the same content is a no-op
		if err := d.Put(ctx, key, data); err != nil {
			t.Fatal(err)
		}
	}
	r, err := d.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, _ := io.ReadAll(r)
	if string(got) != string(data) {
		t.Fatalf("got %q", got)
	}
	if err := d.Put(ctx, "../../etc/passwd", data); err == nil {
		t.Fatal("a key that is not a hash was accepted")
	}
}
