package identity

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const p1 = "11111111-1111-1111-1111-111111111111"

func TestClaimMapping(t *testing.T) {
	claims := map[string]any{
		"azp":                       "edgenode-x",
		"realm_access":              map[string]any{"roles": []any{p1 + "_im-rw", p1 + "_en-ob", "offline_access", "default-roles-eim"}},
		"resource_access":           map[string]any{"eim": map[string]any{"roles": []any{"admin"}}},
		"groups":                    []any{"/ops"},
		"scope":                     "openid  tenant:" + p1,
		"scp":                       "openid tenant:" + p1,
		"spaced_roles":              "admin " + p1 + "_im-rw",
		"https://example.com/roles": []any{"auditor"},
		"tid":                       "contoso",
	}
	tests := []struct {
		name        string
		m           ClaimMapping
		roles       []string
		tenants     []string
		tenantRoles map[string][]string
		client      string
	}{
		{"keycloak", ClaimMapping{Roles: []string{"realm_access.roles", "resource_access.eim.roles"}, ClientID: []string{"azp"},
			Tenants: []TenantRule{{Claim: "realm_access.roles", Pattern: "{tenant}_{role}"}}},
			[]string{p1 + "_im-rw", p1 + "_en-ob", "offline_access", "default-roles-eim", "admin"}, []string{p1},
			map[string][]string{p1: {"im-rw", "en-ob"}}, "edgenode-x"},
		{"scope tenant", ClaimMapping{Tenants: []TenantRule{{Claim: "scope", Pattern: "tenant:{tenant}"}}}, nil, []string{p1}, map[string][]string{p1: nil}, ""},
		{"scp string is one value unless configured", ClaimMapping{Tenants: []TenantRule{{Claim: "scp", Pattern: "tenant:{tenant}"}}}, nil, nil, nil, ""},
		{"scp configured as space-delimited", ClaimMapping{SpaceDelimited: []string{"scope", "scp"}, Tenants: []TenantRule{{Claim: "scp", Pattern: "tenant:{tenant}"}}},
			nil, []string{p1}, map[string][]string{p1: nil}, ""},
		{"string role is one role", ClaimMapping{Roles: []string{"spaced_roles"}, Tenants: []TenantRule{{Claim: "spaced_roles", Pattern: "{tenant}_{role}"}}},
			[]string{"admin " + p1 + "_im-rw"}, nil, nil, ""},
		{"no claim split when configured empty", ClaimMapping{SpaceDelimited: []string{}, Roles: []string{"scope"}}, []string{"openid  tenant:" + p1}, nil, nil, ""},
		{"dotted claim name", ClaimMapping{Roles: []string{"https://example.com/roles"}}, []string{"auditor"}, nil, nil, ""},
		{"plain tenant claim with any format", ClaimMapping{TenantFormat: "[a-z]+", Tenants: []TenantRule{{Claim: "tid"}}}, nil, []string{"contoso"}, map[string][]string{"contoso": nil}, ""},
		{"uuid format ignores offline_access", ClaimMapping{Tenants: []TenantRule{{Claim: "realm_access.roles", Pattern: "{tenant}_{role}"}}}, nil, []string{p1}, map[string][]string{p1: {"im-rw", "en-ob"}}, ""},
		{"missing claims", ClaimMapping{Roles: []string{"nope.roles"}, Groups: []string{"nope"}}, nil, nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mp, err := newMapper(tt.m)
			require.NoError(t, err)
			var p Principal
			mp.apply(&p, claims)
			assert.Equal(t, tt.roles, p.Roles)
			assert.Equal(t, tt.tenants, p.Tenants)
			assert.Equal(t, tt.tenantRoles, p.TenantRoles)
			assert.Equal(t, tt.client, p.ClientID)
		})
	}
}

func TestPrincipalRequire(t *testing.T) {
	p := &Principal{Roles: []string{p1 + "_im-rw", "admin"}, Tenants: []string{p1}, TenantRoles: map[string][]string{p1: {"im-rw"}}}
	tests := []struct {
		role, tenant string
		ok           bool
	}{
		{"im-rw", p1, true},
		{"", p1, true},
		{"admin", p1, true},
		{"admin", "", true},
		{"im-rw", "", false},
		{"en-ob", p1, false},
		{"im-rw", "22222222-2222-2222-2222-222222222222", false},
	}
	for _, tt := range tests {
		err := p.Require(tt.role, tt.tenant)
		assert.Equal(t, tt.ok, err == nil, "%s in %q: %v", tt.role, tt.tenant, err)
	}
	var none *Principal
	assert.False(t, none.Has("admin", ""))
}

func TestPolicyValidate(t *testing.T) {
	base := testPolicy()
	tests := []struct {
		name string
		edit func(*Policy)
		want string
	}{
		{"ok", func(*Policy) {}, ""},
		{"no issuer", func(p *Policy) { p.Issuer = "" }, "issuer: is required"},
		{"issuer not a URL", func(p *Policy) { p.Issuer = "kc/realms/x" }, "is not an http(s) URL"},
		{"no audience", func(p *Policy) { p.Audiences = nil }, "audiences: is empty"},
		{"none", func(p *Policy) { p.Algorithms = []string{"none"} }, `"none" is never accepted`},
		{"HS256 without key", func(p *Policy) { p.Algorithms = []string{"HS256"} }, "HS256 needs a shared key"},
		{"unknown alg", func(p *Policy) { p.Algorithms = []string{"XS1"} }, "not a supported algorithm"},
		{"skew too large", func(p *Policy) { p.ClockSkew = 3600e9 }, "clockSkew"},
		{"bad tenant rule", func(p *Policy) { p.Claims.Tenants = []TenantRule{{Claim: "r", Pattern: "x"}} }, "must contain {tenant}"},
		{"bad tenant format", func(p *Policy) { p.Claims.TenantFormat = "(" }, "tenantFormat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base
			tt.edit(&p)
			err := p.Validate()
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.want)
		})
	}
}
