package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/identity/local"
	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/providers/storage/sqlite"
	"github.com/eim-byoi/eim/services/api"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/services/module"
)

// The API over an inventory on SQLite and the embedded issuer: a token with the im-rw role of
// project demo creates a region with the legacy call, as an existing script would. In `eim
// serve`, the api module's Factory does this wiring on the process's HTTP listener.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "eim-example-")
	defer os.RemoveAll(dir)
	db, _ := storage.Open(ctx, "sqlite", sqlite.NewConfig(), storage.Env{DataDir: dir})
	defer db.Close()
	_ = db.Migrate(ctx, kinds.DatabaseSchemas(inventory.Schema())...)
	m, _ := inventory.Factory(module.Deps{Set: kinds.Set{Storage: db}})
	inv := m.(module.InventoryProvider).InventoryClient()
	store, _ := secrets.Open(ctx, secrets.Selection{}, secrets.Env{DataDir: dir})
	defer store.Close()
	idp, _ := identity.Open(ctx, local.Name, local.NewConfig(), identity.Env{Secrets: store.Store(), HTTPAddr: "127.0.0.1:8080"})
	defer idp.Close()

	s, err := api.New(api.Options{Inventory: inv, Verifier: idp, Config: config.Default().API})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(s)
	defer srv.Close()

	p, _ := inv.CreateProject(ctx, &inventoryv1.CreateProjectRequest{Name: "demo"})
	var iss *local.Issuer
	idp.As(&iss)
	token, _ := iss.Mint(ctx, identity.Grant{Subject: "script", Roles: []string{p.GetProject().GetId() + "_im-rw"}})

	req, _ := http.NewRequest("POST", srv.URL+"/v1/projects/demo/regions", strings.NewReader(`{"name":"europe"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var region struct{ ResourceID, Name string }
	_ = json.NewDecoder(resp.Body).Decode(&region)
	fmt.Println(resp.StatusCode, region.Name, strings.HasPrefix(region.ResourceID, "region-"))
	// Output: 200 europe true
}
