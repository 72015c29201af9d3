package identity

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/eim-byoi/eim/providers/provider"
)

// TestTokenSourceTraced: a token request made inside a trace, with the process's tracer
// provider installed, gets a client span (the caller's child) and carries the trace context to
// the token endpoint; a request outside any trace carries none.
func TestTokenSourceTraced(t *testing.T) {
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
	var parent atomic.Value
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{ReadHeaderTimeout: time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parent.Store(r.Header.Get("traceparent"))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"tok","token_type":"Bearer","expires_in":100}`)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	creds := ClientCredentials{TokenURL: "http://" + ln.Addr().String() + "/token", ClientID: "c",
		Secret: provider.NewSecretValue([]byte(plantedSecret)), Insecure: true}

	_, err = NewTokenSource(creds).Token(context.Background())
	require.NoError(t, err)
	assert.Empty(t, parent.Load(), "no trace, no context")

	ctx, root := tp.Tracer("test").Start(context.Background(), "caller")
	_, err = NewTokenSource(creds).Token(ctx)
	require.NoError(t, err)
	root.End()
	assert.Contains(t, parent.Load(), root.SpanContext().TraceID().String(), "the token endpoint sees the caller's trace")
	var client []sdktrace.ReadOnlySpan
	for _, s := range exp.GetSpans().Snapshots() {
		if s.SpanKind() == trace.SpanKindClient {
			client = append(client, s)
		}
	}
	require.Len(t, client, 1, "one client span: the traced request")
	assert.Equal(t, root.SpanContext().SpanID(), client[0].Parent().SpanID())
}
