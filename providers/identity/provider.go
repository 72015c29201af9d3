package identity

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"github.com/go-jose/go-jose/v4"

	"github.com/eim-byoi/eim/providers/provider"
)

// Parts is what an adapter assembles into a Provider.
type Parts struct {
	// Verifier verifies tokens; required.
	Verifier *Verifier
	// Issuer issues edge-node clients; nil when the adapter (as configured) cannot.
	Issuer ClientIssuer
	// Roles creates and deletes projects' roles and groups; nil when the adapter cannot.
	Roles RoleManager
	// Handler serves the adapter's HTTP endpoints (the embedded issuer) under Pattern.
	Pattern string
	Handler http.Handler
	// Check, when set, is added to CheckHealth (e.g. the admin API's credentials).
	Check func(ctx context.Context) error
	// Close releases the adapter's resources; called once.
	Close func() error
	// As exposes the adapter's own type to callers that know the adapter (see Provider.As).
	As func(target any) bool
}

// Provider is an opened identity provider: the portable type services use. It is safe for
// concurrent use; Close is idempotent.
type Provider struct {
	adapter string
	parts   Parts
	cancel  context.CancelFunc

	closeOnce sync.Once
	closeErr  error
}

// New assembles a Provider from an adapter's parts and starts fetching the issuer's keys in
// the background (see Verifier.Warm). Adapters call it at the end of their Open.
func New(adapter string, parts Parts) *Provider {
	ctx, cancel := context.WithCancel(context.Background())
	parts.Verifier.Warm(ctx)
	return &Provider{adapter: adapter, parts: parts, cancel: cancel}
}

// Adapter returns the name of the adapter behind the provider.
func (p *Provider) Adapter() string { return p.adapter }

// Policy returns the verification policy (issuer, audiences, clock skew, algorithms).
func (p *Provider) Policy() Policy { return p.parts.Verifier.Policy() }

// Verifier returns the token verifier.
func (p *Provider) Verifier() *Verifier { return p.parts.Verifier }

// Verify checks a bearer token (without "Bearer ") and returns its Principal. Rejections are
// Unauthenticated with the reason; see Verifier.Verify.
func (p *Provider) Verify(ctx context.Context, raw string) (*Principal, error) {
	pr, err := p.parts.Verifier.Verify(ctx, raw)
	if err != nil {
		return nil, p.wrap("verify", err)
	}
	return pr, nil
}

// Keys returns the public keys the provider currently trusts.
func (p *Provider) Keys(ctx context.Context) (*jose.JSONWebKeySet, error) {
	set, err := p.parts.Verifier.Keys(ctx)
	return set, p.wrap("keys", err)
}

// TokenURL returns the issuer's token endpoint.
func (p *Provider) TokenURL(ctx context.Context) (string, error) {
	m, err := p.parts.Verifier.Metadata(ctx)
	if err != nil {
		return "", p.wrap("token endpoint", err)
	}
	if m.TokenEndpoint == "" {
		return "", p.wrap("token endpoint", provider.Errorf(provider.FailedPrecondition, "the issuer's discovery document has no token_endpoint"))
	}
	return m.TokenEndpoint, nil
}

// TokenSource returns a client-credentials TokenSource for the given client at the issuer's
// token endpoint.
func (p *Provider) TokenSource(ctx context.Context, c ClientCredentials) (*TokenSource, error) {
	if c.TokenURL == "" {
		u, err := p.TokenURL(ctx)
		if err != nil {
			return nil, err
		}
		c.TokenURL = u
	}
	return NewTokenSource(c), nil
}

// Capabilities declares CapClientIssuer when the adapter is configured to issue clients, and
// CapRoleManager when it manages projects' roles.
func (p *Provider) Capabilities() provider.Capabilities {
	var cs provider.Capabilities
	if p.parts.Issuer != nil {
		cs = append(cs, CapClientIssuer)
	}
	if p.parts.Roles != nil {
		cs = append(cs, CapRoleManager)
	}
	return cs
}

// CreateClient creates the edge-node client of device in tenant (see ClientIssuer).
func (p *Provider) CreateClient(ctx context.Context, tenant, device string) (*Client, error) {
	op := clientOp("create", tenant, device)
	if p.parts.Issuer == nil {
		return nil, p.wrap(op, provider.Unsupported(CapClientIssuer))
	}
	if err := CheckClientArgs(tenant, device); err != nil {
		return nil, p.wrap(op, err)
	}
	if !p.parts.Verifier.mapper.tenantOK(tenant) {
		return nil, p.wrap(op, provider.Errorf(provider.InvalidArgument,
			"tenant %q does not match claims.tenantFormat: its client's tokens would not be bound to it", tenant))
	}
	c, err := p.parts.Issuer.CreateClient(ctx, tenant, device)
	return c, p.wrap(op, err)
}

// GetClient returns the edge-node client of device in tenant (see ClientIssuer).
func (p *Provider) GetClient(ctx context.Context, tenant, device string) (*Client, error) {
	op := clientOp("get", tenant, device)
	if p.parts.Issuer == nil {
		return nil, p.wrap(op, provider.Unsupported(CapClientIssuer))
	}
	if err := CheckClientArgs(tenant, device); err != nil {
		return nil, p.wrap(op, err)
	}
	c, err := p.parts.Issuer.GetClient(ctx, tenant, device)
	return c, p.wrap(op, err)
}

// RevokeClient deletes the edge-node client of device in tenant (see ClientIssuer).
func (p *Provider) RevokeClient(ctx context.Context, tenant, device string) error {
	op := clientOp("revoke", tenant, device)
	if p.parts.Issuer == nil {
		return p.wrap(op, provider.Unsupported(CapClientIssuer))
	}
	if err := CheckClientArgs(tenant, device); err != nil {
		return p.wrap(op, err)
	}
	return p.wrap(op, p.parts.Issuer.RevokeClient(ctx, tenant, device))
}

// As sets target to the adapter's own type when the adapter supports it, and reports whether
// it did; see the adapter's documentation for the types it supports (the local adapter
// exposes **local.Issuer for key rotation).
func (p *Provider) As(target any) bool {
	return p.parts.As != nil && p.parts.As(target)
}

// HTTPHandler returns the HTTP endpoints the provider serves in `eim serve` (the embedded
// issuer's discovery, JWKS and token endpoint) and the ServeMux pattern to mount them at; a
// nil handler when it serves none.
func (p *Provider) HTTPHandler() (pattern string, h http.Handler) {
	return p.parts.Pattern, p.parts.Handler
}

// CheckHealth reports Unavailable until the issuer's keys have been fetched once; after that,
// verification works from the cached keys even while the issuer is unreachable, and the
// provider stays healthy. An adapter's own check (admin credentials) is added.
func (p *Provider) CheckHealth(ctx context.Context) error {
	if err := p.parts.Verifier.Ready(ctx); err != nil {
		return p.wrap("health", err)
	}
	if p.parts.Check != nil {
		return p.wrap("health", p.parts.Check(ctx))
	}
	return nil
}

// Close stops the background key fetching and releases the adapter. It is idempotent.
func (p *Provider) Close() error {
	p.closeOnce.Do(func() {
		p.cancel()
		if p.parts.Close != nil {
			p.closeErr = p.wrap("close", p.parts.Close())
		}
	})
	return p.closeErr
}

func (p *Provider) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if provider.CodeOf(err) == provider.Unknown && !errors.Is(err, context.Canceled) {
		err = provider.WithCode(provider.Internal, err)
	}
	return provider.Wrap(Kind, p.adapter, op, err)
}
