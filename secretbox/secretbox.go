// Package secretbox seals small secrets (DKIM private keys, IMAP passwords,
// webhook secrets) with AES-256-GCM from the standard library, under a key
// the operator keeps outside the database. A sealed value names the key that
// sealed it, so a key file may hold several keys while they are rotated: the
// first seals, any of them opens.
//
// A sealed value reads "sb1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>",
// where the key id is the first 8 hex digits of the key's SHA-256.
package secretbox

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

const prefix = "sb1:"

// ErrUnknownKey is returned by Open for a value sealed under a key the box
// does not hold.
var ErrUnknownKey = errors.New("secretbox: sealed under a key this box does not hold")

// Key is one AES-256 key.
type Key [32]byte

// NewKey returns a random key.
func NewKey() Key {
	var k Key
	if _, err := rand.Read(k[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return k
}

// ID names the key in the values it seals.
func (k Key) ID() string {
	sum := sha256.Sum256(k[:])
	return hex.EncodeToString(sum[:4])
}

// Box seals with its first key and opens with any of them. A Box read from
// a file reads the file again when it meets a key it does not know, so a
// node picks up a key that `ticketd secret-key rotate` added without a
// restart.
type Box struct {
	mu   sync.RWMutex
	keys []Key
	path string
}

// New returns a box over keys; the first seals.
func New(keys ...Key) (*Box, error) {
	if len(keys) == 0 {
		return nil, errors.New("secretbox: no key")
	}
	return &Box{keys: keys}, nil
}

// IsSealed reports whether s is a sealed value (rather than a secret stored
// in clear before sealing was configured).
func IsSealed(s string) bool { return strings.HasPrefix(s, prefix) }

// Seal encrypts plaintext under the box's first key.
func (b *Box) Seal(plaintext []byte) (string, error) {
	b.mu.RLock()
	k := b.keys[0]
	b.mu.RUnlock()
	aead, err := newAEAD(k)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := aead.Seal(nonce, nonce, plaintext, []byte(k.ID()))
	return prefix + k.ID() + ":" + base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts a value Seal returned. A value that is not sealed (a secret
// stored before sealing was configured) is returned as it is, so that such
// a database keeps working until `ticketd secret-key rotate` seals it.
func (b *Box) Open(sealed string) ([]byte, error) {
	if !IsSealed(sealed) {
		return []byte(sealed), nil
	}
	id, data, ok := strings.Cut(strings.TrimPrefix(sealed, prefix), ":")
	if !ok {
		return nil, errors.New("secretbox: malformed sealed value")
	}
	k, ok := b.key(id)
	if !ok && b.path != "" && b.reload() == nil {
		k, ok = b.key(id)
	}
	if !ok {
		return nil, fmt.Errorf("%w (key id %s)", ErrUnknownKey, id)
	}
	raw, err := base64.RawURLEncoding.DecodeString(data)
	if err != nil {
		return nil, errors.New("secretbox: malformed sealed value")
	}
	aead, err := newAEAD(k)
	if err != nil {
		return nil, err
	}
	if len(raw) < aead.NonceSize() {
		return nil, errors.New("secretbox: malformed sealed value")
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(id))
	if err != nil {
		return nil, errors.New("secretbox: the sealed value was altered or the key is wrong")
	}
	return plain, nil
}

// Current is the id of the key that seals.
func (b *Box) Current() string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.keys[0].ID()
}

// SealedWithCurrent reports whether a sealed value uses the current key.
func (b *Box) SealedWithCurrent(sealed string) bool {
	return strings.HasPrefix(sealed, prefix+b.Current()+":")
}

func (b *Box) key(id string) (Key, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, k := range b.keys {
		if k.ID() == id {
			return k, true
		}
	}
	return Key{}, false
}

func (b *Box) reload() error {
	keys, err := readKeys(b.path)
	if err != nil {
		return err
	}
	b.mu.Lock()
	b.keys = keys
	b.mu.Unlock()
	return nil
}

func newAEAD(k Key) (cipher.AEAD, error) {
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// ---- key files ------------------------------------------------------------

// A key file holds one base64 key per line, the sealing key first; blank
// lines and lines starting with # are ignored.

// Open reads the key file at path.
func Open(path string) (*Box, error) {
	keys, err := readKeys(path)
	if err != nil {
		return nil, err
	}
	return &Box{keys: keys, path: path}, nil
}

// OpenOrCreate reads the key file at path, creating it with one new key
// (mode 0600) when it does not exist. created reports which.
func OpenOrCreate(path string) (box *Box, created bool, err error) {
	box, err = Open(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return box, false, err
	}
	if err := writeKeys(path, []Key{NewKey()}, true); err != nil {
		if errors.Is(err, fs.ErrExist) { // another process created it first
			box, err = Open(path)
			return box, false, err
		}
		return nil, false, err
	}
	box, err = Open(path)
	return box, err == nil, err
}

// Rotate puts a new key first in the key file, keeping the old ones so
// that values they sealed still open, and returns the box over all of them.
func Rotate(path string) (*Box, error) {
	keys, err := readKeys(path)
	if err != nil {
		return nil, err
	}
	keys = append([]Key{NewKey()}, keys...)
	if err := writeKeys(path, keys, false); err != nil {
		return nil, err
	}
	return &Box{keys: keys, path: path}, nil
}

// Retire rewrites the key file with only its first key, once every value
// has been sealed again under it.
func Retire(path string) error {
	keys, err := readKeys(path)
	if err != nil {
		return err
	}
	return writeKeys(path, keys[:1], false)
}

// Perm reports the key file's permission bits, for a warning when others
// may read it.
func Perm(path string) (fs.FileMode, error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return st.Mode().Perm(), nil
}

func readKeys(path string) ([]Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var keys []Key
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(line)
		if err != nil || len(raw) != 32 {
			return nil, fmt.Errorf("secret key file %s, line %d: not a base64-encoded 32-byte key", path, n)
		}
		var k Key
		copy(k[:], raw)
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("secret key file %s holds no key", path)
	}
	return keys, nil
}

// writeKeys writes the file atomically: a temporary file with mode 0600,
// synced, then renamed over path, or, when exclusive, linked to path, which
// fails if path exists, so that two processes creating the key at once
// cannot each keep their own.
func writeKeys(path string, keys []Key, exclusive bool) error {
	var buf bytes.Buffer
	buf.WriteString("# ticketd secret key file: keep it private and back it up apart from the database.\n")
	buf.WriteString("# The first key seals; the others only open values sealed before a rotation.\n")
	for _, k := range keys {
		buf.WriteString(base64.StdEncoding.EncodeToString(k[:]) + "\n")
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".secret-key-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if exclusive {
		return os.Link(tmp.Name(), path)
	}
	return os.Rename(tmp.Name(), path)
}
