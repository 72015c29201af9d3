package secrets

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/eim-byoi/eim/providers/provider"
)

// Provider is an opened secrets provider: a Store and a Keeper, possibly served by different
// adapters. It implements provider.SecretReader (so {secret: "path#key"} references resolve
// through it), provider.Checker and provider.Declarer. Close is idempotent.
type Provider struct {
	adapter string
	store   *Store
	keeper  *Keeper
	conns   []Conn

	closeOnce sync.Once
	closeErr  error
}

// New assembles a Provider from an opened store and keeper (either may be nil) and the
// connections to close with it. Open is the usual way; adapters' tests may use New.
func New(store *Store, keeper *Keeper, conns ...Conn) *Provider {
	if store == nil {
		store = NewStore("", nil, nil, 0)
	}
	if keeper == nil {
		keeper = NewKeeper("", nil)
	}
	names := []string{}
	for _, n := range []string{store.adapter, keeper.adapter} {
		if n != "" && (len(names) == 0 || names[0] != n) {
			names = append(names, n)
		}
	}
	return &Provider{adapter: strings.Join(names, "+"), store: store, keeper: keeper, conns: conns}
}

// Adapter names the adapters behind the provider: "vault", or "vault+kms" when the store and
// the keeper differ.
func (p *Provider) Adapter() string { return p.adapter }

// Store returns the secret store. When no store is configured, its methods fail with
// FailedPrecondition.
func (p *Provider) Store() *Store { return p.store }

// Keeper returns the keeper. When no keeper is configured, its methods fail with
// Unimplemented and the provider does not declare CapKeeper.
func (p *Provider) Keeper() *Keeper { return p.keeper }

// Capabilities returns what the store and the keeper declare.
func (p *Provider) Capabilities() provider.Capabilities {
	return append(p.store.Capabilities(), p.keeper.Capabilities()...)
}

// ReadSecret resolves one key of one secret (provider.SecretReader); see Store.ReadSecret.
func (p *Provider) ReadSecret(ctx context.Context, path, key string) ([]byte, error) {
	return p.store.ReadSecret(ctx, path, key)
}

// Watch watches key of secret name; see Store.Watch.
func (p *Provider) Watch(ctx context.Context, name, key string) (*Watch, error) {
	return p.store.Watch(ctx, name, key)
}

// WatchRef watches what a configuration reference points at, so that a consumer (a database
// pool holding a password) learns of rotations: a {secret: "path#key"} reference is watched in
// the store; an {env} or {file} reference was resolved once at startup and its watch holds that
// value and never changes.
func (p *Provider) WatchRef(ctx context.Context, ref *provider.SecretRef) (*Watch, error) {
	if ref.Secret == "" {
		if err := ref.Validate(); err != nil {
			return nil, provider.Wrap(Kind, p.adapter, "watch "+ref.String(), provider.WithCode(provider.InvalidArgument, err))
		}
		return staticWatch(ref.Value()), nil
	}
	path, key, err := ref.SecretPath()
	if err != nil {
		return nil, provider.Wrap(Kind, p.adapter, "watch "+ref.String(), provider.WithCode(provider.InvalidArgument, err))
	}
	return p.store.Watch(ctx, path, key)
}

// CheckHealth checks every connection of the provider with one bounded round trip each.
func (p *Provider) CheckHealth(ctx context.Context) error {
	var errs []error
	for _, c := range p.conns {
		if err := c.CheckHealth(ctx); err != nil {
			errs = append(errs, provider.Wrap(Kind, p.adapter, "health", err))
		}
	}
	return errors.Join(errs...)
}

// Close stops the watches and lease renewals and closes the connections (an adapter that
// logged in revokes its token). It is idempotent.
func (p *Provider) Close() error {
	p.closeOnce.Do(func() {
		p.store.close()
		var errs []error
		for i := len(p.conns) - 1; i >= 0; i-- {
			if err := p.conns[i].Close(); err != nil {
				errs = append(errs, provider.Wrap(Kind, p.adapter, "close", err))
			}
		}
		p.closeErr = errors.Join(errs...)
	})
	return p.closeErr
}

func staticWatch(v provider.SecretValue) *Watch {
	return &Watch{ch: make(chan provider.SecretValue, 1), val: v.Bytes(), version: "static"}
}
