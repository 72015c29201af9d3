package messaging

import (
	"context"
	"log/slog"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
)

// DefaultAdapter is the embedded default, used when eim.yaml has no providers.messaging block.
const DefaultAdapter = "memory"

// Adapter opens a driver from its adapter's typed configuration (validated, secret references
// resolved). It releases what it opened when it fails. A backend that is unreachable at
// startup is not an error: Open succeeds, CheckHealth reports Unavailable and the driver
// connects when the backend comes up.
type Adapter func(ctx context.Context, cfg provider.AdapterConfig, env Env) (Driver, error)

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

// Registry holds the messaging adapters, registered in init() under their package names.
var Registry = provider.NewRegistry[Adapter](Kind)

// Open validates cfg and opens a Bus with the adapter registered as typ. A nil cfg takes the
// adapter's defaults.
func Open(ctx context.Context, typ string, cfg provider.AdapterConfig, env Env) (*Bus, error) {
	reg, err := Registry.Lookup(typ)
	if err != nil {
		return nil, provider.Wrap(Kind, typ, "open", err)
	}
	if cfg == nil {
		cfg = reg.NewConfig()
	}
	if err := cfg.Validate(); err != nil {
		return nil, provider.Wrap(Kind, typ, "open", err)
	}
	d, err := reg.Adapter(ctx, cfg, env)
	if err != nil {
		return nil, provider.Wrap(Kind, typ, "open", err)
	}
	return New(typ, d, env.Log()), nil
}
