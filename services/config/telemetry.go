package config

import (
	"fmt"
	"net/url"
	"slices"

	"github.com/eim-byoi/eim/providers/provider"
)

// Telemetry configures OpenTelemetry tracing: spans of the HTTP and gRPC servers and clients,
// SQL statements, messages and provider calls, exported over OTLP to a collector. Off by
// default; Prometheus metrics on /metrics are always served.
type Telemetry struct {
	// Enabled turns tracing on; false (the default) creates no spans and exports nothing.
	Enabled bool `yaml:"enabled"`
	// Protocol is the OTLP transport: grpc (default, port 4317) or http (protobuf over HTTP,
	// port 4318).
	Protocol string `yaml:"protocol" jsonschema:"enum=grpc,enum=http"`
	// Endpoint is the collector: host:port for grpc, or for http the base http(s):// URL to which
	// /v1/traces is appended (as OTEL_EXPORTER_OTLP_ENDPOINT). Required when enabled.
	Endpoint string `yaml:"endpoint"`
	// TLS secures the export: mode disable sends in clear (a collector sidecar on loopback);
	// otherwise verify-full with ca as the trusted authorities (system roots when unset).
	TLS provider.TLS `yaml:"tls,omitempty"`
	// Headers are sent with every export (e.g. an API key of a hosted collector), each value a
	// secret reference.
	Headers map[string]provider.SecretRef `yaml:"headers,omitempty"`
	// SampleRatio is the share of new traces recorded, 0 to 1 (default 1); a request that arrives
	// with a sampled parent is recorded whatever the ratio (parent-based sampling).
	SampleRatio float64 `yaml:"sampleRatio" jsonschema:"minimum=0,maximum=1"`
	// ServiceName is the service.name resource attribute of every span (default eim).
	ServiceName string `yaml:"serviceName"`
}

// Defaults of the telemetry block.
const (
	TelemetryGRPC         = "grpc"
	TelemetryHTTP         = "http"
	DefaultTelemetryName  = "eim"
	DefaultTelemetryRatio = 1.0
	defaultTelemetryProto = TelemetryGRPC
)

func defaultTelemetry() Telemetry {
	return Telemetry{Protocol: defaultTelemetryProto, SampleRatio: DefaultTelemetryRatio, ServiceName: DefaultTelemetryName}
}

func (t Telemetry) validate(v *provider.Validation) {
	v.Check(slices.Contains([]string{TelemetryGRPC, TelemetryHTTP}, t.Protocol), "telemetry.protocol",
		fmt.Sprintf("%q is not an OTLP protocol", t.Protocol), "use grpc or http")
	v.Check(t.SampleRatio >= 0 && t.SampleRatio <= 1, "telemetry.sampleRatio", "must be between 0 and 1", "e.g. 0.1 to record one new trace in ten")
	v.Required("telemetry.serviceName", t.ServiceName, "name the service, e.g. "+DefaultTelemetryName)
	v.Nest("telemetry.tls", t.TLS.Validate())
	if !t.Enabled {
		return
	}
	v.Required("telemetry.endpoint", t.Endpoint, "set the collector, e.g. 127.0.0.1:4317 (grpc) or http://127.0.0.1:4318 (http)")
	if t.Protocol == TelemetryHTTP && t.Endpoint != "" {
		u, err := url.Parse(t.Endpoint)
		v.Check(err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "", "telemetry.endpoint",
			fmt.Sprintf("%q is not an http(s) URL", t.Endpoint), "e.g. http://127.0.0.1:4318")
	}
	if t.Protocol == TelemetryGRPC && t.Endpoint != "" {
		validateAddr(v, "telemetry.endpoint", t.Endpoint)
	}
}
