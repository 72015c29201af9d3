package secrets

import (
	"log/slog"

	"github.com/eim-byoi/eim/providers/provider"
)

// Registry holds the secrets adapters built into the binary. Adapters register in init under
// their package name with provider.Register. An adapter opens the roles env.Need asks for from
// its typed configuration (validated) and returns Drivers with the roles it serves; a role
// asked for but not served is left nil and Open reports it. It does no blocking I/O against an
// unreachable backend: it fails only on what retrying cannot fix (bad files, bad configuration)
// and leaves reachability to CheckHealth, so that a backend that is down at startup recovers.
var Registry = provider.NewRegistry[Env, Drivers](Kind)

// Env is what an adapter receives from the process besides its configuration.
type Env struct {
	// DataDir is the process's data directory (eim.yaml dataDir) for embedded adapters.
	DataDir string
	// Logger receives lifecycle events (renewals, re-logins, reloads), never values.
	Logger *slog.Logger
	// Need says which roles the block asks the adapter to serve.
	Need Need
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
