package secrets

import (
	"context"

	"github.com/eim-byoi/eim/providers/provider"
)

// DefaultAdapter is the embedded default: with no providers.secrets block at all, it serves as
// both store and keeper, under the data directory.
const DefaultAdapter = "local"

// Selection is what eim.yaml's providers.secrets selects: one block whose adapter serves as
// store and keeper (One), or a store and a keeper chosen independently. All nil selects the
// embedded default. An Envelope's Settings is its adapter's decoded configuration; when nil,
// the adapter's defaults are used.
type Selection struct {
	One    *provider.Envelope
	Store  *provider.Envelope
	Keeper *provider.Envelope
}

// Open opens the selected adapters and assembles the Provider. With a single block, the
// adapter serves whichever roles it can (file is a store only; kms without a database is a
// keeper only). With store and keeper blocks, each adapter must serve its role. A role no
// configured block serves is absent: a missing store fails with FailedPrecondition on use and
// a missing keeper is Unimplemented; only when nothing is configured does the embedded local
// adapter serve both. On error, whatever was opened is closed again.
func Open(ctx context.Context, sel Selection, env Env) (*Provider, error) {
	if sel.One == nil && sel.Store == nil && sel.Keeper == nil {
		sel.One = &provider.Envelope{Type: DefaultAdapter}
	}
	var opened []Conn
	fail := func(err error) (*Provider, error) {
		for i := len(opened) - 1; i >= 0; i-- {
			_ = opened[i].Close()
		}
		return nil, err
	}
	var store *Store
	var keeper *Keeper
	if sel.One != nil {
		d, err := openBlock(ctx, sel.One, env, Need{Store: true, Keeper: true})
		if err != nil {
			return fail(err)
		}
		opened = append(opened, d.Conn)
		store, keeper = storeOf(sel.One.Type, d, env), keeperOf(sel.One.Type, d)
		return New(store, keeper, opened...), nil
	}
	if sel.Store != nil {
		d, err := openBlock(ctx, sel.Store, env, Need{Store: true})
		if err != nil {
			return fail(err)
		}
		opened = append(opened, d.Conn)
		store = storeOf(sel.Store.Type, d, env)
	}
	if sel.Keeper != nil {
		d, err := openBlock(ctx, sel.Keeper, env, Need{Keeper: true})
		if err != nil {
			return fail(err)
		}
		opened = append(opened, d.Conn)
		keeper = keeperOf(sel.Keeper.Type, d)
	}
	return New(store, keeper, opened...), nil
}

func openBlock(ctx context.Context, env *provider.Envelope, e Env, need Need) (Drivers, error) {
	e.Need = need
	d, err := Registry.Open(ctx, env.Type, env.Settings, e)
	if err != nil {
		return Drivers{}, err
	}
	if d.Conn == nil {
		d.Conn = nopConn{}
	}
	if err := checkRoles(env.Type, d, need); err != nil {
		_ = d.Conn.Close()
		return Drivers{}, err
	}
	return d, nil
}

// checkRoles reports a role that a store or keeper block asked for and the adapter does not
// serve; a single block needs at least one role.
func checkRoles(name string, d Drivers, need Need) error {
	var problem string
	switch {
	case need.Store && need.Keeper && d.Store == nil && d.Keeper == nil:
		problem = "serves neither as store nor as keeper with this configuration"
	case need.Store && !need.Keeper && d.Store == nil:
		problem = "does not serve as a store with this configuration"
	case need.Keeper && !need.Store && d.Keeper == nil:
		problem = "does not serve as a keeper with this configuration (see docs/providers/secrets.md for what enables its keeper)"
	}
	if problem == "" {
		return nil
	}
	return provider.Wrap(Kind, name, "open", provider.Errorf(provider.FailedPrecondition, "adapter %s %s", name, problem))
}

func storeOf(name string, d Drivers, env Env) *Store {
	if d.Store == nil {
		return nil
	}
	s := NewStore(name, d.Store, d.Capabilities, d.RefreshInterval)
	s.t.log = env.Log().With("kind", Kind, "adapter", name)
	return s
}

func keeperOf(name string, d Drivers) *Keeper {
	if d.Keeper == nil {
		return nil
	}
	return NewKeeper(name, d.Keeper)
}

type nopConn struct{}

func (nopConn) CheckHealth(context.Context) error { return nil }
func (nopConn) Close() error                      { return nil }

// noStore is the store of a provider configured without one.
type noStore struct{}

func errNoStore() error {
	return provider.Errorf(provider.FailedPrecondition,
		"no secrets store is configured: add providers.secrets.store (or a providers.secrets adapter that serves as a store)")
}

func (noStore) Get(context.Context, string) (*Secret, error) { return nil, errNoStore() }
func (noStore) Put(context.Context, string, map[string][]byte) (string, error) {
	return "", errNoStore()
}
func (noStore) Delete(context.Context, string) error { return errNoStore() }
