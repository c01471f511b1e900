// Package webhook delivers ticketd's events to webhook endpoints over HTTP:
// it signs each request (Standard Webhooks, or Ticket0's header), posts it
// through a client that refuses private addresses at connect time, and runs
// the worker that claims due deliveries. What a delivery says is rendered by
// the surfaces (Payload); when and how often it is tried is the domain's
// rule (ticketd.Service.DeliverWebhooksDue).
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	ticketd "github.com/ticketd/ticketd"
)

// Payload renders the body of one delivery in its webhook's format.
type Payload func(req *ticketd.WebhookRequest) ([]byte, error)

// Sender makes webhook attempts over HTTP. It implements ticketd.WebhookSender.
type Sender struct {
	client  *http.Client
	payload Payload
}

// Options configure a Sender.
type Options struct {
	// Timeout bounds one attempt, connecting and reading the answer included
	// (10 s when 0).
	Timeout time.Duration
	// AllowPrivate lets deliveries reach loopback, private and link-local
	// addresses: for development and tests only (--webhook-allow-private).
	AllowPrivate bool
}

// NewSender returns a sender rendering bodies with payload.
func NewSender(payload Payload, o Options) *Sender {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	dialer := &net.Dialer{Timeout: o.Timeout}
	if !o.AllowPrivate {
		// Checked on the address actually connected to, after DNS: a name
		// that resolves to a public address when the webhook is created and
		// to 127.0.0.1 when it is delivered (DNS rebinding) is still refused.
		dialer.Control = refusePrivate
	}
	transport := &http.Transport{
		DialContext:           dialer.DialContext,
		Proxy:                 nil, // a proxy would connect for us, unchecked
		TLSHandshakeTimeout:   o.Timeout,
		ResponseHeaderTimeout: o.Timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
	client := &http.Client{
		Transport: transport,
		Timeout:   o.Timeout,
		// A redirect is an answer, not a new destination: following it
		// would let an endpoint send us anywhere, checks or not.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &Sender{client: client, payload: payload}
}

// ErrPrivateAddress is why an attempt to a refused address failed.
var ErrPrivateAddress = errors.New("the address is loopback, private, link-local or otherwise not public")

func refusePrivate(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook: unexpected address %q", address)
	}
	if !Public(ap.Addr()) {
		return fmt.Errorf("webhook: %s: %w", ap.Addr(), ErrPrivateAddress)
	}
	return nil
}

// notPublic are ranges that IsPrivate and friends do not cover but that no
// webhook should reach: "this network", carrier-grade NAT (where some clouds
// put their metadata service), IETF protocol assignments, benchmarking,
// and the IPv6 ranges for documentation and NAT64 of private addresses.
var notPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
}

// Public reports whether a webhook may connect to a: not loopback, private
// (RFC 1918, fc00::/7), link-local (169.254.0.0/16, where cloud metadata
// services such as 169.254.169.254 live; fe80::/10), multicast, unspecified
// or one of notPublic. IPv4-mapped IPv6 addresses are judged as IPv4.
func Public(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, p := range notPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// CheckURL refuses, when a webhook is created, a URL whose host is plainly
// not public (an IP literal of a refused range, or localhost). Names are
// checked again at every connect, which is what makes it safe.
func CheckURL(allowPrivate bool) func(*url.URL) error {
	return func(u *url.URL) error {
		if allowPrivate {
			return nil
		}
		host := strings.ToLower(u.Hostname())
		if host == "localhost" || strings.HasSuffix(host, ".localhost") {
			return errors.New("must not point at this machine")
		}
		if a, err := netip.ParseAddr(host); err == nil && !Public(a) {
			return errors.New("must not point at a loopback, private or link-local address")
		}
		return nil
	}
}

// ---- signing ------------------------------------------------------------------

// SignStandard returns the webhook-signature header of Standard Webhooks:
// for each secret, "v1," and the base64 HMAC-SHA256 of "{id}.{timestamp}.{body}"
// keyed by the base64-decoded part of the secret after "whsec_", separated
// by spaces.
func SignStandard(secrets []string, msgID string, ts time.Time, body []byte) string {
	var sigs []string
	for _, s := range secrets {
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
		if err != nil {
			continue // every secret ticketd makes decodes
		}
		mac := hmac.New(sha256.New, key)
		fmt.Fprintf(mac, "%s.%d.", msgID, ts.Unix())
		mac.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	return strings.Join(sigs, " ")
}

// SignTicket0 returns the Ticket0-Signature header: "sha256=" and the hex
// HMAC-SHA256 of the body keyed by the secret as shown; after a rotation the
// signatures of both secrets, comma-separated, the new one first.
func SignTicket0(secrets []string, body []byte) string {
	var sigs []string
	for _, s := range secrets {
		mac := hmac.New(sha256.New, []byte(s))
		mac.Write(body)
		sigs = append(sigs, "sha256="+hex.EncodeToString(mac.Sum(nil)))
	}
	return strings.Join(sigs, ",")
}

// ---- one attempt ----------------------------------------------------------------

// Send makes one attempt: it renders and signs the body, posts it, and
// reports the answer with at most ticketd.WebhookBodyKept bytes of its body.
func (s *Sender) Send(ctx context.Context, req *ticketd.WebhookRequest) ticketd.WebhookResult {
	body, err := s.payload(req)
	if err != nil {
		return ticketd.WebhookResult{Err: fmt.Errorf("render payload: %w", err)}
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, req.Webhook.URL, bytes.NewReader(body))
	if err != nil {
		return ticketd.WebhookResult{Err: err}
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("User-Agent", "ticketd-webhooks/1")
	if req.Webhook.Format == ticketd.FormatTicket0 {
		hr.Header.Set("Ticket0-Signature", SignTicket0(req.Secrets, body))
	} else {
		hr.Header.Set("webhook-id", req.MessageID)
		hr.Header.Set("webhook-timestamp", strconv.FormatInt(req.Timestamp.Unix(), 10))
		hr.Header.Set("webhook-signature", SignStandard(req.Secrets, req.MessageID, req.Timestamp, body))
	}
	start := time.Now()
	resp, err := s.client.Do(hr)
	if err != nil {
		return ticketd.WebhookResult{Latency: time.Since(start), Err: cleanError(err)}
	}
	defer resp.Body.Close()
	kept, err := io.ReadAll(io.LimitReader(resp.Body, ticketd.WebhookBodyKept))
	res := ticketd.WebhookResult{StatusCode: resp.StatusCode, Latency: time.Since(start), Body: storable(kept)}
	if err != nil {
		res.Err = fmt.Errorf("read answer: %w", cleanError(err))
	}
	return res
}

// cleanError drops the URL from a client error (the log shows it already)
// and keeps the reason.
func cleanError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// storable makes an answer's body text both engines can store.
func storable(b []byte) string {
	return strings.ReplaceAll(strings.ToValidUTF8(string(b), "\uFFFD"), "\x00", "")
}

// ---- the worker -----------------------------------------------------------------

// Worker delivers due webhook deliveries until its context ends. Every node
// runs one; the claim gives each attempt to exactly one of them.
type Worker struct {
	Service *ticketd.Service
	Sender  ticketd.WebhookSender
	Logger  *slog.Logger
	// Interval is how long the worker sleeps when nothing is due.
	Interval time.Duration
	// Batch bounds the deliveries claimed (and attempted concurrently) at once.
	Batch int
}

// Run delivers until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	batch := w.Batch
	if batch <= 0 {
		batch = 16
	}
	for {
		n, err := w.Service.DeliverWebhooksDue(ctx, w.Sender, batch)
		if err != nil && ctx.Err() == nil {
			w.Logger.Warn("webhook delivery", "err", err)
		}
		if n > 0 && err == nil {
			continue // there may be more due, or successors just unblocked
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(w.Interval):
		}
	}
}
