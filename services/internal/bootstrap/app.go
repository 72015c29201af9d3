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

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/internal/logging"
	"github.com/eim-byoi/eim/services/module"
)

// Provider is an opened provider as bootstrap sees it: checkable and closable. Close must be
// idempotent.
type Provider interface {
	provider.Checker
	Close() error
}

// Step opens one provider kind. Open reads the kind's blocks from st.Config (none when eim.yaml
// has no block for it) and returns the provider, or a nil Provider when the kind is absent: not
// configured and without an embedded default.
type Step struct {
	Kind config.Kind
	Open OpenFunc
}

// OpenFunc opens one provider kind; see Step.
type OpenFunc func(ctx context.Context, st *State) (Opened, error)

// Opened is a provider a Step opened.
type Opened struct {
	Adapter  string   // adapter name, e.g. vault
	Provider Provider // nil: the kind is absent
}

// State is what the steps share: the configuration, the environment for secret references and
// the providers opened so far, by kind name.
type State struct {
	Config    *config.Config
	Logger    *slog.Logger
	Sources   provider.SecretSources
	Providers map[string]Opened
}

// Options configures Start.
type Options struct {
	Config   *config.Config
	Logger   *slog.Logger
	Redactor *logging.Redactor // credentials resolved are added to it; may be nil
	Steps    []Step            // provider kinds in opening order; Default() for the real binary
	Graph    *module.Graph
	Modules  map[string]module.Factory // the modules built into this binary
	Deps     module.Deps               // listeners and telemetry shared with the modules
	// LookupEnv and ReadFile resolve env and file secret references; os.LookupEnv and
	// os.ReadFile when nil.
	LookupEnv func(string) (string, bool)
	ReadFile  func(string) ([]byte, error)
}

// App is a started process: its providers and modules.
type App struct {
	log       *slog.Logger
	providers []namedProvider // in opening order
	modules   []namedModule   // in start order
	stopping  atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

type namedProvider struct {
	kind, adapter string
	p             Provider
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
	mods, err := opts.Graph.Resolve(cfg.Target, func(n string) bool { return opts.Modules[n] != nil })
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Startup.Timeout.Std())
	defer cancel()
	a := &App{log: opts.Logger}
	if err := a.start(ctx, opts, mods); err != nil {
		a.rollback()
		return nil, err
	}
	return a, nil
}

func (a *App) start(ctx context.Context, opts Options, mods []module.Descriptor) error {
	st, err := a.openProviders(ctx, opts)
	if err != nil {
		return err
	}
	if err := mountHandlers(opts.Deps.HTTP, st.Providers); err != nil {
		return err
	}
	if err := a.waitHealthy(ctx); err != nil {
		return err
	}
	if err := checkModuleNeeds(mods, st.Providers); err != nil {
		return err
	}
	return a.startModules(ctx, opts, withProviders(opts, st), mods)
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
		var errs []error
		for i := len(a.modules) - 1; i >= 0; i-- {
			m := a.modules[i]
			a.log.Info("stopping module", "module", m.name)
			if err := m.m.Stop(ctx); err != nil {
				errs = append(errs, fmt.Errorf("stop module %s: %w", m.name, err))
			}
		}
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
// starting modules: `eim conformance` and `eim doctor` use it. The returned App closes them.
func OpenProviders(ctx context.Context, opts Options) (*App, map[string]Opened, error) {
	a := &App{log: opts.Logger}
	st, err := a.openProviders(ctx, opts)
	if err != nil {
		a.rollback()
		return nil, nil, err
	}
	return a, st.Providers, nil
}
