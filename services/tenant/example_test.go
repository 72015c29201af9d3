package tenant_test

import (
	"context"
	"fmt"
	"os"

	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/providers/storage/sqlite"
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/services/tenant"
)

// RequestDeletion marks a project for the tenant module's ordered teardown (what
// DELETE /v1/projects/{name} calls when the module runs); Deleting reads the mark.
func ExampleRequestDeletion() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "eim-example-")
	defer os.RemoveAll(dir)
	db, err := storage.Open(ctx, "sqlite", sqlite.NewConfig(), storage.Env{DataDir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	if err := db.Migrate(ctx, kinds.DatabaseSchemas(inventory.Schema(), tenant.Schema())...); err != nil {
		fmt.Println(err)
		return
	}
	m, _ := inventory.Factory(module.Deps{Set: kinds.Set{Storage: db}})
	inv := m.(module.InventoryProvider).InventoryClient()
	p, _, _ := inventory.EnsureProject(ctx, inv, "demo", "")
	marked, err := tenant.RequestDeletion(ctx, inv, p.GetId())
	fmt.Println(err, tenant.Deleting(p), tenant.Deleting(marked), marked.GetStatusMessage())
	// Output: <nil> false true Project deletion in progress
}
