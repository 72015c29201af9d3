// Package local is the embedded identity adapter, the default when eim.yaml has no identity
// block: a minimal OpenID Provider inside `eim serve`. It serves discovery
// (/.well-known/openid-configuration), a JWKS (/jwks) and a token endpoint (/token) for the
// OAuth2 client-credentials grant under the issuer's path (default /oidc), and issues
// edge-node clients itself (capability ClientIssuer). Its signing keys (ES256 by default) and
// its clients are kept in the secrets provider, so every replica sharing that provider issues
// and verifies the same tokens; keys are rotated with Issuer.Rotate and old ones dropped with
// Issuer.Retire. Tokens it issues carry roles "<tenant>_<role>" and a tenant claim.
//
// It is hand-written on go-jose rather than built on zitadel/oidc's op package: that package
// is organized around the authorization-code flow and requires a storage of some twenty
// methods (auth requests, refresh tokens, user info, sessions) and a login UI, none of which a
// client-credentials-only issuer has; the protocol surface here is three small endpoints.
//
// Register name: local. Capabilities: ClientIssuer.
package local

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
)

// Name is the name the adapter registers under.
const Name = "local"

// Interface guards: the adapter's types implement the kind's driver interfaces.
var (
	_ identity.ClientIssuer = (*clients)(nil)
	_ identity.Minter       = (*Issuer)(nil)
	_ identity.KeySource    = source{}
)

func init() { provider.Register(identity.Registry, Name, NewConfig, open) }

// Issuer is the embedded issuer's own interface, reached with Provider.As(&issuer).
type Issuer struct {
	keys     *keyring
	verifier *identity.Verifier
	url      string
	ep       *endpoints
}

// MaxMintTTL is the longest validity Mint gives a token.
const MaxMintTTL = 24 * time.Hour

// Mint signs an access token for t with the active key, as the token endpoint signs those of
// clients, valid for t.TTL (the token TTL when zero, at most MaxMintTTL): for operators' tools
// (`eim token`), which hold the secrets provider the keys are kept in. The token is as powerful
// as its roles; treat it as a credential.
func (i *Issuer) Mint(ctx context.Context, t identity.Grant) (string, error) {
	if t.Subject == "" {
		return "", provider.Errorf(provider.InvalidArgument, "subject: is required")
	}
	if t.TTL <= 0 {
		t.TTL = i.ep.ttl
	}
	if t.TTL > MaxMintTTL {
		return "", provider.Errorf(provider.InvalidArgument, "ttl: %s is longer than %s", t.TTL, MaxMintTTL)
	}
	tok, err := i.ep.sign(ctx, grant{subject: t.Subject, roles: t.Roles, ttl: t.TTL})
	return tok, provider.Wrap(identity.Kind, Name, "mint a token", err)
}

// URL returns the issuer URL.
func (i *Issuer) URL() string { return i.url }

// Rotate makes a new signing key active; previous keys stay published (tokens they signed
// keep verifying) until Retire. It returns the new key id.
func (i *Issuer) Rotate(ctx context.Context) (string, error) {
	kid, err := i.keys.rotate(ctx)
	if err != nil {
		return "", provider.Wrap(identity.Kind, Name, "rotate keys", err)
	}
	return kid, provider.Wrap(identity.Kind, Name, "rotate keys", i.verifier.Refresh(ctx))
}

// Retire drops every signing key but the active one: tokens signed by the others stop
// verifying. Run it once tokens signed before the last rotation have expired.
func (i *Issuer) Retire(ctx context.Context) error {
	if err := i.keys.retire(ctx); err != nil {
		return provider.Wrap(identity.Kind, Name, "retire keys", err)
	}
	return provider.Wrap(identity.Kind, Name, "retire keys", i.verifier.Refresh(ctx))
}

func open(ctx context.Context, cfg *Config, env identity.Env) (*identity.Provider, error) {
	if env.Secrets == nil || !env.Secrets.Capabilities().Has(secrets.CapWrite) {
		return nil, provider.Errorf(provider.FailedPrecondition,
			"the embedded issuer keeps its keys and clients in the secrets provider, and none that can write is configured: "+
				"configure providers.secrets with a writable store (local, vault, kms) or use the oidc or keycloak identity adapter")
	}
	issuer := cfg.issuerURL(env.HTTPAddr)
	keys := &keyring{store: env.Secrets, name: cfg.KeySecret, alg: cfg.Algorithm, maxAge: cfg.KeysMaxAge.Std()}
	if err := keys.ensure(ctx); err != nil {
		return nil, err
	}
	meta := identity.Metadata{Issuer: issuer, JWKSURI: issuer + "/jwks", TokenEndpoint: issuer + "/token", Algorithms: []string{cfg.Algorithm}}
	v, err := identity.NewVerifier(cfg.policy(issuer), source{meta: meta, keys: keys}, env.Log())
	if err != nil {
		return nil, err
	}
	cl := &clients{store: env.Secrets, prefix: strings.TrimSuffix(cfg.ClientPrefix, "/"), pattern: cfg.ClientIDPattern,
		roles: cfg.NodeRoles, tokenURL: meta.TokenEndpoint}
	ep := &endpoints{meta: meta, keys: keys, clients: cl, audiences: cfg.Audiences, ttl: cfg.TokenTTL.Std(), log: env.Log(), now: time.Now}
	iss := &Issuer{keys: keys, verifier: v, url: issuer, ep: ep}
	path := issuerPath(issuer)
	return identity.New(Name, identity.Parts{
		Verifier: v, Issuer: cl, Pattern: path + "/", Handler: http.StripPrefix(path, ep.handler()),
		As: func(target any) bool {
			switch p := target.(type) {
			case **Issuer:
				*p = iss
				return true
			case *identity.Minter:
				*p = iss
				return true
			}
			return false
		},
	}), nil
}

func issuerPath(issuer string) string {
	u, _ := url.Parse(issuer)
	return "/" + strings.Trim(u.Path, "/")
}

// source is the verifier's KeySource: the key set read from the secrets store in process.
type source struct {
	meta identity.Metadata
	keys *keyring
}

func (s source) Metadata(context.Context) (*identity.Metadata, error) { m := s.meta; return &m, nil }

func (s source) Keys(ctx context.Context, _ *identity.Metadata) (*jose.JSONWebKeySet, error) {
	set, err := s.keys.load(ctx)
	if err != nil {
		return nil, err
	}
	return set.public(), nil
}
