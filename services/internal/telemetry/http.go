// Package telemetry holds the process-wide tracing helpers shared by the servers and modules:
// the HTTP and gRPC instrumentation with route templates as span names. The tracer provider is
// built in services/internal/bootstrap; every helper here uses the OpenTelemetry global
// provider and propagator, so they cost nothing when tracing is off.
package telemetry

import (
	"context"
	"net/http"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
)

type routeKey struct{}

type routeHolder struct{ route string }

// SetRoute records the path template a router matched for the request in ctx (e.g.
// /v1/projects/{projectName}/compute/hosts/{resourceId}); the HTTP span is named after it.
func SetRoute(ctx context.Context, template string) {
	if h, ok := ctx.Value(routeKey{}).(*routeHolder); ok {
		h.route = template
	}
}

// HTTPHandler wraps next (the process's mux) in a server span per request, named
// "<method> <route template>": the template a module's router recorded with SetRoute, else the
// mux pattern, else "unmatched". The incoming W3C trace context is continued.
func HTTPHandler(next http.Handler) http.Handler {
	named := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := &routeHolder{}
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, h))
		next.ServeHTTP(w, r)
		route := h.route
		if route == "" {
			route = patternPath(r.Pattern)
		}
		span := trace.SpanFromContext(r.Context())
		span.SetName(r.Method + " " + route)
		span.SetAttributes(attribute.String("http.route", route))
	})
	return otelhttp.NewHandler(named, "http", otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
		return r.Method
	}))
}

// patternPath returns the path of a ServeMux pattern ("GET /healthz" gives /healthz).
func patternPath(p string) string {
	if p == "" {
		return "unmatched"
	}
	if i := strings.IndexByte(p, ' '); i >= 0 {
		return p[i+1:]
	}
	return p
}

// ServerOption instruments a gRPC server: a server span per RPC continuing the caller's trace.
func ServerOption() grpc.ServerOption { return grpc.StatsHandler(otelgrpc.NewServerHandler()) }

// DialOption instruments a gRPC client: a client span per RPC, its context sent in metadata.
func DialOption() grpc.DialOption { return grpc.WithStatsHandler(otelgrpc.NewClientHandler()) }
