package outbound

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/emersion/go-msgauth/dkim"
)

// SignedHeaders are the header fields the DKIM signature covers: what a
// reader sees and what threads the message. Fields absent from a message are
// still listed, which RFC 6376 5.4 allows and which stops anyone on the way
// from adding them (a forged In-Reply-To, say) without breaking the
// signature.
var SignedHeaders = []string{
	"From", "To", "Cc", "Subject", "Date", "Message-ID",
	"In-Reply-To", "References", "MIME-Version", "Content-Type",
}

// Sign prepends a DKIM-Signature to raw, signed for domain (the d= tag,
// which must match the From domain for DMARC alignment) with the key
// published at selector._domainkey.domain. It uses rsa-sha256 and
// relaxed/relaxed canonicalization, which survives the whitespace and
// header folding changes relays commonly make. privateKeyPEM is PKCS#8 (as
// domainauth makes) or PKCS#1.
func Sign(raw []byte, domain, selector string, privateKeyPEM []byte) ([]byte, error) {
	if domain == "" || selector == "" {
		return nil, errors.New("dkim sign: domain and selector are required")
	}
	key, err := parseRSAKey(privateKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("dkim sign: %w", err)
	}
	var out bytes.Buffer
	out.Grow(len(raw) + 600)
	err = dkim.Sign(&out, bytes.NewReader(raw), &dkim.SignOptions{
		Domain:                 domain,
		Selector:               selector,
		Signer:                 key,
		Hash:                   crypto.SHA256,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             SignedHeaders,
	})
	if err != nil {
		return nil, fmt.Errorf("dkim sign: %w", err)
	}
	return out.Bytes(), nil
}

func parseRSAKey(p []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(p)
	if block == nil {
		return nil, errors.New("private key is not PEM")
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse private key: %w", err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("private key is %T, want RSA", k)
		}
		return rk, nil
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse private key: %w", err)
		}
		return k, nil
	default:
		return nil, fmt.Errorf("unexpected PEM block %q", block.Type)
	}
}
