package edgesim_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/identity/keycloak"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/edgesim"
	"github.com/eim-byoi/eim/test/apitest"
	"github.com/eim-byoi/eim/test/testenv"
)

// TestKeycloakDevicesWithClientCredentials is the Keycloak recipe of docs/edge-sim.md against
// the test bed's real Keycloak: each device gets a confidential client whose service account is
// in the project's Edge-Node-M2M group (created by the keycloak adapter's admin client, as the
// legacy host manager did), the listener verifies Keycloak's tokens, and every device calls in
// its project as its own client.
func TestKeycloakDevicesWithClientCredentials(t *testing.T) {
	kc := testenv.Keycloak(t)
	cfg := keycloak.NewConfig()
	cfg.Issuer, cfg.Audiences, cfg.ClockSkew = kc.IssuerURL(), []string{kc.Audience}, provider.Duration(apitest.ClockSkew)
	cfg.Admin.ClientID, cfg.Admin.ClientSecret = kc.AdminClientID, provider.SecretRef{Env: "KEYCLOAK_ADMIN_CLIENT_SECRET"}
	require.NoError(t, cfg.Admin.ClientSecret.Resolve(context.Background(), provider.SecretSources{
		LookupEnv: func(string) (string, bool) { return kc.AdminClientSecret, true }}))
	idp, err := identity.Open(context.Background(), keycloak.Name, cfg, identity.Env{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = idp.Close() })

	b := newBedWith(t, idp)
	b.serve()
	want := edgesim.NewFleet(4, []edgesim.Tenant{{Name: "project1", ID: kc.Project1}}, uuid.NewString())
	for _, n := range want {
		t.Cleanup(func() { _ = idp.RevokeClient(context.WithoutCancel(t.Context()), kc.Project1, n.GUID) })
	}
	fleet, creds, err := edgesim.LoadCredentialsFile(b.issueClients(t, want), nil)
	require.NoError(t, err)
	cfg2 := b.config(fleet, edgesim.NewClientCredentials(creds))
	cfg2.Stop = b.rec.until(t, every(fleet, func(r nodeRecord) bool { return r.heartbeats >= 2 && r.polls >= 1 }))

	sum, err := edgesim.Run(t.Context(), cfg2)
	require.NoError(t, err)
	nodes, calls := b.rec.snapshot()

	assert.Empty(t, sum.Errors)
	assert.Empty(t, sum.CredentialErrors)
	subjects := map[string]bool{}
	for _, n := range fleet {
		assert.Equal(t, map[string]bool{kc.Project1: true}, nodes[n.GUID].projects, "the group's role names the project")
		for s := range nodes[n.GUID].subjects {
			subjects[s] = true
		}
	}
	assert.Len(t, subjects, len(fleet), "each device is its own service account")
	assert.EqualValues(t, calls[edgesim.RPCInstance], sum.RPCs[edgesim.RPCInstance].Acknowledged)
}
