package telemetry

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
)

// GRPCMetrics are the RED metrics of a process's gRPC servers, by server (grpc: the main
// listener, southbound: the agents' listener), service, method and status code; the service
// names the module that serves it. No caller, host or tenant is a label.
type GRPCMetrics struct {
	handled  *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewGRPCMetrics registers the metrics in reg (reusing those already registered there).
func NewGRPCMetrics(reg prometheus.Registerer) (*GRPCMetrics, error) {
	m := &GRPCMetrics{
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "eim_grpc_server_handled_total",
			Help: "gRPC calls completed, by server, service, method and status code."}, []string{"server", "service", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "eim_grpc_server_handling_seconds",
			Help: "gRPC call durations, by server, service and method.", Buckets: prometheus.DefBuckets}, []string{"server", "service", "method"}),
	}
	var err error
	if m.handled, err = register(reg, m.handled); err != nil {
		return nil, err
	}
	if m.duration, err = register(reg, m.duration); err != nil {
		return nil, err
	}
	return m, nil
}

// ServerOptions returns the interceptors that record the calls of the server named server.
func (m *GRPCMetrics) ServerOptions(server string) []grpc.ServerOption {
	unary := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		start := time.Now()
		resp, err := h(ctx, req)
		m.observe(server, info.FullMethod, start, err)
		return resp, err
	}
	stream := func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
		start := time.Now()
		err := h(srv, ss)
		m.observe(server, info.FullMethod, start, err)
		return err
	}
	return []grpc.ServerOption{grpc.ChainUnaryInterceptor(unary), grpc.ChainStreamInterceptor(stream)}
}

func (m *GRPCMetrics) observe(server, fullMethod string, start time.Time, err error) {
	service, method := splitMethod(fullMethod)
	m.handled.WithLabelValues(server, service, method, status.Code(err).String()).Inc()
	m.duration.WithLabelValues(server, service, method).Observe(time.Since(start).Seconds())
}

// splitMethod splits "/pkg.Service/Method"; the method set of a server is fixed, so both are
// bounded.
func splitMethod(full string) (service, method string) {
	s, m, ok := strings.Cut(strings.TrimPrefix(full, "/"), "/")
	if !ok {
		return "unknown", "unknown"
	}
	return s, m
}

// register registers c, or returns the collector already registered in its place.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}
