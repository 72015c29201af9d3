package kms_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	gcsecrets "gocloud.dev/secrets"

	"github.com/eim-byoi/eim/internal/testlog"
	"github.com/eim-byoi/eim/test/testenv"
)

// BenchmarkKeeper compares an encrypt+decrypt round trip through the kms keeper with the same
// round trip through the raw gocloud.dev keeper it wraps (local-kms), interleaved in one run;
// adapter/raw is their time ratio.
func BenchmarkKeeper(b *testing.B) {
	bed := &kmsBed{t: b, kms: testenv.LocalKMS(b), logs: &testlog.Buffer{}}
	p := bed.open(bed.config(bed.kms.Endpoint, "", bed.kms.KeyID))
	var raw *gcsecrets.Keeper
	require.True(b, p.Keeper().As(&raw))
	ctx := context.Background()
	pt := []byte("a 32-byte data key for the bench")
	var rawTime, adapterTime time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		ct, err := raw.Encrypt(ctx, pt)
		if err == nil {
			_, err = raw.Decrypt(ctx, ct)
		}
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		ct, err = p.Keeper().Encrypt(ctx, pt)
		if err == nil {
			_, err = p.Keeper().Decrypt(ctx, ct)
		}
		if err != nil {
			b.Fatal(err)
		}
		rawTime += t1.Sub(t0)
		adapterTime += time.Since(t1)
	}
	b.ReportMetric(float64(rawTime.Nanoseconds())/float64(b.N), "raw-ns/op")
	b.ReportMetric(float64(adapterTime.Nanoseconds())/float64(b.N), "adapter-ns/op")
	b.ReportMetric(float64(adapterTime)/float64(rawTime), "adapter/raw")
}
