package identity

import (
	"container/list"
	"crypto/sha256"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of the verified-token cache (Policy.TokenCacheSize, Policy.TokenCacheMaxTTL).
const (
	DefaultTokenCacheSize   = 100_000
	MaxTokenCacheSize       = 10_000_000
	DefaultTokenCacheMaxTTL = 5 * time.Minute
)

// tokenShards is the number of independently locked parts of the cache.
const tokenShards = 32

// hmacKeyID stands for the shared HMAC key in a cache entry: it never leaves a key set.
const hmacKeyID = "\x00hmac"

// tokenCache remembers the Principals of verified tokens, keyed by the SHA-256 of the token,
// so that an agent sending the same token every few seconds is verified once. It is bounded
// (least recently used entries go first, per shard); an entry is served until the token's
// exp (never later than maxTTL after it was verified) and only while the key that verified it
// is in the issuer's key set: every new key set drops the entries of the keys it no longer
// holds (see purge).
type tokenCache struct {
	shards   [tokenShards]tokenShard
	perShard int
	maxTTL   time.Duration
	hits     atomic.Int64
	misses   atomic.Int64 // lookups that found no valid entry: the token was verified
}

type tokenShard struct {
	mu  sync.Mutex
	m   map[[sha256.Size]byte]*list.Element
	lru list.List // of *tokenEntry, most recently used first
}

type tokenEntry struct {
	sum   [sha256.Size]byte
	p     *Principal
	key   string // which key verified it: keyID(k), or hmacKeyID
	until time.Time
}

// newTokenCache returns a cache of at most size entries, nil (no cache) when size is 0.
func newTokenCache(size int, maxTTL time.Duration) *tokenCache {
	if size <= 0 || maxTTL <= 0 {
		return nil
	}
	c := &tokenCache{perShard: max(1, (size+tokenShards-1)/tokenShards), maxTTL: maxTTL}
	for i := range c.shards {
		c.shards[i].m = map[[sha256.Size]byte]*list.Element{}
	}
	return c
}

func (c *tokenCache) shard(sum [sha256.Size]byte) *tokenShard { return &c.shards[sum[0]%tokenShards] }

// get returns the Principal cached for the token hashed to sum, if it is still valid at now.
func (c *tokenCache) get(sum [sha256.Size]byte, now time.Time) *Principal {
	s := c.shard(sum)
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.m[sum]
	if !ok {
		c.misses.Add(1)
		return nil
	}
	e := el.Value.(*tokenEntry)
	if !now.Before(e.until) {
		s.lru.Remove(el)
		delete(s.m, sum)
		c.misses.Add(1)
		return nil
	}
	s.lru.MoveToFront(el)
	c.hits.Add(1)
	return e.p
}

// put caches p, verified at now by the key named key, until the token's expiry or maxTTL.
func (c *tokenCache) put(sum [sha256.Size]byte, p *Principal, key string, now time.Time) {
	until := now.Add(c.maxTTL)
	if p.Expiry.Before(until) {
		until = p.Expiry
	}
	if !now.Before(until) {
		return
	}
	s := c.shard(sum)
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.m[sum]; ok {
		el.Value = &tokenEntry{sum: sum, p: p, key: key, until: until}
		s.lru.MoveToFront(el)
		return
	}
	s.m[sum] = s.lru.PushFront(&tokenEntry{sum: sum, p: p, key: key, until: until})
	for s.lru.Len() > c.perShard {
		old := s.lru.Back()
		s.lru.Remove(old)
		delete(s.m, old.Value.(*tokenEntry).sum)
	}
}

// drop removes the entry of sum if it was verified by key.
func (c *tokenCache) drop(sum [sha256.Size]byte, key string) {
	s := c.shard(sum)
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.m[sum]; ok && el.Value.(*tokenEntry).key == key {
		s.lru.Remove(el)
		delete(s.m, sum)
	}
}

// purge drops every entry verified by a key that keep does not hold.
func (c *tokenCache) purge(keep func(key string) bool) int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		for el := s.lru.Front(); el != nil; {
			next := el.Next()
			if e := el.Value.(*tokenEntry); !keep(e.key) {
				s.lru.Remove(el)
				delete(s.m, e.sum)
				n++
			}
			el = next
		}
		s.mu.Unlock()
	}
	return n
}

// len returns the number of entries.
func (c *tokenCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += s.lru.Len()
		s.mu.Unlock()
	}
	return n
}
