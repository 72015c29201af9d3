package vault_test

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/test/conformance/faultproxy"
)

// BenchmarkGet compares Store.Get with a raw vault/api KV v2 read of the same secret on the
// same server and token, interleaved in one run; the adapter/raw metric is their time ratio
// (goal ≤ 1.05).
func BenchmarkGet(b *testing.B) {
	bd := newBed(b)
	tok := bd.token(time.Hour)
	p := bd.open(bd.withToken(bd.config(bd.bao.Addr), tok))
	name := bd.prefix + "bench"
	ctx := context.Background()
	_, err := p.Store().Put(ctx, name, map[string][]byte{"password": []byte("bench-value")})
	require.NoError(b, err)
	raw, err := api.NewClient(&api.Config{Address: bd.bao.Addr})
	require.NoError(b, err)
	raw.SetToken(tok)
	kv := raw.KVv2("secret")
	_, err = p.Store().Get(ctx, name) // log in and warm both connection pools
	require.NoError(b, err)
	_, err = kv.Get(ctx, name)
	require.NoError(b, err)

	var rawTime, adapterTime time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		if _, err := kv.Get(ctx, name); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := p.Store().Get(ctx, name); err != nil {
			b.Fatal(err)
		}
		rawTime += t1.Sub(t0)
		adapterTime += time.Since(t1)
	}
	b.ReportMetric(float64(rawTime.Nanoseconds())/float64(b.N), "raw-ns/op")
	b.ReportMetric(float64(adapterTime.Nanoseconds())/float64(b.N), "adapter-ns/op")
	b.ReportMetric(float64(adapterTime)/float64(rawTime), "adapter/raw")
}

// BenchmarkCachedRef reads a {secret} reference while it is watched: it is served from the
// tracked copy. The fault proxy before the server counts what reaches it: the goal is zero
// backend round trips per read.
func BenchmarkCachedRef(b *testing.B) {
	bd := newBed(b)
	proxy, err := faultproxy.New(hostPort(b, bd.bao.Addr))
	require.NoError(b, err)
	b.Cleanup(func() { _ = proxy.Close() })
	cfg := bd.withToken(bd.config("http://"+proxy.Addr()), bd.token(time.Hour))
	cfg.RefreshInterval = provider.Duration(time.Hour) // no re-read during the run
	p := bd.open(cfg)
	name := bd.prefix + "cached"
	ctx := context.Background()
	_, err = p.Store().Put(ctx, name, map[string][]byte{"password": []byte("cached-value")})
	require.NoError(b, err)
	w, err := p.Watch(ctx, name, "password")
	require.NoError(b, err)
	defer w.Stop()
	ref := provider.SecretRef{Secret: name + "#password"}
	_, reads0, bytes0 := proxy.Stats()
	b.ResetTimer()
	for range b.N {
		if err := ref.Resolve(ctx, provider.SecretSources{Store: p}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	_, reads1, bytes1 := proxy.Stats()
	b.ReportMetric(float64(reads1-reads0)/float64(b.N), "backend-roundtrips/op")
	b.ReportMetric(float64(bytes1-bytes0)/float64(b.N), "backend-bytes/op")
	if reads1 != reads0 {
		b.Fatalf("a cached reference read reached the server %d times", reads1-reads0)
	}
}
