package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/provider"
)

// openProviders opens the kinds in table order. Secret references in the secrets provider's own
// block are resolved before it opens (from env and files only); every other reference is
// resolved right after it, before any other kind opens.
func (a *App) openProviders(ctx context.Context, opts Options) error {
	src := provider.SecretSources{LookupEnv: lookupEnv(opts), ReadFile: readFile(opts)}
	if err := resolveRefs(ctx, opts, src, underSecrets); err != nil {
		return err
	}
	resolved := false
	for _, k := range opts.kinds() {
		if k.Name != kinds.Secrets && !resolved {
			if err := a.resolveRest(ctx, opts, src); err != nil {
				return err
			}
			resolved = true
		}
		if err := a.open(ctx, opts, k); err != nil {
			return err
		}
	}
	if !resolved {
		return a.resolveRest(ctx, opts, src)
	}
	return nil
}

func (a *App) open(ctx context.Context, opts Options, k kinds.Kind) error {
	cfg := opts.Config
	blocks := cfg.Providers.Blocks(k)
	a.log.Info("opening provider", "kind", k.Name, "type", typeOf(blocks))
	env := &kinds.Env{Blocks: blocks, DataDir: cfg.DataDir, HTTPAddr: cfg.Listen.HTTP, Logger: opts.Logger,
		Schemas: opts.Schemas, Set: &a.set, Lifetime: a.lifetime, NoRelay: opts.noRelay}
	o, err := k.Open(ctx, env)
	if err != nil {
		return fmt.Errorf("open %s provider (providers.%s): %w", k.Name, k.Key, err)
	}
	if o.Provider == nil {
		a.log.Info("provider kind absent", "kind", k.Name)
		return nil
	}
	a.providers = append(a.providers, namedProvider{kind: k.Name, adapter: o.Adapter, p: o.Provider})
	a.log.Info("provider opened", "kind", k.Name, "adapter", o.Adapter)
	return nil
}

// opened returns the opened provider of kind name, or nil.
func (a *App) opened(name string) *namedProvider {
	for i := range a.providers {
		if a.providers[i].kind == name {
			return &a.providers[i]
		}
	}
	return nil
}

func (a *App) resolveRest(ctx context.Context, opts Options, src provider.SecretSources) error {
	if o := a.opened(kinds.Secrets); o != nil {
		if r, ok := o.p.(provider.SecretReader); ok {
			src.Store = r
		}
	}
	a.sources = src
	return resolveRefs(ctx, opts, src, func(path string) bool { return !underSecrets(path) })
}

// resolveRefs resolves every set secret reference whose path matches, reporting all failures
// at once; each names the reference, never a value.
func resolveRefs(ctx context.Context, opts Options, src provider.SecretSources, match func(string) bool) error {
	var errs []error
	provider.WalkSecretRefs(opts.Config, "", func(path string, ref *provider.SecretRef) {
		if ref.IsZero() || !match(path) {
			return
		}
		if err := ref.Resolve(ctx, src); err != nil {
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

func typeOf(blocks []kinds.Block) string {
	var types []string
	for _, b := range blocks {
		types = append(types, b.Envelope.Type)
	}
	if len(types) == 0 {
		return "(embedded default)"
	}
	return strings.Join(types, "+")
}

// kinds returns the kinds to open: Kinds, or the whole kind table.
func (o Options) kinds() []kinds.Kind {
	if o.Kinds != nil {
		return o.Kinds
	}
	return kinds.All()
}
