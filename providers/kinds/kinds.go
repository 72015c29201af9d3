// Package kinds is the provider kind table: the one list of the provider kinds EIM knows, each
// with its key in eim.yaml, its name, its adapter registry, its embedded default adapter and
// the function that opens it; and Set, the typed providers a process has opened, which
// bootstrap fills and every module receives.
//
// The config key and the kind name differ once: eim.yaml's providers.database block
// configures the storage kind (package providers/storage). "database" is what an operator
// writes; "storage" is what code, registries, errors and module descriptors say.
//
// Adding a kind is one row in All, one field in Set and one in services/config.Providers (see
// docs/adr/0008-adding-a-kind-or-an-adapter.md).
package kinds

import (
	"context"
	"log/slog"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/providers/storage"
)

// The kind names.
const (
	Secrets   = secrets.Kind
	Storage   = storage.Kind
	Identity  = identity.Kind
	Messaging = messaging.Kind
)

// Kind is one row of the kind table.
type Kind struct {
	// Key is the block's key under providers: in eim.yaml.
	Key string
	// Name is the kind's name in code, registries, errors, logs and module descriptors.
	Name string
	// Registry is the kind's adapter registry.
	Registry provider.ConfigSource
	// Default is the adapter used when eim.yaml has no block for the kind and this binary
	// registers it; "" when the kind has no embedded default.
	Default string
	// Split is true when the block may instead hold a store and a keeper chosen independently
	// (secrets).
	Split bool
	// Open opens the kind from env (its configured blocks, or its default) and stores the
	// provider in env.Set. It returns Opened{} when the kind is absent: not configured and
	// without a default in this binary.
	Open func(ctx context.Context, env *Env) (Opened, error)
}

// All returns the kind table in opening order: secrets first, because every secret reference
// of the other kinds resolves through it; storage before messaging, whose outbox and sql
// adapter live in the database.
func All() []Kind {
	return []Kind{
		{Key: "secrets", Name: Secrets, Registry: secrets.Registry, Default: secrets.DefaultAdapter, Split: true, Open: openSecrets},
		{Key: "database", Name: Storage, Registry: storage.Registry, Default: storage.DefaultAdapter, Open: openStorage},
		{Key: "identity", Name: Identity, Registry: identity.Registry, Default: identity.DefaultAdapter, Open: openIdentity},
		{Key: "messaging", Name: Messaging, Registry: messaging.Registry, Default: messaging.DefaultAdapter, Open: openMessaging},
	}
}

// ByName returns the row of the kind named name.
func ByName(name string) (Kind, bool) {
	for _, k := range All() {
		if k.Name == name {
			return k, true
		}
	}
	return Kind{}, false
}

// Sources returns the adapter registries of every kind, for configuration loading and schema
// generation.
func Sources() []provider.ConfigSource {
	var out []provider.ConfigSource
	for _, k := range All() {
		out = append(out, k.Registry)
	}
	return out
}

// Set holds the opened providers of a process, one typed field per kind; a kind that is absent
// stays nil. Bootstrap fills it and hands it to every module (module.Deps embeds it).
type Set struct {
	// Secrets is the secrets provider (store and keeper).
	Secrets *secrets.Provider
	// Storage is the database: SQL, dialect, InTenant and schema migrations.
	Storage *storage.DB
	// Identity is the identity provider: token verification, ClientIssuer, TokenSources.
	Identity *identity.Provider
	// Messaging is the messaging bus; events describing state changes go through the
	// transactional outbox (providers/messaging/outbox).
	Messaging *messaging.Bus
}

// Provider is an opened provider as the process manages it: checkable and closable. Close is
// idempotent.
type Provider interface {
	provider.Checker
	Close() error
}

// Opened is what a kind's Open returns: the adapter name and the provider; a nil Provider means
// the kind is absent.
type Opened struct {
	Adapter  string
	Provider Provider
}

// Block is one configured {type, config} block of a kind: its path in eim.yaml, its role (""
// for the kind's block, "store" or "keeper" for the parts of a split secrets block) and the
// envelope, its Settings decoded and its secret references resolved.
type Block struct {
	Path     string
	Role     string
	Envelope *provider.Envelope
}

// Roles of a split block.
const (
	RoleStore  = "store"
	RoleKeeper = "keeper"
)

// Env is what a kind's Open receives.
type Env struct {
	// Blocks are the kind's configured blocks; none selects its embedded default.
	Blocks []Block
	// DataDir holds the embedded providers' files.
	DataDir string
	// HTTPAddr is the HTTP listen address (the embedded issuer derives its URL from it).
	HTTPAddr string
	// Logger receives the providers' operational messages.
	Logger *slog.Logger
	// Schemas are applied by the storage kind after the messaging schema: the modules' tables.
	Schemas []storage.Schema
	// Set holds the providers opened before this kind; Open adds its own.
	Set *Set
	// Lifetime ends when the process shuts down: background work a kind starts (following
	// rotated credentials) stops with it.
	Lifetime context.Context
	// NoRelay opens messaging without the outbox relay: a command beside the serving process
	// (eim token, doctor, conformance) may append events, and the serving process publishes
	// them. With the memory adapter the bus is the process's own: a command's relay would mark
	// the serving process's pending events sent into a bus nobody follows, and they would be lost.
	NoRelay bool
}

// Log returns Logger, or a logger that discards.
func (e *Env) Log() *slog.Logger {
	if e.Logger != nil {
		return e.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// block returns the envelope of the kind's own block, or nil.
func (e *Env) block() *provider.Envelope {
	for _, b := range e.Blocks {
		if b.Role == "" {
			return b.Envelope
		}
	}
	return nil
}

// open returns the adapter and configuration to open: the configured block's, or the
// default adapter's defaults; ok is false when the kind is absent.
func (e *Env) open(k Kind) (typ string, cfg provider.AdapterConfig, ok bool) {
	if b := e.block(); b != nil && b.Type != "" {
		return b.Type, b.Settings, true
	}
	if k.Default == "" || !hasAdapter(k.Registry, k.Default) {
		return "", nil, false
	}
	return k.Default, nil, true
}

func hasAdapter(src provider.ConfigSource, name string) bool {
	_, err := src.NewConfig(name)
	return err == nil
}
