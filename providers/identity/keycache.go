package identity

import (
	"context"
	"crypto"
	"encoding/base64"
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
	ids     map[*jose.JSONWebKey]string // each key's identity (see keyID)
	held    map[string]bool             // the identities of the keys
}

// keyID names a key by its id and its RFC 7638 thumbprint, so that a key id the issuer
// reuses for new key material names another key.
func keyID(k *jose.JSONWebKey) string {
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return k.KeyID
	}
	return k.KeyID + "#" + base64.RawURLEncoding.EncodeToString(tp)
}

// holds reports whether the key set holds the key named id (see keyID).
func (s *keySnapshot) holds(id string) bool { return s != nil && s.held[id] }

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

// MaxUnknownKeyWait bounds how long a token with an unknown key id waits for the next allowed
// fetch of the key set (see Policy.RefetchInterval): with a longer interval, a token arriving
// more than this before the next allowed fetch is rejected at once.
const MaxUnknownKeyWait = 30 * time.Second

// keyCache holds the issuer's key set. A lookup of an unknown key id waits for a fetch that
// starts after it arrived: fetches for unknown key ids start at most once per minimum interval
// however many lookups ask, and every lookup waiting shares the next one (single-flight), so a
// token signed with a key the issuer has just rotated in is accepted, never rejected because
// another fetch happened moments before. A key set older than maxAge is refreshed in the
// background while it stays in use; a failed fetch keeps the last good set.
type keyCache struct {
	fetch       fetchFunc
	minInterval time.Duration
	maxAge      time.Duration
	maxWait     time.Duration
	now         func() time.Time
	sleep       func(ctx context.Context, d time.Duration) error // waits d or until ctx ends
	log         *slog.Logger
	swapped     func(*keySnapshot) // called after each new key set is in place, if set

	set      atomic.Pointer[keySnapshot]
	fetches  atomic.Int64 // key-set fetches started
	fetched  atomic.Int64 // key-set fetches that succeeded
	failures atomic.Int64 // key-set fetches that failed

	mu          sync.Mutex
	seq         uint64    // fetches started so far; flight.seq numbers them
	inflight    *flight   // the fetch in progress, if any
	last        *flight   // the last fetch that ended
	lastUnknown time.Time // last fetch started for an unknown key id
	lastStale   time.Time // last fetch started because the key set was old
	lastErr     error
	waits       atomic.Int64 // lookups that waited for the next allowed fetch
}

// Why a fetch starts: forced ones (startup, readiness, after a local rotation) always start;
// the others at most once per minimum interval each.
type reason int

const (
	forced reason = iota
	unknownKey
	stale
)

// flight is one fetch of the key set.
type flight struct {
	seq  uint64
	done chan struct{}
	err  error
}

func newKeyCache(fetch fetchFunc, minInterval, maxAge time.Duration, log *slog.Logger) *keyCache {
	return &keyCache{fetch: fetch, minInterval: minInterval, maxAge: maxAge, maxWait: min(minInterval, MaxUnknownKeyWait),
		now: time.Now, sleep: sleep, log: log}
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// snapshot returns the current key set, nil before the first successful fetch.
func (c *keyCache) snapshot() *keySnapshot { return c.set.Load() }

// lookup returns the candidate keys for kid and alg and the key set they come from. An unknown
// kid waits for a fetch of the key set that starts after the lookup (see keyCache), bounded by
// ctx and maxWait.
func (c *keyCache) lookup(ctx context.Context, kid, alg string) ([]*jose.JSONWebKey, *keySnapshot, error) {
	s := c.set.Load()
	if s != nil {
		if keys := s.find(kid, alg); len(keys) > 0 {
			c.touch()
			return keys, s, nil
		}
	}
	var err error
	if s == nil {
		err = c.refresh(ctx, false) // no keys yet: join any fetch, wait for no interval
	} else {
		err = c.refreshAfter(ctx, unknownKey)
	}
	if s2 := c.set.Load(); s2 != nil {
		if keys := s2.find(kid, alg); len(keys) > 0 {
			return keys, s2, nil
		}
		switch {
		case err == errRateLimited:
			return nil, nil, provider.Errorf(provider.Unauthenticated,
				"signing key %.64q is unknown (the key set was fetched less than the refetch interval ago, and the next fetch is more than %s away)", kid, c.maxWait)
		case err != nil:
			return nil, nil, provider.Errorf(provider.Unauthenticated, "signing key %.64q is unknown (the key set could not be refreshed: %v)", kid, clip(err.Error(), maxReason))
		}
		return nil, nil, provider.Errorf(provider.Unauthenticated, "signing key %.64q is unknown to the issuer", kid)
	}
	return nil, nil, provider.Errorf(provider.Unavailable, "the issuer's keys are not available yet: %v", c.lastError(err))
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
// interval ago (errRateLimited, at once). Only unforced fetches (unknown key ids, which anyone
// can send) are rate limited.
func (c *keyCache) refresh(ctx context.Context, force bool) error {
	why := unknownKey
	if force {
		why = forced
	}
	c.mu.Lock()
	f, _, err := c.start(why, 0, false)
	c.mu.Unlock()
	if f == nil {
		return err
	}
	return c.await(ctx, f)
}

// refreshAfter returns the outcome of a fetch that starts after the call: it joins such a
// fetch in flight, waits for an older one to end, and starts one as soon as why allows, waiting
// for the next allowed start of a rate-limited fetch when it is at most maxWait away (else
// errRateLimited). Every caller waiting shares the same next fetch.
func (c *keyCache) refreshAfter(ctx context.Context, why reason) error {
	c.mu.Lock()
	since := c.seq
	c.mu.Unlock()
	waited := false
	for {
		c.mu.Lock()
		f, wait, err := c.start(why, since, true)
		c.mu.Unlock()
		switch {
		case f != nil:
			if err := c.await(ctx, f); f.seq > since || ctx.Err() != nil {
				return err
			}
			continue // an older fetch ended: now ours may start
		case err != nil:
			return err
		}
		if !waited {
			c.waits.Add(1)
			waited = true
		}
		if err := c.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

func (c *keyCache) await(ctx context.Context, f *flight) error {
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// touch starts a background refresh when the key set is older than maxAge: a lookup does it,
// and so does a verification answered from the token cache.
func (c *keyCache) touch() {
	if s := c.set.Load(); s != nil && c.now().Sub(s.fetched) > c.maxAge {
		c.refreshAsync()
	}
}

func (c *keyCache) refreshAsync() {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, _, _ = c.start(stale, 0, false)
}

// start returns, with c.mu held, the fetch a caller should wait for, starting one if allowed.
// With after set, only a fetch numbered above since counts as done (a fetch in flight that
// started earlier is returned to wait for, and then the caller asks again); a rate-limited
// fetch returns how long until it may start, or errRateLimited when that is beyond maxWait.
// Without after, any fetch in flight is joined and a rate-limited one is errRateLimited.
func (c *keyCache) start(why reason, since uint64, after bool) (*flight, time.Duration, error) {
	if c.inflight != nil {
		return c.inflight, 0, nil
	}
	if after && c.last != nil && c.last.seq > since {
		return c.last, 0, nil
	}
	var last *time.Time
	switch why {
	case unknownKey:
		last = &c.lastUnknown
	case stale:
		last = &c.lastStale
	}
	if last != nil && !last.IsZero() {
		if wait := last.Add(c.minInterval).Sub(c.now()); wait > 0 {
			if !after || wait > c.maxWait {
				return nil, 0, errRateLimited
			}
			return nil, wait, nil
		}
	}
	if last != nil {
		*last = c.now()
	}
	c.seq++
	f := &flight{seq: c.seq, done: make(chan struct{})}
	c.inflight = f
	go c.run(f)
	return f, 0, nil
}

func (c *keyCache) run(f *flight) {
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	c.fetches.Add(1)
	set, algs, err := c.fetch(ctx)
	if err != nil {
		c.failures.Add(1)
	} else {
		c.fetched.Add(1)
	}
	if err == nil {
		s := index(set, algs, c.now())
		c.set.Store(s)
		if c.swapped != nil {
			c.swapped(s)
		}
	} else if c.set.Load() != nil {
		c.log.Warn("identity: refreshing the issuer's key set failed; the cached keys stay in use", "error", err)
	}
	c.mu.Lock()
	c.inflight, c.last, c.lastErr, f.err = nil, f, err, err
	c.mu.Unlock()
	close(f.done)
}

// index builds a snapshot of the signature keys of set.
func index(set *jose.JSONWebKeySet, algs []string, now time.Time) *keySnapshot {
	s := &keySnapshot{byKID: map[string]*jose.JSONWebKey{}, algs: algs, fetched: now,
		ids: map[*jose.JSONWebKey]string{}, held: map[string]bool{}}
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
		s.ids[k] = keyID(k)
		s.held[s.ids[k]] = true
		if k.KeyID != "" {
			s.byKID[k.KeyID] = k
		}
	}
	return s
}
