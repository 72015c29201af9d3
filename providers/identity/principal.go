package identity

import (
	"slices"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// Principal is the verified identity behind a token, normalized across identity providers.
type Principal struct {
	// Subject is the token's sub claim: a user id, or the service account of a client.
	Subject string
	// ClientID is the OAuth2 client the token was issued to (azp, client_id, ...; see
	// ClaimMapping.ClientID), empty when the token names none.
	ClientID string
	// Issuer is the token's iss claim, equal to the configured issuer.
	Issuer string
	// Audiences is the token's aud claim.
	Audiences []string
	// Expiry and IssuedAt are the token's exp and iat claims (IssuedAt is zero when absent).
	Expiry, IssuedAt time.Time
	// Roles are the values of the role claims, as the token carries them (legacy EMF roles
	// keep their tenant prefix: "<project>_im-rw").
	Roles []string
	// Groups are the values of the group claims.
	Groups []string
	// Tenants are the tenant (project) ids the token is bound to, sorted.
	Tenants []string
	// TenantRoles maps each tenant to the roles the token holds in it, from role names that
	// match the tenant role pattern ("<project>_im-rw" gives TenantRoles[project] = [im-rw]).
	TenantRoles map[string][]string
	// Claims are all the token's claims, decoded from JSON.
	Claims map[string]any
}

// Has reports whether the principal holds role, in tenant when tenant is not empty. With a
// tenant, the principal must be bound to it and hold role there (a tenant role) or globally;
// role "" only asks for the tenant binding. Without a tenant, role must be among Roles.
func (p *Principal) Has(role, tenant string) bool {
	if p == nil {
		return false
	}
	if tenant == "" {
		return role != "" && slices.Contains(p.Roles, role)
	}
	if !slices.Contains(p.Tenants, tenant) {
		return false
	}
	return role == "" || slices.Contains(p.TenantRoles[tenant], role) || slices.Contains(p.Roles, role)
}

// Require returns nil when the principal holds role in tenant (see Has), and a
// PermissionDenied error naming what is missing otherwise.
func (p *Principal) Require(role, tenant string) error {
	if p.Has(role, tenant) {
		return nil
	}
	switch {
	case tenant == "":
		return provider.Errorf(provider.PermissionDenied, "role %q is required", role)
	case role == "":
		return provider.Errorf(provider.PermissionDenied, "access to tenant %q is required", tenant)
	}
	return provider.Errorf(provider.PermissionDenied, "role %q in tenant %q is required", role, tenant)
}
