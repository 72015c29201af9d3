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

// rotatingSource is an in-process issuer whose published keys the test changes. Keys takes
// its snapshot of the published keys when called, then waits for gate when one is set, as a
// slow issuer answering with the set it had when the request arrived.
type rotatingSource struct {
	mu        sync.Mutex
	published []jose.JSONWebKey
	gate      chan struct{}
	reads     atomic.Int64
}

func (s *rotatingSource) Metadata(context.Context) (*Metadata, error) {
	return &Metadata{Issuer: "https://issuer.test", TokenEndpoint: "https://issuer.test/token"}, nil
}

func (s *rotatingSource) Keys(ctx context.Context, _ *Metadata) (*jose.JSONWebKeySet, error) {
	s.reads.Add(1)
	s.mu.Lock()
	set := &jose.JSONWebKeySet{}
	for _, k := range s.published {
		set.Keys = append(set.Keys, k.Public())
	}
	gate := s.gate
	s.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return set, nil
}

// rotate publishes a new key next to the others and returns it.
func (s *rotatingSource) rotate(t *testing.T) jose.JSONWebKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	s.mu.Lock()
	defer s.mu.Unlock()
	k := jose.JSONWebKey{Key: priv, KeyID: fmt.Sprintf("k%d", len(s.published)+1), Algorithm: "ES256", Use: "sig"}
	s.published = append(s.published, k)
	return k
}

// fakeTime is a clock that moves only when the key cache sleeps (or the test moves it), so
// that the refetch interval is exercised without a single real wait.
type fakeTime struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
	// block, when set, makes each sleep wait for it to close instead of moving the clock.
	block chan struct{}
}

func (f *fakeTime) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeTime) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.slept = append(f.slept, d)
	block := f.block
	if block == nil {
		f.now = f.now.Add(d)
	}
	f.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return ctx.Err()
}

func (f *fakeTime) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func (f *fakeTime) sleeps() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.slept)
}

// rotationVerifier returns a ready verifier over a source publishing one key, on a fake clock.
func rotationVerifier(t *testing.T) (*Verifier, *rotatingSource, *fakeTime, jose.JSONWebKey) {
	t.Helper()
	src := &rotatingSource{}
	k1 := src.rotate(t)
	v, err := NewVerifier(testPolicy(), src, nil) // refetchInterval: the default 30s
	require.NoError(t, err)
	clock := &fakeTime{now: time.Now()}
	v.keys.now, v.keys.sleep = clock.Now, clock.Sleep
	require.NoError(t, v.Ready(context.Background()))
	return v, src, clock, k1
}

// forgedToken is a token signed by a key the issuer never published.
func forgedToken(t *testing.T, kid string) string {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return sign(t, jose.JSONWebKey{Key: priv, KeyID: kid, Algorithm: "ES256"}, claimsNow())
}

// TestRotatedKeyRightAfterRefetch is the flaky rotation of issue 16 made deterministic: a
// token signed with a key the issuer rotated in moments after an unknown-kid refetch used the
// minimum interval waits for the next allowed refetch and is accepted, instead of being
// rejected until the interval has passed.
func TestRotatedKeyRightAfterRefetch(t *testing.T) {
	v, src, clock, k1 := rotationVerifier(t)
	ctx := context.Background()
	_, err := v.Verify(ctx, forgedToken(t, "forged"))
	require.ErrorContains(t, err, "unknown to the issuer")
	require.EqualValues(t, 2, src.reads.Load(), "startup, then the unknown kid")

	k2 := src.rotate(t)
	p, err := v.Verify(ctx, sign(t, k2, claimsNow()))
	require.NoError(t, err, "the rotated-in key is accepted within the refetch interval")
	assert.Equal(t, "s", p.Subject)
	assert.EqualValues(t, 3, src.reads.Load(), "one more fetch, once allowed")
	assert.Equal(t, []time.Duration{DefaultRefetchInterval}, clock.slept, "it waited exactly for the next allowed refetch")
	assert.EqualValues(t, 1, v.keys.waits.Load())

	_, err = v.Verify(ctx, sign(t, k1, claimsNow()))
	assert.NoError(t, err, "the old key stays valid while published")
	_, err = v.Verify(ctx, sign(t, k2, claimsNow()))
	assert.NoError(t, err)
	assert.EqualValues(t, 3, src.reads.Load(), "known keys need no fetch")
}

// TestUnknownKidWaitersShareOneRefetch: many tokens with unknown key ids arriving within the
// interval all wait for the same next refetch (single-flight): one fetch for all of them, the
// rotated-in ones accepted, the forged ones rejected.
func TestUnknownKidWaitersShareOneRefetch(t *testing.T) {
	v, src, clock, _ := rotationVerifier(t)
	ctx := context.Background()
	_, err := v.Verify(ctx, forgedToken(t, "forged"))
	require.Error(t, err)
	require.EqualValues(t, 2, src.reads.Load())

	k2 := src.rotate(t)
	release := make(chan struct{})
	clock.mu.Lock()
	clock.block = release
	clock.mu.Unlock()
	const n = 40
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok := sign(t, k2, claimsNow())
			if i%2 == 1 {
				tok = forgedToken(t, fmt.Sprintf("forged-%d", i))
			}
			_, errs[i] = v.Verify(ctx, tok)
		}()
	}
	require.Eventually(t, func() bool { return clock.sleeps() == n }, 30*time.Second, time.Millisecond, "every token waits for the next refetch")
	assert.EqualValues(t, 2, src.reads.Load(), "nothing fetched while the interval runs")
	clock.advance(DefaultRefetchInterval)
	close(release)
	wg.Wait()
	for i, err := range errs {
		if i%2 == 0 {
			assert.NoError(t, err, "token %d, rotated-in key", i)
			continue
		}
		assert.Equal(t, provider.Unauthenticated, provider.CodeOf(err), "token %d, forged", i)
		assert.ErrorContains(t, err, "unknown to the issuer")
	}
	assert.EqualValues(t, 3, src.reads.Load(), "one refetch for every waiting token")
}

// TestUnknownKidWaitEndsWithTheRequest: a waiting token gives up when its request ends.
func TestUnknownKidWaitEndsWithTheRequest(t *testing.T) {
	v, src, clock, _ := rotationVerifier(t)
	_, err := v.Verify(context.Background(), forgedToken(t, "forged"))
	require.Error(t, err)
	clock.mu.Lock()
	clock.block = make(chan struct{}) // never released: only the request's end stops the wait
	clock.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := v.Verify(ctx, forgedToken(t, "forged-2"))
		done <- err
	}()
	require.Eventually(t, func() bool { return clock.sleeps() == 1 }, 30*time.Second, time.Millisecond)
	cancel()
	err = <-done
	assert.Equal(t, provider.Unauthenticated, provider.CodeOf(err), "error: %v", err)
	assert.ErrorContains(t, err, "context canceled")
	assert.EqualValues(t, 2, src.reads.Load())
}

// TestRefreshSeesAChangeMadeDuringAFetch: Refresh (called by the embedded issuer after it
// rotates) returns only after a fetch that started after the call, not the one that was
// already in flight with the old key set.
func TestRefreshSeesAChangeMadeDuringAFetch(t *testing.T) {
	src := &rotatingSource{}
	src.rotate(t)
	gate := make(chan struct{})
	src.gate = gate
	v, err := NewVerifier(testPolicy(), src, nil)
	require.NoError(t, err)
	ctx := context.Background()
	ready := make(chan error, 1)
	go func() { ready <- v.Ready(ctx) }()
	require.Eventually(t, func() bool { return src.reads.Load() == 1 }, 30*time.Second, time.Millisecond, "a fetch is in flight")

	k2 := src.rotate(t) // the fetch in flight took its key set before this
	refreshed := make(chan error, 1)
	go func() { refreshed <- v.Refresh(ctx) }()
	close(gate)
	require.NoError(t, <-ready)
	require.NoError(t, <-refreshed)
	assert.EqualValues(t, 2, src.reads.Load())
	reads := src.reads.Load()
	_, err = v.Verify(ctx, sign(t, k2, claimsNow()))
	assert.NoError(t, err)
	assert.Equal(t, reads, src.reads.Load(), "the key rotated in before Refresh is known without another fetch")
}

// TestRefetchTooFarAwayIsNotAwaited: with a refetch interval beyond MaxUnknownKeyWait, a
// token arriving longer than that before the next allowed refetch is rejected at once.
func TestRefetchTooFarAwayIsNotAwaited(t *testing.T) {
	src := &rotatingSource{}
	src.rotate(t)
	p := testPolicy()
	p.RefetchInterval = provider.Duration(time.Hour)
	v, err := NewVerifier(p, src, nil)
	require.NoError(t, err)
	clock := &fakeTime{now: time.Now()}
	v.keys.now, v.keys.sleep = clock.Now, clock.Sleep
	require.NoError(t, v.Ready(context.Background()))
	_, err = v.Verify(context.Background(), forgedToken(t, "a"))
	require.ErrorContains(t, err, "unknown to the issuer")
	k2 := src.rotate(t)
	_, err = v.Verify(context.Background(), sign(t, k2, claimsNow()))
	require.ErrorContains(t, err, "the next fetch is more than 30s away")
	assert.Empty(t, clock.slept)
	clock.advance(59*time.Minute + 31*time.Second)
	_, err = v.Verify(context.Background(), sign(t, k2, claimsNow()))
	assert.NoError(t, err, "within MaxUnknownKeyWait of the next refetch, it waits")
	assert.Equal(t, []time.Duration{29 * time.Second}, clock.slept)
}
