package logging

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// traceHandler adds trace_id and span_id to every record logged with a context inside a
// recorded span (slog's *Context methods), so that a log line leads to its trace.
type traceHandler struct{ slog.Handler }

var _ slog.Handler = traceHandler{}

// WithTrace wraps h so that records logged with a context holding a valid span carry its
// trace_id and span_id.
func WithTrace(h slog.Handler) slog.Handler { return traceHandler{h} }

// Handle adds the span's ids, when there is one, and passes the record on.
func (h traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r = r.Clone()
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the wrapper around the derived handler.
func (h traceHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return traceHandler{h.Handler.WithAttrs(as)}
}

// WithGroup keeps the wrapper around the derived handler.
func (h traceHandler) WithGroup(name string) slog.Handler {
	return traceHandler{h.Handler.WithGroup(name)}
}
