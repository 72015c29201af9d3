package oidc

import (
	"net/url"
	"strings"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
)

// Config configures the adapter: the verification policy and, optionally, dynamic client
// registration.
type Config struct {
	identity.Policy `yaml:",inline"`
	// ClientIssuer configures edge-node clients through dynamic client registration (RFC 7591
	// and 7592). Unless enabled, the provider does not declare ClientIssuer.
	ClientIssuer Registration `yaml:"clientIssuer"`
}

// Registration configures dynamic client registration.
type Registration struct {
	// Enabled turns dynamic client registration on: the provider then declares ClientIssuer.
	Enabled bool `yaml:"enabled"`
	// Endpoint is the RFC 7591 registration endpoint; the registration_endpoint of the
	// discovery document when unset.
	Endpoint string `yaml:"endpoint,omitempty"`
	// InitialAccessToken is a secret reference to the token that authorizes registration,
	// where the issuer requires one.
	InitialAccessToken provider.SecretRef `yaml:"initialAccessToken,omitempty"`
	// Scope is registered for, and requested by, each client: it is how the issuer binds the
	// client's tokens to the tenant ({tenant} is replaced). Map it back with a claims.tenants
	// rule, e.g. {claim: scp, pattern: "tenant:{tenant}"}.
	Scope string `yaml:"scope"`
	// ClientName names each client; {device} is its UUID.
	ClientName string `yaml:"clientName"`
	// SecretPrefix is where each client's credentials and registration access token are kept
	// in the secrets provider (which needs a writable store).
	SecretPrefix string `yaml:"secretPrefix"`
}

// NewConfig returns the configuration with its defaults: roles from "roles", groups from
// "groups", the client id from azp, client_id, cid (Okta) or appid (Entra ID v1).
func NewConfig() *Config {
	p := identity.DefaultPolicy()
	p.Claims = identity.ClaimMapping{Roles: []string{"roles"}, Groups: []string{"groups"},
		ClientID: []string{"azp", "client_id", "cid", "appid"}}
	return &Config{Policy: p, ClientIssuer: Registration{Scope: "tenant:{tenant}", ClientName: identity.DefaultClientIDPattern,
		SecretPrefix: "identity/oidc/clients"}}
}

// Validate checks the configuration without I/O.
func (c *Config) Validate() error {
	var v provider.Validation
	v.Nest("", c.Policy.Validate())
	if r := c.ClientIssuer; r.Enabled {
		if r.Endpoint != "" {
			if u, err := url.Parse(r.Endpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				v.Add("clientIssuer.endpoint", "is not an http(s) URL", "leave it out to use the issuer's registration_endpoint")
			}
		}
		if !r.InitialAccessToken.IsZero() {
			v.Nest("clientIssuer.initialAccessToken", r.InitialAccessToken.Validate())
		}
		v.Check(strings.Count(r.Scope, "{tenant}") == 1, "clientIssuer.scope", "must contain {tenant} once",
			`e.g. "tenant:{tenant}", so that the issuer binds each client's tokens to its tenant`)
		v.Check(strings.Contains(r.ClientName, "{device}"), "clientIssuer.clientName", "must contain {device}", "use edgenode-{device}")
		v.Required("clientIssuer.secretPrefix", r.SecretPrefix, "name a prefix such as identity/oidc/clients")
	}
	return v.Err()
}
