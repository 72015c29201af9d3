package provider

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
)

// AdapterConfig is an adapter's typed configuration: a pointer to a struct decoded strictly from
// the envelope's config block. Validate checks it without I/O and reports every problem at once,
// as a Validation error naming each field and its fix.
type AdapterConfig interface {
	Validate() error
}

// OpenFunc is how every adapter of a kind opens: from its configuration (validated, secret
// references resolved) and the kind's environment E to the kind's driver value R. It releases
// whatever it opened when it fails.
type OpenFunc[E, R any] func(ctx context.Context, cfg AdapterConfig, env E) (R, error)

// Registration is what an adapter registers under its name: a constructor for its configuration
// (with its defaults set) and the function that opens it.
type Registration[E, R any] struct {
	NewConfig func() AdapterConfig
	Open      OpenFunc[E, R]
}

// Registry maps adapter names to registrations for one provider kind, whose adapters open from
// an environment E to a driver value R. Adapters register in init(), so a Registry is filled
// before main runs and only read afterwards; it is safe for concurrent use all the same.
type Registry[E, R any] struct {
	kind    string
	mu      sync.RWMutex
	entries map[string]Registration[E, R]
}

// NewRegistry returns an empty registry for kind (identity, secrets, storage, messaging).
func NewRegistry[E, R any](kind string) *Registry[E, R] {
	return &Registry[E, R]{kind: kind, entries: map[string]Registration[E, R]{}}
}

// Register adds the adapter name to r with its typed configuration C: newConfig returns C with
// its defaults, and open receives C, never another type. It is the one way adapters register:
//
//	func init() { provider.Register(storage.Registry, "postgres", NewConfig, Open) }
//
// It panics on an empty name, a missing function or a name registered twice: all are
// programming errors found at init time.
func Register[C AdapterConfig, E, R any](r *Registry[E, R], name string, newConfig func() C,
	open func(ctx context.Context, cfg C, env E) (R, error)) {
	var reg Registration[E, R]
	if newConfig != nil {
		reg.NewConfig = func() AdapterConfig { return newConfig() }
	}
	if open != nil {
		reg.Open = func(ctx context.Context, cfg AdapterConfig, env E) (R, error) {
			c, ok := cfg.(C)
			if !ok {
				var zero R
				return zero, Errorf(Internal, "%s adapter %s: configuration of type %T, want %T", r.kind, name, cfg, c)
			}
			return open(ctx, c, env)
		}
	}
	r.Add(name, reg)
}

// Kind returns the provider kind the registry serves.
func (r *Registry[E, R]) Kind() string { return r.kind }

// Add adds a registration under name; Register is the typed way to call it. It panics on an
// empty name, a registration without NewConfig or Open, or a name registered twice.
func (r *Registry[E, R]) Add(name string, reg Registration[E, R]) {
	if name == "" || strings.TrimSpace(name) != name {
		panic(fmt.Sprintf("%s: adapter name %q is not valid", r.kind, name))
	}
	if reg.NewConfig == nil {
		panic(fmt.Sprintf("%s: adapter %q registered without NewConfig", r.kind, name))
	}
	if reg.Open == nil {
		panic(fmt.Sprintf("%s: adapter %q registered without Open", r.kind, name))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.entries[name]; dup {
		panic(fmt.Sprintf("%s: adapter %q registered twice", r.kind, name))
	}
	r.entries[name] = reg
}

// Lookup returns the registration for name, or an InvalidArgument error that lists the
// registered names.
func (r *Registry[E, R]) Lookup(name string) (Registration[E, R], error) {
	r.mu.RLock()
	reg, ok := r.entries[name]
	r.mu.RUnlock()
	if !ok {
		return reg, Errorf(InvalidArgument, "unknown %s type %q; %s", r.kind, name, r.describeNames())
	}
	return reg, nil
}

// Open opens the adapter registered as name: cfg (the adapter's defaults when nil) is
// validated, then opened with env. Every error is wrapped once as "<kind>/<name>: open: ...",
// keeping its code.
func (r *Registry[E, R]) Open(ctx context.Context, name string, cfg AdapterConfig, env E) (R, error) {
	var zero R
	reg, err := r.Lookup(name)
	if err != nil {
		return zero, Wrap(r.kind, name, "open", err)
	}
	if cfg == nil {
		cfg = reg.NewConfig()
	}
	if err := cfg.Validate(); err != nil {
		return zero, Wrap(r.kind, name, "open", err)
	}
	out, err := reg.Open(ctx, cfg, env)
	if err != nil {
		return zero, Wrap(r.kind, name, "open", err)
	}
	return out, nil
}

// NewConfig returns a fresh configuration, defaults set, for the adapter registered as name.
func (r *Registry[E, R]) NewConfig(name string) (AdapterConfig, error) {
	reg, err := r.Lookup(name)
	if err != nil {
		return nil, err
	}
	return reg.NewConfig(), nil
}

// Names returns the registered adapter names, sorted.
func (r *Registry[E, R]) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.entries))
	for n := range r.entries {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Has reports whether name is registered.
func (r *Registry[E, R]) Has(name string) bool {
	return slices.Contains(r.Names(), name)
}

func (r *Registry[E, R]) describeNames() string {
	names := r.Names()
	if len(names) == 0 {
		return "no " + r.kind + " adapter is built into this binary"
	}
	return "registered: " + strings.Join(names, ", ")
}

// ConfigSource is the view of a Registry that configuration loading needs: the kind, its adapter
// names and a fresh typed configuration per name. Every *Registry implements it.
type ConfigSource interface {
	Kind() string
	Names() []string
	NewConfig(name string) (AdapterConfig, error)
}

var _ ConfigSource = (*Registry[struct{}, struct{}])(nil)
