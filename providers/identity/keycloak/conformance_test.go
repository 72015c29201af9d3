package keycloak

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/test/conformance/identitytest"
	"github.com/eim-byoi/eim/test/idtest"
	"github.com/eim-byoi/eim/test/testenv"
)

// adminSecret returns a secret reference resolved to v, as bootstrap resolves them.
func adminSecret(t *testing.T, v string) provider.SecretRef {
	t.Helper()
	ref := provider.SecretRef{Env: "KEYCLOAK_ADMIN_CLIENT_SECRET"}
	require.NoError(t, ref.Resolve(context.Background(), provider.SecretSources{
		LookupEnv: func(string) (string, bool) { return v, true }}))
	return ref
}

// config returns the adapter's configuration for the test realm, with the legacy EMF admin
// client (host-manager-m2m-client).
func config(t *testing.T, kc *testenv.KeycloakServer) *Config {
	t.Helper()
	cfg := NewConfig()
	cfg.Issuer, cfg.Audiences = kc.IssuerURL(), []string{kc.Audience}
	cfg.Admin.ClientID, cfg.Admin.ClientSecret = kc.AdminClientID, adminSecret(t, kc.AdminClientSecret)
	return cfg
}

// TestConformance runs the identity suite against the real Keycloak, issuing edge-node
// clients through the admin API into Project1's group.
func TestConformance(t *testing.T) {
	kc := testenv.Keycloak(t)
	realm := "/realms/" + kc.Realm
	front := idtest.Front(t, kc.BaseURL, realm+"/protocol/openid-connect/certs")
	open := func(ctx context.Context, base string, maxAge time.Duration) (*identity.Provider, error) {
		cfg := config(t, kc)
		idtest.Tune(&cfg.Policy, base, realm+"/.well-known/openid-configuration", realm+"/protocol/openid-connect/certs", maxAge)
		return identity.Open(ctx, Name, cfg, identity.Env{})
	}
	p, hooks := idtest.Harness(t, front, open)
	hooks.Token = func(ctx context.Context) (string, identitytest.Expected, error) {
		tok, err := identity.NewTokenSource(identity.ClientCredentials{TokenURL: kc.TokenURL(), ClientID: kc.ClientID,
			Secret: provider.NewSecretValue([]byte(kc.ClientSecret))}).Token(ctx)
		return tok, identitytest.Expected{ClientID: kc.ClientID, Tenants: []string{kc.Project1},
			TenantRoles: map[string][]string{kc.Project1: {"en-agent-rw", "en-ob"}}}, err
	}
	identitytest.RunIdentity(t, identitytest.IdentityHarness{Provider: p, Tenant: kc.Project1, Hooks: hooks})
}
