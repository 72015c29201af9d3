package store

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/test/dbtest"
)

// TestReferrersReadByTarget: on SQLite (no statistics, as a fresh install has none), reading the
// resources that refer to one or more targets (a host's instances: every expanded host read)
// looks the references up by target and the resources by id, instead of walking all of the
// tenant's references or resources (a pass per read: 31 % of the server's CPU in a 10,000-host fleet).
func TestReferrersReadByTarget(t *testing.T) {
	db := dbtest.Open(t, "sqlite", Schema())
	for _, n := range []int{1, 3} {
		var plan []string
		err := db.InTenant(context.Background(), "tenant-a", func(tx *storage.Tx) error {
			args := []any{"instance.host"}
			for range n {
				args = append(args, "host-1")
			}
			rows, err := tx.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+referrersQuery(n), args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					return err
				}
				plan = append(plan, detail)
			}
			return rows.Err()
		}, storage.ReadOnly())
		require.NoError(t, err)
		joined := strings.Join(plan, "\n")
		assert.Contains(t, joined, "inv_refs_all USING COVERING INDEX inv_refs_to_from (tenant_id=? AND to_id=? AND ref=?)", "%d targets:\n%s", n, joined)
		assert.Contains(t, joined, "inv_resources_all USING INDEX sqlite_autoindex_inv_resources_all_1 (tenant_id=? AND resource_id=?)", "%d targets:\n%s", n, joined)
		for _, l := range plan {
			assert.NotRegexp(t, `\(tenant_id=\?\)$`, l, "%d targets: a walk over the tenant's rows:\n%s", n, joined)
		}
	}
}
