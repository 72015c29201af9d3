package identity

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
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

// countingSource is an in-process KeySource that counts key-set reads.
type countingSource struct {
	key   jose.JSONWebKey
	reads atomic.Int64
	fail  atomic.Bool
}

func (s *countingSource) Metadata(context.Context) (*Metadata, error) {
	return &Metadata{Issuer: "https://issuer.test", TokenEndpoint: "https://issuer.test/token"}, nil
}

func (s *countingSource) Keys(context.Context, *Metadata) (*jose.JSONWebKeySet, error) {
	s.reads.Add(1)
	if s.fail.Load() {
		return nil, provider.Errorf(provider.Unavailable, "issuer down")
	}
	return &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{s.key.Public()}}, nil
}

func newSource(t testing.TB) *countingSource {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return &countingSource{key: jose.JSONWebKey{Key: priv, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}
}

func testPolicy() Policy {
	p := DefaultPolicy()
	p.Issuer, p.Audiences = "https://issuer.test", []string{"eim"}
	return p
}

func sign(t testing.TB, key jose.JSONWebKey, claims map[string]any) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(key.Algorithm), Key: key}, nil)
	require.NoError(t, err)
	b, err := json.Marshal(claims)
	require.NoError(t, err)
	obj, err := s.Sign(b)
	require.NoError(t, err)
	raw, err := obj.CompactSerialize()
	require.NoError(t, err)
	return raw
}

func claimsNow() map[string]any {
	now := time.Now()
	return map[string]any{"iss": "https://issuer.test", "aud": "eim", "sub": "s", "exp": now.Add(time.Minute).Unix(), "iat": now.Unix()}
}

// TestUnknownKidFlood: however many tokens with unknown key ids arrive at once, the key set
// is fetched at most once per minimum interval, and concurrent lookups share that fetch.
func TestUnknownKidFlood(t *testing.T) {
	src := newSource(t)
	p := testPolicy()
	p.RefetchInterval = provider.Duration(time.Hour)
	v, err := NewVerifier(p, src, nil)
	require.NoError(t, err)
	require.NoError(t, v.Ready(context.Background()))
	require.EqualValues(t, 1, src.reads.Load())

	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			raw := sign(t, jose.JSONWebKey{Key: priv, KeyID: fmt.Sprintf("unknown-%d", i), Algorithm: "ES256"}, claimsNow())
			_, err := v.Verify(context.Background(), raw)
			assert.Equal(t, provider.Unauthenticated, provider.CodeOf(err))
		}()
	}
	wg.Wait()
	assert.LessOrEqual(t, src.reads.Load(), int64(2), "one fetch at start, at most one for the whole flood")
	_, err = v.Verify(context.Background(), sign(t, src.key, claimsNow()))
	assert.NoError(t, err, "known keys keep verifying")
}

// TestStaleKeysSurviveOutage: a key set older than its maximum age is refreshed in the
// background; when the issuer is down the cached keys stay in use.
func TestStaleKeysSurviveOutage(t *testing.T) {
	src := newSource(t)
	p := testPolicy()
	p.KeysMaxAge = provider.Duration(time.Millisecond)
	v, err := NewVerifier(p, src, nil)
	require.NoError(t, err)
	require.NoError(t, v.Ready(context.Background()))
	src.fail.Store(true)
	clock := time.Now()
	v.keys.now = func() time.Time { clock = clock.Add(time.Minute); return clock }
	for range 5 {
		_, err := v.Verify(context.Background(), sign(t, src.key, claimsNow()))
		require.NoError(t, err)
	}
	assert.NoError(t, v.Ready(context.Background()))
}

func TestVerifierNotReadyWithoutKeys(t *testing.T) {
	src := newSource(t)
	src.fail.Store(true)
	v, err := NewVerifier(testPolicy(), src, nil)
	require.NoError(t, err)
	err = v.Ready(context.Background())
	assert.Equal(t, provider.Unavailable, provider.CodeOf(err))
	_, err = v.Verify(context.Background(), sign(t, src.key, claimsNow()))
	assert.Equal(t, provider.Unavailable, provider.CodeOf(err), "no keys yet: unavailable, not a bad token")
	src.fail.Store(false)
	assert.NoError(t, v.Ready(context.Background()))
}
