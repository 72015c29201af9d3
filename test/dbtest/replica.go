package dbtest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/test/conformance/faultproxy"
	"github.com/eim-byoi/eim/test/conformance/storageschema"
)

// CheckReplica checks the read-replica behaviour of db, whose replica endpoint is p: a proxy
// to the primary's own server (the test bed has no streaming replica, so this shows routing
// and failure behaviour, not replication). Replica() and OnReplica() transactions go through
// the proxy and primary work does not; when the replica is down, replica reads fail with
// Unavailable (there is no fallback to the primary), CheckHealth names the replica and the
// primary keeps working; replica reads recover when it is back. insert is the dialect's
// statement adding one widget of tenant t1.
func CheckReplica(t *testing.T, db *storage.DB, p *faultproxy.Proxy, insert string) {
	t.Helper()
	var err error
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	require.NoError(t, db.Migrate(ctx, storageschema.Schema()))
	require.True(t, db.HasReplica())
	require.NotSame(t, db.SQL(), db.Replica(), "the replica has a pool of its own")

	reads := func() int64 { _, r, _ := p.Stats(); return r }

	// Primary work does not touch the replica endpoint.
	before := reads()
	require.NoError(t, db.InTenant(ctx, "t1", func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, insert)
		return err
	}))
	var one int
	require.NoError(t, db.SQL().QueryRowContext(ctx, "SELECT 1").Scan(&one))
	assert.Equal(t, before, reads(), "primary statements bypass the replica endpoint")

	// Replica() goes through the replica endpoint.
	before = reads()
	require.NoError(t, db.Replica().QueryRowContext(ctx, "SELECT 1").Scan(&one))
	assert.Greater(t, reads(), before, "Replica() uses the replica endpoint")

	// OnReplica transactions go through it too, are read-only and tenant-scoped.
	before = reads()
	var n int
	require.NoError(t, db.InTenant(ctx, "t1", func(tx *storage.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM widgets").Scan(&n)
	}, storage.OnReplica()))
	assert.Equal(t, 1, n)
	assert.Greater(t, reads(), before, "OnReplica() uses the replica endpoint")
	require.NoError(t, db.InTenant(ctx, "t2", func(tx *storage.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM widgets").Scan(&n)
	}, storage.OnReplica()))
	assert.Zero(t, n, "tenant isolation holds on the replica")
	err = db.InTenant(ctx, "t1", func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM widgets")
		return err
	}, storage.OnReplica())
	require.Error(t, err, "an OnReplica transaction is read-only")

	// Replica outage: replica reads fail, no fallback to the primary; the primary still works.
	require.NoError(t, p.Set(faultproxy.Refuse))
	err = db.InTenant(ctx, "t1", func(tx *storage.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM widgets").Scan(&n)
	}, storage.OnReplica())
	require.Error(t, err, "OnReplica does not fall back to the primary")
	assert.Equal(t, provider.Unavailable, provider.CodeOf(err), "error: %v", err)
	err = db.CheckHealth(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "replica")
	assert.Equal(t, provider.Unavailable, provider.CodeOf(err), "error: %v", err)
	require.NoError(t, db.InTenant(ctx, "t1", func(tx *storage.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM widgets").Scan(&n)
	}), "the primary is unaffected")
	require.NoError(t, db.SQL().PingContext(ctx))

	// Back up: replica reads recover (the pool replaces its broken connections).
	require.NoError(t, p.Set(faultproxy.Forward))
	require.NoError(t, db.InTenant(ctx, "t1", func(tx *storage.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM widgets").Scan(&n)
	}, storage.OnReplica(), storage.WithRetry()), "replica reads recover")
	require.NoError(t, db.CheckHealth(ctx))
}
