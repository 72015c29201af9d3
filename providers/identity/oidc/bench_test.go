package oidc_test

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/identity/local"
	"github.com/eim-byoi/eim/providers/identity/oidc"
	"github.com/eim-byoi/eim/providers/secrets"
	_ "github.com/eim-byoi/eim/providers/secrets/local"
)

// benchBed is an issuer served over HTTP on loopback (the embedded one, signing with alg) with
// a request counter in front of it, the oidc adapter verifying its tokens, a token, and the
// signing key as the adapter cached it.
type benchBed struct {
	p        *identity.Provider
	uncached *identity.Provider // the same adapter with tokenCacheSize 0
	token    string
	key      jose.JSONWebKey
	alg      jose.SignatureAlgorithm
	requests *atomic.Int64
}

func newBenchBed(b *testing.B, alg string) *benchBed {
	b.Helper()
	ctx := context.Background()
	store, err := secrets.Open(ctx, secrets.Selection{}, secrets.Env{DataDir: b.TempDir()})
	require.NoError(b, err)
	b.Cleanup(func() { _ = store.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	lcfg := local.NewConfig()
	lcfg.Issuer, lcfg.Algorithm = "http://"+ln.Addr().String()+"/oidc", alg
	issuer, err := identity.Open(ctx, local.Name, lcfg, identity.Env{Secrets: store.Store()})
	require.NoError(b, err)
	b.Cleanup(func() { _ = issuer.Close() })
	var requests atomic.Int64
	pattern, h := issuer.HTTPHandler()
	mux := http.NewServeMux()
	mux.Handle(pattern, h)
	srv := &http.Server{ReadHeaderTimeout: time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		mux.ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })

	client, err := issuer.CreateClient(ctx, "11111111-1111-1111-1111-111111111111", "22222222-2222-4222-8222-222222222222")
	require.NoError(b, err)
	tok, err := identity.NewTokenSource(identity.ForClient(client)).Token(ctx)
	require.NoError(b, err)

	cfg := oidc.NewConfig()
	cfg.Issuer, cfg.Audiences = lcfg.Issuer, []string{"eim"}
	cfg.Claims = identity.ClaimMapping{Roles: []string{"roles"}, ClientID: []string{"client_id"},
		Tenants: []identity.TenantRule{{Claim: "roles", Pattern: "{tenant}_{role}"}}}
	p, err := identity.Open(ctx, oidc.Name, cfg, identity.Env{})
	require.NoError(b, err)
	b.Cleanup(func() { _ = p.Close() })
	_, err = p.Verify(ctx, tok) // warm-up: discovery and JWKS
	require.NoError(b, err)
	cfg.TokenCacheSize = 0
	uncached, err := identity.Open(ctx, oidc.Name, cfg, identity.Env{})
	require.NoError(b, err)
	b.Cleanup(func() { _ = uncached.Close() })
	_, err = uncached.Verify(ctx, tok)
	require.NoError(b, err)
	keys, err := p.Keys(ctx)
	require.NoError(b, err)
	return &benchBed{p: p, uncached: uncached, token: tok, key: keys.Keys[0], alg: jose.SignatureAlgorithm(alg), requests: &requests}
}

func (bb *benchBed) raw() error {
	obj, err := jose.ParseSignedCompact(bb.token, []jose.SignatureAlgorithm{bb.alg})
	if err != nil {
		return err
	}
	_, err = obj.Verify(bb.key)
	return err
}

// BenchmarkVerify compares Verify through the oidc adapter (a repeated token: answered by the
// verified-token cache), the same adapter with the cache off (signature, claims, mapping every
// time) and raw go-jose signature verification of the same token with the same cached key, in
// the same run: "ratio" reports adapter time / raw time (goal ≤ 1.10) and the requests that
// reached the issuer during the measured loops (goal 0); "ratio-uncached" the same without the
// cache.
func BenchmarkVerify(b *testing.B) {
	for _, alg := range []string{"RS256", "ES256"} {
		b.Run(alg, func(b *testing.B) {
			bb := newBenchBed(b, alg)
			ctx := context.Background()
			b.Run("adapter", func(b *testing.B) {
				for b.Loop() {
					if _, err := bb.p.Verify(ctx, bb.token); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("adapter-uncached", func(b *testing.B) {
				for b.Loop() {
					if _, err := bb.uncached.Verify(ctx, bb.token); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("raw-go-jose", func(b *testing.B) {
				for b.Loop() {
					if err := bb.raw(); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("ratio", func(b *testing.B) {
				before := bb.requests.Load()
				var adapter, raw time.Duration
				for b.Loop() {
					t0 := time.Now()
					if _, err := bb.p.Verify(ctx, bb.token); err != nil {
						b.Fatal(err)
					}
					t1 := time.Now()
					if err := bb.raw(); err != nil {
						b.Fatal(err)
					}
					adapter, raw = adapter+t1.Sub(t0), raw+time.Since(t1)
				}
				b.ReportMetric(float64(adapter)/float64(raw), "adapter/raw")
				b.ReportMetric(float64(bb.requests.Load()-before), "idp-requests")
			})
			b.Run("ratio-uncached", func(b *testing.B) {
				var adapter, raw time.Duration
				for b.Loop() {
					t0 := time.Now()
					if _, err := bb.uncached.Verify(ctx, bb.token); err != nil {
						b.Fatal(err)
					}
					t1 := time.Now()
					if err := bb.raw(); err != nil {
						b.Fatal(err)
					}
					adapter, raw = adapter+t1.Sub(t0), raw+time.Since(t1)
				}
				b.ReportMetric(float64(adapter)/float64(raw), "adapter/raw")
			})
		})
	}
}

// BenchmarkIdPRequests100k verifies 100,000 tokens after warm-up, counting the requests that
// reach the issuer (metric idp-requests, goal 0); the timed loop is one verification each.
func BenchmarkIdPRequests100k(b *testing.B) {
	bb := newBenchBed(b, "ES256")
	ctx := context.Background()
	before := bb.requests.Load()
	for range 100_000 {
		if _, err := bb.p.Verify(ctx, bb.token); err != nil {
			b.Fatal(err)
		}
	}
	requests := bb.requests.Load() - before
	for b.Loop() {
		if _, err := bb.p.Verify(ctx, bb.token); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(requests), "idp-requests")
}
