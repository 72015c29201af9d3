package bootstrap

import (
	"context"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
)

// openSecrets is the secrets step. providers.secrets selects one adapter ({type, config}) or a
// store and a keeper; with no block at all the embedded local adapter keeps encrypted files
// under dataDir/secrets. The secrets provider's own references were resolved from env and
// files before this step; every other reference resolves through the provider right after it.
func openSecrets(ctx context.Context, st *State) (Opened, error) {
	var sel secrets.Selection
	if s := st.Config.Providers.Secrets; s != nil {
		if s.Type != "" {
			sel.One = &s.Envelope
		}
		sel.Store, sel.Keeper = s.Store, s.Keeper
	}
	if sel == (secrets.Selection{}) && !secrets.Registry.Has(secrets.DefaultAdapter) {
		return Opened{}, nil // no block and no embedded default in this build: the kind is absent
	}
	p, err := secrets.Open(ctx, sel, secrets.Env{DataDir: st.Config.DataDir, Logger: st.Logger})
	if err != nil {
		return Opened{}, err
	}
	return Opened{Adapter: p.Adapter(), Provider: p}, nil
}

// SecretsOf returns the opened secrets provider, or nil when the kind is absent.
func SecretsOf(st *State) *secrets.Provider {
	p, _ := st.Providers[secrets.Kind].Provider.(*secrets.Provider)
	return p
}

// WatchSecret is how a kind opened after secrets follows a credential of its configuration
// that may rotate, e.g. the storage step watching providers.database.config.password: a
// {secret: "path#key"} reference is watched in the secrets provider (re-read every refresh
// interval, renewed and re-read with its lease when dynamic), and Changes delivers each new
// value; an {env} or {file} reference gives a watch holding the value resolved at startup.
// The caller stops the watch when it closes.
func WatchSecret(ctx context.Context, st *State, ref *provider.SecretRef) (*secrets.Watch, error) {
	p := SecretsOf(st)
	if p == nil {
		if ref.Secret != "" {
			return nil, provider.Errorf(provider.FailedPrecondition, "%s needs a secrets provider, and none is configured or built in", ref)
		}
		p = secrets.New(nil, nil)
	}
	return p.WatchRef(ctx, ref)
}
