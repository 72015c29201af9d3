package tenant_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/internal/servetest"
	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/services/tenant"
)

var dialects = []string{"sqlite", "postgres"}

const target = "inventory,api,osresource,tenant"

// fixture is a project with OS resources and a host whose device holds a client.
type fixture struct {
	name, id, device string
}

// newProject creates a project through the REST API, waits for its OS resources, and registers
// a host whose device client the identity provider issues.
func newProject(t *testing.T, p *servetest.Process, name string) fixture {
	t.Helper()
	ctx := context.Background()
	admin := p.Token(t, "project-write-role", "project-delete-role", "project-read-role")
	status, body := p.Do(t, http.MethodPut, "/v1/projects/"+name, admin, map[string]string{"description": "d"})
	require.Equal(t, http.StatusOK, status, string(body))
	proj, err := p.Inventory.GetProject(ctx, &inventoryv1.GetProjectRequest{NameOrId: name})
	require.NoError(t, err)
	f := fixture{name: name, id: proj.GetProject().GetId(), device: uuid.NewString()}
	require.Eventually(t, func() bool { return count(t, p, f.id, inventoryv1.ResourceKind_RESOURCE_KIND_OS) > 0 },
		time.Minute, 20*time.Millisecond, "osresource gives the new project its OS resources")
	// A write racing the modules' own may be aborted by a busy SQLite: retried, as clients do.
	err = provider.Retry(ctx, provider.Backoff{Min: 10 * time.Millisecond, Max: time.Second}, aborted, func() error {
		_, err := p.Inventory.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: f.id, Resource: &inventoryv1.Resource{
			Resource: &inventoryv1.Resource_Host{Host: &computev1.HostResource{Name: "edge-1", Uuid: f.device}}}})
		return err
	})
	require.NoError(t, err)
	_, err = p.Identity.CreateClient(ctx, f.id, f.device)
	require.NoError(t, err)
	return f
}

func aborted(err error) bool { return provider.CodeOf(err) == provider.Aborted }

// count returns how many resources of kind the tenant has (0 when the tenant is gone).
func count(t *testing.T, p *servetest.Process, tenant string, kind inventoryv1.ResourceKind) int {
	t.Helper()
	resp, err := p.Inventory.ListResources(context.Background(), &inventoryv1.ListResourcesRequest{TenantId: tenant, Kind: kind, PageSize: 1})
	if provider.CodeOf(err) == provider.NotFound {
		return 0
	}
	require.NoError(t, err)
	return int(resp.GetTotalElements())
}

func projectGone(p *servetest.Process, id string) bool {
	_, err := p.Inventory.GetProject(context.Background(), &inventoryv1.GetProjectRequest{NameOrId: id})
	return provider.CodeOf(err) == provider.NotFound
}

func pending(t *testing.T, p *servetest.Process) []tenant.Deletion {
	t.Helper()
	d, err := p.Modules[module.Tenant].(*tenant.Module).Pending(context.Background())
	require.NoError(t, err)
	return d
}

// TestDeleteProjectTearsDown: with the embedded issuer (which issues clients but has no
// RoleManager: the roles step is a documented no-op), DELETE /v1/projects/{name} revokes the
// hosts' clients and removes the project and every resource of it, in the background; the
// project's status says so meanwhile; another project is untouched; deleting again is 404.
func TestDeleteProjectTearsDown(t *testing.T) {
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			p := servetest.Start(t, servetest.Config(t, dialect, target, ""), nil)
			assert.False(t, p.Identity.Capabilities().Has(identity.CapRoleManager), "the embedded issuer manages no roles")
			gone, kept := newProject(t, p, "gone"), newProject(t, p, "kept")
			admin := p.Token(t, "project-delete-role", "project-read-role")

			status, body := p.Do(t, http.MethodDelete, "/v1/projects/gone", admin, nil)
			require.Equal(t, http.StatusOK, status, string(body))
			assert.Contains(t, string(body), "is being deleted")
			require.Eventually(t, func() bool { return projectGone(p, gone.id) && len(pending(t, p)) == 0 }, time.Minute, 20*time.Millisecond,
				"the project is gone and its deletion journaled as done")

			_, err := p.Identity.GetClient(context.Background(), gone.id, gone.device)
			assert.Equal(t, provider.NotFound, provider.CodeOf(err), "the host's client is revoked")
			for _, k := range []inventoryv1.ResourceKind{inventoryv1.ResourceKind_RESOURCE_KIND_OS,
				inventoryv1.ResourceKind_RESOURCE_KIND_HOST, inventoryv1.ResourceKind_RESOURCE_KIND_PROVIDER} {
				assert.Zero(t, count(t, p, gone.id, k), "no %s is left", k)
			}
			assert.Empty(t, pending(t, p), "the journal is closed")
			status, _ = p.Do(t, http.MethodGet, "/v1/projects/gone", admin, nil)
			assert.Equal(t, http.StatusNotFound, status)
			status, _ = p.Do(t, http.MethodDelete, "/v1/projects/gone", admin, nil)
			assert.Equal(t, http.StatusNotFound, status)

			assert.False(t, projectGone(p, kept.id))
			assert.Positive(t, count(t, p, kept.id, inventoryv1.ResourceKind_RESOURCE_KIND_HOST))
			_, err = p.Identity.GetClient(context.Background(), kept.id, kept.device)
			assert.NoError(t, err, "the other project's client is kept")
		})
	}
}

// TestDeletionResumesAfterCrash: a deletion stopped after the clients were revoked (a test
// hook standing for a crash there) is journaled at that step with the project and its
// resources still present; the next start of the process resumes it to the end.
func TestDeletionResumesAfterCrash(t *testing.T) {
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			cfg := servetest.Config(t, dialect, target, "")
			p := servetest.Start(t, cfg, map[string]module.Factory{module.Tenant: tenant.FactoryStoppingBefore(tenant.StepResourcesPurged)})
			f := newProject(t, p, "crashy")
			admin := p.Token(t, "project-delete-role")
			status, body := p.Do(t, http.MethodDelete, "/v1/projects/crashy", admin, nil)
			require.Equal(t, http.StatusOK, status, string(body))
			require.Eventually(t, func() bool {
				d := pending(t, p)
				return len(d) == 1 && d[0].Done == tenant.StepClientsRevoked
			}, time.Minute, 20*time.Millisecond, "the deletion stops after revoking the clients")
			assert.Equal(t, []tenant.Deletion{{ProjectID: f.id, ProjectName: "crashy", Done: tenant.StepClientsRevoked}}, pending(t, p))
			assert.False(t, projectGone(p, f.id), "the resources are not purged yet")
			assert.Positive(t, count(t, p, f.id, inventoryv1.ResourceKind_RESOURCE_KIND_HOST))
			_, err := p.Identity.GetClient(context.Background(), f.id, f.device)
			assert.Equal(t, provider.NotFound, provider.CodeOf(err))
			p.Stop(t)

			p = servetest.Start(t, cfg, nil)
			assert.True(t, projectGone(p, f.id), "the restart resumed the deletion before the process was ready")
			assert.Empty(t, pending(t, p))
			assert.Zero(t, count(t, p, f.id, inventoryv1.ResourceKind_RESOURCE_KIND_OS))
		})
	}
}

// TestFactoryNeedsDatabaseAndInventory: the module refuses to build without them, saying what
// to configure.
func TestFactoryNeedsDatabaseAndInventory(t *testing.T) {
	_, err := tenant.Factory(module.Deps{})
	require.Error(t, err)
	assert.Equal(t, provider.FailedPrecondition, provider.CodeOf(err))
	assert.Contains(t, err.Error(), "inventory.address")
}

// writeSecret writes v to a file for a {file: PATH} reference.
func writeSecret(t *testing.T, v string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(f, []byte(v), 0o600))
	return f
}
