package local

import (
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
)

// Config configures the embedded issuer.
type Config struct {
	// Issuer is the issuer URL clients reach it at; its path is where eim serve serves the
	// discovery document, /jwks and /token. Empty: http://<listen.http>/oidc (127.0.0.1 for a
	// wildcard host).
	Issuer string `yaml:"issuer,omitempty"`
	// Audiences are put in every token and required when verifying.
	Audiences []string `yaml:"audiences"`
	// Algorithm signs tokens: ES256 or RS256.
	Algorithm string `yaml:"algorithm"`
	// TokenTTL is the lifetime of issued tokens, from 10s to 24h.
	TokenTTL provider.Duration `yaml:"tokenTTL"`
	// ClockSkew is the tolerance on exp, nbf and iat when verifying (at most 5m).
	ClockSkew provider.Duration `yaml:"clockSkew"`
	// KeysMaxAge is how often the verifier re-reads the key set from the secrets store, which is
	// how replicas learn of a rotation made by another.
	KeysMaxAge provider.Duration `yaml:"keysMaxAge"`
	// KeySecret is the secret (in the secrets provider) holding the signing keys: a private
	// JWKS and the active key id.
	KeySecret string `yaml:"keySecret"`
	// ClientPrefix is where issued clients are kept in the secrets provider.
	ClientPrefix string `yaml:"clientPrefix"`
	// ClientIDPattern names an edge node's client; {device} is its UUID.
	ClientIDPattern string `yaml:"clientIDPattern"`
	// NodeRoles are the roles an edge-node client holds in its tenant, carried in the roles
	// claim as "<tenant>_<role>" (the legacy EMF names).
	NodeRoles []string `yaml:"nodeRoles"`
}

// NewConfig returns the configuration with its defaults.
func NewConfig() *Config {
	return &Config{
		Audiences:       []string{"eim"},
		Algorithm:       "ES256",
		TokenTTL:        provider.Duration(15 * time.Minute),
		ClockSkew:       provider.Duration(identity.DefaultClockSkew),
		KeysMaxAge:      provider.Duration(time.Minute),
		KeySecret:       "identity/local/signing-keys",
		ClientPrefix:    "identity/local/clients",
		ClientIDPattern: identity.DefaultClientIDPattern,
		NodeRoles:       []string{"en-agent-rw", "en-ob"},
	}
}

// Validate checks the configuration without I/O.
func (c *Config) Validate() error {
	var v provider.Validation
	if c.Issuer != "" {
		u, err := url.Parse(c.Issuer)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			v.Add("issuer", "is not an http(s) URL", "write it as https://eim.example.com/oidc")
		case strings.Trim(u.Path, "/") == "":
			v.Add("issuer", "has no path: the issuer is served under it next to EIM's own endpoints", "add a path, e.g. /oidc")
		}
	}
	v.Check(len(c.Audiences) > 0, "audiences", "is empty", "leave it out for [eim]")
	v.Check(c.Algorithm == "ES256" || c.Algorithm == "RS256", "algorithm", "must be ES256 or RS256", "use ES256")
	v.Check(c.TokenTTL.Std() >= 10*time.Second && c.TokenTTL.Std() <= 24*time.Hour, "tokenTTL", "is outside 10s..24h", "use e.g. 15m")
	v.Check(c.ClockSkew >= 0 && c.ClockSkew.Std() <= identity.MaxClockSkew, "clockSkew", "is outside 0s..5m", "use 30s")
	v.Check(c.KeysMaxAge.Std() > 0, "keysMaxAge", "must be positive", "use e.g. 1m")
	v.Required("keySecret", c.KeySecret, "name a secret, e.g. identity/local/signing-keys")
	v.Required("clientPrefix", c.ClientPrefix, "name a prefix, e.g. identity/local/clients")
	v.Check(strings.Contains(c.ClientIDPattern, "{device}"), "clientIDPattern", "must contain {device}", "use edgenode-{device}")
	return v.Err()
}

// issuerURL returns the configured issuer, or the default derived from the HTTP listen address.
func (c *Config) issuerURL(httpAddr string) string {
	if c.Issuer != "" {
		return strings.TrimSuffix(c.Issuer, "/")
	}
	host, port, err := net.SplitHostPort(httpAddr)
	if err != nil || port == "" {
		host, port = "", "8080"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/oidc"
}

// policy is the verification policy of the embedded issuer's own tokens.
func (c *Config) policy(issuer string) identity.Policy {
	p := identity.DefaultPolicy()
	p.Issuer, p.Audiences, p.Algorithms, p.ClockSkew = issuer, c.Audiences, []string{c.Algorithm}, c.ClockSkew
	p.KeysMaxAge, p.RefetchInterval = c.KeysMaxAge, provider.Duration(5*time.Second)
	p.Claims = identity.ClaimMapping{
		Roles:    []string{"roles"},
		ClientID: []string{"client_id", "azp"},
		Tenants:  []identity.TenantRule{{Claim: "tenant"}, {Claim: "roles", Pattern: "{tenant}_{role}"}},
	}
	return p
}
