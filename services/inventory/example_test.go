package inventory_test

import (
	"context"
	"fmt"
	"os"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	locationv1 "github.com/eim-byoi/eim/api/gen/resources/location/v1"
	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/providers/storage/sqlite"
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/services/module"
)

// The inventory on the embedded SQLite database, reached in process: a project, a region in it,
// and a filtered list. In `eim serve`, bootstrap opens the database, applies the schema and hands
// other modules the client in module.Deps.Inventory.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "eim-example-")
	defer os.RemoveAll(dir)
	db, err := storage.Open(ctx, "sqlite", sqlite.NewConfig(), storage.Env{DataDir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	if err := db.Migrate(ctx, kinds.DatabaseSchemas(inventory.Schema())...); err != nil {
		fmt.Println(err)
		return
	}
	m, _ := inventory.Factory(module.Deps{Set: kinds.Set{Storage: db}})
	inv := m.(module.InventoryProvider).InventoryClient()

	p, _ := inv.CreateProject(ctx, &inventoryv1.CreateProjectRequest{Name: "demo"})
	tenant := p.GetProject().GetId()
	region := &inventoryv1.Resource{Resource: &inventoryv1.Resource_Region{Region: &locationv1.RegionResource{Name: "europe"}}}
	if _, err := inv.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: tenant, Resource: region}); err != nil {
		fmt.Println(err)
		return
	}
	list, _ := inv.ListResources(ctx, &inventoryv1.ListResourcesRequest{TenantId: tenant,
		Kind: inventoryv1.ResourceKind_RESOURCE_KIND_REGION, Filter: `name="europe"`})
	fmt.Println(list.GetTotalElements(), list.GetResources()[0].GetResource().GetRegion().GetName())
	// Output: 1 europe
}
