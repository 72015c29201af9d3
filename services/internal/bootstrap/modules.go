package bootstrap

import (
	"context"
	"fmt"

	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/internal/logging"
	"github.com/eim-byoi/eim/services/module"
)

// checkModuleNeeds verifies that every module finds the provider kinds it uses and the
// capabilities it needs among the opened providers.
func (a *App) checkModuleNeeds(mods []module.Descriptor) error {
	for _, m := range mods {
		for _, kind := range m.Uses {
			if a.opened(kind) == nil {
				k, _ := kinds.ByName(kind)
				return provider.Errorf(provider.FailedPrecondition,
					"module %s needs a %s provider, and none is configured or built in: configure providers.%s", m.Name, kind, k.Key)
			}
		}
		for kind, caps := range m.Needs {
			o := a.opened(kind)
			if o == nil {
				return provider.Errorf(provider.FailedPrecondition, "module %s needs a %s provider, and none is configured or built in", m.Name, kind)
			}
			if err := provider.Require(o.p, "module "+m.Name, caps...); err != nil {
				return fmt.Errorf("%s provider %s: %w", kind, o.adapter, err)
			}
		}
	}
	return nil
}

// startModules builds every module, then starts them in dependency order.
func (a *App) startModules(ctx context.Context, opts Options, deps module.Deps, mods []module.Descriptor) error {
	for _, d := range mods {
		deps.Modules = append(deps.Modules, d.Name)
	}
	built := make([]namedModule, 0, len(mods))
	for _, d := range mods {
		deps.Logger = logging.ForModule(opts.Logger, opts.Levels, d.Name)
		m, err := opts.Modules[d.Name](deps)
		if err != nil {
			return fmt.Errorf("build module %s: %w", d.Name, err)
		}
		if p, ok := m.(module.InventoryProvider); ok {
			deps.Inventory = p.InventoryClient() // the modules built after it reach it in process
		}
		built = append(built, namedModule{name: d.Name, m: m})
	}
	for _, nm := range built {
		a.log.Info("starting module", "module", nm.name)
		opts.Startup.starting(nm.name)
		if err := nm.m.Start(ctx); err != nil {
			return fmt.Errorf("start module %s: %w", nm.name, err)
		}
		opts.Startup.started(nm.name)
		a.modules = append(a.modules, nm)
	}
	return nil
}
