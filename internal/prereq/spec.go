package prereq

import (
	"slices"
	"sort"
	"strings"

	"github.com/eim-byoi/eim/providers/identity/keycloak"
	"github.com/eim-byoi/eim/providers/identity/oidc"
	natsbroker "github.com/eim-byoi/eim/providers/messaging/nats"
	"github.com/eim-byoi/eim/providers/messaging/rabbitmq"
	redisbroker "github.com/eim-byoi/eim/providers/messaging/redis"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets/vault"
	"github.com/eim-byoi/eim/providers/storage/mysql"
	"github.com/eim-byoi/eim/providers/storage/postgres"
	"github.com/eim-byoi/eim/providers/storage/remote"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/module"
)

// The provider kinds a Permission belongs to.
const (
	KindIdentity = "identity"
	KindSecrets  = "secrets"
	KindStorage  = "storage"
)

// Permission is one thing an enabled module needs of a provider: a Keycloak realm-management
// role of the admin client's service account, a Vault path with capabilities, or database
// privileges on an object. Modules names who needs it ("eim" for the process itself).
type Permission struct {
	Kind    string   `json:"kind"`
	Object  string   `json:"object"`
	Actions []string `json:"actions"`
	Modules []string `json:"modules"`
}

// modulePermissions is the per-module permission table, by provider kind: the one place that
// says which realm-management roles a module's identity calls need and which database
// privileges its storage calls need. Vault paths are not per module: EIM reads exactly the
// secrets its configuration references, so they are derived from eim.yaml (secretPaths).
func modulePermissions() map[string]map[string][]string {
	issuer := []string{"manage-clients", "view-clients", "query-groups", "view-users", "manage-users"}
	return map[string]map[string][]string{
		// The ClientIssuer of onboarding creates, reads and deletes edge-node clients and puts
		// their service accounts into the tenant's group.
		module.Onboarding: {KindIdentity: issuer},
		// The tenant module creates and deletes the project roles and the edge-node group.
		module.Tenant: {KindIdentity: {"manage-realm", "manage-users", "view-realm", "query-groups"}},
		// Inventory and osresource run their queries through the runtime role.
		module.Inventory:  {KindStorage: {"SELECT", "INSERT", "UPDATE", "DELETE"}},
		module.OSResource: {KindStorage: {"SELECT", "INSERT", "UPDATE", "DELETE"}},
	}
}

// Spec is what the enabled modules of one eim.yaml need: the resolved modules, the typed
// provider configurations and the permissions.
type Spec struct {
	Modules     []string
	Identity    *keycloak.Config    // nil unless providers.identity is keycloak
	OIDC        *oidc.Config        // nil unless providers.identity is oidc: bootstrap prints manual steps
	Vault       *vault.Config       // nil unless providers.secrets is vault
	Database    *Database           // nil unless providers.database is postgres or mysql
	NATS        *natsbroker.Config  // nil unless providers.messaging is nats
	RabbitMQ    *rabbitmq.Config    // nil unless providers.messaging is rabbitmq
	Redis       *redisbroker.Config // nil unless providers.messaging is redis
	Config      *config.Config
	Permissions []Permission
}

// Database is the network database the configuration names.
type Database struct {
	Dialect string // postgres or mysql
	Common  *remote.Common
	MySQL   *mysql.Config // the mysql adapter's whole configuration; nil on PostgreSQL
}

// SetRole reports whether the runtime role is a MySQL/MariaDB role the adapter activates on
// each connection (mysql setRole).
func (d *Database) SetRole() bool { return d.MySQL != nil && d.MySQL.SetRole }

// MySQLGrantee names the account the mysql adapter's migrations grant runtime privileges to,
// as a GRANT statement does: 'runtimeRole' (no host: the MariaDB role of that name, else
// 'runtimeRole'@'%') or 'name'@'granteeHost'.
func (d *Database) MySQLGrantee(name string) string {
	host := "%"
	if d.MySQL != nil {
		host = d.MySQL.GranteeHost
	}
	q := "'" + strings.ReplaceAll(name, "'", "''") + "'"
	if d.Common.RuntimeRole != "" && host == "%" {
		return q
	}
	return q + "@'" + strings.ReplaceAll(host, "'", "''") + "'"
}

// Derive resolves cfg's target against the module graph (built reports the modules this
// binary has) and returns what the enabled modules need.
func Derive(cfg *config.Config, built func(string) bool) (*Spec, error) {
	target := cfg.Target
	if target == "" {
		target = "all"
	}
	mods, err := module.EIM().Resolve(target, built)
	if err != nil {
		return nil, err
	}
	s := &Spec{Config: cfg}
	for _, m := range mods {
		s.Modules = append(s.Modules, m.Name)
	}
	s.typed(cfg)
	s.Permissions = s.permissions(mods)
	return s, nil
}

// typed picks the adapters' typed configurations out of the {type, config} blocks.
func (s *Spec) typed(cfg *config.Config) {
	for _, b := range cfg.Providers.All() {
		switch c := b.Envelope.Settings.(type) {
		case *keycloak.Config:
			s.Identity = c
		case *oidc.Config:
			s.OIDC = c
		case *vault.Config:
			c.SetDefaults() // the mounts of the nested blocks, as Open fills them
			s.Vault = c
		case *postgres.Config:
			s.Database = &Database{Dialect: "postgres", Common: &c.Common}
		case *mysql.Config:
			s.Database = &Database{Dialect: "mysql", Common: &c.Common, MySQL: c}
		case *natsbroker.Config:
			s.NATS = c
		case *rabbitmq.Config:
			s.RabbitMQ = c
		case *redisbroker.Config:
			s.Redis = c
		}
	}
}

// uses reports whether an enabled module uses provider kind (identity, secrets, storage).
func uses(mods []module.Descriptor, kind string) bool {
	for _, m := range mods {
		if slices.Contains(m.Uses, kind) {
			return true
		}
	}
	return false
}

func (s *Spec) permissions(mods []module.Descriptor) []Permission {
	table := modulePermissions()
	byObject := map[string]*Permission{}
	var order []string
	add := func(kind, object, mod string, actions ...string) {
		key := kind + "\x00" + object
		p := byObject[key]
		if p == nil {
			p = &Permission{Kind: kind, Object: object}
			byObject[key] = p
			order = append(order, key)
		}
		for _, a := range actions {
			if !slices.Contains(p.Actions, a) {
				p.Actions = append(p.Actions, a)
			}
		}
		if !slices.Contains(p.Modules, mod) {
			p.Modules = append(p.Modules, mod)
		}
	}
	for _, m := range mods {
		for kind, acts := range table[m.Name] {
			switch {
			case kind == KindIdentity && s.Identity != nil && s.Identity.Admin.ClientID != "" && uses(mods, kind):
				for _, r := range acts {
					add(kind, r, m.Name)
				}
			case kind == KindStorage && s.Database != nil:
				add(kind, "runtime tables", m.Name, acts...)
			}
		}
	}
	for _, m := range mods {
		if slices.Contains(m.Uses, KindMessaging) {
			for _, g := range s.BrokerGrants() {
				add(KindMessaging, g.Object, m.Name, g.Action)
			}
		}
	}
	if s.Vault != nil {
		for _, vp := range s.vaultPaths() {
			add(KindSecrets, vp.Path, "eim", vp.Capabilities...)
		}
	}
	out := make([]Permission, 0, len(order))
	for _, k := range order {
		out = append(out, *byObject[k])
	}
	return out
}

// IdentityRoles returns the realm-management roles the admin client's service account needs.
func (s *Spec) IdentityRoles() []string {
	var out []string
	for _, p := range s.Permissions {
		if p.Kind == KindIdentity {
			out = append(out, p.Object)
		}
	}
	sort.Strings(out)
	return out
}

// VaultPath is a Vault path with the capabilities EIM needs on it.
type VaultPath struct {
	Path         string   `json:"path"`
	Capabilities []string `json:"capabilities"`
	Why          string   `json:"why"`
}

// VaultPaths returns the Vault paths EIM uses with their capabilities, sorted by path.
func (s *Spec) VaultPaths() []VaultPath {
	if s.Vault == nil {
		return nil
	}
	return s.vaultPaths()
}

// vaultPaths derives the Vault paths from the configuration: the token's own endpoints, every
// {secret: "path#key"} reference outside providers.secrets (KV v2 data path, or a dynamic
// secret's path read as is), lease renewal for dynamic secrets, and the transit key.
func (s *Spec) vaultPaths() []VaultPath {
	v := s.Vault
	out := []VaultPath{
		{Path: "auth/token/lookup-self", Capabilities: []string{"read"}, Why: "health check of the token"},
		{Path: "auth/token/renew-self", Capabilities: []string{"update"}, Why: "token renewal"},
	}
	dynamic := false
	for _, ref := range SecretRefs(s.Config) {
		p, _, err := ref.Ref.SecretPath()
		if err != nil {
			continue
		}
		if isDynamic(v, p) {
			dynamic = true
			out = append(out, VaultPath{Path: p, Capabilities: []string{"read"}, Why: "dynamic secret " + ref.Path})
			continue
		}
		out = append(out, VaultPath{Path: KVDataPath(v.KV.Mount, p), Capabilities: []string{"read"}, Why: ref.Path})
	}
	if d := s.Database; d != nil && d.Common.Dynamic != nil {
		dynamic = true
		out = append(out, VaultPath{Path: d.Common.Dynamic.Path, Capabilities: []string{"read"}, Why: "database dynamic credentials"})
	}
	if dynamic {
		out = append(out, VaultPath{Path: "sys/leases/renew", Capabilities: []string{"update"}, Why: "lease renewal of dynamic secrets"})
	}
	if o := s.Config.OOB; slices.Contains(s.Modules, module.OOB) && o.Configured() && o.Passwords.Policy == config.PasswordPolicyGenerated {
		prefix := strings.Trim(o.Passwords.SecretPrefix, "/")
		out = append(out,
			VaultPath{Path: KVDataPath(v.KV.Mount, prefix) + "/*", Capabilities: []string{"create", "read", "update"}, Why: "oob: each project's generated AMT, MEBx and CIRA passwords"},
			VaultPath{Path: strings.Trim(v.KV.Mount, "/") + "/metadata/" + prefix + "/*", Capabilities: []string{"delete", "list"}, Why: "oob: removing a deleted project's passwords, and the sweep"})
	}
	if t := v.Transit; t != nil {
		for _, op := range []string{"encrypt", "decrypt"} {
			out = append(out, VaultPath{Path: t.Mount + "/" + op + "/" + t.Key, Capabilities: []string{"update"}, Why: "keeper " + op})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return dedupe(out)
}

func dedupe(in []VaultPath) []VaultPath {
	var out []VaultPath
	for _, p := range in {
		if n := len(out); n > 0 && out[n-1].Path == p.Path {
			continue
		}
		out = append(out, p)
	}
	return out
}

func isDynamic(v *vault.Config, p string) bool {
	for _, d := range v.DynamicPrefixes {
		if strings.HasPrefix(p, d) {
			return true
		}
	}
	return false
}

// KVDataPath is the API path of a KV version 2 secret.
func KVDataPath(mount, p string) string {
	return strings.Trim(mount, "/") + "/data/" + strings.Trim(p, "/")
}

// Ref is a secret reference of the configuration with its dotted path.
type Ref struct {
	Path string
	Ref  *provider.SecretRef
}

// SecretRefs returns every set {secret: ...} reference outside providers.secrets (those are
// what EIM reads from Vault).
func SecretRefs(cfg *config.Config) []Ref {
	var out []Ref
	provider.WalkSecretRefs(cfg, "", func(path string, ref *provider.SecretRef) {
		if ref.Secret != "" && !strings.HasPrefix(path, "providers.secrets") {
			out = append(out, Ref{Path: path, Ref: ref})
		}
	})
	return out
}
