package domainauth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/ticketd/ticketd/mail/domainauth"
	"github.com/ticketd/ticketd/mail/mailtest"
)

// Key generation dominates the package's test time, so the tests share two
// keys made once.
var (
	keysOnce       sync.Once
	keysA, keysB   domainauth.Keys
	keysGenFailure error
)

func testKeys(t *testing.T) (domainauth.Keys, domainauth.Keys) {
	t.Helper()
	keysOnce.Do(func() {
		keysA, keysGenFailure = domainauth.NewDomainKeys("example.com", 0)
		if keysGenFailure == nil {
			keysB, keysGenFailure = domainauth.NewDomainKeys("example.com", 1024)
		}
	})
	if keysGenFailure != nil {
		t.Fatal(keysGenFailure)
	}
	return keysA, keysB
}

func TestNewDomainKeys(t *testing.T) {
	k, _ := testKeys(t)
	if !strings.HasPrefix(k.Selector, domainauth.SelectorPrefix) || len(k.Selector) != len("tkd20260101abcd") {
		t.Errorf("selector %q does not look like tkdYYYYMMDDxxxx", k.Selector)
	}
	if len(k.Token) != 32 {
		t.Errorf("token %q: want 32 hex characters", k.Token)
	}
	if !bytes.HasPrefix(k.PrivateKey, []byte("-----BEGIN PRIVATE KEY-----")) {
		t.Errorf("private key is not PKCS#8 PEM: %.40q", []byte(k.PrivateKey))
	}
	loaded, err := domainauth.LoadKeys(k.Selector, k.Token, k.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.PublicKey != k.PublicKey {
		t.Error("LoadKeys derived a different public key")
	}

	for _, bits := range []int{512, 8192} {
		if _, err := domainauth.NewDomainKeys("example.com", bits); err == nil {
			t.Errorf("NewDomainKeys(%d bits) succeeded", bits)
		}
	}
	for _, d := range []string{"", "localhost", "exa mple.com", "-bad.com", "a..b"} {
		if _, err := domainauth.NewDomainKeys(d, 1024); err == nil {
			t.Errorf("NewDomainKeys(%q) succeeded", d)
		}
	}
	if _, err := domainauth.LoadKeys("sel", "tok", []byte("not pem")); err == nil {
		t.Error("LoadKeys accepted a non-PEM key")
	}
}

func TestKeysNeverPrintThePrivateKey(t *testing.T) {
	k, _ := testKeys(t)
	secret := strings.Split(string(k.PrivateKey), "\n")[1] // first base64 line
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	logger.Info("keys", "keys", k, "pem", k.PrivateKey)
	text := slog.New(slog.NewTextHandler(&buf, nil))
	text.Info("keys", "keys", k, "pem", k.PrivateKey)
	js, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"%v":   fmt.Sprintf("%v", k),
		"%+v":  fmt.Sprintf("%+v", k),
		"%#v":  fmt.Sprintf("%#v", k),
		"%s":   fmt.Sprintf("%s", k.PrivateKey),
		"%v[]": fmt.Sprintf("%v", []domainauth.Keys{k}),
		"slog": buf.String(),
		"json": string(js),
	}
	for how, out := range outputs {
		if strings.Contains(out, secret) {
			t.Errorf("%s reveals the private key: %s", how, out)
		}
	}
}

func TestRecords(t *testing.T) {
	k, _ := testKeys(t)
	recs := domainauth.Records("Example.COM.", k, "_spf.relay.example", "192.0.2.7")
	want := []domainauth.Record{
		{"TXT", "_ticketd.example.com", "ticketd-verification=" + k.Token, domainauth.PurposeOwnership},
		{"TXT", k.Selector + "._domainkey.example.com", "v=DKIM1; k=rsa; p=" + k.PublicKey, domainauth.PurposeDKIM},
		{"TXT", "example.com", "v=spf1 include:_spf.relay.example ip4:192.0.2.7 ~all", domainauth.PurposeSPF},
	}
	if len(recs) != len(want) {
		t.Fatalf("got %d records, want %d: %+v", len(recs), len(want), recs)
	}
	for i := range want {
		if recs[i] != want[i] {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, recs[i], want[i])
		}
	}
	if spf := domainauth.Records("example.com", k)[2].Value; spf != "v=spf1 mx ~all" {
		t.Errorf("SPF without relay = %q", spf)
	}
	if domainauth.Records("not a domain", k) != nil {
		t.Error("Records accepted an invalid domain")
	}
}

func TestVerify(t *testing.T) {
	k, other := testKeys(t)
	recs := domainauth.Records("example.com", k, "_spf.relay.example")
	own, dkim, spf := recs[0], recs[1], recs[2]

	tests := []struct {
		name     string
		setup    func(s *mailtest.DNSServer)
		verified bool
		ok       [3]bool // ownership, dkim, spf
	}{
		{
			name: "all published",
			setup: func(s *mailtest.DNSServer) {
				s.SetTXT(own.Name, "something-else=1", own.Value)
				s.SetTXT(dkim.Name, dkim.Value) // 2048-bit: split into two strings
				s.SetTXT(spf.Name, "google-site-verification=x", "v=spf1 mx include:_spf.relay.example ~all")
			},
			verified: true, ok: [3]bool{true, true, true},
		},
		{
			name: "SPF missing does not matter",
			setup: func(s *mailtest.DNSServer) {
				s.SetTXT(own.Name, own.Value)
				s.SetTXT(dkim.Name, dkim.Value)
			},
			verified: true, ok: [3]bool{true, true, false},
		},
		{
			name: "ownership missing",
			setup: func(s *mailtest.DNSServer) {
				s.SetTXT(dkim.Name, dkim.Value)
			},
			ok: [3]bool{false, true, false},
		},
		{
			name: "DKIM missing",
			setup: func(s *mailtest.DNSServer) {
				s.SetTXT(own.Name, own.Value)
			},
			ok: [3]bool{true, false, false},
		},
		{
			name: "wrong DKIM key",
			setup: func(s *mailtest.DNSServer) {
				s.SetTXT(own.Name, own.Value)
				s.SetTXT(dkim.Name, "v=DKIM1; k=rsa; p="+other.PublicKey)
			},
			ok: [3]bool{true, false, false},
		},
		{
			name: "wrong token",
			setup: func(s *mailtest.DNSServer) {
				s.SetTXT(own.Name, "ticketd-verification=nope")
				s.SetTXT(dkim.Name, dkim.Value)
			},
			ok: [3]bool{false, true, false},
		},
		{
			name: "DKIM split by hand into strings, with whitespace and extra tags",
			setup: func(s *mailtest.DNSServer) {
				s.SetTXT(own.Name, "  "+own.Value+" ")
				p := k.PublicKey
				s.AddTXTStrings(dkim.Name, "v=DKIM1;k=rsa;  t=s;", " p="+p[:100], "\t"+p[100:200]+" ", p[200:])
			},
			verified: true, ok: [3]bool{true, true, false},
		},
		{
			name: "two SPF records is a broken SPF",
			setup: func(s *mailtest.DNSServer) {
				s.SetTXT(own.Name, own.Value)
				s.SetTXT(dkim.Name, dkim.Value)
				s.SetTXT(spf.Name, "v=spf1 include:_spf.relay.example ~all", "v=spf1 mx -all")
			},
			verified: true, ok: [3]bool{true, true, false},
		},
		{
			name: "DKIM with the wrong version tag",
			setup: func(s *mailtest.DNSServer) {
				s.SetTXT(own.Name, own.Value)
				s.SetTXT(dkim.Name, "v=DKIM2; k=rsa; p="+k.PublicKey)
			},
			ok: [3]bool{true, false, false},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dnsSrv := mailtest.NewDNSServer(t)
			tt.setup(dnsSrv)
			res := domainauth.Verify(context.Background(), domainauth.NewResolver(dnsSrv.Addr()), recs)
			if res.Verified != tt.verified {
				t.Errorf("Verified = %v, want %v; %+v", res.Verified, tt.verified, res.Records)
			}
			if len(res.Records) != 3 {
				t.Fatalf("got %d checks", len(res.Records))
			}
			for i, c := range res.Records {
				if c.Record != recs[i] {
					t.Errorf("check %d is for %+v, want %+v", i, c.Record, recs[i])
				}
				if c.OK != tt.ok[i] {
					t.Errorf("%s: OK = %v, want %v (found %q, error %q)", c.Record.Purpose, c.OK, tt.ok[i], c.Found, c.Error)
				}
				if c.Error != "" {
					t.Errorf("%s: unexpected error %s", c.Record.Purpose, c.Error)
				}
			}
		})
	}
}

func TestVerifyReportsFoundValues(t *testing.T) {
	k, other := testKeys(t)
	recs := domainauth.Records("example.com", k)
	dnsSrv := mailtest.NewDNSServer(t)
	wrong := "v=DKIM1; k=rsa; p=" + other.PublicKey
	dnsSrv.SetTXT(recs[1].Name, wrong)
	dnsSrv.SetTXT("example.com", "v=spf1 -all", "unrelated")
	res := domainauth.Verify(context.Background(), domainauth.NewResolver(dnsSrv.Addr()), recs)
	if got := res.Records[1].Found; len(got) != 1 || got[0] != wrong {
		t.Errorf("DKIM found %q, want the published wrong key", got)
	}
	if got := res.Records[2].Found; len(got) != 1 || got[0] != "v=spf1 -all" {
		t.Errorf("SPF found %q, want only the SPF record", got)
	}
	if got := res.Records[0].Found; len(got) != 0 {
		t.Errorf("ownership found %q on a missing name", got)
	}
}

func TestVerifyDNSFailureIsAnError(t *testing.T) {
	k, _ := testKeys(t)
	recs := domainauth.Records("example.com", k)
	dnsSrv := mailtest.NewDNSServer(t)
	dnsSrv.ServFail(recs[0].Name)
	dnsSrv.SetTXT(recs[1].Name, recs[1].Value)
	res := domainauth.Verify(context.Background(), domainauth.NewResolver(dnsSrv.Addr()), recs)
	if res.Verified {
		t.Fatal("verified despite SERVFAIL on the ownership record")
	}
	if c := res.Records[0]; c.OK || !strings.Contains(c.Error, "SERVFAIL") {
		t.Errorf("ownership check = %+v, want an error naming SERVFAIL", c)
	}
}

func TestLookupTXTFallsBackToTCP(t *testing.T) {
	dnsSrv := mailtest.NewDNSServer(t)
	// Six 300-byte records exceed the 1232-byte EDNS buffer over UDP.
	var values []string
	for i := range 6 {
		values = append(values, fmt.Sprintf("%d%s", i, strings.Repeat("x", 299)))
	}
	dnsSrv.SetTXT("big.example.com", values...)
	got, err := domainauth.NewResolver(dnsSrv.Addr()).LookupTXT(context.Background(), "big.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(values) {
		t.Fatalf("got %d records, want %d", len(got), len(values))
	}
	for i := range values {
		if got[i] != values[i] {
			t.Errorf("record %d = %.20q..., want %.20q...", i, got[i], values[i])
		}
	}
}

func TestLookupTXTNotFoundIsEmpty(t *testing.T) {
	dnsSrv := mailtest.NewDNSServer(t)
	got, err := domainauth.NewResolver(dnsSrv.Addr()).LookupTXT(context.Background(), "nothing.example.com")
	if err != nil || len(got) != 0 {
		t.Errorf("LookupTXT = %q, %v; want nothing, no error", got, err)
	}
}

func TestLookupTXTReturnsRawBytes(t *testing.T) {
	dnsSrv := mailtest.NewDNSServer(t)
	odd := "tab\there \"quoted\" back\\slash \\009 é"
	dnsSrv.SetTXT("odd.example.com", odd)
	got, err := domainauth.NewResolver(dnsSrv.Addr()).LookupTXT(context.Background(), "odd.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != odd {
		t.Errorf("LookupTXT = %q, want [%q]", got, odd)
	}
}
