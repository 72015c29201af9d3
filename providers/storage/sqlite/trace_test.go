package sqlite_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/providers/storage/sqlite"
)

// TestStatementSpans: a statement run inside a trace gets a client span named after its
// operation, with db.system and db.operation.name and neither its text nor its values; a
// statement outside any trace gets none. It installs an SDK provider as the global for the test.
func TestStatementSpans(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev); _ = tp.Shutdown(context.Background()) })
	db, err := storage.Open(context.Background(), "sqlite", sqlite.NewConfig(), storage.Env{DataDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	_, err = db.SQL().ExecContext(context.Background(), "CREATE TABLE t (secret TEXT)")
	require.NoError(t, err)
	assert.Empty(t, exp.GetSpans(), "no span outside a trace")

	ctx, root := tp.Tracer("test").Start(context.Background(), "request")
	for _, q := range []string{"INSERT INTO t (secret) VALUES (?)", "  select secret FROM t WHERE secret = ?"} {
		rows, err := db.SQL().QueryContext(ctx, q, "hunter2")
		require.NoError(t, err)
		require.NoError(t, rows.Close())
	}
	root.End()
	var ops []string
	for _, s := range exp.GetSpans() {
		if s.Name == "request" {
			continue
		}
		ops = append(ops, s.Name)
		assert.Equal(t, trace.SpanKindClient, s.SpanKind)
		assert.Equal(t, root.SpanContext().SpanID(), s.Parent.SpanID())
		attrs := map[string]string{}
		for _, a := range s.Attributes {
			attrs[string(a.Key)] = a.Value.Emit()
			assert.NotContains(t, a.Value.Emit(), "hunter2", "no parameter value")
			assert.NotContains(t, a.Value.Emit(), "FROM t", "no statement text")
		}
		assert.Equal(t, map[string]string{"db.system": "sqlite", "db.operation.name": s.Name}, attrs)
	}
	assert.Equal(t, []string{"INSERT", "SELECT"}, ops)
}
