// Package oidc is the identity adapter for any OpenID Connect provider (Entra ID, Okta, Auth0,
// Dex, Ory Hydra, Keycloak, ...): tokens are verified against the issuer's discovery document
// and JWKS under the rules of the identity package, with claim mapping from configuration.
// With clientIssuer.enabled it issues edge-node clients through dynamic client registration
// (RFC 7591, managed with RFC 7592), keeping each client's credentials and registration access
// token in the secrets provider; otherwise it does not declare ClientIssuer.
//
// Register name: oidc. Capabilities: ClientIssuer when clientIssuer.enabled is set.
package oidc

import (
	"context"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
)

// Name is the name the adapter registers under.
const Name = "oidc"

// Interface guards: the adapter's types implement the kind's driver interfaces.
var (
	_ identity.ClientIssuer = (*registrar)(nil)
)

func init() { provider.Register(identity.Registry, Name, NewConfig, open) }

func open(_ context.Context, cfg *Config, env identity.Env) (*identity.Provider, error) {
	client, err := env.Client(cfg.Policy)
	if err != nil {
		return nil, err
	}
	v, err := identity.NewVerifier(cfg.Policy, identity.NewRemote(cfg.Policy, client), env.Log())
	if err != nil {
		return nil, err
	}
	parts := identity.Parts{Verifier: v}
	if cfg.ClientIssuer.Enabled {
		if env.Secrets == nil || !env.Secrets.Capabilities().Has(secrets.CapWrite) {
			return nil, provider.Errorf(provider.FailedPrecondition,
				"clientIssuer keeps each client's registration access token in the secrets provider, and none that can write is configured: "+
					"configure providers.secrets with a writable store, or remove clientIssuer")
		}
		parts.Issuer = &registrar{cfg: &cfg.ClientIssuer, audiences: cfg.Audiences, verifier: v, store: env.Secrets, client: client}
	}
	return identity.New(Name, parts), nil
}
