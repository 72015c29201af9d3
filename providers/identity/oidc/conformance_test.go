package oidc

import (
	"context"
	"testing"
	"time"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/test/conformance/identitytest"
	"github.com/eim-byoi/eim/test/idtest"
	"github.com/eim-byoi/eim/test/testenv"
)

const hydraTenant = "55555555-5555-4555-8555-555555555555"

// TestConformance runs the identity suite against Ory Hydra, with dynamic client registration.
func TestConformance(t *testing.T) {
	hy := testenv.Hydra(t)
	store := idtest.Store(t)
	front := idtest.Front(t, hy.PublicURL, "/.well-known/jwks.json")
	open := func(ctx context.Context, base string, maxAge time.Duration) (*identity.Provider, error) {
		cfg := NewConfig()
		cfg.Issuer, cfg.Audiences = hy.IssuerURL(), []string{"eim"}
		cfg.Claims.Tenants = []identity.TenantRule{{Claim: "scp", Pattern: "tenant:{tenant}"}}
		cfg.ClientIssuer.Enabled = true
		idtest.Tune(&cfg.Policy, base, "/.well-known/openid-configuration", "/.well-known/jwks.json", maxAge)
		return identity.Open(ctx, Name, cfg, identity.Env{Secrets: store})
	}
	p, hooks := idtest.Harness(t, front, open)
	client := hy.CreateClient(t, "eim-conf", "eim")
	hooks.Token = func(ctx context.Context) (string, identitytest.Expected, error) {
		tok, err := identity.NewTokenSource(identity.ClientCredentials{TokenURL: hy.TokenURL(), ClientID: client.ID,
			Secret: provider.NewSecretValue([]byte(client.Secret)), Audience: []string{"eim"}}).Token(ctx)
		return tok, identitytest.Expected{ClientID: client.ID}, err
	}
	identitytest.RunIdentity(t, identitytest.IdentityHarness{Provider: p, Tenant: hydraTenant, Hooks: hooks})
}

// TestConformanceKeycloak runs the identity suite with the oidc adapter pointed at Keycloak.
func TestConformanceKeycloak(t *testing.T) {
	kc := testenv.Keycloak(t)
	realm := "/realms/" + kc.Realm
	front := idtest.Front(t, kc.BaseURL, realm+"/protocol/openid-connect/certs")
	open := func(ctx context.Context, base string, maxAge time.Duration) (*identity.Provider, error) {
		cfg := NewConfig()
		cfg.Issuer, cfg.Audiences = kc.IssuerURL(), []string{kc.Audience}
		cfg.Claims.Roles = []string{"realm_access.roles"}
		cfg.Claims.Tenants = []identity.TenantRule{{Claim: "realm_access.roles", Pattern: "{tenant}_{role}"}}
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
	identitytest.RunIdentity(t, identitytest.IdentityHarness{Provider: p, Hooks: hooks, Absent: map[string]string{
		identitytest.HookTenant: "no clientIssuer here: dynamic registration is tested against Hydra (TestConformance), " +
			"and Keycloak clients are issued by the keycloak adapter through the admin API",
	}})
}
