package ticketd

import (
	"sync"
	"time"
)

// keyCacheTTL is how long a node trusts an API key it verified without
// asking the database again. A revoked key stops working on this node at
// once (DeleteAPIKey clears the cache) and on every other node within
// keyCacheTTL, the bound CONTRACT.md promises; nothing another node needs is
// kept here, and a node that restarts simply starts with an empty cache.
const keyCacheTTL = time.Second

// maxCachedKeys bounds the cache; when it is full it starts over, so a
// caller cycling through many valid keys costs look-ups, not memory.
const maxCachedKeys = 10000

// keyCache remembers the principals of recently verified keys, by the
// SHA-256 of the raw key (the raw key is never kept). Only successes are
// cached: an unknown key always costs a look-up, so creating a key never
// waits for a cache to expire.
type keyCache struct {
	mu      sync.Mutex
	entries map[[32]byte]cachedKey
	// now is the cache's clock: the monotonic time.Now, not the service's
	// clock, which tests pin and which must not keep a revoked key alive.
	now func() time.Time
}

func (c *keyCache) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

type cachedKey struct {
	p       Principal
	expires time.Time
}

func (c *keyCache) get(sum [32]byte) (*Principal, bool) {
	now := c.clock()
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[sum]
	if !ok || !now.Before(e.expires) {
		return nil, false
	}
	p := e.p // a copy: callers may not change the cached one
	return &p, true
}

func (c *keyCache) put(sum [32]byte, p *Principal) {
	now := c.clock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= maxCachedKeys {
		c.entries = make(map[[32]byte]cachedKey)
	}
	c.entries[sum] = cachedKey{p: *p, expires: now.Add(keyCacheTTL)}
}

func (c *keyCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = nil
}
