package migrate

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/eim-byoi/eim/services/module"
)

// builder turns the recorded facts into the new values, noting defaults and placeholders.
type builder struct {
	f        *facts
	modules  map[string]bool // enabled modules
	deployed bool            // the input deploys modules (else every module is enabled by default)
	notes    *[]string
	defaults []Entry // new keys set from defaults, with why
	needs    []Entry // new keys holding a placeholder, with where the value comes from
	refs     []Entry // new keys that reference a credential, with the legacy key
	mounts   []any   // Secrets the chart must mount: global.secretMounts
	format   Format  // the output format, for what the report says about files
}

func (b *builder) defaulted(key, why string) {
	b.defaults = append(b.defaults, Entry{Key: key, Why: why})
}

func (b *builder) need(key, what string) string {
	b.needs = append(b.needs, Entry{Key: key, Why: what})
	return placeholder(what)
}

// providers builds the providers block: each kind the legacy values configure.
func (b *builder) providers() Tree {
	out := Tree{}
	db := b.database()
	if db != nil {
		out["database"] = db
		out["messaging"] = sqlMessagingShape()
		b.defaulted("providers.messaging", "the legacy stack has no message bus: the sql adapter queues events in the same database")
	}
	if s := b.secrets(); s != nil {
		out["secrets"] = s
	}
	if id := b.identity(out["secrets"] != nil); id != nil {
		out["identity"] = id
	}
	return out
}

// dbSettings are the values of the postgres shape.
type dbSettings struct {
	host, database, user, tlsMode, tlsCA, replicaHost string
	port                                              int
}

func (b *builder) database() Tree {
	secret := b.f.str(factDBSecret)
	typ := b.f.str(factDBType)
	if secret == "" && typ == "" && b.f.str(factDBHost) == "" {
		return nil
	}
	if typ == "" {
		typ = dbTypeFromSecret(secret)
	}
	if secret == "" {
		secret = "inventory-" + typ + "-postgresql"
		b.defaulted("global.secretMounts", "the database Secret is named by the EMF convention inventory-<type>-postgresql")
	}
	const p = "providers.database.config."
	d := dbSettings{port: postgresPort, tlsMode: b.tlsMode(typ)}
	b.defaulted(p+"port", "5432, PostgreSQL's port (PGPORT of the legacy Secret)")
	d.host = b.f.str(factDBHost)
	if d.host == "" {
		d.host = b.need(p+"host", "PGHOST of Secret "+secret)
	}
	d.database, d.user = inventoryDatabase(b.f)
	if d.database == "" {
		d.database = b.need(p+"database", "PGDATABASE of Secret "+secret)
		d.user = b.need(p+"user", "PGUSER of Secret "+secret)
	}
	if typ == "aurora" {
		d.tlsCA = dbMountPath + "-ca/ca.pem"
		b.need(p+"tls.ca", "the AWS RDS CA bundle, mounted at "+d.tlsCA)
	}
	if on, _ := b.f.boolean(factDBReplicaEnabled); on {
		reader := b.f.str(factDBReplicaSecret)
		d.replicaHost = b.need(p+"replica.host", "PGHOST of Secret "+reader)
	}
	b.mounts = append(b.mounts, Tree{"secretName": secret, "mountPath": dbMountPath})
	why := "key " + dbPasswordKey + " of Secret " + secret + ", mounted by the chart (global.secretMounts)"
	if b.format == EIMConfig {
		why = "key " + dbPasswordKey + " of Secret " + secret + ": write it to this file (charts/eim mounts the Secret there; without it, put the file there yourself)"
	}
	b.refs = append(b.refs, Entry{Key: p + "password", To: fmt.Sprintf("{file: %s/%s}", dbMountPath, dbPasswordKey), Why: why})
	return postgresShape(d)
}

// dbTypeFromSecret reads <db>-<type>-postgresql; anything else is taken as local.
func dbTypeFromSecret(secret string) string {
	if strings.HasSuffix(secret, "-aurora-postgresql") {
		return "aurora"
	}
	return "local"
}

func (b *builder) tlsMode(typ string) string {
	ssl, set := b.f.boolean(factDBSSL)
	switch {
	case typ == "aurora":
		return "verify-full"
	case set && ssl:
		b.notef("database: legacy ssl: true was PGSSLMODE=require (no server verification); migrated as require: prefer verify-full with tls.ca")
		return "require"
	case set:
		return "disable"
	}
	b.defaulted("providers.database.config.tls.mode", "verify-full: the legacy values do not say")
	return "verify-full"
}

// inventoryDatabase finds the inventory entry of the EMF database list: the database is
// <namespace>-<name>, its role <namespace>-<name>_user.
func inventoryDatabase(f *facts) (database, user string) {
	v, _, _ := f.value(factDBDatabases)
	list, _ := v.([]any)
	for _, e := range list {
		m, _ := e.(Tree)
		if fmt.Sprint(m["name"]) == "inventory" && isSet(m["namespace"]) {
			name := fmt.Sprintf("%v-%v", m["namespace"], m["name"])
			return name, name + "_user"
		}
	}
	return "", ""
}

func (b *builder) secrets() Tree {
	address := b.f.str(factVaultAddress)
	_, tokenKey, _ := b.f.value(factVaultToken)
	if address == "" && tokenKey == "" {
		return nil
	}
	if address == "" {
		address = b.need("providers.secrets.config.address", "the Vault address")
	}
	role := b.f.str(factVaultRole)
	if tokenKey != "" {
		if role != "" {
			b.notef("secrets: a static Vault token (%s) and a Kubernetes-auth role are both set; migrated to Kubernetes auth, the token is dropped", tokenKey)
		} else {
			b.refs = append(b.refs, Entry{Key: "providers.secrets.config.auth.token", To: "{file: " + vaultTokenFile + "}",
				Why: "the static token of " + tokenKey + ": put it in a Secret mounted at " + vaultTokenFile})
		}
	}
	if role == "" && tokenKey == "" {
		b.need("providers.secrets.config.auth.kubernetes.role", "the Vault Kubernetes-auth role")
	}
	b.defaulted("providers.secrets.config.kv.mount", "secret: the KV v2 mount the legacy services used")
	return vaultShape(address, role, tokenKey != "")
}

// identitySettings are the values of the keycloak shape.
type identitySettings struct {
	issuer, discoveryURL, caFile, audience string
	adminClient, clientPrefix              string
	adminSecret                            Tree
}

func (b *builder) identity(haveSecrets bool) Tree {
	legacy := b.f.str(factIdentityURL)
	base := b.f.str(factIdentityKeycloakURL)
	if legacy == "" && base == "" {
		return nil
	}
	const p = "providers.identity.config."
	k := identitySettings{issuer: b.issuer(legacy, base)}
	if legacy != "" && strings.TrimSuffix(legacy, "/") != k.issuer {
		k.discoveryURL = strings.TrimSuffix(legacy, "/") + "/.well-known/openid-configuration"
	}
	k.audience = b.need(p+"audiences", "the audience your tokens carry (the legacy services checked none)")
	if b.f.anyTrue(factIdentityInsecure) {
		k.caFile = identityCAFile
		b.needs = append(b.needs, Entry{Key: p + "tls.ca", Why: "the legacy services skipped TLS verification of Keycloak: mount the CA bundle that signed its certificate at " +
			identityCAFile + " (or remove tls.ca if the certificate is publicly trusted)"})
	}
	if b.adminWanted() {
		k.clientPrefix = b.f.str(factIdentityClientPrefix)
		k.adminClient = b.f.str(factIdentityAdminClient)
		if k.adminClient == "" {
			k.adminClient = defaultAdminClient
			b.defaulted(p+"admin.clientID", defaultAdminClient+": the legacy onboarding manager's M2M client")
		}
		k.adminSecret = b.adminSecret(haveSecrets)
	}
	return keycloakShape(k)
}

// issuer is the realm's public URL when the cluster domain is known (tokens carry it), else the
// legacy realm URL.
func (b *builder) issuer(legacy, base string) string {
	realm := b.f.str(factIdentityRealm)
	if realm == "" {
		realm = realmOf(legacy)
	}
	if realm == "" {
		realm = "master"
	}
	if domain := b.f.str(factDomain); domain != "" {
		iss := "https://keycloak." + domain + "/realms/" + realm
		b.notef("identity: issuer %s is the realm's public URL, which tokens carry in iss; the discovery document is still read from the in-cluster URL the legacy services used (%s)", iss, firstSet(legacy, base))
		return iss
	}
	kept := " (kept as discoveryURL)" // identity keeps the realm URL of oidc_server_url as discoveryURL
	if legacy == "" {
		legacy, kept = strings.TrimSuffix(base, "/")+"/realms/"+realm, ""
	}
	if inCluster(legacy) {
		return b.need("providers.identity.config.issuer", fmt.Sprintf("the issuer your tokens carry (their iss claim), e.g. https://keycloak.<your domain>/realms/%s: "+
			"the legacy services read the realm at %s, an in-cluster address tokens do not carry%s, and no cluster domain names its public URL", realm, legacy, kept))
	}
	b.notef("identity: issuer is the legacy realm URL %s; set it to the URL in your tokens' iss claim if that differs", legacy)
	return legacy
}

// inCluster reports whether a URL addresses a service inside a Kubernetes cluster, which tokens
// do not carry as their issuer: plain http, or a host without a dot or in the cluster's DNS
// zone (.svc, .cluster.local).
func inCluster(u string) bool {
	pu, err := url.Parse(u)
	if err != nil {
		return false
	}
	host := pu.Hostname()
	return pu.Scheme == "http" || !strings.Contains(host, ".") || strings.HasSuffix(host, ".svc") || strings.HasSuffix(host, ".cluster.local")
}

func realmOf(u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return ""
	}
	_, after, ok := strings.Cut(pu.Path, "/realms/")
	if !ok {
		return ""
	}
	realm, _, _ := strings.Cut(after, "/")
	return realm
}

// adminWanted reports whether the identity adapter needs an admin client: the onboarding
// module issues edge-node credentials through it.
func (b *builder) adminWanted() bool {
	return b.modules[module.Onboarding] || b.f.str(factIdentityAdminClient) != ""
}

func (b *builder) adminSecret(haveSecrets bool) Tree {
	const key = "providers.identity.config.admin.clientSecret"
	if !haveSecrets {
		b.refs = append(b.refs, Entry{Key: key, To: "{file: " + adminSecretFile + "}", Why: "no Vault is configured: mount the client secret there"})
		return fileRef(adminSecretFile)
	}
	path, k := b.f.str(factIdentityAdminSecretPath), b.f.str(factIdentityAdminSecretKey)
	if path == "" {
		path = defaultAdminSecret
	}
	if k == "" {
		k = defaultAdminSecretKey
	}
	ref := path + "#" + k
	b.refs = append(b.refs, Entry{Key: key, To: fmt.Sprintf("{secret: %q}", ref), Why: "Vault KV " + vaultKVMount + "/" + path + ", key " + k + ", where the legacy stack kept it"})
	return secretRef(ref)
}

func (b *builder) notef(format string, args ...any) {
	*b.notes = append(*b.notes, fmt.Sprintf(format, args...))
}

func firstSet(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
