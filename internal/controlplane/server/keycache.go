package server

import (
	"sync"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

const (
	// keyCacheTTL is how long a verified API key is trusted without reading
	// it again: a revocation made on another replica takes effect there
	// within this (one made here, at once). Expiry, grace periods, source
	// addresses and rate limits are still checked on every request.
	keyCacheTTL = time.Second
	// keyCacheMax bounds the cache; past it, it starts again empty.
	keyCacheMax = 10000
)

// keyCache keeps recently verified API keys by secret hash, so that a
// request costs no key lookup. Reads see immutable *store.APIKey values.
type keyCache struct {
	mu sync.Mutex
	m  map[string]cachedKey
	// gen counts invalidations: a lookup that started before one must not
	// put back what it read.
	gen uint64
	// now is the wall clock (the control plane's own may be simulated).
	now func() time.Time
}

type cachedKey struct {
	key *store.APIKey
	at  time.Time
}

func newKeyCache() *keyCache { return &keyCache{m: map[string]cachedKey{}, now: time.Now} }

// get returns the cached key of hash, or nil, and the generation to pass to
// put after reading it from the store.
func (c *keyCache) get(hash string) (*store.APIKey, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[hash]
	if ok && c.now().Sub(e.at) < keyCacheTTL {
		return e.key, c.gen
	}
	if ok {
		delete(c.m, hash)
	}
	return nil, c.gen
}

func (c *keyCache) put(hash string, k *store.APIKey, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.m) >= keyCacheMax {
		clear(c.m)
	}
	c.m[hash] = cachedKey{key: k, at: c.now()}
}

// touched records a use written to the store, keeping the entry's age.
func (c *keyCache) touched(hash string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[hash]; ok {
		k := *e.key
		k.LastUsedAt = &at
		e.key = &k
		c.m[hash] = e
	}
}

// invalidate forgets every key: called on every change to a key here.
func (c *keyCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
}
