package kms_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/eim-byoi/eim/internal/testlog"
	"github.com/eim-byoi/eim/test/testenv"
)

// TestKeeperCallsTraced: with the process's tracer provider installed, a keeper call made inside
// a trace gives a client span per KMS request to local-kms on loopback, in the caller's trace
// (below gocloud.dev's own span of the call).
func TestKeeperCallsTraced(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() {
		otel.SetTracerProvider(prevTP)
		otel.SetTextMapPropagator(prevProp)
		_ = tp.Shutdown(context.Background())
	})
	k := testenv.LocalKMS(t)
	b := &kmsBed{t: t, kms: k, logs: &testlog.Buffer{}}
	p := b.open(b.config(k.Endpoint, "", k.KeyAlias))
	ct, err := p.Keeper().Encrypt(context.Background(), []byte("data key"))
	require.NoError(t, err)
	exp.Reset() // gocloud.dev traces every keeper call itself (a root span when the caller has none)

	ctx, root := tp.Tracer("test").Start(context.Background(), "caller")
	_, err = p.Keeper().Decrypt(ctx, ct)
	require.NoError(t, err)
	root.End()
	spans := clientSpans(exp)
	require.NotEmpty(t, spans, "the KMS request is traced")
	byID := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	for _, s := range exp.GetSpans().Snapshots() {
		byID[s.SpanContext().SpanID()] = s
	}
	for _, s := range spans {
		assert.Equal(t, root.SpanContext().TraceID(), s.SpanContext().TraceID())
		var chain []string
		for p := s.Parent(); p.IsValid() && p.SpanID() != root.SpanContext().SpanID(); p = byID[p.SpanID()].Parent() {
			require.Contains(t, byID, p.SpanID(), "%s descends from the caller (through %v)", s.Name(), chain)
			chain = append(chain, byID[p.SpanID()].Name())
		}
		t.Logf("%s <- %v <- caller", s.Name(), chain)
	}
}

func clientSpans(exp *tracetest.InMemoryExporter) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range exp.GetSpans().Snapshots() {
		if s.SpanKind() == trace.SpanKindClient {
			out = append(out, s)
		}
	}
	return out
}
