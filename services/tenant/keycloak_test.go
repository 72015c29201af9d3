package tenant_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
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
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/services/tenant"
	"github.com/eim-byoi/eim/test/testenv"
)

// keycloakConfig is the identity block of the test realm with an admin client allowed to issue
// clients and manage roles.
func keycloakConfig(t *testing.T, kc *testenv.KeycloakServer) string {
	t.Helper()
	id, secret := kc.RolesAdminClient(t)
	return fmt.Sprintf(`
providers:
  identity:
    type: keycloak
    config:
      issuer: %s
      audiences: [%s]
      admin:
        clientID: %s
        clientSecret: {file: %s}
`, kc.IssuerURL(), kc.Audience, id, writeSecret(t, secret))
}

// realmState returns the project's realm roles and whether its edge-node group exists.
func realmState(t *testing.T, kc *testenv.KeycloakServer, project string) (roles []string, group bool) {
	t.Helper()
	var rs []struct{ Name string }
	out, _ := kc.Admin(t, http.MethodGet, "/roles?briefRepresentation=true&search="+url.QueryEscape(project), nil)
	require.NoError(t, json.Unmarshal(out, &rs))
	for _, r := range rs {
		if strings.HasPrefix(r.Name, project+"_") {
			roles = append(roles, strings.TrimPrefix(r.Name, project+"_"))
		}
	}
	var gs []struct{ Name string }
	out, _ = kc.Admin(t, http.MethodGet, "/groups?exact=true&search="+url.QueryEscape(project+"_Edge-Node-M2M-Service-Account"), nil)
	require.NoError(t, json.Unmarshal(out, &gs))
	return roles, len(gs) == 1
}

// TestKeycloakProjectRoles: with the real Keycloak (an admin client with manage-realm), a new
// project gets the legacy roles and the edge-node group, so a device client can be issued into
// it; its deletion revokes the client, purges the project and deletes the roles and the group.
func TestKeycloakProjectRoles(t *testing.T) {
	kc := testenv.Keycloak(t)
	cfg := servetest.Config(t, "sqlite", "inventory,tenant", keycloakConfig(t, kc))
	p := servetest.Start(t, cfg, nil)
	require.True(t, p.Identity.Capabilities().Has(identity.CapRoleManager))
	ctx := context.Background()
	proj, _, err := inventory.EnsureProject(ctx, p.Inventory, "kc-"+uuid.NewString()[:8], "")
	require.NoError(t, err)
	id := proj.GetId()
	t.Cleanup(func() { _ = p.Identity.DeleteProjectRoles(context.Background(), id) })

	require.Eventually(t, func() bool {
		roles, group := realmState(t, kc, id)
		return len(roles) == 4 && group
	}, time.Minute, 50*time.Millisecond, "the project's roles and group are created")
	roles, _ := realmState(t, kc, id)
	assert.ElementsMatch(t, identity.ProjectRoles(), roles)

	device := uuid.NewString()
	_, err = p.Inventory.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: id, Resource: &inventoryv1.Resource{
		Resource: &inventoryv1.Resource_Host{Host: &computev1.HostResource{Name: "edge-1", Uuid: device}}}})
	require.NoError(t, err)
	_, err = p.Identity.CreateClient(ctx, id, device)
	require.NoError(t, err, "the group exists, so a device client can be issued into the project")

	_, err = tenant.RequestDeletion(ctx, p.Inventory, id)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return projectGone(p, id) && len(pending(t, p)) == 0 }, time.Minute, 50*time.Millisecond)
	roles, group := realmState(t, kc, id)
	assert.Empty(t, roles, "the roles are deleted")
	assert.False(t, group, "the group is deleted")
	_, err = p.Identity.GetClient(ctx, id, device)
	assert.Equal(t, provider.NotFound, provider.CodeOf(err), "the client is revoked")
}

// TestKeycloakWithoutManageRealm: with the legacy admin client (no manage-realm) the process is
// still ready; the refused role creation is the module's /readyz detail, naming the fix.
func TestKeycloakWithoutManageRealm(t *testing.T) {
	kc := testenv.Keycloak(t)
	extra := fmt.Sprintf(`
providers:
  identity:
    type: keycloak
    config:
      issuer: %s
      audiences: [%s]
      admin:
        clientID: %s
        clientSecret: {file: %s}
`, kc.IssuerURL(), kc.Audience, kc.AdminClientID, writeSecret(t, kc.AdminClientSecret))
	cfg := servetest.Config(t, "sqlite", "inventory", extra)
	p := servetest.Start(t, cfg, nil)
	_, _, err := inventory.EnsureProject(context.Background(), p.Inventory, "legacy", "")
	require.NoError(t, err)
	p.Stop(t)

	cfg.Target = "inventory,tenant"
	p = servetest.Start(t, cfg, nil)
	resp, err := http.Get(p.URL + "/readyz")
	require.NoError(t, err)
	defer resp.Body.Close()
	var rep struct {
		Ready  bool
		Checks []struct{ Name, Detail string }
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&rep))
	assert.True(t, rep.Ready)
	var detail string
	for _, c := range rep.Checks {
		if c.Name == "module/tenant" {
			detail = c.Detail
		}
	}
	assert.Contains(t, detail, "last reconciliation failed (retrying)")
	assert.Contains(t, detail, "manage-realm")
}
