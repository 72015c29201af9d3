package storagetest

import (
	"context"
	"fmt"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/test/conformance"
)

// storageRemoteCases run against a customer's database by `eim conformance`: they read only,
// so they need neither a fresh database nor administrative access.
func storageRemoteCases() []Case[*storage.DB] {
	return []Case[*storage.DB]{
		{Name: "Health", Run: func(t T, db *storage.DB) {
			require.NoError(t, db.CheckHealth(t.Context()), "reachable, authenticated, runtime role cannot bypass isolation")
		}},
		{Name: "NotFoundMapping", Run: func(t T, db *storage.DB) {
			var n string
			err := db.Err("get", db.SQL().QueryRowContext(t.Context(), db.Dialect().Rebind("SELECT table_name FROM eim_tenant_tables WHERE table_name = ?"), "eimconf-none").Scan(&n))
			assert.Equal(t, provider.NotFound, provider.CodeOf(err), "error: %v", err)
		}},
		{Name: "TenantTablesHiddenOutsideTenant", Run: func(t T, db *storage.DB) {
			for _, table := range tenantTables(t.Context(), t, db) {
				var n int
				require.NoError(t, db.InTx(t.Context(), func(tx *storage.Tx) error {
					return tx.QueryRowContext(t.Context(), fmt.Sprintf("SELECT count(*) FROM %s", table)).Scan(&n)
				}, storage.ReadOnly()))
				assert.Zero(t, n, "tenant-scoped table %s shows no rows outside a tenant", table)
			}
		}},
	}
}

func tenantTables(ctx context.Context, t T, db *storage.DB) []string {
	t.Helper()
	rows, err := db.SQL().QueryContext(ctx, "SELECT table_name FROM eim_tenant_tables ORDER BY table_name")
	require.NoError(t, db.Err("list tenant tables", err))
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		out = append(out, s)
	}
	require.NoError(t, rows.Err())
	return out
}

// ExecuteTarget runs the read-only storage cases against the database opened from eim.yaml
// (a conformance.Executor).
func ExecuteTarget(ctx context.Context, target conformance.Target, opts conformance.Options) []conformance.Result {
	db, ok := target.Provider.(*storage.DB)
	if !ok {
		return []conformance.Result{{Kind: target.Kind, Adapter: target.Adapter, Case: "Provider", Outcome: conformance.Failed,
			Output: []string{fmt.Sprintf("the storage provider is a %T, not a *storage.DB", target.Provider)}}}
	}
	return conformance.Suite[*storage.DB]{Kind: storage.Kind, Cases: storageRemoteCases()}.Execute(ctx, target.Adapter, db, opts)
}
