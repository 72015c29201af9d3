package provider

import (
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

// Registration is what an adapter registers under its name: a constructor for its configuration
// (with its defaults set) and the kind-specific adapter value A that opens it.
type Registration[A any] struct {
	NewConfig func() AdapterConfig
	Adapter   A
}

// Registry maps adapter names to registrations for one provider kind. Adapters register in
// init(), so a Registry is filled before main runs and only read afterwards; it is safe for
// concurrent use all the same.
type Registry[A any] struct {
	kind    string
	mu      sync.RWMutex
	entries map[string]Registration[A]
}

// NewRegistry returns an empty registry for kind (identity, secrets, storage, messaging).
func NewRegistry[A any](kind string) *Registry[A] {
	return &Registry[A]{kind: kind, entries: map[string]Registration[A]{}}
}

// Kind returns the provider kind the registry serves.
func (r *Registry[A]) Kind() string { return r.kind }

// Register adds an adapter under name. It panics on an empty name, a missing config constructor
// or a name registered twice: all are programming errors found at init time.
func (r *Registry[A]) Register(name string, reg Registration[A]) {
	if name == "" || strings.TrimSpace(name) != name {
		panic(fmt.Sprintf("%s: adapter name %q is not valid", r.kind, name))
	}
	if reg.NewConfig == nil {
		panic(fmt.Sprintf("%s: adapter %q registered without NewConfig", r.kind, name))
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
func (r *Registry[A]) Lookup(name string) (Registration[A], error) {
	r.mu.RLock()
	reg, ok := r.entries[name]
	r.mu.RUnlock()
	if !ok {
		return reg, Errorf(InvalidArgument, "unknown %s type %q; %s", r.kind, name, r.describeNames())
	}
	return reg, nil
}

// NewConfig returns a fresh configuration, defaults set, for the adapter registered as name.
func (r *Registry[A]) NewConfig(name string) (AdapterConfig, error) {
	reg, err := r.Lookup(name)
	if err != nil {
		return nil, err
	}
	return reg.NewConfig(), nil
}

// Names returns the registered adapter names, sorted.
func (r *Registry[A]) Names() []string {
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
func (r *Registry[A]) Has(name string) bool {
	return slices.Contains(r.Names(), name)
}

func (r *Registry[A]) describeNames() string {
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
