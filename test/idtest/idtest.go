// Package idtest builds the conformance harness of the adapters that verify tokens of a real
// issuer (oidc, keycloak): an identitytest.IdPFront in front of the issuer, and providers opened
// to reach the issuer through it.
package idtest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	_ "github.com/eim-byoi/eim/providers/secrets/local" // the store the adapters keep credentials in
	"github.com/eim-byoi/eim/test/conformance/faultproxy"
	"github.com/eim-byoi/eim/test/conformance/identitytest"
)

// Opener opens the adapter under test with its policy pointed at base (scheme://host:port
// standing for the issuer's host) and the given KeysMaxAge.
type Opener func(ctx context.Context, base string, keysMaxAge time.Duration) (*identity.Provider, error)

// Tune points a policy at base: discovery and JWKS are read through
// base (the issuer stays as configured), with a short refetch interval and timeout so that
// rotation and outage cases run quickly.
func Tune(p *identity.Policy, base, discoveryPath, jwksPath string, keysMaxAge time.Duration) {
	p.DiscoveryURL, p.JWKSURL = base+discoveryPath, base+jwksPath
	p.RefetchInterval = provider.Duration(200 * time.Millisecond)
	p.KeysMaxAge = provider.Duration(keysMaxAge)
	p.Timeout = provider.Duration(2 * time.Second)
}

// Front starts an IdPFront for the issuer at upstream, stopped when the test ends.
func Front(t *testing.T, upstream, jwksPath string) *identitytest.IdPFront {
	t.Helper()
	f, err := identitytest.NewIdPFront(upstream, jwksPath)
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	return f
}

// Store opens an embedded secrets store in a temporary directory.
func Store(t *testing.T) *secrets.Store {
	t.Helper()
	p, err := secrets.Open(context.Background(), secrets.Selection{}, secrets.Env{DataDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	return p.Store()
}

// Harness opens the provider under test through f and returns it with the hooks the front
// provides (every hook but Token).
func Harness(t *testing.T, f *identitytest.IdPFront, open Opener) (*identity.Provider, identitytest.IdentityHooks) {
	t.Helper()
	ctx := context.Background()
	main, err := open(ctx, f.URL(), identity.DefaultKeysMaxAge)
	require.NoError(t, err)
	t.Cleanup(func() { _ = main.Close() })
	require.Eventually(t, func() bool { return main.CheckHealth(ctx) == nil }, 30*time.Second, 50*time.Millisecond, "the provider under test gets ready")
	return main, identitytest.IdentityHooks{
		Sign: f.Sign, Rotate: f.Rotate, Retire: f.Retire, Outage: f.Outage, Requests: f.Requests,
		Reopen: func(ctx context.Context, maxAge time.Duration) (*identity.Provider, error) {
			return open(ctx, f.URL(), maxAge)
		},
		OpenDown: func(ctx context.Context) (*identity.Provider, func() error, error) {
			px, err := faultproxy.NewDown(f.Backend())
			if err != nil {
				return nil, nil, err
			}
			t.Cleanup(func() { _ = px.Close() })
			p, err := open(ctx, "http://"+px.Addr(), identity.DefaultKeysMaxAge)
			return p, func() error { return px.Set(faultproxy.Forward) }, err
		},
	}
}
