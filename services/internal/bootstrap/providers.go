package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/config"
)

// openProviders runs the steps in order. Secret references in the secrets provider's own block
// are resolved before it opens (from env and files only); every other reference is resolved
// right after it, before any other kind opens.
func (a *App) openProviders(ctx context.Context, opts Options) (*State, error) {
	st := &State{
		Config:    opts.Config,
		Logger:    opts.Logger,
		Sources:   provider.SecretSources{LookupEnv: lookupEnv(opts), ReadFile: readFile(opts)},
		Providers: map[string]Opened{},
	}
	if err := resolveRefs(ctx, opts, st, func(path string) bool { return underSecrets(path) }); err != nil {
		return nil, err
	}
	resolved := false
	for _, step := range opts.Steps {
		if step.Kind.Name != "secrets" && !resolved {
			if err := a.resolveRest(ctx, opts, st); err != nil {
				return nil, err
			}
			resolved = true
		}
		if err := a.openStep(ctx, step, st); err != nil {
			return nil, err
		}
	}
	if !resolved {
		return st, a.resolveRest(ctx, opts, st)
	}
	return st, nil
}

func (a *App) openStep(ctx context.Context, step Step, st *State) error {
	a.log.Info("opening provider", "kind", step.Kind.Name, "type", typeOf(st.Config, step.Kind))
	o, err := step.Open(ctx, st)
	if err != nil {
		return fmt.Errorf("open %s provider (providers.%s): %w", step.Kind.Name, step.Kind.Key, err)
	}
	if o.Provider == nil {
		a.log.Info("provider kind absent", "kind", step.Kind.Name)
		return nil
	}
	st.Providers[step.Kind.Name] = o
	a.providers = append(a.providers, namedProvider{kind: step.Kind.Name, adapter: o.Adapter, p: o.Provider})
	a.log.Info("provider opened", "kind", step.Kind.Name, "adapter", o.Adapter)
	return nil
}

func (a *App) resolveRest(ctx context.Context, opts Options, st *State) error {
	if o, ok := st.Providers["secrets"]; ok {
		if r, ok := o.Provider.(provider.SecretReader); ok {
			st.Sources.Store = r
		}
	}
	return resolveRefs(ctx, opts, st, func(path string) bool { return !underSecrets(path) })
}

// resolveRefs resolves every set secret reference whose path matches, reporting all failures
// at once; each names the reference, never a value.
func resolveRefs(ctx context.Context, opts Options, st *State, match func(string) bool) error {
	var errs []error
	provider.WalkSecretRefs(st.Config, "", func(path string, ref *provider.SecretRef) {
		if ref.IsZero() || !match(path) {
			return
		}
		if err := ref.Resolve(ctx, st.Sources); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
			return
		}
		if opts.Redactor != nil {
			opts.Redactor.Add(ref.Value().Reveal())
		}
	})
	return errors.Join(errs...)
}

func underSecrets(path string) bool {
	return path == "providers.secrets" || strings.HasPrefix(path, "providers.secrets.")
}

func typeOf(cfg *config.Config, k config.Kind) string {
	var types []string
	for _, s := range cfg.Providers.Slots() {
		if s.Kind == k {
			types = append(types, s.Envelope.Type)
		}
	}
	if len(types) == 0 {
		return "(embedded default)"
	}
	return strings.Join(types, "+")
}

// StepsFor builds steps for the given kinds from one open function per kind name; kinds
// without a function are skipped. It keeps the opening order of config.Kinds.
func StepsFor(open map[string]OpenFunc) []Step {
	var steps []Step
	for _, k := range config.Kinds() {
		if f, ok := open[k.Name]; ok {
			steps = append(steps, Step{Kind: k, Open: f})
		}
	}
	return steps
}
