package keycloak

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/test/testenv"
)

// rolesProvider opens the adapter with an admin client allowed to manage roles.
func rolesProvider(t *testing.T, kc *testenv.KeycloakServer) *identity.Provider {
	t.Helper()
	cfg := config(t, kc)
	id, secret := kc.RolesAdminClient(t)
	cfg.Admin.ClientID, cfg.Admin.ClientSecret = id, adminSecret(t, secret)
	p, err := identity.Open(context.Background(), Name, cfg, identity.Env{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// groupRoles returns the realm roles mapped to the top-level group name, or ok false when the
// group does not exist.
func groupRoles(t *testing.T, kc *testenv.KeycloakServer, name string) (roles []string, ok bool) {
	t.Helper()
	var groups []struct{ ID, Name string }
	out, _ := kc.Admin(t, http.MethodGet, "/groups?exact=true&search="+url.QueryEscape(name), nil)
	require.NoError(t, json.Unmarshal(out, &groups))
	for _, g := range groups {
		if g.Name != name {
			continue
		}
		var mapped []struct{ Name string }
		out, _ := kc.Admin(t, http.MethodGet, "/groups/"+g.ID+"/role-mappings/realm", nil)
		require.NoError(t, json.Unmarshal(out, &mapped))
		for _, m := range mapped {
			roles = append(roles, m.Name)
		}
		sort.Strings(roles)
		return roles, true
	}
	return nil, false
}

// TestRoleManager: against the real Keycloak, EnsureProjectRoles creates the legacy project
// roles and the edge-node group mapped to _en-agent-rw and _en-ob (twice is a no-op); a device
// client issued into the project then gets tokens carrying those roles; DeleteProjectRoles
// removes the group and the roles (twice is a no-op).
func TestRoleManager(t *testing.T) {
	kc := testenv.Keycloak(t)
	ctx := context.Background()
	p := rolesProvider(t, kc)
	assert.True(t, p.Capabilities().Has(identity.CapRoleManager))
	project := uuid.NewString()
	t.Cleanup(func() { _ = p.DeleteProjectRoles(context.Background(), project) })

	for range 2 {
		require.NoError(t, p.EnsureProjectRoles(ctx, project))
	}
	for _, r := range identity.ProjectRoles() {
		kc.Admin(t, http.MethodGet, "/roles/"+project+"_"+r, nil)
	}
	roles, ok := groupRoles(t, kc, project+"_Edge-Node-M2M-Service-Account")
	require.True(t, ok, "the edge-node group exists")
	assert.Equal(t, []string{project + "_en-agent-rw", project + "_en-ob"}, roles)

	device := uuid.NewString()
	c, err := p.CreateClient(ctx, project, device)
	require.NoError(t, err)
	tok := kc.ClientCredentialsToken(t, c.ID, string(c.Secret.Bytes()))
	var pr *identity.Principal
	require.Eventually(t, func() bool { pr, err = p.Verify(ctx, tok); return err == nil }, 30*time.Second, 50*time.Millisecond)
	assert.ElementsMatch(t, []string{"en-agent-rw", "en-ob"}, pr.TenantRoles[project])
	require.NoError(t, p.RevokeClient(ctx, project, device))

	for range 2 {
		require.NoError(t, p.DeleteProjectRoles(ctx, project))
	}
	_, ok = groupRoles(t, kc, project+"_Edge-Node-M2M-Service-Account")
	assert.False(t, ok, "the group is deleted")
	for _, r := range identity.ProjectRoles() {
		kc.Admin(t, http.MethodGet, "/roles/"+project+"_"+r, nil, http.StatusNotFound)
	}
}

// TestRoleManagerNeedsManageRealm: the legacy host-manager admin client cannot create realm
// roles; the error is PermissionDenied and names the realm-management roles to add.
func TestRoleManagerNeedsManageRealm(t *testing.T) {
	kc := testenv.Keycloak(t)
	p, err := identity.Open(context.Background(), Name, config(t, kc), identity.Env{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	err = p.EnsureProjectRoles(context.Background(), uuid.NewString())
	require.Error(t, err)
	assert.Equal(t, provider.PermissionDenied, provider.CodeOf(err))
	assert.Contains(t, err.Error(), "manage-realm")
}

// TestRoleManagerRefusesBadProject: a project id unfit for role names is refused before any call.
func TestRoleManagerRefusesBadProject(t *testing.T) {
	kc := testenv.Keycloak(t)
	p, err := identity.Open(context.Background(), Name, config(t, kc), identity.Env{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	assert.Equal(t, provider.InvalidArgument, provider.CodeOf(p.EnsureProjectRoles(context.Background(), "a/b")))
	assert.Equal(t, provider.InvalidArgument, provider.CodeOf(p.DeleteProjectRoles(context.Background(), "")))
}
