package maintenance

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHostLocks checks that the polls of one host exclude each other, that another host's poll
// does not wait for them, and that no lock is kept once its polls are done.
func TestHostLocks(t *testing.T) {
	h := newHostLocks()
	unlockA := h.lock("t1", "a")
	// Another host, and the same GUID in another tenant, are not held by a's lock.
	h.lock("t1", "b")()
	h.lock("t2", "a")()

	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		inside  int
		maxSeen int
	)
	for range 8 {
		wg.Go(func() {
			unlock := h.lock("t1", "a")
			mu.Lock()
			inside++
			maxSeen = max(maxSeen, inside)
			mu.Unlock()
			mu.Lock()
			inside--
			mu.Unlock()
			unlock()
		})
	}
	mu.Lock()
	assert.Zero(t, inside, "a poll of host a ran while its lock was held")
	mu.Unlock()
	unlockA()
	wg.Wait()
	assert.Equal(t, 1, maxSeen, "two polls of one host ran at once")
	h.mu.Lock()
	defer h.mu.Unlock()
	require.Empty(t, h.locks, "locks are dropped once no poll holds or waits for them")
}
