package bootstrap

import (
	"context"
	"fmt"
	"net/http"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
)

// openIdentity is the identity step. providers.identity selects the adapter; with no block the
// embedded local issuer is used (served by `eim serve` under /oidc, keys and clients kept in
// the secrets provider). An unreachable issuer does not fail the step: the provider reports
// not ready until its keys are fetched.
func openIdentity(ctx context.Context, st *State) (Opened, error) {
	typ, cfg := identity.DefaultAdapter, st.Config.Providers.Identity
	if cfg != nil && cfg.Type != "" {
		typ = cfg.Type
	} else if !identity.Registry.Has(typ) {
		return Opened{}, nil // no block and no embedded default in this build: the kind is absent
	}
	settings, err := identityConfig(typ, cfg)
	if err != nil {
		return Opened{}, err
	}
	env := identity.Env{Logger: st.Logger, HTTPAddr: st.Config.Listen.HTTP}
	if sp := SecretsOf(st); sp != nil {
		env.Secrets = sp.Store()
	}
	p, err := identity.Open(ctx, typ, settings, env)
	if err != nil {
		return Opened{}, err
	}
	return Opened{Adapter: p.Adapter(), Provider: p}, nil
}

// identityConfig returns the block's decoded settings, or the adapter's defaults.
func identityConfig(typ string, e *provider.Envelope) (provider.AdapterConfig, error) {
	if e != nil && e.Settings != nil {
		return e.Settings, nil
	}
	return identity.Registry.NewConfig(typ)
}

// HTTPMounter is implemented by providers that serve HTTP endpoints in `eim serve` (the
// embedded identity issuer): bootstrap mounts the handler at the ServeMux pattern. A nil
// handler mounts nothing.
type HTTPMounter interface {
	HTTPHandler() (pattern string, h http.Handler)
}

// mountHandlers mounts the HTTP endpoints of the opened providers on mux (nil: nothing to
// mount on, as for `eim conformance`). A pattern that conflicts with one already registered
// is an error, not a panic.
func mountHandlers(mux *http.ServeMux, opened map[string]Opened) (err error) {
	if mux == nil {
		return nil
	}
	for kind, o := range opened {
		m, ok := o.Provider.(HTTPMounter)
		if !ok {
			continue
		}
		pattern, h := m.HTTPHandler()
		if h == nil {
			continue
		}
		if err := handle(mux, pattern, h); err != nil {
			return fmt.Errorf("mount the %s provider's endpoints at %q: %w", kind, pattern, err)
		}
	}
	return nil
}

func handle(mux *http.ServeMux, pattern string, h http.Handler) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	mux.Handle(pattern, h)
	return nil
}

// IdentityOf returns the opened identity provider, or nil when the kind is absent.
func IdentityOf(st *State) *identity.Provider {
	p, _ := st.Providers[identity.Kind].Provider.(*identity.Provider)
	return p
}
