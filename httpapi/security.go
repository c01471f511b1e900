package httpapi

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// NoStore marks a response that shows a secret (a new API key, a webhook
// secret) as one no cache, proxy or browser history may keep. Call it before
// writing the response.
func NoStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache") // HTTP/1.0 caches
}

// Stream lifts the server's read and write deadlines for a response that
// is meant to stay open (server-sent events, GET /v1/events): the server's
// WriteTimeout is what stops a stalled download from holding a connection,
// so a stream opts out explicitly, here, and nothing else does. It returns
// an error when the writer cannot change its deadlines.
func Stream(w http.ResponseWriter) error {
	rc := http.NewResponseController(w)
	if err := rc.SetWriteDeadline(time.Time{}); err != nil {
		return fmt.Errorf("stream: lift write deadline: %w", err)
	}
	if err := rc.SetReadDeadline(time.Time{}); err != nil {
		return fmt.Errorf("stream: lift read deadline: %w", err)
	}
	return nil
}

// DownloadStall is how long a download may make no progress before the
// connection is dropped (a variable so that a test can shorten it).
var DownloadStall = 30 * time.Second

// CopyDownload sends a long body (an attachment) in chunks, moving the write
// deadline before each one: a slow but live client gets the whole file,
// while one that stops reading is cut after DownloadStall, as the server's
// WriteTimeout would cut any other response.
func CopyDownload(w http.ResponseWriter, body io.Reader) error {
	rc := http.NewResponseController(w)
	buf := make([]byte, 256<<10)
	for {
		n, err := body.Read(buf)
		if n > 0 {
			_ = rc.SetWriteDeadline(time.Now().Add(DownloadStall))
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// ServeDownload answers a stored file as a download: its stored type and
// size, always Content-Disposition: attachment and nosniff, so that an HTML
// or SVG file a customer or an integration uploaded never runs in an agent's
// browser; the body is sent with CopyDownload.
func ServeDownload(w http.ResponseWriter, contentType, filename string, size int64, body io.Reader) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
	_ = CopyDownload(w, body) // an error here is the client's going away
}

// UploadStall is how long an upload may make no progress before the
// connection is dropped.
const UploadStall = 30 * time.Second

// uploadBody reads a long request body (an upload of up to 30 MB), moving
// the read deadline before each read: a slow but live client gets its whole
// file through, while one that stops sending is cut after UploadStall, as the
// server's ReadTimeout would cut any other request.
type uploadBody struct {
	r  io.Reader
	rc *http.ResponseController
}

func (u *uploadBody) Read(p []byte) (int, error) {
	_ = u.rc.SetReadDeadline(time.Now().Add(UploadStall))
	return u.r.Read(p)
}

// ---- client addresses behind reverse proxies ---------------------------------

const clientIPKey ctxKey = 1

// ParseTrustedProxies reads a comma-separated list of addresses and CIDR
// prefixes (`127.0.0.1,10.0.0.0/8`) of reverse proxies whose
// X-Forwarded-For may be believed.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range strings.Split(s, ",") {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if !strings.Contains(v, "/") {
			a, err := netip.ParseAddr(v)
			if err != nil {
				return nil, fmt.Errorf("%q is not an IP address or CIDR prefix", v)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR prefix", v)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// ClientIP is the address of the client that sent r: the peer, or, when the
// peer is a trusted proxy, the nearest address in X-Forwarded-For that is not
// one (ClientAddresses put it in the context). Logs and rate limits key on it.
func ClientIP(r *http.Request) netip.Addr {
	if a, ok := r.Context().Value(clientIPKey).(netip.Addr); ok {
		return a
	}
	return peerAddr(r)
}

func peerAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

func trusted(a netip.Addr, proxies []netip.Prefix) bool {
	for _, p := range proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientAddresses resolves each request's client address once. The
// X-Forwarded-For header is read right to left, because each proxy appends
// the address it saw: the rightmost entries are the ones our proxies wrote,
// and the first untrusted one is the client. Without trusted proxies the
// header is ignored, as anyone can send it.
func ClientAddresses(proxies []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client := peerAddr(r)
		if len(proxies) > 0 && trusted(client, proxies) {
			hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
			for i := len(hops) - 1; i >= 0; i-- {
				a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
				if err != nil {
					break // a garbled hop: trust nothing further left
				}
				client = a.Unmap()
				if !trusted(client, proxies) {
					break
				}
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientIPKey, client)))
	})
}

// SecurityHeaders sets what every response of ticketd should carry:
// nosniff, so that no browser runs a JSON body or an attachment as HTML or
// script.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}
