package storage

import (
	"context"
	"log/slog"

	"github.com/eim-byoi/eim/providers/provider"
)

// DefaultAdapter is the embedded default, used when eim.yaml has no providers.database block:
// a SQLite file under the data directory.
const DefaultAdapter = "sqlite"

// Env is what an adapter may use besides its configuration.
type Env struct {
	// DataDir is the process's data directory (the SQLite default keeps eim.db there).
	DataDir string
	// Logger receives the adapter's operational messages; slog.Default() when nil.
	Logger *slog.Logger
	// Dynamic returns a source of dynamic credentials issued by the secrets provider at path
	// (Vault's database secrets engine: database/creds/<role>), renewed and replaced as their
	// leases require. Nil when the configured secrets provider issues no leases.
	Dynamic func(ctx context.Context, path string) (CredentialSource, error)
	// Password, when set, follows a password given as a {secret: "path#key"} reference: it
	// returns a source for user whose password is replaced when the secret changes, and the
	// connections opened with the old one drain. Nil: the value resolved at startup is used.
	Password func(ctx context.Context, user string, password *provider.SecretRef) (CredentialSource, error)
	// Credentials, when set, replaces the credentials the configuration describes: tests and
	// `eim conformance` use it to rotate them mid-run.
	Credentials CredentialSource
}

// Log returns the logger to use.
func (e Env) Log() *slog.Logger {
	if e.Logger != nil {
		return e.Logger
	}
	return slog.Default()
}

// Registry holds the storage adapters, registered in init() under their package names with
// provider.Register. An adapter opens a *DB from its typed configuration (validated, its secret
// references resolved) and releases whatever it opened when it fails.
var Registry = provider.NewRegistry[Env, *DB](Kind)

// Open validates cfg and opens the database with the adapter registered as typ.
func Open(ctx context.Context, typ string, cfg provider.AdapterConfig, env Env) (*DB, error) {
	return Registry.Open(ctx, typ, cfg, env)
}
