package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/services/internal/telemetry"
)

// metrics are the API's RED metrics, by route (the path template, never the path itself) and
// method: requests by status code, and their durations.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "eim_api_requests_total",
			Help: "Northbound API requests, by route, method and HTTP status code."}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "eim_api_request_duration_seconds",
			Help: "Northbound API request durations, by route and method.", Buckets: prometheus.DefBuckets}, []string{"route", "method"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.requests, err = register(reg, m.requests); err != nil {
		return nil, err
	}
	if m.duration, err = register(reg, m.duration); err != nil {
		return nil, err
	}
	return m, nil
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

// recorder captures what a handler answered, for the metrics and the access log.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
	route  string
	err    error
	// subject is the authenticated caller's subject, once known.
	subject string
}

// noteCaller records the caller of the request in ctx (the principal there) for the access log.
func noteCaller(ctx context.Context) {
	rec, ok := ctx.Value(recorderKey{}).(*recorder)
	if p, found := identity.FromContext(ctx); ok && found {
		rec.subject = p.Subject
	}
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

type recorderKey struct{}

// routeOf notes, for the metrics, the path template the gateway matched.
func routeOf(next runtime.HandlerFunc) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
		if rec, ok := r.Context().Value(recorderKey{}).(*recorder); ok {
			if p, ok := runtime.HTTPPattern(r.Context()); ok {
				rec.route = strings.ReplaceAll(p.String(), "=*}", "}")
			}
		}
		next(w, r, params)
	}
}

// observe counts, times and logs every request: method, route, status, size, duration and the
// caller's subject; never a header, a token or a body.
func observe(m *metrics, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w, route: "unmatched"}
		ctx := context.WithValue(r.Context(), recorderKey{}, rec)
		next.ServeHTTP(rec, r.WithContext(ctx))
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		d := time.Since(start)
		telemetry.SetRoute(r.Context(), rec.route)
		m.requests.WithLabelValues(rec.route, r.Method, strconv.Itoa(rec.status)).Inc()
		m.duration.WithLabelValues(rec.route, r.Method).Observe(d.Seconds())
		attrs := []any{"method", r.Method, "route", rec.route, "path", r.URL.Path, "status", rec.status,
			"bytes", rec.bytes, "duration_ms", float64(d.Microseconds()) / 1000, "remote", r.RemoteAddr}
		if rec.subject != "" {
			attrs = append(attrs, "subject", rec.subject)
		}
		switch {
		case rec.status >= 500:
			log.ErrorContext(r.Context(), "api request", append(attrs, "error", fmt.Sprint(rec.err))...)
		default:
			log.InfoContext(r.Context(), "api request", attrs...)
		}
	})
}
