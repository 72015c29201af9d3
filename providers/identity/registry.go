package identity

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
)

// DefaultAdapter is the embedded identity adapter used when eim.yaml has no identity block.
const DefaultAdapter = "local"

// Env is what an adapter may use besides its configuration.
type Env struct {
	// Logger receives the adapter's operational messages; slog.Default() when nil.
	Logger *slog.Logger
	// Secrets is the secrets provider's store: the embedded issuer keeps its keys and clients
	// there, the oidc adapter its registration tokens. Nil when no secrets provider is open.
	Secrets *secrets.Store
	// HTTPAddr is the listen address of `eim serve`'s HTTP server (listen.http); the embedded
	// issuer derives its default issuer URL from it.
	HTTPAddr string
	// HTTPClient, when set, replaces the client built from the configuration (tests route
	// requests through a proxy with it).
	HTTPClient *http.Client
}

// Log returns the logger to use.
func (e Env) Log() *slog.Logger {
	if e.Logger != nil {
		return e.Logger
	}
	return slog.Default()
}

// Client returns Env.HTTPClient, or the client the policy describes.
func (e Env) Client(p Policy) (*http.Client, error) {
	if e.HTTPClient != nil {
		return e.HTTPClient, nil
	}
	return p.HTTPClient()
}

// Registry holds the identity adapters, registered in init() under their package names with
// provider.Register. An adapter opens a *Provider from its typed configuration (validated, its
// secret references resolved); an unreachable issuer does not fail it.
var Registry = provider.NewRegistry[Env, *Provider](Kind)

// Open validates cfg and opens the provider with the adapter registered as typ.
func Open(ctx context.Context, typ string, cfg provider.AdapterConfig, env Env) (*Provider, error) {
	return Registry.Open(ctx, typ, cfg, env)
}
