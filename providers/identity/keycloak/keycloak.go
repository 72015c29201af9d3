// Package keycloak is the identity adapter for Keycloak: tokens of the realm's issuer
// (https://host/realms/{realm}) are verified under the rules of the identity package, with
// Keycloak's claim layout as the default mapping (realm_access.roles, resource_access.<client>.roles,
// the legacy EMF role names "<project>_im-rw", "_im-r", "_en-agent-rw", "_en-ob"). With an
// admin client it issues edge-node clients through the admin REST API as the legacy EMF
// onboarding manager did: a confidential client edgenode-<uuid> with service accounts only,
// whose service-account user joins the tenant's <project>_Edge-Node-M2M-Service-Account group,
// deleted on revocation.
//
// With an admin client, CheckHealth (and so /readyz) also checks that it obtains a token:
// refused credentials are Unauthenticated, naming the client, never the secret.
//
// With an admin client it also manages projects' roles as the legacy EMF tenant controller did
// (RoleManager): the realm roles <project>_im-r, _im-rw, _en-agent-rw and _en-ob, and the
// tenant's edge-node group mapped to _en-agent-rw and _en-ob; the admin client then also needs
// the realm-management roles manage-realm and manage-users.
//
// Register name: keycloak. Capabilities: ClientIssuer and RoleManager when admin is configured.
package keycloak

import (
	"context"
	"slices"
	"time"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
)

// Name is the name the adapter registers under.
const Name = "keycloak"

// Interface guards: the adapter's types implement the kind's driver interfaces.
var (
	_ identity.ClientIssuer = (*issuer)(nil)
	_ identity.RoleManager  = (*issuer)(nil)
)

func init() { provider.Register(identity.Registry, Name, NewConfig, open) }

func open(_ context.Context, cfg *Config, env identity.Env) (*identity.Provider, error) {
	client, err := env.Client(cfg.Policy)
	if err != nil {
		return nil, err
	}
	pol := cfg.Policy
	clients := cfg.ClientRoles
	if len(clients) == 0 {
		clients = cfg.Audiences
	}
	pol.Claims.Roles = slices.Clone(pol.Claims.Roles)
	for _, c := range clients {
		if p := "resource_access." + c + ".roles"; !slices.Contains(pol.Claims.Roles, p) {
			pol.Claims.Roles = append(pol.Claims.Roles, p)
		}
	}
	v, err := identity.NewVerifier(pol, identity.NewRemote(pol, client), env.Log())
	if err != nil {
		return nil, err
	}
	parts := identity.Parts{Verifier: v}
	if cfg.Admin.enabled() {
		base, realm, _ := splitIssuer(cfg.Issuer)
		tokenURL := cfg.Issuer + "/protocol/openid-connect/token"
		iss := &issuer{admin: cfg.Admin, api: base + "/admin/realms/" + realm, tokenURL: tokenURL,
			audiences: cfg.Audiences, client: client, now: time.Now,
			token: identity.NewTokenSource(identity.ClientCredentials{TokenURL: tokenURL, ClientID: cfg.Admin.ClientID,
				Secret: cfg.Admin.ClientSecret.Value(), HTTPClient: client})}
		parts.Issuer, parts.Roles, parts.Check = iss, iss, iss.checkAdmin
	}
	return identity.New(Name, parts), nil
}
