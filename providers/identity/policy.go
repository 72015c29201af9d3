package identity

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// Defaults of the verification policy.
const (
	DefaultClockSkew       = 30 * time.Second
	MaxClockSkew           = 5 * time.Minute
	DefaultRefetchInterval = 30 * time.Second
	DefaultKeysMaxAge      = 10 * time.Minute
	DefaultHTTPTimeout     = 10 * time.Second
)

// DefaultAlgorithms are the asymmetric algorithms accepted unless configured otherwise.
var defaultAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// DefaultAlgorithms returns the asymmetric algorithms accepted unless configured otherwise.
func DefaultAlgorithms() []string { return slices.Clone(defaultAlgorithms) }

var hmacAlgorithms = []string{"HS256", "HS384", "HS512"}

// Policy is the verification configuration shared by every adapter: it is embedded (inline)
// in each adapter's configuration.
type Policy struct {
	// Issuer is the exact iss value of accepted tokens (required); discovery is read from
	// <issuer>/.well-known/openid-configuration.
	Issuer string `yaml:"issuer"`
	// Audiences are the accepted audiences: a token's aud must contain at least one of them
	// (required).
	Audiences []string `yaml:"audiences"`
	// Algorithms are the accepted signing algorithms, intersected with what the issuer
	// advertises (id_token_signing_alg_values_supported); none is never accepted. HS256/384/512
	// are only allowed together with hmacKey.
	Algorithms []string `yaml:"algorithms"`
	// ClockSkew is the tolerance on exp, nbf and iat (at most 5m).
	ClockSkew provider.Duration `yaml:"clockSkew"`
	// HMACKey is a secret reference to a shared key for HS* tokens; leave it out unless the
	// issuer signs with one. Keys from the JWKS never verify HS* tokens.
	HMACKey provider.SecretRef `yaml:"hmacKey,omitempty"`
	// DiscoveryURL overrides where the discovery document is read (an in-cluster address of
	// the issuer), <issuer>/.well-known/openid-configuration when unset; the document's issuer
	// must still equal issuer.
	DiscoveryURL string `yaml:"discoveryURL,omitempty"`
	// JWKSURL overrides where the key set is read, the jwks_uri of the discovery document
	// when unset.
	JWKSURL string `yaml:"jwksURL,omitempty"`
	// RefetchInterval is the minimum time between two fetches of the key set, however many
	// tokens with unknown key ids arrive.
	RefetchInterval provider.Duration `yaml:"refetchInterval"`
	// KeysMaxAge is how long a fetched key set is used before it is refreshed in the
	// background, which is how keys the issuer removed stop being accepted.
	KeysMaxAge provider.Duration `yaml:"keysMaxAge"`
	// Timeout bounds each request to the issuer.
	Timeout provider.Duration `yaml:"timeout"`
	// TLS verifies the issuer's certificate (https issuers): the CAs to trust instead of the
	// system roots, the name it carries, an optional client certificate.
	TLS provider.TLS `yaml:"tls"`
	// CAFile is the former place of the CA bundle. Deprecated: set tls.ca to {file: PATH};
	// eim.yaml loading moves it there with a notice.
	CAFile string `yaml:"caFile,omitempty"`
	// MaxTokenSize is the largest token, in bytes, that is looked at; a larger one is
	// rejected before it is parsed (default 16384, from 1024 to 1048576).
	MaxTokenSize int `yaml:"maxTokenSize"`
	// Claims says which claims carry roles, groups, the client id and tenants.
	Claims ClaimMapping `yaml:"claims"`
	// TokenCacheSize is how many verified tokens are remembered (keyed by their SHA-256) so
	// that a token sent again is not verified again (default 100000, 0 turns the cache off).
	// An entry lasts until the token's exp, at most tokenCacheMaxTTL, and goes as soon as the
	// key that signed the token leaves the issuer's key set.
	TokenCacheSize int `yaml:"tokenCacheSize"`
	// TokenCacheMaxTTL is the longest a verified token is remembered, however late its exp
	// (default 5m).
	TokenCacheMaxTTL provider.Duration `yaml:"tokenCacheMaxTTL"`
}

// Upgrade moves the deprecated caFile to tls.ca.
func (p *Policy) Upgrade() []provider.Deprecation {
	if p.CAFile == "" || !p.TLS.CA.IsZero() {
		return nil
	}
	d := provider.Deprecation{Path: "caFile", Use: "tls.ca: {file: " + p.CAFile + "}"}
	p.TLS.CA, p.CAFile = provider.SecretRef{File: p.CAFile}, ""
	return []provider.Deprecation{d}
}

// DefaultPolicy returns a policy with the defaults set and no issuer.
func DefaultPolicy() Policy {
	return Policy{
		Algorithms:       DefaultAlgorithms(),
		ClockSkew:        provider.Duration(DefaultClockSkew),
		RefetchInterval:  provider.Duration(DefaultRefetchInterval),
		KeysMaxAge:       provider.Duration(DefaultKeysMaxAge),
		Timeout:          provider.Duration(DefaultHTTPTimeout),
		MaxTokenSize:     DefaultMaxTokenSize,
		Claims:           ClaimMapping{ClientID: []string{"azp", "client_id"}},
		TokenCacheSize:   DefaultTokenCacheSize,
		TokenCacheMaxTTL: provider.Duration(DefaultTokenCacheMaxTTL),
	}
}

// Validate checks the policy without I/O, naming each field and its fix.
func (p Policy) Validate() error {
	var v provider.Validation
	if v.Required("issuer", p.Issuer, "set the issuer URL, e.g. https://kc.example.com/realms/edge"); p.Issuer != "" {
		checkURL(&v, "issuer", p.Issuer)
	}
	v.Nest("tls", p.TLS.Validate())
	v.Check(len(p.Audiences) > 0, "audiences", "is empty: tokens for any audience would be accepted",
		"list the audience EIM's tokens carry, e.g. [eim], and configure the identity provider to add it")
	for i, a := range p.Audiences {
		v.Check(a != "", fmt.Sprintf("audiences[%d]", i), "is empty", "remove it or set the audience")
	}
	p.validateAlgorithms(&v)
	v.Check(p.ClockSkew >= 0 && p.ClockSkew.Std() <= MaxClockSkew, "clockSkew",
		fmt.Sprintf("%s is outside 0s..%s", p.ClockSkew, MaxClockSkew), "use a small skew such as 30s and keep clocks in sync (NTP)")
	v.Check(p.RefetchInterval.Std() >= 0, "refetchInterval", "is negative", "use e.g. 30s")
	v.Check(p.KeysMaxAge.Std() > 0, "keysMaxAge", "must be positive", "use e.g. 10m")
	v.Check(p.Timeout.Std() > 0, "timeout", "must be positive", "use e.g. 10s")
	v.Check(p.MaxTokenSize >= MinMaxTokenSize && p.MaxTokenSize <= MaxMaxTokenSize, "maxTokenSize",
		fmt.Sprintf("%d is outside %d..%d", p.MaxTokenSize, MinMaxTokenSize, MaxMaxTokenSize),
		fmt.Sprintf("leave it out for %d (16 KiB), or raise it to the size of the largest token the issuer signs", DefaultMaxTokenSize))
	v.Check(p.TokenCacheSize >= 0 && p.TokenCacheSize <= MaxTokenCacheSize, "tokenCacheSize",
		fmt.Sprintf("%d is outside 0..%d", p.TokenCacheSize, MaxTokenCacheSize), "use about the number of agents, or 0 to turn the cache off")
	v.Check(p.TokenCacheSize == 0 || p.TokenCacheMaxTTL.Std() > 0, "tokenCacheMaxTTL", "must be positive while the token cache is on",
		"use e.g. 5m, or set tokenCacheSize to 0")
	for _, f := range []struct{ name, val string }{{"discoveryURL", p.DiscoveryURL}, {"jwksURL", p.JWKSURL}} {
		if f.val != "" {
			checkURL(&v, f.name, f.val)
		}
	}
	if !p.HMACKey.IsZero() {
		v.Nest("hmacKey", p.HMACKey.Validate())
	}
	v.Nest("claims", p.Claims.Validate())
	return v.Err()
}

func (p Policy) validateAlgorithms(v *provider.Validation) {
	v.Check(len(p.Algorithms) > 0, "algorithms", "is empty", "leave it out for the defaults or list e.g. [RS256, ES256]")
	known := append(DefaultAlgorithms(), hmacAlgorithms...)
	for i, a := range p.Algorithms {
		f := fmt.Sprintf("algorithms[%d]", i)
		switch {
		case strings.EqualFold(a, "none"):
			v.Add(f, `"none" is never accepted`, "remove it")
		case !slices.Contains(known, a):
			v.Add(f, fmt.Sprintf("%q is not a supported algorithm", a), "use one of "+strings.Join(known, ", "))
		case slices.Contains(hmacAlgorithms, a) && p.HMACKey.IsZero():
			v.Add(f, a+" needs a shared key", "set hmacKey to a secret reference, or remove "+a)
		}
	}
}

func checkURL(v *provider.Validation, field, raw string) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		v.Add(field, fmt.Sprintf("%q is not an http(s) URL", raw), "write it as https://host/path")
	}
}

// discoveryURL is where the discovery document is read.
func (p Policy) discoveryURL() string {
	if p.DiscoveryURL != "" {
		return p.DiscoveryURL
	}
	return strings.TrimSuffix(p.Issuer, "/") + "/.well-known/openid-configuration"
}
