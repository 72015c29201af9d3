package identity

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/eim-byoi/eim/providers/provider"
)

// fetchTimeout bounds one background fetch of the key set when the caller gave no deadline.
const fetchTimeout = 30 * time.Second

// keySnapshot is one fetched key set, indexed by key id.
type keySnapshot struct {
	byKID   map[string]*jose.JSONWebKey
	keys    []*jose.JSONWebKey
	algs    []string // allowed algorithms: policy ∩ what the issuer advertises
	fetched time.Time
}

// find returns the keys that may verify a token signed with alg under kid: the key with that
// id, or every key of a compatible type when the token names no key.
func (s *keySnapshot) find(kid, alg string) []*jose.JSONWebKey {
	if kid != "" {
		if k, ok := s.byKID[kid]; ok && keyFits(k, alg) {
			return []*jose.JSONWebKey{k}
		}
		return nil
	}
	var out []*jose.JSONWebKey
	for _, k := range s.keys {
		if keyFits(k, alg) {
			out = append(out, k)
		}
	}
	return out
}

// fetchFunc returns the current public key set and the algorithms allowed with it.
type fetchFunc func(ctx context.Context) (*jose.JSONWebKeySet, []string, error)

// keyCache holds the issuer's key set. A lookup of an unknown key id refetches it, at most once
// per minimum interval however many lookups ask (single-flight); a key set older than maxAge
// is refreshed in the background while it stays in use; a failed fetch keeps the last good set.
type keyCache struct {
	fetch       fetchFunc
	minInterval time.Duration
	maxAge      time.Duration
	now         func() time.Time
	log         *slog.Logger

	set     atomic.Pointer[keySnapshot]
	fetches atomic.Int64

	mu          sync.Mutex
	inflight    *flight
	lastUnknown time.Time // last fetch started for an unknown key id
	lastStale   time.Time // last fetch started because the key set was old
	lastErr     error
}

// Why a fetch starts: forced ones (startup, readiness, after a local rotation) always start;
// the others at most once per minimum interval each.
type reason int

const (
	forced reason = iota
	unknownKey
	stale
)

type flight struct {
	done chan struct{}
	err  error
}

func newKeyCache(fetch fetchFunc, minInterval, maxAge time.Duration, log *slog.Logger) *keyCache {
	return &keyCache{fetch: fetch, minInterval: minInterval, maxAge: maxAge, now: time.Now, log: log}
}

// snapshot returns the current key set, nil before the first successful fetch.
func (c *keyCache) snapshot() *keySnapshot { return c.set.Load() }

// lookup returns the candidate keys for kid and alg and the allowed algorithms.
func (c *keyCache) lookup(ctx context.Context, kid, alg string) ([]*jose.JSONWebKey, error) {
	s := c.set.Load()
	if s != nil {
		if keys := s.find(kid, alg); len(keys) > 0 {
			if c.now().Sub(s.fetched) > c.maxAge {
				c.refreshAsync()
			}
			return keys, nil
		}
	}
	err := c.refresh(ctx, false)
	if s2 := c.set.Load(); s2 != nil {
		if keys := s2.find(kid, alg); len(keys) > 0 {
			return keys, nil
		}
		if err != nil && err != errRateLimited {
			return nil, provider.Errorf(provider.Unauthenticated, "signing key %.64q is unknown (the key set could not be refreshed: %v)", kid, err)
		}
		return nil, provider.Errorf(provider.Unauthenticated, "signing key %.64q is unknown to the issuer", kid)
	}
	return nil, provider.Errorf(provider.Unavailable, "the issuer's keys are not available yet: %v", c.lastError(err))
}

// errRateLimited is returned by refresh when the minimum interval has not passed.
var errRateLimited = fmt.Errorf("key set fetched less than the minimum interval ago")

func (c *keyCache) lastError(err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == errRateLimited && c.lastErr != nil {
		return c.lastErr
	}
	return err
}

// refresh fetches the key set now unless a fetch is in flight (it then waits for that one) or,
// unless force is set, the last fetch for an unknown key id started less than the minimum
// interval ago. Only unforced fetches (unknown key ids, which anyone can send) are rate limited.
func (c *keyCache) refresh(ctx context.Context, force bool) error {
	why := unknownKey
	if force {
		why = forced
	}
	f, err := c.start(why)
	if f == nil {
		return err
	}
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *keyCache) refreshAsync() {
	_, _ = c.start(stale)
}

// start returns the fetch in flight, starting one if allowed; nil and why when not allowed.
func (c *keyCache) start(why reason) (*flight, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inflight != nil {
		return c.inflight, nil
	}
	var last *time.Time
	switch why {
	case unknownKey:
		last = &c.lastUnknown
	case stale:
		last = &c.lastStale
	}
	if last != nil {
		if !last.IsZero() && c.now().Sub(*last) < c.minInterval {
			return nil, errRateLimited
		}
		*last = c.now()
	}
	f := &flight{done: make(chan struct{})}
	c.inflight = f
	go c.run(f)
	return f, nil
}

func (c *keyCache) run(f *flight) {
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	c.fetches.Add(1)
	set, algs, err := c.fetch(ctx)
	if err == nil {
		c.set.Store(index(set, algs, c.now()))
	} else if c.set.Load() != nil {
		c.log.Warn("identity: refreshing the issuer's key set failed; the cached keys stay in use", "error", err)
	}
	c.mu.Lock()
	c.inflight, c.lastErr, f.err = nil, err, err
	c.mu.Unlock()
	close(f.done)
}

// index builds a snapshot of the signature keys of set.
func index(set *jose.JSONWebKeySet, algs []string, now time.Time) *keySnapshot {
	s := &keySnapshot{byKID: map[string]*jose.JSONWebKey{}, algs: algs, fetched: now}
	for i := range set.Keys {
		if set.Keys[i].Use == "enc" {
			continue
		}
		pub := set.Keys[i].Public() // symmetric keys are never taken from a key set
		if pub.Key == nil {
			continue
		}
		k := &pub
		s.keys = append(s.keys, k)
		if k.KeyID != "" {
			s.byKID[k.KeyID] = k
		}
	}
	return s
}
