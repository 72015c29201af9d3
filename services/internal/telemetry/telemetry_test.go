package telemetry_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/eim-byoi/eim/services/internal/telemetry"
)

// TestHTTPSpanNames: the server span is named after the route template a router recorded, else
// the mux pattern, never the concrete path.
func TestHTTPSpanNames(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev); _ = tp.Shutdown(context.Background()) })
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("/v1/projects/", func(_ http.ResponseWriter, r *http.Request) {
		telemetry.SetRoute(r.Context(), "/v1/projects/{name}")
	})
	srv := httptest.NewServer(telemetry.HTTPHandler(mux))
	t.Cleanup(srv.Close)
	for _, tc := range []struct{ path, want string }{
		{"/healthz", "GET /healthz"},
		{"/v1/projects/plant-7", "GET /v1/projects/{name}"},
		{"/nowhere/42", "GET unmatched"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			exp.Reset()
			resp, err := http.Get(srv.URL + tc.path)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			spans := exp.GetSpans()
			require.Len(t, spans, 1)
			assert.Equal(t, tc.want, spans[0].Name)
		})
	}
}

// TestGRPCMetrics: a call through a real loopback gRPC server is counted by server, service,
// method and code.
func TestGRPCMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := telemetry.NewGRPCMetrics(reg)
	require.NoError(t, err)
	again, err := telemetry.NewGRPCMetrics(reg)
	require.NoError(t, err, "a second registration reuses the first")
	require.NotNil(t, again)
	srv := grpc.NewServer(m.ServerOptions("southbound")...)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	c := healthpb.NewHealthClient(conn)
	_, err = c.Check(context.Background(), &healthpb.HealthCheckRequest{})
	require.NoError(t, err)
	_, err = c.Check(context.Background(), &healthpb.HealthCheckRequest{Service: "absent"})
	require.Error(t, err)
	n, err := testutil.GatherAndCount(reg, "eim_grpc_server_handled_total")
	require.NoError(t, err)
	assert.Equal(t, 2, n, "one series per code")
	fams, err := reg.Gather()
	require.NoError(t, err)
	got := map[string]float64{}
	for _, f := range fams {
		if f.GetName() != "eim_grpc_server_handled_total" {
			continue
		}
		for _, s := range f.GetMetric() {
			l := map[string]string{}
			for _, p := range s.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			assert.Equal(t, "southbound", l["server"])
			assert.Equal(t, "grpc.health.v1.Health", l["service"])
			assert.Equal(t, "Check", l["method"])
			got[l["code"]] = s.GetCounter().GetValue()
		}
	}
	assert.Equal(t, map[string]float64{"OK": 1, "NotFound": 1}, got)
}
