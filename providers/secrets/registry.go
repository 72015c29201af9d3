package secrets

import (
	"context"
	"log/slog"

	"github.com/eim-byoi/eim/providers/provider"
)

// Registry holds the secrets adapters built into the binary. Adapters register in init under
// their package name.
var Registry = provider.NewRegistry[Adapter](Kind)

// Adapter opens one secrets adapter.
type Adapter struct {
	// Open opens the roles need asks for, using cfg (the adapter's own configuration type,
	// validated). It returns Drivers with the roles it serves; a role asked for but not served
	// is left nil and Open reports it. Open does no blocking I/O against an unreachable
	// backend: it fails only on what retrying cannot fix (bad files, bad configuration) and
	// leaves reachability to CheckHealth, so that a backend that is down at startup recovers.
	Open func(ctx context.Context, cfg provider.AdapterConfig, env Env, need Need) (Drivers, error)
}

// Env is what an adapter receives from the process besides its configuration.
type Env struct {
	// DataDir is the process's data directory (eim.yaml dataDir) for embedded adapters.
	DataDir string
	// Logger receives lifecycle events (renewals, re-logins, reloads), never values.
	Logger *slog.Logger
}

// Log returns Logger, or a logger that discards when it is nil.
func (e Env) Log() *slog.Logger {
	if e.Logger != nil {
		return e.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Need says which roles the configuration asks an adapter to serve.
type Need struct {
	Store  bool
	Keeper bool
}
