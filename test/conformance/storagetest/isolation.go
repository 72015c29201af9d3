package storagetest

import (
	"context"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
)

// seedTenants gives tenants a and b two widgets and one part each, and returns b's widgets.
func seedTenants(ctx context.Context, t T, db *storage.DB, a, b string) []widget {
	t.Helper()
	var bs []widget
	for _, tenant := range []string{a, b} {
		ws := []widget{newWidget(tenant, "w1"), newWidget(tenant, "w2")}
		require.NoError(t, db.InTenant(ctx, tenant, func(tx *storage.Tx) error {
			for _, w := range ws {
				if err := insertWidget(ctx, tx, db.Dialect(), w); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, db.Dialect().Rebind("INSERT INTO parts (id, tenant_id, widget_id, label) VALUES (?, ?, ?, ?)"),
				newID(), tenant, ws[0].ID, "p")
			return err
		}))
		if tenant == b {
			bs = ws
		}
	}
	return bs
}

func dbCaseTenantIsolation(t T, h StorageHarness) {
	db := openMigrated(t, h)
	ctx, cancel := ctxFor(t)
	defer cancel()
	d := db.Dialect()
	bWidgets := seedTenants(ctx, t, db, "tenant-a", "tenant-b")
	require.NoError(t, db.InTenant(ctx, "tenant-a", func(tx *storage.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT tenant_id FROM widgets")
		require.NoError(t, err)
		defer rows.Close()
		n := 0
		for rows.Next() {
			var tenant string
			require.NoError(t, rows.Scan(&tenant))
			assert.Equal(t, "tenant-a", tenant, "a query without WHERE returns only the tenant's rows")
			n++
		}
		assert.Equal(t, 2, n)
		var c int
		require.NoError(t, tx.QueryRowContext(ctx, d.Rebind("SELECT count(*) FROM widgets WHERE tenant_id = ?"), "tenant-b").Scan(&c))
		assert.Zero(t, c, "asking for the other tenant's rows explicitly returns none")
		require.NoError(t, tx.QueryRowContext(ctx, "SELECT count(*) FROM widgets w JOIN parts p ON p.widget_id = w.id").Scan(&c))
		assert.Equal(t, 1, c, "joins see the tenant's rows only")
		var name string
		err = tx.QueryRowContext(ctx, d.Rebind("SELECT name FROM widgets WHERE id = ?"), bWidgets[0].ID).Scan(&name)
		assert.Equal(t, provider.NotFound, provider.CodeOf(db.Err("get", err)), "the other tenant's row by id is not found")
		return rows.Err()
	}, storage.ReadOnly()))
	var unscoped int
	require.NoError(t, db.InTx(ctx, func(tx *storage.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM widgets").Scan(&unscoped)
	}))
	assert.Zero(t, unscoped, "outside InTenant tenant-scoped tables show no rows")
	require.NoError(t, db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM parts").Scan(&unscoped))
	assert.Zero(t, unscoped, "nor through the raw pool")
	assertNoBypass(ctx, t, db)
}

// assertNoBypass checks that the runtime role cannot get around the isolation: on PostgreSQL
// it cannot turn row security off, on MySQL it cannot read the tables behind the views.
func assertNoBypass(ctx context.Context, t T, db *storage.DB) {
	t.Helper()
	var err error
	switch db.Dialect() {
	case storage.Postgres:
		err = db.InTenant(ctx, "tenant-a", func(tx *storage.Tx) error {
			if _, err := tx.ExecContext(ctx, "SET LOCAL row_security = off"); err != nil {
				return err
			}
			var n int
			return tx.QueryRowContext(ctx, "SELECT count(*) FROM widgets").Scan(&n)
		})
	case storage.MySQL:
		var n int
		err = db.Err("count", db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM widgets_all").Scan(&n))
	default:
		return // SQLite has no roles: see docs/adr/0005-tenant-isolation.md
	}
	assert.Equal(t, provider.PermissionDenied, provider.CodeOf(err), "the runtime role cannot bypass isolation: %v", err)
}

func dbCaseTenantWrites(t T, h StorageHarness) {
	db := openMigrated(t, h)
	ctx, cancel := ctxFor(t)
	defer cancel()
	d := db.Dialect()
	bWidgets := seedTenants(ctx, t, db, "tenant-a", "tenant-b")
	var updated, byOtherID int64
	require.NoError(t, db.InTenant(ctx, "tenant-a", func(tx *storage.Tx) error {
		r, err := tx.ExecContext(ctx, d.Rebind("UPDATE widgets SET body = ?"), "forgot-where")
		if err != nil {
			return err
		}
		updated, _ = r.RowsAffected()
		r, err = tx.ExecContext(ctx, d.Rebind("UPDATE widgets SET body = ? WHERE id = ?"), "by-id", bWidgets[0].ID)
		if err != nil {
			return err
		}
		byOtherID, _ = r.RowsAffected()
		return nil
	}))
	assert.EqualValues(t, 2, updated, "an UPDATE without WHERE changes the tenant's rows only")
	assert.Zero(t, byOtherID, "the other tenant's row cannot be updated by id")
	err := db.InTenant(ctx, "tenant-a", func(tx *storage.Tx) error { return insertWidget(ctx, tx, d, newWidget("tenant-b", "smuggled")) })
	assert.Equal(t, provider.PermissionDenied, provider.CodeOf(err), "inserting a row for another tenant is refused: %v", err)
	err = db.InTenant(ctx, "tenant-a", func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, d.Rebind("UPDATE widgets SET tenant_id = ?"), "tenant-b")
		return err
	})
	assert.Equal(t, provider.PermissionDenied, provider.CodeOf(err), "moving rows to another tenant is refused: %v", err)
	require.NoError(t, db.InTenant(ctx, "tenant-a", func(tx *storage.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM parts"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM widgets")
		return err
	}))
	assert.Zero(t, countWidgets(ctx, t, db, "tenant-a"))
	assert.Equal(t, 2, countWidgets(ctx, t, db, "tenant-b"), "a DELETE without WHERE leaves the other tenant's rows")
	require.NoError(t, db.InTenant(ctx, "tenant-b", func(tx *storage.Tx) error {
		var parts, touched int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM parts").Scan(&parts); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, d.Rebind("SELECT count(*) FROM widgets WHERE body <> ?"), "x").Scan(&touched); err != nil {
			return err
		}
		assert.Equal(t, 1, parts, "the other tenant's parts are intact")
		assert.Zero(t, touched, "the other tenant's rows were not updated")
		return nil
	}))
}
