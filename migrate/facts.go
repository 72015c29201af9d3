package migrate

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// Fact names: what the rules record and the builder reads.
const (
	factDBSecret                = "db.secret"
	factDBSSL                   = "db.ssl"
	factDBType                  = "db.type"
	factDBDatabases             = "db.databases"
	factDBHost                  = "db.host"
	factDBReplicaEnabled        = "db.replica.enabled"
	factDBReplicaSecret         = "db.replica.secret"
	factDBPassword              = "db.password"
	factIdentityURL             = "identity.url"
	factIdentityInsecure        = "identity.insecureSkipVerify"
	factIdentityKeycloakURL     = "identity.keycloakURL"
	factIdentityRealm           = "identity.realm"
	factIdentityAdminClient     = "identity.admin.client"
	factIdentityAdminSecretPath = "identity.admin.secretPath"
	factIdentityAdminSecretKey  = "identity.admin.secretKey"
	factIdentityClientPrefix    = "identity.admin.clientPrefix"
	factVaultAddress            = "vault.address"
	factVaultRole               = "vault.role"
	factVaultToken              = "vault.token"
	factServiceAccount          = "serviceAccount"
	factTLSSecret               = "tls.secret"
	factTLSCASecret             = "tls.caSecret"
	factTLSSelfSigned           = "tls.selfSigned"
	factTLSAutoCert             = "tls.autoCert"
	factTLSIssuer               = "tls.issuer"
	factDomain                  = "domain"
	factTenantBootstrap         = "tenant.bootstrap"
	factTenantProject           = "tenant.project"
	factDefaultTenancy          = "tenancy.default"
	factScenario                = "scenario"
	factTracingEnabled          = "tracing.enabled"
	factTracingEndpoint         = "tracing.endpoint"
	factMetricsEnabled          = "metrics.enabled"
	factImageRegistry           = "image.registry"
	factImagePullPolicy         = "image.pullPolicy"
	factImagePullSecrets        = "image.pullSecrets"
	factProxyHTTP               = "proxy.http"
	factProxyHTTPS              = "proxy.https"
	factProxyNo                 = "proxy.no"
	factUmbrellaPrefix          = "umbrella."
	factHostPrefix              = "host."
)

// candidate is one legacy value recorded for a fact.
type candidate struct {
	prio  int
	path  Path
	sub   Path // keys below the rule's trailing "**": the value is part of a tree
	value any
}

// facts holds what the rules recorded, by fact name.
type facts struct {
	byName map[string][]candidate
	notes  *[]string
}

func newFacts(notes *[]string) *facts {
	return &facts{byName: map[string][]candidate{}, notes: notes}
}

func (f *facts) add(name string, c candidate) {
	f.byName[name] = append(f.byName[name], c)
}

// isSet reports whether v carries a value: not null and not an empty string.
func isSet(v any) bool {
	if v == nil {
		return false
	}
	s, ok := v.(string)
	return !ok || s != ""
}

// best returns the winning candidates of a fact: the lowest priority with a value, from the
// first legacy location (in key order) that has one. A different value elsewhere at the same
// priority is noted.
func (f *facts) best(name string) []candidate {
	var set []candidate
	for _, c := range f.byName[name] {
		if isSet(c.value) {
			set = append(set, c)
		}
	}
	if len(set) == 0 {
		return nil
	}
	prio := slices.MinFunc(set, func(a, b candidate) int { return a.prio - b.prio }).prio
	groups := map[string][]candidate{}
	for _, c := range set {
		if c.prio == prio {
			root := c.path[:len(c.path)-len(c.sub)].String()
			groups[root] = append(groups[root], c)
		}
	}
	roots := slices.Sorted(maps.Keys(groups))
	win := groups[roots[0]]
	for _, r := range roots[1:] {
		if !reflect.DeepEqual(tree(win), tree(groups[r])) {
			*f.notes = append(*f.notes, fmt.Sprintf("%s and %s differ; used %s", roots[0], r, roots[0]))
		}
	}
	return win
}

// tree rebuilds the value of a group of candidates: the single value, or the tree of values
// below a "**".
func tree(cs []candidate) any {
	if len(cs) == 1 && len(cs[0].sub) == 0 {
		return cs[0].value
	}
	out := Tree{}
	for _, c := range cs {
		if len(c.sub) == 0 {
			continue
		}
		set(out, c.sub, c.value)
	}
	return out
}

// value returns the winning value of a fact and where it came from.
func (f *facts) value(name string) (any, string, bool) {
	win := f.best(name)
	if win == nil {
		return nil, "", false
	}
	return tree(win), win[0].path[:len(win[0].path)-len(win[0].sub)].String(), true
}

// str returns the winning value as a string.
func (f *facts) str(name string) string {
	v, _, ok := f.value(name)
	if !ok {
		return ""
	}
	return strings.TrimSpace(fmt.Sprint(v))
}

// boolean returns the winning value as a bool and whether the fact is set.
func (f *facts) boolean(name string) (bool, bool) {
	v, _, ok := f.value(name)
	if !ok {
		return false, false
	}
	return asBool(v)
}

// anyTrue reports whether any candidate of the fact is true.
func (f *facts) anyTrue(name string) bool {
	for _, c := range f.byName[name] {
		if b, ok := asBool(c.value); ok && b {
			return true
		}
	}
	return false
}

// asBool reads YAML booleans and the strings "true"/"false" legacy values often use.
func asBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "yes", "y", "1":
			return true, true
		case "false", "no", "n", "0":
			return false, true
		}
	}
	return false, false
}

// names returns the fact names with a prefix, sorted.
func (f *facts) names(prefix string) []string {
	var out []string
	for n := range f.byName {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}
