package bootstrap

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/eim-byoi/eim/services/internal/logging"
	"github.com/eim-byoi/eim/services/internal/telemetry"
)

// server is the process's HTTP and gRPC front: /healthz, /readyz and /metrics on HTTP, the
// standard gRPC health service on gRPC, and the modules' handlers on both.
type server struct {
	log      *slog.Logger
	redactor *logging.Redactor
	mux      *http.ServeMux
	http     *http.Server
	grpc     *grpc.Server
	health   *health.Server
	metrics  *prometheus.Registry
	ready    prometheus.Gauge
	healthy  *prometheus.GaugeVec
	app      atomic.Pointer[App]
	// startup answers the requests to the modules while they start (503, gRPC Unavailable).
	startup *Startup
	// starting is the gRPC server of the listener until the modules are started (nil once
	// handed over, or when the listener serves TLS).
	starting *grpc.Server
}

// newServer builds the servers; with traced, every HTTP request and gRPC call gets a span.
func newServer(log *slog.Logger, r *logging.Redactor, version string, traced bool) *server {
	reg := prometheus.NewRegistry()
	opts := grpcServerOptions(reg, "grpc", traced)
	s := &server{
		log:      log,
		redactor: r,
		mux:      http.NewServeMux(),
		grpc:     grpc.NewServer(opts...),
		health:   health.NewServer(),
		metrics:  reg,
		startup:  &Startup{},
	}
	s.ready = prometheus.NewGauge(prometheus.GaugeOpts{Name: "eim_ready", Help: "1 when every provider and module is healthy."})
	build := prometheus.NewGauge(prometheus.GaugeOpts{Name: "eim_build_info", Help: "Build of the running binary.",
		ConstLabels: prometheus.Labels{"version": version}})
	build.Set(1)
	s.healthy = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "eim_component_healthy",
		Help: "1 when the provider or module named by component (provider/<kind>/<adapter>, module/<name>) passed its last health check, 0 when not."},
		[]string{"component"})
	s.metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), s.ready, s.healthy, build)
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	healthpb.RegisterHealthServer(s.grpc, s.health)
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics, promhttp.HandlerOpts{Registry: s.metrics}))
	for _, p := range []string{"GET /healthz", "GET /readyz", "GET /metrics"} {
		s.startup.serveWhileStarting(p)
	}
	h := s.startup.gate(s.mux)
	if traced {
		h = telemetry.HTTPHandler(h)
	}
	s.http = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	return s
}

func (s *server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "alive"})
}

func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	rep := Report{Reason: "starting", Checks: []Check{}}
	if app := s.app.Load(); app != nil {
		rep = app.Readiness(r.Context())
	}
	for i := range rep.Checks {
		rep.Checks[i].Error = s.redactor.Scrub(rep.Checks[i].Error)
	}
	code := http.StatusOK
	if !rep.Ready {
		code = http.StatusServiceUnavailable
		s.ready.Set(0)
	} else {
		s.ready.Set(1)
	}
	writeJSON(w, code, rep)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// serveHTTP serves HTTP on ln until stop.
func (s *server) serveHTTP(ln net.Listener) {
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server stopped", "error", err)
		}
	}()
}

// answerWhileStarting serves ln with the startup server (every call Unavailable, naming the
// modules still starting) and returns the listener the real gRPC server takes over (serveGRPC).
// With listen.grpcTLS, ln is the TLS listener (secureGRPC): both servers answer over TLS.
func (s *server) answerWhileStarting(ln net.Listener) net.Listener {
	h := newHandoff(ln)
	starting := s.startup.grpcServer()
	s.starting = starting
	first := h.next(false)
	go func() { _ = starting.Serve(first) }()
	return h.next(true)
}

// serveGRPC serves gRPC on ln until stop, after the startup server's last calls. It starts
// once the modules have registered their services, which gRPC requires before serving.
func (s *server) serveGRPC(ln net.Listener) {
	s.stopStarting()
	go func() {
		if err := s.grpc.Serve(ln); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			s.log.Error("grpc server stopped", "error", err)
		}
	}()
}

// setApp publishes the started app: /readyz and gRPC health follow it from now on.
func (s *server) setApp(a *App) {
	s.app.Store(a)
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
}

// stopStarting stops the startup gRPC server: its clients are told to go away and reconnect
// (to the real server, on the same listener).
func (s *server) stopStarting() {
	if s.starting != nil {
		s.starting.GracefulStop()
		s.starting = nil
	}
}

// stop turns readiness off, then stops both servers gracefully within ctx.
func (s *server) stop(ctx context.Context) {
	s.stopStarting()
	s.health.Shutdown()
	s.ready.Set(0)
	done := make(chan struct{})
	go func() { s.grpc.GracefulStop(); close(done) }()
	if err := s.http.Shutdown(ctx); err != nil {
		s.log.Warn("http shutdown", "error", err)
	}
	select {
	case <-done:
	case <-ctx.Done():
		s.grpc.Stop()
	}
}

// grpcServerOptions instruments a gRPC server named name: its RED metrics in reg (when not nil)
// and, when traced, a span per call.
func grpcServerOptions(reg prometheus.Registerer, name string, traced bool) []grpc.ServerOption {
	var opts []grpc.ServerOption
	if traced {
		opts = append(opts, telemetry.ServerOption())
	}
	if reg != nil {
		if m, err := telemetry.NewGRPCMetrics(reg); err == nil {
			opts = append(opts, m.ServerOptions(name)...)
		}
	}
	return opts
}
