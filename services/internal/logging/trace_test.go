package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/eim-byoi/eim/services/internal/logging"
)

func TestRecordsCarryTheSpanIDs(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	ctx, span := tp.Tracer("test").Start(context.Background(), "op")
	defer span.End()
	for _, tc := range []struct {
		name   string
		ctx    context.Context
		traced bool
	}{
		{"inside a span", ctx, true},
		{"outside any span", context.Background(), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := logging.New(&buf, "info", "json", logging.NewRedactor()).With("module", "api")
			log.InfoContext(tc.ctx, "hello")
			var rec map[string]any
			require.NoError(t, json.Unmarshal(buf.Bytes(), &rec))
			assert.Equal(t, "api", rec["module"])
			if !tc.traced {
				assert.NotContains(t, rec, "trace_id")
				return
			}
			assert.Equal(t, span.SpanContext().TraceID().String(), rec["trace_id"])
			assert.Equal(t, span.SpanContext().SpanID().String(), rec["span_id"])
		})
	}
}
