package storagetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
)

// dbCaseTimeout bounds the database work of one storage case.
const dbCaseTimeout = 90 * time.Second

func storageCases() []Case[StorageHarness] {
	return []Case[StorageHarness]{
		{Name: "MigrationsFromEmptyAndIdempotent", Run: dbCaseMigrations},
		{Name: "RefusesNewerSchema", Run: dbCaseNewerSchema},
		{Name: "RoundTripColumnTypes", Run: dbCaseRoundTrip},
		{Name: "ErrorCodes", Run: dbCaseErrorCodes},
		{Name: "CommitAndRollback", Run: dbCaseCommitRollback},
		{Name: "ConcurrentWritersRetry", Run: dbCaseConcurrentWriters},
		{Name: "TenantIsolation", Run: dbCaseTenantIsolation},
		{Name: "TenantIsolationWrites", Run: dbCaseTenantWrites},
		{Name: "Health", Run: dbCaseHealth},
	}
}

// widget is one row of the test schema's tenant-scoped widgets table.
type widget struct {
	ID        string
	Tenant    string
	Name      string
	CreatedAt time.Time
	Doc       []byte
	Blob      []byte
	Body      string
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func newWidget(tenant, name string) widget {
	return widget{ID: newID(), Tenant: tenant, Name: name, CreatedAt: time.Now().UTC().Truncate(time.Microsecond),
		Doc: []byte(`{"labels": {"zone": "a"}, "n": 3}`), Blob: []byte{0, 1, 2, 0xff}, Body: "x"}
}

func insertWidget(ctx context.Context, tx *storage.Tx, d storage.Dialect, w widget) error {
	_, err := tx.ExecContext(ctx, d.Rebind("INSERT INTO widgets (id, tenant_id, name, created_at, doc, payload, body) VALUES (?, ?, ?, ?, ?, ?, ?)"),
		w.ID, w.Tenant, w.Name, w.CreatedAt, string(w.Doc), w.Blob, w.Body)
	return err
}

func ctxFor(t T) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), dbCaseTimeout)
}

func dbCaseMigrations(t T, h StorageHarness) {
	db := h.Open(t)
	defer db.Close()
	ctx, cancel := ctxFor(t)
	defer cancel()
	before, err := db.Status(ctx, StorageSchema())
	require.NoError(t, err)
	require.Len(t, before, 2)
	assert.Zero(t, before[1].Current, "a fresh database has no version")
	assert.NotEmpty(t, before[1].Pending)
	require.NoError(t, db.Migrate(ctx, StorageSchema()))
	after, err := db.Status(ctx, StorageSchema())
	require.NoError(t, err)
	for _, s := range after {
		assert.Equal(t, s.Latest, s.Current, "schema %s is at the latest version", s.Name)
		assert.Empty(t, s.Pending)
	}
	require.NoError(t, db.Migrate(ctx, StorageSchema()), "a second run is a no-op")
	again, err := db.Status(ctx, StorageSchema())
	require.NoError(t, err)
	assert.Equal(t, after, again)
	require.NoError(t, db.InTenant(ctx, "t1", func(tx *storage.Tx) error {
		return insertWidget(ctx, tx, db.Dialect(), newWidget("t1", "after-migrate"))
	}), "the runtime role can use the migrated tables")
}

func dbCaseNewerSchema(t T, h StorageHarness) {
	db := openMigrated(t, h)
	ctx, cancel := ctxFor(t)
	defer cancel()
	m, done, err := db.Driver().Migrator(ctx)
	require.NoError(t, err)
	_, err = m.ExecContext(ctx, db.Dialect().Rebind("INSERT INTO eim_migrations_conformance (version_id, is_applied) VALUES (?, ?)"), 9999, true)
	require.NoError(t, errors.Join(err, done()))
	err = db.Migrate(ctx, StorageSchema())
	require.Error(t, err)
	assert.Equal(t, provider.FailedPrecondition, provider.CodeOf(err), "error: %v", err)
	assert.Contains(t, err.Error(), "version 9999, newer than")
}

func dbCaseRoundTrip(t T, h StorageHarness) {
	db := openMigrated(t, h)
	ctx, cancel := ctxFor(t)
	defer cancel()
	in := newWidget("tenant-rt", "round-trip")
	in.CreatedAt = time.Date(2024, 2, 29, 23, 59, 58, 123456000, time.FixedZone("x", 5*3600+1800))
	in.Body = strings.Repeat("large text ✓ ", 100_000)
	in.Blob = bytes.Repeat([]byte{0, 0xfe, 0x7f, 0x80}, 64*1024)
	var out widget
	var doc string
	require.NoError(t, db.InTenant(ctx, in.Tenant, func(tx *storage.Tx) error {
		if err := insertWidget(ctx, tx, db.Dialect(), in); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, db.Dialect().Rebind("SELECT id, tenant_id, name, created_at, doc, payload, body FROM widgets WHERE id = ?"), in.ID).
			Scan(&out.ID, &out.Tenant, &out.Name, &out.CreatedAt, &doc, &out.Blob, &out.Body)
	}))
	assert.Equal(t, in.ID, out.ID, "uuid")
	assert.True(t, in.CreatedAt.Equal(out.CreatedAt), "timestamp with zone: put %s, got %s", in.CreatedAt, out.CreatedAt)
	assert.JSONEq(t, string(in.Doc), doc, "json")
	assert.True(t, bytes.Equal(in.Blob, out.Blob), "bytes (%d in, %d out)", len(in.Blob), len(out.Blob))
	assert.Equal(t, in.Body, out.Body, "large text")
	var decoded map[string]any
	assert.NoError(t, json.Unmarshal([]byte(doc), &decoded))
}

func dbCaseErrorCodes(t T, h StorageHarness) {
	db := openMigrated(t, h)
	ctx, cancel := ctxFor(t)
	defer cancel()
	d := db.Dialect()
	w := newWidget("tenant-err", "dup")
	require.NoError(t, db.InTenant(ctx, w.Tenant, func(tx *storage.Tx) error { return insertWidget(ctx, tx, d, w) }))
	dup := newWidget(w.Tenant, w.Name)
	err := db.InTenant(ctx, w.Tenant, func(tx *storage.Tx) error { return insertWidget(ctx, tx, d, dup) })
	assert.Equal(t, provider.AlreadyExists, provider.CodeOf(err), "duplicate key: %v", err)
	assertWrapped(t, err)
	err = db.InTenant(ctx, w.Tenant, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, d.Rebind("INSERT INTO parts (id, tenant_id, widget_id, label) VALUES (?, ?, ?, ?)"), newID(), w.Tenant, newID(), "orphan")
		return err
	})
	assert.Equal(t, provider.FailedPrecondition, provider.CodeOf(err), "foreign key: %v", err)
	err = db.InTenant(ctx, w.Tenant, func(tx *storage.Tx) error {
		var name string
		return tx.QueryRowContext(ctx, d.Rebind("SELECT name FROM widgets WHERE id = ?"), newID()).Scan(&name)
	})
	assert.Equal(t, provider.NotFound, provider.CodeOf(err), "no rows: %v", err)
	var n int
	err = db.Err("count", db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM no_such_table").Scan(&n))
	// MySQL answers PermissionDenied to a role without privileges, not to reveal what exists.
	assert.Contains(t, []provider.Code{provider.FailedPrecondition, provider.PermissionDenied}, provider.CodeOf(err), "missing table: %v", err)
	assert.False(t, provider.IsRetryable(err))
}

func assertWrapped(t T, err error) {
	t.Helper()
	var pe *provider.Error
	if assert.ErrorAs(t, err, &pe) {
		assert.Equal(t, storage.Kind, pe.Kind)
		assert.True(t, strings.HasPrefix(err.Error(), "storage/"), "wrapped once: %v", err)
		assert.Equal(t, 1, strings.Count(err.Error(), "storage/"), "wrapped once: %v", err)
	}
}

func countWidgets(ctx context.Context, t T, db *storage.DB, tenant string) int {
	t.Helper()
	var n int
	require.NoError(t, db.InTenant(ctx, tenant, func(tx *storage.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM widgets").Scan(&n)
	}, storage.ReadOnly()))
	return n
}

func dbCaseCommitRollback(t T, h StorageHarness) {
	db := openMigrated(t, h)
	ctx, cancel := ctxFor(t)
	defer cancel()
	d, tenant := db.Dialect(), "tenant-tx"
	require.NoError(t, db.InTenant(ctx, tenant, func(tx *storage.Tx) error { return insertWidget(ctx, tx, d, newWidget(tenant, "kept")) }))
	boom := errors.New("boom")
	err := db.InTenant(ctx, tenant, func(tx *storage.Tx) error {
		if err := insertWidget(ctx, tx, d, newWidget(tenant, "discarded")); err != nil {
			return err
		}
		return boom
	})
	assert.ErrorIs(t, err, boom, "fn's error is returned")
	assert.Equal(t, 1, countWidgets(ctx, t, db, tenant), "the rolled back insert is gone, the committed one stays")
	var res int64
	require.NoError(t, db.InTenant(ctx, tenant, func(tx *storage.Tx) error {
		r, err := tx.ExecContext(ctx, d.Rebind("UPDATE widgets SET body = ? WHERE name = ?"), "changed", "kept")
		if err != nil {
			return err
		}
		res, err = r.RowsAffected()
		return err
	}))
	assert.EqualValues(t, 1, res, "RowsAffected counts the updated row")
}

func dbCaseConcurrentWriters(t T, h StorageHarness) {
	db := openMigrated(t, h)
	ctx, cancel := ctxFor(t)
	defer cancel()
	d := db.Dialect()
	_, err := db.SQL().ExecContext(ctx, d.Rebind("INSERT INTO counters (name, n) VALUES (?, 0)"), "c")
	require.NoError(t, err)
	const writers, each = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for range writers {
		wg.Go(func() {
			for range each {
				errs <- db.InTx(ctx, func(tx *storage.Tx) error {
					var n int64
					if err := tx.QueryRowContext(ctx, d.Rebind("SELECT n FROM counters WHERE name = ?"), "c").Scan(&n); err != nil {
						return err
					}
					_, err := tx.ExecContext(ctx, d.Rebind("UPDATE counters SET n = ? WHERE name = ?"), n+1, "c")
					return err
				}, storage.Serializable(), storage.WithRetryAttempts(50))
			}
		})
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if err != nil {
			failed++
			t.Logf("writer: %v", err)
		}
	}
	assert.Zero(t, failed, "every increment commits within its retry budget")
	var n int64
	require.NoError(t, db.SQL().QueryRowContext(ctx, d.Rebind("SELECT n FROM counters WHERE name = ?"), "c").Scan(&n))
	assert.EqualValues(t, writers*each, n, "no lost update")
}

func dbCaseHealth(t T, h StorageHarness) {
	db := h.Open(t)
	defer db.Close()
	ctx, cancel := ctxFor(t)
	defer cancel()
	require.NoError(t, db.CheckHealth(ctx))
	require.NoError(t, db.Close())
	require.NoError(t, db.Close(), "Close is idempotent")
	err := db.CheckHealth(ctx)
	assert.Error(t, err, "a closed database is not healthy")
	assert.NotEqual(t, provider.Unknown, provider.CodeOf(err), "error: %v", err)
	assert.Contains(t, fmt.Sprint(err), "storage/")
}
