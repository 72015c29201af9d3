package osresource_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/internal/servetest"
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/services/osresource"
	"github.com/eim-byoi/eim/services/tenant"
	"github.com/eim-byoi/eim/test/dbtest"
)

// newModule builds the module over an in-process inventory on SQLite, without starting it.
func newModule(t *testing.T, cfg *config.Config) *osresource.Module {
	t.Helper()
	db := dbtest.Open(t, "sqlite", kinds.DatabaseSchemas(inventory.Schema())...)
	inv, err := inventory.Factory(module.Deps{Set: kinds.Set{Storage: db}})
	require.NoError(t, err)
	m, err := osresource.Factory(module.Deps{Config: cfg, Inventory: inv.(module.InventoryProvider).InventoryClient()})
	require.NoError(t, err)
	return m.(*osresource.Module)
}

// osResources lists a project's OS resources through the northbound REST API.
func osResources(t *testing.T, p *servetest.Process, project, token string) []map[string]any {
	t.Helper()
	status, body := p.Do(t, http.MethodGet, "/v1/projects/"+project+"/compute/os?pageSize=100", token, nil)
	require.Equal(t, http.StatusOK, status, string(body))
	var resp struct {
		OperatingSystemResources []map[string]any `json:"OperatingSystemResources"`
	}
	require.NoError(t, json.Unmarshal(body, &resp))
	return resp.OperatingSystemResources
}

func profileNames(oss []map[string]any) []string {
	var out []string
	for _, o := range oss {
		out = append(out, fmt.Sprint(o["profileName"]))
	}
	return out
}

// onboardingProvider returns the config of the project's infra_onboarding provider.
func onboardingProvider(t *testing.T, inv inventoryv1.InventoryServiceClient, tenant string) osresource.ProviderConfig {
	t.Helper()
	resp, err := inv.FindResource(context.Background(), &inventoryv1.FindResourceRequest{TenantId: tenant,
		Kind: inventoryv1.ResourceKind_RESOURCE_KIND_PROVIDER, Key: "name", Value: osresource.ProviderName})
	require.NoError(t, err)
	var cfg osresource.ProviderConfig
	require.NoError(t, json.Unmarshal([]byte(resp.GetStored().GetResource().GetProvider().GetConfig()), &cfg))
	return cfg
}

var dialects = []string{"sqlite", "postgres"}

// TestNewProjectGetsOSResources: a project created through the REST API gets the OS resources
// of the enabled profiles (from the inventory.project.created event) and the infra_onboarding
// provider with the auto-provisioning defaults; both are visible through the northbound API.
func TestNewProjectGetsOSResources(t *testing.T) {
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			cfg := servetest.Config(t, dialect, "inventory,api,osresource",
				"osresource:\n  autoProvision: true\n  resyncInterval: 12h\n")
			p := servetest.Start(t, cfg, nil)
			admin := p.Token(t, "project-write-role", "project-read-role")
			status, body := p.Do(t, http.MethodPut, "/v1/projects/fresh", admin, map[string]string{"description": "new"})
			require.Equal(t, http.StatusOK, status, string(body))
			proj, err := p.Inventory.GetProject(context.Background(), &inventoryv1.GetProjectRequest{NameOrId: "fresh"})
			require.NoError(t, err)
			id := proj.GetProject().GetId()
			reader := p.Token(t, id+"_im-r")
			require.Eventually(t, func() bool { return len(osResources(t, p, "fresh", reader)) == 5 }, time.Minute, 20*time.Millisecond,
				"the new project's OS resources appear")
			assert.ElementsMatch(t, config.DefaultEnabledProfiles(), profileNames(osResources(t, p, "fresh", reader)))
			require.Eventually(t, func() bool {
				_, err := p.Inventory.FindResource(context.Background(), &inventoryv1.FindResourceRequest{TenantId: id,
					Kind: inventoryv1.ResourceKind_RESOURCE_KIND_PROVIDER, Key: "name", Value: osresource.ProviderName})
				return err == nil
			}, time.Minute, 20*time.Millisecond)
			pc := onboardingProvider(t, p.Inventory, id)
			assert.True(t, pc.AutoProvision)
			var defaultOS string
			for _, o := range osResources(t, p, "fresh", reader) {
				if o["profileName"] == config.DefaultOSProfile {
					defaultOS = fmt.Sprint(o["resourceId"])
				}
			}
			assert.Equal(t, defaultOS, pc.DefaultOs, "defaultOs is the default profile's OS resource")
		})
	}
}

// TestExistingProjectsAtStart: projects that exist when the module starts (created while it
// did not run) get their OS resources before the process is ready, except one being deleted;
// a restart changes nothing.
func TestExistingProjectsAtStart(t *testing.T) {
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			cfg := servetest.Config(t, dialect, "inventory", "")
			p := servetest.Start(t, cfg, nil)
			proj, _, err := inventory.EnsureProject(context.Background(), p.Inventory, "old", "")
			require.NoError(t, err)
			dying, _, err := inventory.EnsureProject(context.Background(), p.Inventory, "dying", "")
			require.NoError(t, err)
			_, err = tenant.RequestDeletion(context.Background(), p.Inventory, dying.GetId())
			require.NoError(t, err)
			p.Stop(t)

			cfg.Target = "inventory,api,osresource"
			cfg.OSResource.EnabledProfiles = []string{"*"}
			p = servetest.Start(t, cfg, nil)
			reader := p.Token(t, proj.GetId()+"_im-r")
			first := osResources(t, p, "old", reader)
			assert.Len(t, first, 9, "every profile of the catalog, with enabledProfiles [*]")
			resp, err := p.Inventory.ListResources(context.Background(), &inventoryv1.ListResourcesRequest{TenantId: dying.GetId(),
				Kind: inventoryv1.ResourceKind_RESOURCE_KIND_OS})
			require.NoError(t, err)
			assert.Empty(t, resp.GetResources(), "a project being deleted gets nothing (no orphans)")
			p.Stop(t)

			p = servetest.Start(t, cfg, nil)
			again := osResources(t, p, "old", p.Token(t, proj.GetId()+"_im-r"))
			assert.ElementsMatch(t, ids(first), ids(again), "idempotent by profile name and version")
		})
	}
}

func ids(oss []map[string]any) []string {
	var out []string
	for _, o := range oss {
		out = append(out, fmt.Sprint(o["resourceId"]))
	}
	return out
}

// TestManifestChangeUpdates: a changed manifest updates the OS resource in place; a new image
// version adds an OS resource and keeps the old one (never deleted, instances may use it), and
// defaultOs moves to the new one.
func TestManifestChangeUpdates(t *testing.T) {
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			dir := t.TempDir()
			src := filepath.Join(legacyDir(t), "ubuntu-22.04-lts-generic.yaml")
			orig, err := os.ReadFile(src)
			require.NoError(t, err)
			file := filepath.Join(dir, "ubuntu-22.04-lts-generic.yaml")
			require.NoError(t, os.WriteFile(file, orig, 0o600))
			cfg := servetest.Config(t, dialect, "inventory,api,osresource", "osresource:\n  source: "+dir+"\n")
			p := servetest.Start(t, cfg, nil)
			proj, _, err := inventory.EnsureProject(context.Background(), p.Inventory, "upd", "")
			require.NoError(t, err)
			m := p.Modules[module.OSResource].(*osresource.Module)
			require.NoError(t, m.Sync(context.Background()))
			reader := p.Token(t, proj.GetId()+"_im-r")
			before := osResources(t, p, "upd", reader)
			require.Len(t, before, 1)

			changed := strings.Replace(string(orig), "description: Ubuntu 22.04.5 LTS for x86_64 architecture", "description: Ubuntu changed", 1)
			require.NoError(t, os.WriteFile(file, []byte(changed), 0o600))
			require.NoError(t, m.Sync(context.Background()))
			after := osResources(t, p, "upd", reader)
			require.Len(t, after, 1)
			assert.Equal(t, before[0]["resourceId"], after[0]["resourceId"], "updated in place")
			assert.Equal(t, "Ubuntu changed", after[0]["description"])

			newer := strings.Replace(changed, "osImageVersion: 22.04.5", "osImageVersion: 22.04.6", 1)
			require.NoError(t, os.WriteFile(file, []byte(newer), 0o600))
			require.NoError(t, m.Sync(context.Background()))
			both := osResources(t, p, "upd", reader)
			require.Len(t, both, 2, "the old version is kept")
			var newID string
			for _, o := range both {
				if o["profileVersion"] == "22.04.6" {
					newID = fmt.Sprint(o["resourceId"])
				}
			}
			require.NotEmpty(t, newID)
			assert.Equal(t, newID, onboardingProvider(t, p.Inventory, proj.GetId()).DefaultOs)
		})
	}
}

// TestSkippedManifestReported: a broken manifest in the source shows in the module's health
// detail on /readyz and in the metrics, while the process is ready.
func TestSkippedManifestReported(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join(legacyDir(t), "microvisor-rt.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "microvisor-rt.yaml"), b, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte(strings.Replace(string(b), "x86_64\n", "\n", 1)), 0o600))
	cfg := servetest.Config(t, "sqlite", "inventory,osresource", "osresource:\n  source: "+dir+"\n")
	p := servetest.Start(t, cfg, nil)
	status, body := get(t, p.URL+"/readyz")
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "skipped bad.yaml: field spec.architecture")
	_, metrics := get(t, p.URL+"/metrics")
	assert.Contains(t, metrics, `eim_osresource_profiles_skipped{field="spec.architecture",file="bad.yaml"} 1`)
	assert.Contains(t, metrics, `eim_osresource_profiles_loaded 1`)
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}
