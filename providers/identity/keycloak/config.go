package keycloak

import (
	"strings"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
)

// Config configures the adapter: the verification policy for the realm's issuer
// (https://host/realms/{realm}), the clients whose roles count, and the admin client that
// issues edge-node clients.
type Config struct {
	identity.Policy `yaml:",inline"`
	// ClientRoles are clients whose roles (resource_access.<client>.roles) count as roles;
	// left empty, the audiences.
	ClientRoles []string `yaml:"clientRoles"`
	// Admin is the client whose credentials manage edge-node clients through the admin REST
	// API. Left out, the provider does not declare ClientIssuer.
	Admin Admin `yaml:"admin"`
}

// Admin configures the admin client and the clients it creates.
type Admin struct {
	// ClientID is a confidential client of the realm with a service account holding the
	// realm-management roles manage-clients, view-clients, query-groups, view-users and
	// manage-users (the legacy EMF host-manager-m2m-client has them).
	ClientID string `yaml:"clientID"`
	// ClientSecret is a secret reference to the admin client's secret.
	ClientSecret provider.SecretRef `yaml:"clientSecret"`
	// ClientIDPattern names each edge node's client; {device} is its UUID.
	ClientIDPattern string `yaml:"clientIDPattern"`
	// GroupPattern names the group of a tenant that edge-node service accounts join; its role
	// mappings give the node its roles ({tenant} is the project id).
	GroupPattern string `yaml:"groupPattern"`
}

// enabled reports whether an admin client is configured.
func (a Admin) enabled() bool { return a.ClientID != "" }

// NewConfig returns the configuration with the Keycloak defaults: roles from
// realm_access.roles (and resource_access.<client>.roles), groups from "groups", the client id
// from azp, tenants from the legacy EMF role names "<project>_<role>".
func NewConfig() *Config {
	p := identity.DefaultPolicy()
	p.Claims = identity.ClaimMapping{
		Roles:    []string{"realm_access.roles"},
		Groups:   []string{"groups"},
		ClientID: []string{"azp", "client_id"},
		Tenants:  []identity.TenantRule{{Claim: "realm_access.roles", Pattern: "{tenant}_{role}"}},
	}
	return &Config{Policy: p, Admin: Admin{ClientIDPattern: identity.DefaultClientIDPattern,
		GroupPattern: "{tenant}_Edge-Node-M2M-Service-Account"}}
}

// Validate checks the configuration without I/O.
func (c *Config) Validate() error {
	var v provider.Validation
	v.Nest("", c.Policy.Validate())
	if c.Issuer != "" {
		if _, _, ok := splitIssuer(c.Issuer); !ok {
			v.Add("issuer", "is not a Keycloak realm issuer", "write it as https://host/realms/<realm> (no trailing slash)")
		}
	}
	if a := c.Admin; a.enabled() || !a.ClientSecret.IsZero() {
		v.Required("admin.clientID", a.ClientID, "name the admin client, e.g. host-manager-m2m-client")
		v.Nest("admin.clientSecret", a.ClientSecret.Validate())
		v.Check(strings.Contains(a.ClientIDPattern, "{device}"), "admin.clientIDPattern", "must contain {device}", "use edgenode-{device}")
		v.Check(strings.Count(a.GroupPattern, "{tenant}") == 1, "admin.groupPattern", "must contain {tenant} once",
			"use {tenant}_Edge-Node-M2M-Service-Account")
	}
	return v.Err()
}

// splitIssuer returns the server URL and the realm of https://host[/prefix]/realms/{realm}.
func splitIssuer(issuer string) (base, realm string, ok bool) {
	i := strings.LastIndex(issuer, "/realms/")
	if i < 0 {
		return "", "", false
	}
	base, realm = issuer[:i], issuer[i+len("/realms/"):]
	return base, realm, base != "" && realm != "" && !strings.Contains(realm, "/")
}
