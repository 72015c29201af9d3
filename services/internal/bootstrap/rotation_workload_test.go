package bootstrap

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/storage"
)

// runRotationWorkload runs 8 goroutines of tenant transactions on db for 40 s, while sessions
// samples the users the server sees, across at least one replacement of the database login.
// It checks that no query failed after the retry budget, that the server saw a new user, that
// queries ran as more than one user (userQuery returns the session's user) and that the first
// user's connections drained.
func runRotationWorkload(t *testing.T, ctx context.Context, db *storage.DB, userQuery string,
	sessions func(context.Context) (map[string]int, error)) {
	t.Helper()
	var done, failed atomic.Int64
	var errMu sync.Mutex
	var errs []error
	seen := map[string]bool{} // current_user of queries
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			tenant := fmt.Sprintf("tenant-%d", i%2)
			for {
				select {
				case <-stop:
					return
				default:
				}
				var user string
				err := db.InTenant(ctx, tenant, func(tx *storage.Tx) error {
					var n int
					if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM eim_outbox_partitions").Scan(&n); err != nil {
						return err
					}
					return tx.QueryRowContext(ctx, userQuery).Scan(&user)
				}, storage.WithRetry())
				done.Add(1)
				errMu.Lock()
				if err != nil {
					failed.Add(1)
					errs = append(errs, err)
				} else {
					seen[user] = true
				}
				errMu.Unlock()
			}
		})
	}
	serverUsers := map[string]bool{}
	var order []string
	deadline := time.Now().Add(40 * time.Second)
	for time.Now().Before(deadline) {
		s, err := sessions(ctx)
		require.NoError(t, err)
		for u := range s {
			if !serverUsers[u] {
				serverUsers[u] = true
				order = append(order, u)
				t.Logf("%5.1fs: server sees a session of %s", 40-time.Until(deadline).Seconds(), u)
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	close(stop)
	wg.Wait()

	errMu.Lock()
	assert.Zero(t, failed.Load(), "no query failed across the lease replacement: %v", errs[:min(len(errs), 3)])
	queryUsers := len(seen)
	errMu.Unlock()
	t.Logf("%d queries; users seen by the server in order: %v", done.Load(), order)
	require.GreaterOrEqual(t, len(serverUsers), 2, "the lease was replaced and the server saw the new user")
	assert.GreaterOrEqual(t, queryUsers, 2, "queries ran as the first and a later issued user")
	first := order[0]
	require.Eventually(t, func() bool { s, err := sessions(ctx); return err == nil && s[first] == 0 },
		15*time.Second, 100*time.Millisecond, "the first user's connections drained")
}
