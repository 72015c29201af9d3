package bootstrap

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc/credentials"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/config"
)

// startTracing builds the process's tracer provider from cfg (its secret references already
// resolved) and installs it, with the W3C tracecontext and baggage propagator, as the
// OpenTelemetry global every instrumentation uses. The returned function flushes and stops it;
// with tracing off it does nothing.
func startTracing(ctx context.Context, cfg config.Telemetry, version string) (func(context.Context) error, error) {
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	if !cfg.Enabled {
		return func(context.Context) error { return nil }, nil
	}
	exp, err := newExporter(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("telemetry: %w", err)
	}
	res := resource.NewSchemaless(attribute.String("service.name", cfg.ServiceName), attribute.String("service.version", version))
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(cfg.SampleRatio))))
	otel.SetTracerProvider(tp)
	return tp.Shutdown, nil
}

func newExporter(ctx context.Context, cfg config.Telemetry) (sdktrace.SpanExporter, error) {
	headers := make(map[string]string, len(cfg.Headers))
	for k, ref := range cfg.Headers {
		headers[k] = ref.Value().Reveal()
	}
	host, def, err := exportHost(cfg)
	if err != nil {
		return nil, err
	}
	tc, err := cfg.TLS.Config(host, def)
	if err != nil {
		return nil, fmt.Errorf("telemetry.tls: %w", err)
	}
	if cfg.Protocol == config.TelemetryHTTP {
		opts := []otlptracehttp.Option{otlptracehttp.WithEndpointURL(strings.TrimSuffix(cfg.Endpoint, "/") + "/v1/traces"), otlptracehttp.WithHeaders(headers)}
		if tc == nil {
			opts = append(opts, otlptracehttp.WithInsecure())
		} else {
			opts = append(opts, otlptracehttp.WithTLSClientConfig(tc))
		}
		return otlptracehttp.New(ctx, opts...)
	}
	opts := []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(cfg.Endpoint), otlptracegrpc.WithHeaders(headers)}
	if tc == nil {
		opts = append(opts, otlptracegrpc.WithInsecure())
	} else {
		opts = append(opts, otlptracegrpc.WithTLSCredentials(credentials.NewTLS(tc)))
	}
	return otlptracegrpc.New(ctx, opts...)
}

// exportHost is the collector's host name, which its certificate must carry, and the TLS mode
// when none is set: disable for an http:// URL, verify-full otherwise.
func exportHost(cfg config.Telemetry) (host, mode string, err error) {
	if cfg.Protocol == config.TelemetryHTTP {
		u, err := url.Parse(cfg.Endpoint)
		if err != nil {
			return "", "", fmt.Errorf("telemetry.endpoint: %w", err)
		}
		if u.Scheme == "http" {
			return u.Hostname(), provider.TLSDisable, nil
		}
		return u.Hostname(), provider.TLSVerifyFull, nil
	}
	host, _, err = net.SplitHostPort(cfg.Endpoint)
	return host, provider.TLSVerifyFull, err
}
