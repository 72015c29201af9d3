package identity

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/eim-byoi/eim/providers/provider"
)

// UUIDPattern is the default tenant id format: EIM projects are UUIDs.
const UUIDPattern = `[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`

// ClaimMapping says where a token carries roles, groups, the client id and tenants. A claim
// path is a claim name, or a dotted path into nested objects (realm_access.roles); a claim whose
// whole name contains dots (https://example.com/roles) is found by its name first.
type ClaimMapping struct {
	// Roles are the claim paths whose values are role names (a claim name, or a dotted path
	// such as realm_access.roles).
	Roles []string `yaml:"roles"`
	// Groups are the claim paths whose values are group names.
	Groups []string `yaml:"groups"`
	// ClientID lists the claim paths tried in order for the client id: the first non-empty
	// one is the principal's client id.
	ClientID []string `yaml:"clientID"`
	// Tenants are the rules that bind a token to tenants, each reading one claim.
	Tenants []TenantRule `yaml:"tenants"`
	// TenantFormat is the regular expression a tenant id must match in full (so that a role
	// such as offline_access is not read as tenant "offline"); UUIDs when unset.
	TenantFormat string `yaml:"tenantFormat"`
	// SpaceDelimited names the claims whose string value is a space-delimited list, as
	// RFC 8693 §4.2 defines "scope" (RFC 6749 §3.3); any other string claim is one value.
	// Left out: [scope]. Add "scp" where the issuer writes it as a string (Entra ID).
	SpaceDelimited []string `yaml:"spaceDelimited"`
}

// DefaultSpaceDelimited are the claims whose string values are split on spaces unless
// ClaimMapping.SpaceDelimited says otherwise: the one RFC 8693 defines.
func DefaultSpaceDelimited() []string { return []string{"scope"} }

// TenantRule finds tenant ids in the values of one claim. Pattern holds {tenant} and
// optionally {role}: "{tenant}_{role}" reads legacy EMF roles ("<project>_im-rw"),
// "tenant:{tenant}" reads scopes, "{tenant}" (the default) takes each value as a tenant id.
type TenantRule struct {
	// Claim is the claim path whose values carry tenant ids (required).
	Claim string `yaml:"claim"`
	// Pattern is how a value holds a tenant id: {tenant} once and optionally {role}, e.g.
	// "{tenant}_{role}" for legacy EMF roles or "tenant:{tenant}" for scopes; "{tenant}" (each
	// value is a tenant id) when unset.
	Pattern string `yaml:"pattern,omitempty"`
}

// Validate checks the mapping without I/O.
func (m ClaimMapping) Validate() error {
	var v provider.Validation
	if m.TenantFormat != "" {
		if _, err := regexp.Compile(m.TenantFormat); err != nil {
			v.Add("tenantFormat", "is not a regular expression: "+err.Error(), "write a Go regular expression such as "+UUIDPattern)
		}
	}
	for i, r := range m.Tenants {
		f := fmt.Sprintf("tenants[%d]", i)
		v.Required(f+".claim", r.Claim, "name the claim that carries tenants, e.g. realm_access.roles")
		if r.Pattern != "" && strings.Count(r.Pattern, "{tenant}") != 1 {
			v.Add(f+".pattern", "must contain {tenant} exactly once", `e.g. "{tenant}_{role}" or "tenant:{tenant}"`)
		}
		if strings.Count(r.Pattern, "{role}") > 1 {
			v.Add(f+".pattern", "contains {role} more than once", `e.g. "{tenant}_{role}"`)
		}
	}
	for _, group := range []struct {
		name  string
		paths []string
	}{{"roles", m.Roles}, {"groups", m.Groups}, {"clientID", m.ClientID}, {"spaceDelimited", m.SpaceDelimited}} {
		for i, p := range group.paths {
			v.Check(p != "", fmt.Sprintf("%s[%d]", group.name, i), "is empty", "remove it or name a claim")
		}
	}
	return v.Err()
}

// mapper is a compiled ClaimMapping.
type mapper struct {
	m      ClaimMapping
	rules  []compiledRule
	tenant *regexp.Regexp // the tenant format, anchored
	split  []string       // claim paths whose string values are space-delimited lists
}

// tenantOK reports whether t is a tenant id in the configured format.
func (mp *mapper) tenantOK(t string) bool { return mp.tenant.MatchString(t) }

type compiledRule struct {
	claim string
	re    *regexp.Regexp // groups: tenant, and role when the pattern has {role}
	role  int            // index of the role group, 0 when none
}

func newMapper(m ClaimMapping) (*mapper, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	tenant := m.TenantFormat
	if tenant == "" {
		tenant = UUIDPattern
	}
	out := &mapper{m: m, tenant: regexp.MustCompile("^(?:" + tenant + ")$"), split: m.SpaceDelimited}
	if out.split == nil {
		out.split = DefaultSpaceDelimited()
	}
	for _, r := range m.Tenants {
		p := r.Pattern
		if p == "" {
			p = "{tenant}"
		}
		expr := regexp.QuoteMeta(p)
		expr = strings.Replace(expr, regexp.QuoteMeta("{tenant}"), "(?P<tenant>"+tenant+")", 1)
		expr = strings.Replace(expr, regexp.QuoteMeta("{role}"), "(?P<role>.+)", 1)
		re, err := regexp.Compile("^" + expr + "$")
		if err != nil {
			return nil, provider.WithCode(provider.InvalidArgument, fmt.Errorf("tenant rule %q: %w", p, err))
		}
		out.rules = append(out.rules, compiledRule{claim: r.Claim, re: re, role: re.SubexpIndex("role")})
	}
	return out, nil
}

// apply fills the mapped fields of p from claims.
func (mp *mapper) apply(p *Principal, claims map[string]any) {
	p.Roles = mp.collect(claims, mp.m.Roles)
	p.Groups = mp.collect(claims, mp.m.Groups)
	for _, path := range mp.m.ClientID {
		if s, ok := lookup(claims, path).(string); ok && s != "" {
			p.ClientID = s
			break
		}
	}
	tenants := map[string][]string{}
	for _, r := range mp.rules {
		for _, v := range mp.values(claims, r.claim) {
			m := r.re.FindStringSubmatch(v)
			if m == nil {
				continue
			}
			t := m[1]
			roles := tenants[t]
			if r.role > 0 && !slices.Contains(roles, m[r.role]) {
				roles = append(roles, m[r.role])
			}
			tenants[t] = roles
		}
	}
	if len(tenants) == 0 {
		return
	}
	p.TenantRoles = make(map[string][]string, len(tenants))
	for t, roles := range tenants {
		p.Tenants = append(p.Tenants, t)
		p.TenantRoles[t] = roles
	}
	sort.Strings(p.Tenants)
}

// collect returns the string values at paths, without duplicates, in order.
func (mp *mapper) collect(claims map[string]any, paths []string) []string {
	var out []string
	for _, path := range paths {
		for _, s := range mp.values(claims, path) {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// values returns the strings of the claim at path: an array gives its non-empty string
// elements; a string is one value, or, when path is configured as space-delimited, the
// values it lists.
func (mp *mapper) values(claims map[string]any, path string) []string {
	switch x := lookup(claims, path).(type) {
	case string:
		if slices.Contains(mp.split, path) {
			return slices.DeleteFunc(strings.Split(x, " "), func(s string) bool { return s == "" }) // RFC 6749 §3.3: SP only
		}
		if x != "" {
			return []string{x}
		}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// lookup returns the value at a claim path: the claim named path if there is one, else the
// dotted path into nested objects.
func lookup(claims map[string]any, path string) any {
	if v, ok := claims[path]; ok {
		return v
	}
	var cur any = claims
	for part := range strings.SplitSeq(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if cur, ok = obj[part]; !ok {
			return nil
		}
	}
	return cur
}
