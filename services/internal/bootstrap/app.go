// Package bootstrap turns a configuration into a running process: it opens the providers in
// order (secrets first, then every secret reference is resolved, then storage, identity and
// messaging), waits for them to be healthy, starts the target modules in dependency order, and
// on shutdown stops the modules and closes the providers in reverse. A failure part-way
// releases whatever was opened. Only main exits the process.
package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"

	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/internal/logging"
	"github.com/eim-byoi/eim/services/internal/southbound"
	"github.com/eim-byoi/eim/services/module"
)

// Options configures Start.
type Options struct {
	Config   *config.Config
	Logger   *slog.Logger
	Redactor *logging.Redactor // credentials resolved are added to it; may be nil
	Kinds    []kinds.Kind      // provider kinds in opening order; kinds.All() for the real binary
	Graph    *module.Graph
	Modules  map[string]module.Factory // the modules built into this binary
	Deps     module.Deps               // listeners and telemetry shared with the modules
	Startup  *Startup                  // follows the start (the listeners' answers while starting); may be nil
	Levels   *logging.Levels           // the levels Logger was made with; nil: modules log at Logger's
	Schemas  []storage.Schema          // the modules' tables, applied after the storage kind opens
	// LookupEnv and ReadFile resolve env and file secret references; os.LookupEnv and
	// os.ReadFile when nil.
	LookupEnv func(string) (string, bool)
	ReadFile  func(string) ([]byte, error)

	noRelay bool // OpenProviders: a command beside the serving process (kinds.Env.NoRelay)
}

// App is a started process: its providers and modules.
type App struct {
	log       *slog.Logger
	set       kinds.Set       // the opened providers, typed
	providers []namedProvider // in opening order
	modules   []namedModule   // in start order
	lifetime  context.Context // ends at Shutdown: the providers' background work stops with it
	end       context.CancelFunc
	closers   []func() error // connections to other processes, closed after the modules stop
	checks    []checkable    // other processes this one needs (a remote inventory): part of readiness
	sources   provider.SecretSources
	south     *southbound.Server // nil unless a module serves the agents
	stopping  atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

type namedProvider struct {
	kind, adapter string
	p             kinds.Provider
}

type namedModule struct {
	name string
	m    module.Module
}

// Start resolves the target, opens the providers, waits until they are healthy (within
// cfg.Startup.Timeout, retrying with backoff) and starts the modules. On error everything
// opened so far is closed again, in reverse order, and the error says what failed.
func Start(ctx context.Context, opts Options) (*App, error) {
	cfg := opts.Config
	mods, err := resolve(cfg, opts.Graph, opts.Modules)
	if err != nil {
		return nil, err
	}
	if opts.Schemas == nil {
		opts.Schemas = SchemasOf(mods)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Startup.Timeout.Std())
	defer cancel()
	a := newApp(opts.Logger)
	if err := a.start(ctx, opts, mods); err != nil {
		a.rollback()
		return nil, err
	}
	return a, nil
}

// resolve returns the modules of cfg's target that this process runs, in start order.
func resolve(cfg *config.Config, g *module.Graph, built map[string]module.Factory) ([]module.Descriptor, error) {
	var remote []module.ResolveOption
	if cfg.Inventory.Address != "" {
		remote = append(remote, module.Remote(module.Inventory))
	}
	return g.Resolve(cfg.Target, func(n string) bool { return built[n] != nil }, remote...)
}

// moduleNames returns the names of mods.
func moduleNames(mods []module.Descriptor) []string {
	names := make([]string, len(mods))
	for i, m := range mods {
		names[i] = m.Name
	}
	return names
}

func newApp(log *slog.Logger) *App {
	lifetime, end := context.WithCancel(context.Background())
	return &App{log: log, lifetime: lifetime, end: end}
}

func (a *App) start(ctx context.Context, opts Options, mods []module.Descriptor) error {
	opts.Startup.modules(moduleNames(mods))
	if err := a.openProviders(ctx, opts); err != nil {
		return err
	}
	if err := mountHandlers(opts.Deps.HTTP, opts.Startup, a.providers); err != nil {
		return err
	}
	if err := a.waitHealthy(ctx); err != nil {
		return err
	}
	a.registerProviderMetrics(opts.Deps.Metrics)
	if err := a.checkModuleNeeds(mods); err != nil {
		return err
	}
	deps := opts.Deps
	deps.Set, deps.Config = a.set, opts.Config
	if err := a.remoteInventory(ctx, opts, &deps, mods); err != nil {
		return err
	}
	if err := a.newSouthbound(ctx, opts, mods); err != nil {
		return err
	}
	deps.Southbound = a.south
	return a.startModules(ctx, opts, deps, mods)
}

func (a *App) rollback() {
	ctx, cancel := context.WithTimeout(context.Background(), rollbackTimeout)
	defer cancel()
	if err := a.Shutdown(ctx); err != nil {
		a.log.Error("rollback after failed start", "error", err)
	}
}

// Shutdown stops the modules in reverse start order, then closes the providers in reverse
// opening order, logging each. It is idempotent; errors are joined and returned.
func (a *App) Shutdown(ctx context.Context) error {
	a.closeOnce.Do(func() {
		a.stopping.Store(true)
		defer a.end()
		var errs []error
		for i := len(a.modules) - 1; i >= 0; i-- {
			m := a.modules[i]
			a.log.Info("stopping module", "module", m.name)
			if err := m.m.Stop(ctx); err != nil {
				errs = append(errs, fmt.Errorf("stop module %s: %w", m.name, err))
			}
		}
		for _, c := range a.closers {
			if err := c(); err != nil {
				errs = append(errs, err)
			}
		}
		a.end() // background work of the providers (credential followers) stops before they close
		for i := len(a.providers) - 1; i >= 0; i-- {
			p := a.providers[i]
			a.log.Info("closing provider", "kind", p.kind, "adapter", p.adapter)
			if err := p.p.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close %s/%s: %w", p.kind, p.adapter, err))
			}
		}
		a.closeErr = errors.Join(errs...)
	})
	return a.closeErr
}

func lookupEnv(opts Options) func(string) (string, bool) {
	if opts.LookupEnv != nil {
		return opts.LookupEnv
	}
	return os.LookupEnv
}

func readFile(opts Options) func(string) ([]byte, error) {
	if opts.ReadFile != nil {
		return opts.ReadFile
	}
	return os.ReadFile
}

// OpenProviders opens the configured providers as Start does, without waiting for health or
// starting modules and without the outbox relay (the serving process publishes the events;
// kinds.Env.NoRelay): `eim conformance`, `eim doctor` and `eim token` use it. The returned App
// closes them; Providers lists them.
func OpenProviders(ctx context.Context, opts Options) (*App, error) {
	opts.noRelay = true
	a := newApp(opts.Logger)
	if err := a.openProviders(ctx, opts); err != nil {
		a.rollback()
		return nil, err
	}
	return a, nil
}

// Opened is one opened provider: its kind, adapter and value.
type Opened struct {
	Kind, Adapter string
	Provider      kinds.Provider
}

// Providers returns the opened providers in opening order.
func (a *App) Providers() []Opened {
	out := make([]Opened, len(a.providers))
	for i, p := range a.providers {
		out[i] = Opened{Kind: p.kind, Adapter: p.adapter, Provider: p.p}
	}
	return out
}

// Set returns the opened providers, typed.
func (a *App) Set() kinds.Set { return a.set }
