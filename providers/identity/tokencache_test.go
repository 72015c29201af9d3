package identity

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
)

// swapSource is an in-process KeySource whose key set can be replaced, and which fails while
// fail is set.
type swapSource struct {
	keys atomic.Pointer[[]jose.JSONWebKey]
	fail atomic.Bool
}

func (s *swapSource) Metadata(context.Context) (*Metadata, error) {
	if s.fail.Load() {
		return nil, provider.Errorf(provider.Unavailable, "the issuer is down")
	}
	return &Metadata{Issuer: "https://issuer.test", TokenEndpoint: "https://issuer.test/token"}, nil
}

func (s *swapSource) Keys(context.Context, *Metadata) (*jose.JSONWebKeySet, error) {
	set := &jose.JSONWebKeySet{}
	for _, k := range *s.keys.Load() {
		set.Keys = append(set.Keys, k.Public())
	}
	return set, nil
}

func (s *swapSource) set(keys ...jose.JSONWebKey) { s.keys.Store(&keys) }

func newKey(t testing.TB, kid string) jose.JSONWebKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return jose.JSONWebKey{Key: priv, KeyID: kid, Algorithm: "ES256", Use: "sig"}
}

// cacheBed is a verifier with a token cache over a swapSource holding one key.
func cacheBed(t testing.TB, size int) (*Verifier, *swapSource, jose.JSONWebKey) {
	t.Helper()
	src := &swapSource{}
	k := newKey(t, "k1")
	src.set(k)
	p := testPolicy()
	p.TokenCacheSize = size
	p.RefetchInterval = provider.Duration(time.Hour) // unknown key ids are refused at once, never waited for
	v, err := NewVerifier(p, src, nil)
	require.NoError(t, err)
	require.NoError(t, v.Ready(context.Background()))
	return v, src, k
}

// TestTokenCacheAnswersRepeatedTokens: a token verified once is answered from the cache with
// the same Principal.
func TestTokenCacheAnswersRepeatedTokens(t *testing.T) {
	v, _, k := cacheBed(t, 16)
	raw := sign(t, k, claimsNow())
	first, err := v.Verify(context.Background(), raw)
	require.NoError(t, err)
	for range 3 {
		again, err := v.Verify(context.Background(), raw)
		require.NoError(t, err)
		assert.Same(t, first, again)
	}
	entries, hits := v.CachedTokens()
	assert.Equal(t, 1, entries)
	assert.EqualValues(t, 3, hits)
}

// TestTokenCacheRefusesExpired: a cached token is refused once its exp (and the clock skew)
// has passed, and an entry never outlives tokenCacheMaxTTL.
func TestTokenCacheRefusesExpired(t *testing.T) {
	v, _, k := cacheBed(t, 16)
	now := time.Now()
	v.now = func() time.Time { return now }
	c := claimsNow()
	raw := sign(t, k, c)
	_, err := v.Verify(context.Background(), raw)
	require.NoError(t, err)

	now = now.Add(time.Minute + DefaultClockSkew + time.Second)
	_, err = v.Verify(context.Background(), raw)
	require.Error(t, err)
	assert.Equal(t, provider.Unauthenticated, provider.CodeOf(err))
	assert.Contains(t, err.Error(), "expired")
	_, hits := v.CachedTokens()
	assert.Zero(t, hits)

	v.tokens.maxTTL = time.Second
	now = time.Now()
	long := claimsNow()
	long["exp"] = now.Add(time.Hour).Unix()
	raw = sign(t, k, long)
	_, err = v.Verify(context.Background(), raw)
	require.NoError(t, err)
	now = now.Add(2 * time.Second)
	_, err = v.Verify(context.Background(), raw)
	require.NoError(t, err, "verified again, not refused")
	_, hits = v.CachedTokens()
	assert.Zero(t, hits, "the entry ended after tokenCacheMaxTTL")
}

// TestTokenCacheDropsRemovedKeys: once the key that signed a cached token leaves the key set
// (or its id is reused for new key material), the next refresh drops the entry and the token
// is refused.
func TestTokenCacheDropsRemovedKeys(t *testing.T) {
	for _, tc := range []struct {
		name string
		next func(t *testing.T) jose.JSONWebKey
	}{
		{"kid removed", func(t *testing.T) jose.JSONWebKey { return newKey(t, "k2") }},
		{"kid reused for a new key", func(t *testing.T) jose.JSONWebKey { return newKey(t, "k1") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, src, k := cacheBed(t, 16)
			raw := sign(t, k, claimsNow())
			_, err := v.Verify(context.Background(), raw)
			require.NoError(t, err)
			src.set(tc.next(t))
			require.NoError(t, v.Refresh(context.Background()))
			entries, _ := v.CachedTokens()
			assert.Zero(t, entries)
			_, err = v.Verify(context.Background(), raw)
			require.Error(t, err)
			assert.Equal(t, provider.Unauthenticated, provider.CodeOf(err))
		})
	}
}

// TestTokenCacheKeepsEntriesOfKeptKeys: a refresh that keeps the signing key keeps the entry.
func TestTokenCacheKeepsEntriesOfKeptKeys(t *testing.T) {
	v, src, k := cacheBed(t, 16)
	raw := sign(t, k, claimsNow())
	_, err := v.Verify(context.Background(), raw)
	require.NoError(t, err)
	src.set(k, newKey(t, "k2"))
	require.NoError(t, v.Refresh(context.Background()))
	_, err = v.Verify(context.Background(), raw)
	require.NoError(t, err)
	_, hits := v.CachedTokens()
	assert.EqualValues(t, 1, hits)
}

// TestTokenCacheBounded: however many distinct tokens arrive, the cache holds at most its
// size, and the most recent token is still cached.
func TestTokenCacheBounded(t *testing.T) {
	for _, size := range []int{1, 64, 100} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			v, _, k := cacheBed(t, size)
			var last string
			for range 300 {
				last = sign(t, k, claimsNow())
				_, err := v.Verify(context.Background(), last)
				require.NoError(t, err)
			}
			entries, _ := v.CachedTokens()
			assert.LessOrEqual(t, entries, v.tokens.perShard*tokenShards)
			assert.Less(t, v.tokens.perShard*tokenShards, size+tokenShards)
			_, err := v.Verify(context.Background(), last)
			require.NoError(t, err)
			_, hits := v.CachedTokens()
			assert.EqualValues(t, 1, hits)
		})
	}
}

// TestTokenCacheOff: size 0 verifies every time.
func TestTokenCacheOff(t *testing.T) {
	v, _, k := cacheBed(t, 0)
	raw := sign(t, k, claimsNow())
	for range 2 {
		_, err := v.Verify(context.Background(), raw)
		require.NoError(t, err)
	}
	entries, hits := v.CachedTokens()
	assert.Zero(t, entries)
	assert.Zero(t, hits)
}

// TestTokenCacheConcurrentRotation: verifications racing key rotations never accept a token
// of a key that left the key set once the rotation's refresh has returned.
func TestTokenCacheConcurrentRotation(t *testing.T) {
	v, src, k1 := cacheBed(t, 32)
	k2 := newKey(t, "k2")
	src.set(k1, k2)
	require.NoError(t, v.Refresh(context.Background()))
	old := make([]string, 8)
	for i := range old {
		old[i] = sign(t, k1, claimsNow())
	}
	kept := sign(t, k2, claimsNow())

	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, _ = v.Verify(context.Background(), old[g])
				_, err := v.Verify(context.Background(), kept)
				assert.NoError(t, err)
			}
		}()
	}
	for range 20 {
		src.set(k1, k2)
		require.NoError(t, v.Refresh(context.Background()))
	}
	src.set(k2)
	require.NoError(t, v.Refresh(context.Background()))
	for _, raw := range old {
		_, err := v.Verify(context.Background(), raw)
		assert.Error(t, err, "a token of the removed key")
	}
	close(stop)
	wg.Wait()
	for _, raw := range old {
		_, err := v.Verify(context.Background(), raw)
		assert.Error(t, err, "a token of the removed key, after the racing verifications")
	}
}

func TestTokenCachePolicyValidation(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(p *Policy)
		field string
	}{
		{"negative size", func(p *Policy) { p.TokenCacheSize = -1 }, "tokenCacheSize"},
		{"huge size", func(p *Policy) { p.TokenCacheSize = MaxTokenCacheSize + 1 }, "tokenCacheSize"},
		{"no ttl", func(p *Policy) { p.TokenCacheMaxTTL = 0 }, "tokenCacheMaxTTL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := testPolicy()
			tc.edit(&p)
			err := p.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.field)
		})
	}
	p := testPolicy()
	p.TokenCacheSize, p.TokenCacheMaxTTL = 0, 0
	assert.NoError(t, p.Validate(), "a cache turned off needs no ttl")
}
