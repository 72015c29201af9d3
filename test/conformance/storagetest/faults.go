package storagetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
)

// waitFor polls cond until it holds or the case's context ends (not a timing assertion: the
// bound is the case timeout).
func waitFor(ctx context.Context, t T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("gave up waiting: %s", what)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// workload runs n goroutines that each repeat a tenant read until stop, counting queries and
// failures (after each transaction's retry budget).
type workload struct {
	done, failed atomic.Int64
	mu           sync.Mutex
	errs         []error
	wg           sync.WaitGroup
	stop         chan struct{}
}

func startReaders(ctx context.Context, db *storage.DB, n int) *workload {
	w := &workload{stop: make(chan struct{})}
	for i := range n {
		w.wg.Go(func() {
			tenant := fmt.Sprintf("reader-%d", i%2)
			for {
				select {
				case <-w.stop:
					return
				default:
				}
				err := db.InTenant(ctx, tenant, func(tx *storage.Tx) error {
					var c int
					return tx.QueryRowContext(ctx, "SELECT count(*) FROM widgets").Scan(&c)
				}, storage.WithRetry())
				w.done.Add(1)
				if err != nil {
					w.failed.Add(1)
					w.mu.Lock()
					w.errs = append(w.errs, err)
					w.mu.Unlock()
				}
			}
		})
	}
	return w
}

func (w *workload) finish() {
	close(w.stop)
	w.wg.Wait()
}

// passes waits until every reader has run at least rounds more queries.
func (w *workload) passes(ctx context.Context, t T, rounds int64) {
	target := w.done.Load() + rounds
	waitFor(ctx, t, "readers to make progress", func() bool { return w.done.Load() >= target })
}

func dbCaseRotation(t T, h StorageHarness) {
	db, src, newLogin, sessions := h.Hooks.Rotating(t)
	defer db.Close()
	migrate(t, db)
	ctx, cancel := ctxFor(t)
	defer cancel()
	old, _ := src.Credentials(ctx)
	w := startReaders(ctx, db, 8)
	w.passes(ctx, t, 50)
	next := newLogin()
	src.Set(next.User, next.Password)
	w.passes(ctx, t, 100)
	waitFor(ctx, t, "connections of the old login to drain", func() bool { return sessions(old.User) == 0 })
	assert.Positive(t, sessions(next.User), "new connections use the new login")
	w.passes(ctx, t, 50)
	w.finish()
	assert.Zero(t, w.failed.Load(), "no query failed during the rotation: %v", firstErrs(w))
	t.Logf("%d queries across the rotation", w.done.Load())
}

func firstErrs(w *workload) []error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.errs[:min(len(w.errs), 3)]
}

func dbCaseRestart(t T, h StorageHarness) {
	db, cut, restore := h.Hooks.Interrupted(t)
	defer db.Close()
	migrate(t, db)
	ctx, cancel := ctxFor(t)
	defer cancel()
	const tenant = "tenant-restart"
	var mu sync.Mutex
	var acked []string
	var seq atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				wdg := newWidget(tenant, fmt.Sprintf("w-%d", seq.Add(1)))
				err := db.InTenant(ctx, tenant, func(tx *storage.Tx) error {
					err := insertWidget(ctx, tx, db.Dialect(), wdg)
					if provider.CodeOf(db.Err("insert", err)) == provider.AlreadyExists {
						return nil // an earlier attempt committed before its connection was cut
					}
					return err
				}, storage.WithRetryAttempts(20))
				if err == nil {
					mu.Lock()
					acked = append(acked, wdg.ID)
					mu.Unlock()
				}
			}
		})
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	waitFor(ctx, t, "writes before the restart", func() bool { return count() >= 20 })
	cut()
	time.Sleep(300 * time.Millisecond) // the server stays down for a while, as a restart does
	restore()
	before := count()
	waitFor(ctx, t, "writes after the restart", func() bool { return count() >= before+20 })
	close(stop)
	wg.Wait()
	require.NoError(t, db.CheckHealth(ctx), "the pool recovered")
	found := map[string]bool{}
	require.NoError(t, db.InTenant(ctx, tenant, func(tx *storage.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT id FROM widgets")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			found[strings.ToLower(id)] = true
		}
		return rows.Err()
	}))
	lost := 0
	for _, id := range acked {
		if !found[id] {
			lost++
		}
	}
	assert.Zero(t, lost, "every acknowledged write survived the restart (%d acknowledged)", len(acked))
}

func dbCaseDownAtStartup(t T, h StorageHarness) {
	db, up := h.Hooks.DownAtStartup(t)
	defer db.Close()
	ctx, cancel := ctxFor(t)
	defer cancel()
	err := db.CheckHealth(ctx)
	require.Error(t, err)
	assert.Equal(t, provider.Unavailable, provider.CodeOf(err), "a database that is down is Unavailable: %v", err)
	assert.True(t, provider.IsRetryable(err))
	up()
	waitFor(ctx, t, "the database to become healthy", func() bool { return db.CheckHealth(ctx) == nil })
	migrate(t, db)
	assert.Zero(t, countWidgets(ctx, t, db, "tenant-up"), "the same DB works once the server is up")
}

func dbCaseWrongPassword(t T, h StorageHarness) {
	db, password, names := h.Hooks.WrongPassword(t)
	defer db.Close()
	ctx, cancel := ctxFor(t)
	defer cancel()
	err := db.CheckHealth(ctx)
	require.Error(t, err)
	assert.Equal(t, provider.Unauthenticated, provider.CodeOf(err), "error: %v", err)
	assert.False(t, provider.IsRetryable(err))
	for _, n := range names {
		assert.Contains(t, err.Error(), n, "the error names host, user and database")
	}
	assert.NotContains(t, err.Error(), password, "the error never holds the password")
	assert.NotContains(t, fmt.Sprintf("%+v %#v", err, err), password)
}

func dbCaseWrongHost(t T, h StorageHarness) {
	wrong, right := h.Hooks.WrongHost(t)
	defer wrong.Close()
	defer right.Close()
	ctx, cancel := ctxFor(t)
	defer cancel()
	err := wrong.CheckHealth(ctx)
	require.Error(t, err, "a certificate for another host is rejected")
	assert.Equal(t, provider.Unauthenticated, provider.CodeOf(err), "error: %v", err)
	assert.True(t, strings.Contains(err.Error(), "certificate"), "the error says why: %v", err)
	assert.NoError(t, right.CheckHealth(ctx), "the same server verifies with the right name")
	assert.False(t, errors.Is(err, context.DeadlineExceeded))
}
