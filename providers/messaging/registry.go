package messaging

import (
	"context"
	"log/slog"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
)

// DefaultAdapter is the embedded default, used when eim.yaml has no providers.messaging block.
const DefaultAdapter = "memory"

// Env is what an adapter may use besides its configuration.
type Env struct {
	// Logger receives connection events (lost, restored), never credentials.
	Logger *slog.Logger
	// Storage is the opened database, for the sql adapter; nil when none is configured.
	Storage *storage.DB
}

// Log returns the logger to use.
func (e Env) Log() *slog.Logger {
	if e.Logger != nil {
		return e.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Registry holds the messaging adapters, registered in init() under their package names with
// provider.Register. An adapter opens a Driver from its typed configuration (validated, secret
// references resolved) and releases what it opened when it fails. A backend that is
// unreachable at startup is not an error: the adapter opens, CheckHealth reports Unavailable
// and the driver connects when the backend comes up.
var Registry = provider.NewRegistry[Env, Driver](Kind)

// Open validates cfg and opens a Bus with the adapter registered as typ. A nil cfg takes the
// adapter's defaults.
func Open(ctx context.Context, typ string, cfg provider.AdapterConfig, env Env) (*Bus, error) {
	d, err := Registry.Open(ctx, typ, cfg, env)
	if err != nil {
		return nil, err
	}
	return New(typ, d, env.Log()), nil
}
