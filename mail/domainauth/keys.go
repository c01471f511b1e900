// Package domainauth creates the keys a workspace needs to send mail from its
// own domain and checks, over DNS, that the domain's owner has published the
// records that prove ownership and let receivers verify DKIM signatures.
//
// It knows nothing of workspaces or storage: the caller keeps Keys (the
// private key included) wherever it keeps secrets and calls Verify when the
// user asks or on a schedule.
package domainauth

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// DefaultKeyBits is the RSA key size used when NewDomainKeys is given 0.
// RFC 8301 requires verifiers to accept 1024 to 4096 bits and signers to use
// at least 1024; 2048 is what mailbox providers expect today and still fits
// a DKIM record that DNS providers handle (two TXT strings).
const DefaultKeyBits = 2048

// SelectorPrefix starts every selector ticketd generates, so an operator
// reading the domain's DNS can tell which keys belong to ticketd.
const SelectorPrefix = "tkd"

// OwnershipLabel is the DNS label under the domain where the ownership token
// is published. A dedicated name keeps the token out of the domain apex,
// whose TXT set is crowded (SPF, other vendors' tokens) and sometimes
// managed by another team.
const OwnershipLabel = "_ticketd"

// OwnershipPrefix precedes the token in the ownership TXT value, so the
// record says what it is to whoever finds it in a zone file.
const OwnershipPrefix = "ticketd-verification="

// Record purposes, as found in Record.Purpose.
const (
	PurposeOwnership = "ownership" // required: proves control of the domain
	PurposeDKIM      = "dkim"      // required: lets receivers verify signatures
	PurposeSPF       = "spf"       // advice only: never required for Verified
)

// PrivateKeyPEM is a PKCS#8 PEM-encoded private key. It is a []byte that
// refuses to be printed, logged or JSON-encoded, so that a key cannot leak
// through a log line or an API response by accident. Convert it to []byte
// explicitly to store or use it.
type PrivateKeyPEM []byte

const redacted = "[REDACTED]"

// String redacts the key, so %v and %s never reveal it.
func (PrivateKeyPEM) String() string { return redacted }

// GoString redacts the key for %#v.
func (PrivateKeyPEM) GoString() string { return redacted }

// LogValue redacts the key in slog output.
func (PrivateKeyPEM) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON redacts the key: a caller that stores the key as JSON must
// encode []byte(k) on purpose rather than leak it by serialising a struct.
func (PrivateKeyPEM) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// Keys is what a sending domain needs: the DKIM key pair and selector, and
// the token that proves ownership. All of it is needed again to rebuild the
// DNS records; only PrivateKey is secret.
type Keys struct {
	// Selector names the DKIM key in DNS (<selector>._domainkey.<domain>).
	// Generated selectors are "tkd" followed by the UTC date and four random
	// hex digits (e.g. "tkd20260714a3f9"): the date tells an operator how old
	// a key is, and the random suffix lets a key be rotated on the same day
	// without overwriting the record of the key still signing mail in
	// flight.
	Selector string
	// Token is the ownership token, without OwnershipPrefix.
	Token string
	// PrivateKey is the RSA private key, PKCS#8 PEM.
	PrivateKey PrivateKeyPEM
	// PublicKey is the base64 DER SubjectPublicKeyInfo, exactly as it
	// appears after "p=" in the DKIM record.
	PublicKey string
}

// String describes the keys without the private key, so logging a Keys
// value by mistake is harmless.
func (k Keys) String() string {
	return fmt.Sprintf("domainauth.Keys{Selector:%q Token:%q PrivateKey:%s PublicKey:%s}",
		k.Selector, k.Token, redacted, abbreviate(k.PublicKey))
}

// GoString is String, for %#v.
func (k Keys) GoString() string { return k.String() }

// LogValue keeps the private key out of slog output.
func (k Keys) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("selector", k.Selector),
		slog.String("public_key", abbreviate(k.PublicKey)),
		slog.String("private_key", redacted),
	)
}

func abbreviate(s string) string {
	if len(s) <= 16 {
		return s
	}
	return s[:12] + "…"
}

// NewDomainKeys generates keys for sending from domain: an RSA key of bits
// bits (DefaultKeyBits when 0; 1024 to 4096 accepted), a fresh selector and
// a random ownership token.
func NewDomainKeys(domain string, bits int) (Keys, error) {
	if _, err := normalizeDomain(domain); err != nil {
		return Keys{}, err
	}
	if bits == 0 {
		bits = DefaultKeyBits
	}
	if bits < 1024 || bits > 4096 {
		return Keys{}, fmt.Errorf("domainauth: key size %d outside 1024..4096 bits", bits)
	}
	key, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return Keys{}, fmt.Errorf("domainauth: generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return Keys{}, fmt.Errorf("domainauth: marshal key: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return Keys{}, fmt.Errorf("domainauth: marshal public key: %w", err)
	}
	return Keys{
		Selector:   newSelector(time.Now()),
		Token:      randomHex(16),
		PrivateKey: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		PublicKey:  base64.StdEncoding.EncodeToString(pub),
	}, nil
}

// LoadKeys rebuilds Keys from what the caller stored, deriving the public
// key from the private one so the two can never disagree.
func LoadKeys(selector, token string, privateKeyPEM []byte) (Keys, error) {
	if _, ok := dns.IsDomainName(selector); !ok || selector == "" || strings.Contains(selector, ".") {
		return Keys{}, fmt.Errorf("domainauth: invalid selector %q", selector)
	}
	pub, err := PublicKeyFromPEM(privateKeyPEM)
	if err != nil {
		return Keys{}, err
	}
	return Keys{Selector: selector, Token: token, PrivateKey: PrivateKeyPEM(privateKeyPEM), PublicKey: pub}, nil
}

// PublicKeyFromPEM returns the base64 SubjectPublicKeyInfo of an RSA private
// key in PKCS#8 (or, for keys made elsewhere, PKCS#1) PEM, as it goes after
// "p=" in a DKIM record.
func PublicKeyFromPEM(privateKeyPEM []byte) (string, error) {
	block, _ := pem.Decode(privateKeyPEM)
	if block == nil {
		return "", errors.New("domainauth: private key is not PEM")
	}
	var key *rsa.PrivateKey
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return "", fmt.Errorf("domainauth: parse private key: %w", err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return "", fmt.Errorf("domainauth: private key is %T, want RSA", k)
		}
		key = rk
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return "", fmt.Errorf("domainauth: parse private key: %w", err)
		}
		key = k
	default:
		return "", fmt.Errorf("domainauth: unexpected PEM block %q", block.Type)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", fmt.Errorf("domainauth: marshal public key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(pub), nil
}

func newSelector(now time.Time) string {
	return SelectorPrefix + now.UTC().Format("20060102") + randomHex(2)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+).
	return hex.EncodeToString(b)
}

// normalizeDomain lowercases and strips a trailing dot, and rejects what is
// not a hostname, so that record names are built from a clean value.
func normalizeDomain(domain string) (string, error) {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	if d == "" || !strings.Contains(d, ".") {
		return "", fmt.Errorf("domainauth: invalid domain %q", domain)
	}
	if _, ok := dns.IsDomainName(d); !ok {
		return "", fmt.Errorf("domainauth: invalid domain %q", domain)
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return "", fmt.Errorf("domainauth: invalid domain %q", domain)
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return "", fmt.Errorf("domainauth: invalid domain %q", domain)
			}
		}
	}
	return d, nil
}
