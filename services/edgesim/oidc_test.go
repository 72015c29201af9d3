package edgesim_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/identity/oidc"
	"github.com/eim-byoi/eim/services/edgesim"
	"github.com/eim-byoi/eim/test/testenv"
)

// TestGenericOIDCDevicesWithClientCredentials is the generic OIDC recipe of docs/edge-sim.md
// against the test bed's real Ory Hydra: each device is a client-credentials client allowed the
// scopes "tenant:<project id>" and "en-agent-rw"; EIM's oidc adapter reads roles from scp and
// binds the token to the project of the tenant scope; every device calls in its project as
// its own client.
func TestGenericOIDCDevicesWithClientCredentials(t *testing.T) {
	hy := testenv.Hydra(t)
	cfg := oidc.NewConfig()
	cfg.Issuer, cfg.Audiences = hy.IssuerURL(), []string{"eim"}
	cfg.Claims.Roles = []string{"scp"}
	cfg.Claims.Tenants = []identity.TenantRule{{Claim: "scp", Pattern: "tenant:{tenant}"}}
	idp, err := identity.Open(context.Background(), oidc.Name, cfg, identity.Env{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = idp.Close() })

	b := newBedWith(t, idp)
	b.serve()
	ts := tenants("alpha", "beta")
	want := edgesim.NewFleet(4, ts, uuid.NewString())
	f := edgesim.CredentialsFile{TokenURL: hy.TokenURL(), Audience: []string{"eim"}}
	for _, n := range want {
		scopes := []string{"tenant:" + n.Tenant.ID, agentRole}
		c := hy.CreateClientWith(t, "edge-sim", map[string]any{"grant_types": []string{"client_credentials"},
			"token_endpoint_auth_method": "client_secret_basic", "audience": []string{"eim"}, "scope": scopes[0] + " " + scopes[1]})
		f.Nodes = append(f.Nodes, edgesim.CredentialsEntry{GUID: n.GUID, Project: n.Tenant.Name, ProjectID: n.Tenant.ID,
			ClientID: c.ID, ClientSecret: c.Secret, Scopes: scopes})
	}
	raw, err := json.Marshal(f)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "fleet.json")
	require.NoError(t, os.WriteFile(path, raw, 0o600))
	fleet, creds, err := edgesim.LoadCredentialsFile(path, nil)
	require.NoError(t, err)
	sim := b.config(fleet, edgesim.NewClientCredentials(creds))
	sim.Stop = b.rec.until(t, every(fleet, func(r nodeRecord) bool { return r.heartbeats >= 2 && r.polls >= 1 }))

	sum, err := edgesim.Run(t.Context(), sim)
	require.NoError(t, err)
	nodes, _ := b.rec.snapshot()

	assert.Empty(t, sum.Errors)
	assert.Empty(t, sum.CredentialErrors)
	subjects := map[string]bool{}
	for _, n := range fleet {
		assert.Equal(t, map[string]bool{n.Tenant.ID: true}, nodes[n.GUID].projects, "the tenant scope names the project")
		for s := range nodes[n.GUID].subjects {
			subjects[s] = true
		}
	}
	assert.Len(t, subjects, len(fleet), "each device is its own client")
}
