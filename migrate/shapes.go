package migrate

import "github.com/eim-byoi/eim/services/config"

// This file is the one place that knows the configuration shapes of the provider adapters
// the migration emits (DESIGN.md §4). When an adapter's configuration changes, align it here;
// the validation test (config.Load with the adapters built into the binary) checks the result
// as soon as the adapter is built in.

// Conventions the migration applies, documented in docs/migration.md.
const (
	// dbMountPath is where the eim chart mounts the legacy database Secret
	// (<db>-<type>-postgresql, keys PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD).
	dbMountPath = "/etc/eim/database"
	// dbPasswordKey is the Secret key holding the password.
	dbPasswordKey = "PGPASSWORD"
	// vaultTokenFile is where a static Vault token is expected when no Kubernetes-auth role is
	// known (mount it from a Secret).
	vaultTokenFile = "/etc/eim/vault/token"
	// vaultKVMount is the KV v2 mount the legacy services used.
	vaultKVMount = "secret"
	// defaultAdminClient and the secret reference are the legacy onboarding manager's
	// Keycloak M2M client and where Vault holds its secret.
	defaultAdminClient    = "host-manager-m2m-client"
	defaultAdminSecret    = "host-manager-m2m-client-secret"
	defaultAdminSecretKey = "client_secret"
	// adminSecretFile is the client secret's file when no Vault is configured.
	adminSecretFile = "/etc/eim/identity/client_secret"
	// identityCAFile is where the CA bundle of the identity provider is expected when the
	// legacy services skipped TLS verification (mount it from a Secret or ConfigMap).
	identityCAFile = "/etc/eim/identity/ca.pem"
	// defaultProject is the project a single-tenancy deployment creates at start. The name the
	// legacy single-tenancy init (tenancy-init) gave its project is not in the legacy values.
	defaultProject = "default"
	// postgresPort is PostgreSQL's default port.
	postgresPort = 5432
	// needsInput starts every placeholder the operator must replace: exactly the form config.Load
	// refuses (and eim config validate --allow-placeholders lists).
	needsInput = config.PlaceholderPrefix
)

// envelope is a provider block: {type, config}.
func envelope(typ string, config Tree) Tree {
	return Tree{"type": typ, "config": config}
}

// vaultShape is the vault secrets adapter's configuration (providers/secrets/vault): {address,
// namespace?, tls: {ca?: {file}, serverName?}, auth: {kubernetes: {role, mount?, tokenFile?} |
// token: SecretRef | ...}, kv: {mount}, transit?: {mount, key}}.
func vaultShape(address, role string, token bool) Tree {
	auth := Tree{}
	switch {
	case role != "":
		auth["kubernetes"] = Tree{"role": role}
	case token:
		auth["token"] = fileRef(vaultTokenFile)
	default:
		auth["kubernetes"] = Tree{"role": needsInput + "the Vault Kubernetes-auth role bound to global.serviceAccount.name"}
	}
	return envelope("vault", Tree{"address": address, "auth": auth, "kv": Tree{"mount": vaultKVMount}})
}

// postgresShape is the postgres storage adapter's configuration (providers/storage/postgres,
// fields of remote.Common): {host, port, database, user,
// password: SecretRef, tls: {mode, ca?}, replica?: {host, port}}.
func postgresShape(d dbSettings) Tree {
	cfg := Tree{
		"host":     d.host,
		"port":     d.port,
		"database": d.database,
		"user":     d.user,
		"password": fileRef(dbMountPath + "/" + dbPasswordKey),
		"tls":      Tree{"mode": d.tlsMode},
	}
	if d.tlsCA != "" {
		cfg["tls"].(Tree)["ca"] = fileRef(d.tlsCA)
	}
	if d.replicaHost != "" {
		cfg["replica"] = Tree{"host": d.replicaHost, "port": postgresPort}
	}
	return envelope("postgres", cfg)
}

// keycloakShape is the keycloak identity adapter's configuration (providers/identity/keycloak):
// {issuer, audiences, discoveryURL?, tls?: {ca: {file}}, admin?: {clientID, clientSecret: SecretRef,
// clientIDPattern?}}.
func keycloakShape(k identitySettings) Tree {
	cfg := Tree{"issuer": k.issuer, "audiences": []any{k.audience}}
	if k.discoveryURL != "" {
		cfg["discoveryURL"] = k.discoveryURL
	}
	if k.caFile != "" {
		cfg["tls"] = Tree{"ca": Tree{"file": k.caFile}}
	}
	if k.adminClient != "" {
		admin := Tree{"clientID": k.adminClient, "clientSecret": k.adminSecret}
		if k.clientPrefix != "" {
			admin["clientIDPattern"] = k.clientPrefix + "{device}"
		}
		cfg["admin"] = admin
	}
	return envelope("keycloak", cfg)
}

// sqlMessagingShape is the sql messaging adapter: queues in the configured database, no broker.
func sqlMessagingShape() Tree { return envelope("sql", Tree{}) }

func fileRef(path string) Tree    { return Tree{"file": path} }
func secretRef(ref string) Tree   { return Tree{"secret": ref} }
func placeholder(s string) string { return needsInput + s }
