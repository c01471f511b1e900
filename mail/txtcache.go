package mail

import (
	"context"
	"sync"
	"time"

	"github.com/ticketd/ticketd/mail/domainauth"
	"golang.org/x/sync/singleflight"
)

// txtCache remembers the TXT answers of the sender checks (DKIM keys, DMARC
// policies, SPF records) for a short while and asks DNS once for concurrent
// look-ups of one name. Mail comes in bursts from few domains: without it,
// every email repeats the same three or four queries, and a resolver that
// drops packets under that load (the shared machine's did, at about 80
// queries at once) stalls each email for the resolver's 5 s timeout.
//
// Only answers are kept, records or "none"; a failure is not, so the next
// email asks again. A record changed in DNS applies to the mail received up
// to ttl later, which is far less than the TTLs DNS caches honour anyway.
// The cache is this process's own: nothing another node needs is in it.
type txtCache struct {
	resolver *domainauth.Resolver
	ttl      time.Duration
	// timeout bounds one shared look-up, whoever waits for it.
	timeout time.Duration

	flight singleflight.Group
	mu     sync.Mutex
	m      map[string]txtEntry
}

type txtEntry struct {
	recs    []string
	expires time.Time
}

// maxTXTEntries bounds the cache; when it is full, expired entries go, and
// if none has, all do (a flood of distinct domains gains nothing from it).
const maxTXTEntries = 4096

func (c *txtCache) lookupTXT(ctx context.Context, name string) ([]string, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.m[name]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.recs, nil
	}
	// The look-up runs apart from the caller who started it, so that the
	// others waiting for it are not failed by that caller giving up.
	ch := c.flight.DoChan(name, func() (any, error) {
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
		defer cancel()
		recs, err := c.resolver.LookupTXT(lctx, name)
		if err == nil {
			c.put(name, recs)
		}
		return recs, err
	})
	select {
	case r := <-ch:
		recs, _ := r.Val.([]string)
		return recs, r.Err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *txtCache) put(name string, recs []string) {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]txtEntry)
	}
	if len(c.m) >= maxTXTEntries {
		for k, e := range c.m {
			if !now.Before(e.expires) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= maxTXTEntries {
			clear(c.m)
		}
	}
	c.m[name] = txtEntry{recs: recs, expires: now.Add(c.ttl)}
}
