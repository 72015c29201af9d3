package inventory_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/test/dbtest"
)

// benchProjects is how many projects the find benchmark spreads its hosts over.
const benchProjects = 200

// BenchmarkFindAcross: FindResource of a host by uuid without a tenant (the stream onboarding's
// lookup) among benchProjects projects of one host each: through the global key index, and
// project by project (the path of a value several projects held before the index, forced here by
// listing the value in inv_global_key_dups).
func BenchmarkFindAcross(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			db := dbtest.Open(b, dialect, kinds.DatabaseSchemas(inventory.Schema())...)
			m, err := inventory.Factory(module.Deps{Set: kinds.Set{Storage: db}})
			if err != nil {
				b.Fatal(err)
			}
			client := m.(module.InventoryProvider).InventoryClient()
			ctx := context.Background()
			var values []string
			for i := range benchProjects {
				p, err := client.CreateProject(ctx, &inventoryv1.CreateProjectRequest{Name: fmt.Sprintf("bench-%03d", i)})
				if err != nil {
					b.Fatal(err)
				}
				v := uuid.NewString()
				values = append(values, v)
				if _, err := client.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: p.GetProject().GetId(),
					Resource: host(&computev1.HostResource{Name: "h", Uuid: v})}); err != nil {
					b.Fatal(err)
				}
			}
			indexed, looped := values[benchProjects/2], values[benchProjects/2+1]
			if err := db.InTx(ctx, func(tx *storage.Tx) error {
				_, err := tx.ExecContext(ctx, db.Dialect().Rebind("INSERT INTO inv_global_key_dups (kind, key_name, key_value) VALUES ('host', 'uuid', ?)"), looped)
				return err
			}); err != nil {
				b.Fatal(err)
			}
			for name, v := range map[string]string{"index": indexed, "per-project": looped} {
				b.Run(name, func(b *testing.B) {
					for b.Loop() {
						if _, err := client.FindResource(ctx, &inventoryv1.FindResourceRequest{Kind: kindHost, Key: "uuid", Value: v}); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
