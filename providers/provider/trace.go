package provider

import (
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/trace"
)

// TracedTransport wraps rt so that a call made inside a trace (the OpenTelemetry global
// provider's, set up by the process when tracing is on) gets a client span and carries the
// trace context to the server; background calls outside any trace (key set refreshes, lease
// renewals) stay untraced rather than each starting a trace of its own.
func TracedTransport(rt http.RoundTripper) http.RoundTripper {
	return otelhttp.NewTransport(rt, otelhttp.WithFilter(func(r *http.Request) bool {
		return trace.SpanContextFromContext(r.Context()).IsValid()
	}))
}
