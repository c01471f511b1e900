// Package blob keeps attachment bytes in a directory, named by their
// SHA-256, beside the SQLite file by default. Content addressing makes a
// write idempotent: a redelivered email stores nothing new.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"

	ticketd "github.com/ticketd/ticketd"
)

// Dir is a ticketd.BlobStore over one directory.
type Dir struct {
	Path string
}

var _ ticketd.StreamBlobStore = (*Dir)(nil)

var validKey = regexp.MustCompile(`^[0-9a-f]{64}$`)

// path spreads blobs over 256 subdirectories so that no directory grows huge.
func (d *Dir) path(key string) (string, error) {
	if !validKey.MatchString(key) {
		return "", fmt.Errorf("blob key %q is not a SHA-256", key)
	}
	return filepath.Join(d.Path, key[:2], key), nil
}

// Put stores data under key, durably: written to a temporary file, synced,
// then renamed into place, so a crash never leaves a torn blob under a key.
func (d *Dir) Put(_ context.Context, key string, data []byte) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if _, err := os.Stat(p); err == nil {
		return nil // the same content is there already
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // a no-op after the rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), p)
}

// Open returns the bytes stored under key.
func (d *Dir) Open(_ context.Context, key string) (io.ReadCloser, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	return os.Open(p)
}

// Delete removes the bytes stored under key; a key with nothing stored is
// not an error (erasure may run twice).
func (d *Dir) Delete(_ context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}

// PutStream stores what r yields without holding it in memory: it is
// written to a temporary file while being hashed, synced, then renamed into
// place under its SHA-256, which is returned with the size. When r fails,
// nothing is kept and r's error is returned.
func (d *Dir) PutStream(_ context.Context, r io.Reader) (string, int64, error) {
	if err := os.MkdirAll(d.Path, 0o750); err != nil {
		return "", 0, err
	}
	f, err := os.CreateTemp(d.Path, ".upload-*")
	if err != nil {
		return "", 0, err
	}
	defer os.Remove(f.Name()) // a no-op after the rename
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err != nil {
		f.Close()
		return "", 0, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", 0, err
	}
	if err := f.Close(); err != nil {
		return "", 0, err
	}
	key := hex.EncodeToString(h.Sum(nil))
	p, err := d.path(key)
	if err != nil {
		return "", 0, err
	}
	if _, err := os.Stat(p); err == nil {
		return key, n, nil // the same content is there already
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return "", 0, err
	}
	return key, n, os.Rename(f.Name(), p)
}
