package local

import (
	"context"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	_ "github.com/eim-byoi/eim/providers/secrets/local"
	"github.com/eim-byoi/eim/test/conformance/identitytest"
)

const testTenant = "33333333-3333-4333-8333-333333333333"

// served is an embedded issuer opened on a real secrets store and served over HTTP on loopback,
// as `eim serve` does.
type served struct {
	store  *secrets.Provider
	issuer string
	p      *identity.Provider
	iss    *Issuer
}

func serve(t *testing.T) *served {
	t.Helper()
	ctx := context.Background()
	store, err := secrets.Open(ctx, secrets.Selection{}, secrets.Env{DataDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &served{store: store, issuer: "http://" + ln.Addr().String() + "/oidc"}
	s.p = s.open(t, time.Minute)
	require.True(t, s.p.As(&s.iss))
	mux := http.NewServeMux()
	pattern, h := s.p.HTTPHandler()
	mux.Handle(pattern, h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

func (s *served) open(t *testing.T, keysMaxAge time.Duration) *identity.Provider {
	t.Helper()
	cfg := NewConfig()
	cfg.Issuer, cfg.KeysMaxAge = s.issuer, keysMaxAgeOf(keysMaxAge)
	p, err := identity.Open(context.Background(), Name, cfg, identity.Env{Secrets: s.store.Store()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func keysMaxAgeOf(d time.Duration) provider.Duration { return provider.Duration(d) }

// sign signs claims with the issuer's active key, read from the secrets store as an operator
// with access to it could.
func (s *served) sign(ctx context.Context, claims map[string]any) (string, error) {
	set, err := s.iss.keys.load(ctx)
	if err != nil {
		return "", err
	}
	key, err := set.activeKey()
	if err != nil {
		return "", err
	}
	return identitytest.SignJWK(*key, claims)
}

func TestConformance(t *testing.T) {
	s := serve(t)
	var once sync.Once
	var client *identity.Client
	token := func(ctx context.Context) (string, identitytest.Expected, error) {
		var err error
		once.Do(func() { client, err = s.p.CreateClient(ctx, testTenant, "44444444-4444-4444-8444-444444444444") })
		if err != nil {
			return "", identitytest.Expected{}, err
		}
		creds := identity.ForClient(client)
		tok, err := identity.NewTokenSource(creds).Token(ctx)
		return tok, identitytest.Expected{ClientID: client.ID, Tenants: []string{testTenant},
			TenantRoles: map[string][]string{testTenant: {"en-agent-rw", "en-ob"}}}, err
	}
	inProcess := "the embedded issuer runs in the verifying process and reads its keys from the secrets store: there is no network between them to cut"
	identitytest.RunIdentity(t, identitytest.IdentityHarness{
		Provider: s.p,
		Tenant:   testTenant,
		Hooks: identitytest.IdentityHooks{
			Token:  token,
			Sign:   s.sign,
			Rotate: func(ctx context.Context) error { _, err := s.iss.Rotate(ctx); return err },
			Retire: s.iss.Retire,
			Reopen: func(_ context.Context, maxAge time.Duration) (*identity.Provider, error) {
				return s.open(t, maxAge), nil
			},
			Requests: s.p.Verifier().Fetches,
		},
		Absent: map[string]string{identitytest.HookOutage: inProcess, identitytest.HookOpenDown: inProcess},
	})
}
