package vault

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// Config configures the vault adapter (HashiCorp Vault or OpenBao).
type Config struct {
	// Address is the server's URL, e.g. https://vault.example.com:8200 (required).
	Address string `yaml:"address" jsonschema:"required"`
	// Namespace is the Vault Enterprise / OpenBao namespace; empty for the root namespace.
	Namespace string `yaml:"namespace,omitempty"`
	// TLS verifies the server of an https:// address: the CAs to trust (the system roots when
	// unset), the name its certificate carries and an optional client certificate.
	TLS provider.TLS `yaml:"tls"`
	// Auth is the auth method: exactly one of token, tokenFile, appRole, kubernetes and jwt.
	Auth Auth `yaml:"auth"`
	// KV is the KV version 2 secrets engine that holds the store's secrets.
	KV KV `yaml:"kv"`
	// Transit enables the keeper; without it the provider declares no keeper.
	Transit *Transit `yaml:"transit,omitempty"`
	// DynamicPrefixes are the name prefixes of dynamic secrets, each ending in /: a secret
	// whose name starts with one of them (database/creds/eim) is read from its secrets engine
	// as a leased logical read instead of from KV.
	DynamicPrefixes []string `yaml:"dynamicPrefixes"`
	// Timeout bounds one HTTP request to the server.
	Timeout provider.Duration `yaml:"timeout"`
	// MaxRetries is how often a request that failed with a 5xx or a connection error is
	// retried, from 0 to 10.
	MaxRetries int `yaml:"maxRetries" jsonschema:"minimum=0,maximum=10"`
	// RefreshInterval is how often watched static (KV) secrets are re-read to notice
	// rotations.
	RefreshInterval provider.Duration `yaml:"refreshInterval"`
	// RevokeOnClose revokes the token on shutdown when the adapter obtained it by logging in
	// (appRole, kubernetes, jwt). A token given by the operator (token, tokenFile) is never revoked.
	RevokeOnClose bool `yaml:"revokeOnClose"`
}

// Auth holds exactly one auth method.
type Auth struct {
	// Token is a static token, a secret reference ({env} or {file}). It is renewed when
	// renewable, and cannot log in again once revoked or expired.
	Token *provider.SecretRef `yaml:"token,omitempty"`
	// TokenFile is a file holding the token, re-read when it changes (e.g. a Vault Agent sink).
	TokenFile string `yaml:"tokenFile,omitempty"`
	// AppRole logs in with a role id and a secret id.
	AppRole *AppRole `yaml:"appRole,omitempty"`
	// Kubernetes logs in with the pod's service account token.
	Kubernetes *Kubernetes `yaml:"kubernetes,omitempty"`
	// JWT logs in with a JWT read from a file (a projected token, an OIDC workload token).
	JWT *JWT `yaml:"jwt,omitempty"`
}

// AppRole configures the approle auth method.
type AppRole struct {
	// Mount is the mount path of the approle auth method; approle when unset.
	Mount string `yaml:"mount"`
	// RoleID is the role id of the AppRole (required).
	RoleID string `yaml:"roleID" jsonschema:"required"`
	// SecretID is a secret reference ({env} or {file}) to the AppRole's secret id (required).
	SecretID provider.SecretRef `yaml:"secretID" jsonschema:"required"`
}

// Kubernetes configures the kubernetes auth method.
type Kubernetes struct {
	// Mount is the mount path of the kubernetes auth method; kubernetes when unset.
	Mount string `yaml:"mount"`
	// Role is the Vault role bound to the service account (required).
	Role string `yaml:"role" jsonschema:"required"`
	// TokenFile is the service account token file, read at every login;
	// /var/run/secrets/kubernetes.io/serviceaccount/token when unset.
	TokenFile string `yaml:"tokenFile"`
}

// JWT configures the jwt auth method.
type JWT struct {
	// Mount is the mount path of the jwt auth method; jwt when unset.
	Mount string `yaml:"mount"`
	// Role is the Vault role of the jwt auth method (required).
	Role string `yaml:"role" jsonschema:"required"`
	// TokenFile is the file holding the JWT, read at every login (required).
	TokenFile string `yaml:"tokenFile" jsonschema:"required"`
}

// KV locates the KV version 2 engine.
type KV struct {
	// Mount is the mount path of the KV version 2 engine.
	Mount string `yaml:"mount"`
}

// Transit locates the transit key the keeper uses.
type Transit struct {
	// Mount is the mount path of the transit engine; transit when unset.
	Mount string `yaml:"mount"`
	// Key is the name of the transit key; eim when unset.
	Key string `yaml:"key"`
}

// Default mount paths and files.
const (
	DefaultServiceAccountTokenFile = "/var/run/secrets/kubernetes.io/serviceaccount/token"
)

// NewConfig returns the defaults: KV at secret/, dynamic secrets under database/creds/, 10 s
// requests with 2 retries, a 30 s refresh, and revocation on close.
func NewConfig() *Config {
	return &Config{
		KV:              KV{Mount: "secret"},
		DynamicPrefixes: []string{"database/creds/"},
		Timeout:         provider.Duration(10 * time.Second),
		MaxRetries:      2,
		RefreshInterval: provider.Duration(30 * time.Second),
		RevokeOnClose:   true,
	}
}

// SetDefaults fills the defaults of the optional nested blocks (mounts, the service account
// token file, the transit key), which exist only when the block is set.
func (c *Config) SetDefaults() {
	if a := c.Auth.AppRole; a != nil && a.Mount == "" {
		a.Mount = "approle"
	}
	if k := c.Auth.Kubernetes; k != nil {
		if k.Mount == "" {
			k.Mount = "kubernetes"
		}
		if k.TokenFile == "" {
			k.TokenFile = DefaultServiceAccountTokenFile
		}
	}
	if j := c.Auth.JWT; j != nil && j.Mount == "" {
		j.Mount = "jwt"
	}
	if t := c.Transit; t != nil {
		if t.Mount == "" {
			t.Mount = "transit"
		}
		if t.Key == "" {
			t.Key = "eim"
		}
	}
}

// Validate checks the configuration without I/O.
func (c *Config) Validate() error {
	var v provider.Validation
	if c.Address == "" {
		v.Add("address", "is required", "set the server URL, e.g. https://vault.example.com:8200")
	} else if u, err := url.Parse(c.Address); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.Add("address", "is not an http(s) URL", "write it as https://host:port")
	}
	v.Nest("tls", c.TLS.Validate())
	v.Nest("auth", c.Auth.validate())
	v.Required("kv.mount", c.KV.Mount, "name the mount of the KV v2 engine, e.g. secret")
	for i, p := range c.DynamicPrefixes {
		v.Check(p != "" && strings.HasSuffix(p, "/") && !strings.HasPrefix(p, "/"), provider.JoinPath("dynamicPrefixes", "["+strconv.Itoa(i)+"]"),
			"must be a path ending in / without a leading /", `e.g. "database/creds/"`)
	}
	v.Check(c.Timeout > 0, "timeout", "must be positive", `e.g. "10s"`)
	v.Check(c.MaxRetries >= 0 && c.MaxRetries <= 10, "maxRetries", "must be from 0 to 10", "e.g. 2")
	v.Check(c.RefreshInterval > 0, "refreshInterval", "must be positive", `e.g. "30s"`)
	return v.Err()
}

func (a Auth) validate() error {
	var v provider.Validation
	n := 0
	for _, set := range []bool{a.Token != nil, a.TokenFile != "", a.AppRole != nil, a.Kubernetes != nil, a.JWT != nil} {
		if set {
			n++
		}
	}
	v.Check(n == 1, "", "must set exactly one of token, tokenFile, appRole, kubernetes and jwt",
		"pick one auth method, e.g. kubernetes: {role: eim}")
	if a.Token != nil {
		v.Nest("token", a.Token.Validate())
	}
	if r := a.AppRole; r != nil {
		v.Required("appRole.roleID", r.RoleID, "set the role id of the AppRole")
		v.Nest("appRole.secretID", r.SecretID.Validate())
	}
	if k := a.Kubernetes; k != nil {
		v.Required("kubernetes.role", k.Role, "name the Vault role bound to the service account")
	}
	if j := a.JWT; j != nil {
		v.Required("jwt.role", j.Role, "name the role of the jwt auth method")
		v.Required("jwt.tokenFile", j.TokenFile, "name the file holding the JWT")
	}
	return v.Err()
}
