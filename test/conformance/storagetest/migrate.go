package storagetest

import (
	"errors"
	"fmt"
	"sync"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/storage"
)

// concurrentMigrators is how many separately opened handles migrate one database at once.
const concurrentMigrators = 8

// dbCaseConcurrentMigrations opens several handles on one fresh database, as replicas of a
// service starting together do, releases them into Migrate at the same moment, and checks that
// all succeed and that the migration library's version table records each version once.
func dbCaseConcurrentMigrations(t T, h StorageHarness) {
	openShared := h.Hooks.Shared(t)
	dbs := make([]*storage.DB, concurrentMigrators)
	for i := range dbs {
		dbs[i] = openShared()
		t.Cleanup(func() { dbs[i].Close() })
	}
	ctx, cancel := ctxFor(t)
	defer cancel()

	start := make(chan struct{})
	errs := make([]error, len(dbs))
	var ready, wg sync.WaitGroup
	for i, db := range dbs {
		ready.Add(1)
		wg.Go(func() {
			ready.Done()
			<-start
			errs[i] = db.Migrate(ctx, StorageSchema())
		})
	}
	ready.Wait()
	close(start)
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "migrator %d", i)
	}

	st, err := dbs[0].Status(ctx, StorageSchema())
	require.NoError(t, err)
	require.Len(t, st, 2)
	for _, s := range st {
		assert.Equal(t, s.Latest, s.Current, "schema %s is at the latest version", s.Name)
		assert.Empty(t, s.Pending)
	}
	m, done, err := dbs[0].Driver().Migrator(ctx)
	require.NoError(t, err)
	defer func() { require.NoError(t, done()) }()
	for i, table := range []string{"eim_migrations_storage", "eim_migrations_conformance"} {
		rows, err := m.QueryContext(ctx, "SELECT version_id, count(*) FROM "+table+" WHERE version_id > 0 GROUP BY version_id")
		require.NoError(t, err)
		applied := map[int64]int{}
		for rows.Next() {
			var v int64
			var n int
			require.NoError(t, rows.Scan(&v, &n))
			applied[v] = n
		}
		require.NoError(t, errors.Join(rows.Err(), rows.Close()))
		require.NotEmpty(t, applied, "%s records the applied versions", table)
		for v, n := range applied {
			assert.Equal(t, 1, n, "%s: version %d recorded %d times", table, v, n)
		}
		assert.Contains(t, applied, st[i].Latest, "%s records the latest version", table)
	}
	// The runtime role of every handle can use the schema.
	for i, db := range dbs {
		require.NoError(t, db.InTenant(ctx, "t1", func(tx *storage.Tx) error {
			return insertWidget(ctx, tx, db.Dialect(), newWidget("t1", fmt.Sprintf("migrated-%d", i)))
		}), "handle %d", i)
	}
}
