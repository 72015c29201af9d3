package maintenance

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/status"
)

// metrics are the module's metrics; every label takes a bounded set of values.
type metrics struct {
	requests      *prometheus.CounterVec // by gRPC code
	duration      prometheus.Histogram   // every poll
	statusChanges *prometheus.CounterVec // recorded status changes, by legacy status text
	runs          *prometheus.CounterVec // OS update run writes: created, updated, closed
	lookups       *prometheus.CounterVec // view lookups: what (host, schedules) × result (hit, read)
	openRuns      *prometheus.GaugeVec   // open OS update runs by state (see runStates)
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "eim_maintenance_requests_total",
			Help: "PlatformUpdateStatus calls, by gRPC status code."}, []string{"code"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "eim_maintenance_request_duration_seconds",
			Help: "PlatformUpdateStatus durations.", Buckets: prometheus.DefBuckets}),
		statusChanges: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "eim_maintenance_status_changes_total",
			Help: "Update status changes written to instances, by status."}, []string{"status"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "eim_maintenance_os_update_runs_total",
			Help: "OS update run writes, by operation (created, updated, closed)."}, []string{"op"}),
		lookups: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "eim_maintenance_lookups_total",
			Help: "Hosts and schedules a poll needed: answered from the change-log-invalidated view (hit) or read from the inventory (read)."},
			[]string{"what", "result"}),
		openRuns: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "eim_maintenance_open_os_update_runs",
			Help: "OS update runs open (no end time) by state (downloading, downloaded, updating), as the maintenance module last wrote them since it started."},
			[]string{"state"}),
	}
	for _, st := range []string{stateDownloading, stateDownloaded, stateUpdating} {
		m.openRuns.WithLabelValues(st)
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.requests, err = register(reg, m.requests, err); err != nil {
		return nil, err
	}
	m.duration, err = register(reg, m.duration, err)
	m.statusChanges, err = register(reg, m.statusChanges, err)
	m.runs, err = register(reg, m.runs, err)
	m.lookups, err = register(reg, m.lookups, err)
	m.openRuns, err = register(reg, m.openRuns, err)
	return m, err
}

// register registers c, or returns the collector already registered in its place; it does
// nothing after an earlier error.
func register[C prometheus.Collector](reg prometheus.Registerer, c C, prev error) (C, error) {
	if prev != nil {
		return c, prev
	}
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

// observe counts a finished call.
func (m *metrics) observe(err error, d time.Duration) {
	m.requests.WithLabelValues(status.Code(err).String()).Inc()
	m.duration.Observe(d.Seconds())
}

// lookup counts a host or schedule lookup, answered from the view (hit) or read.
func (m *metrics) lookup(what string, hit bool) {
	m.lookups.WithLabelValues(what, map[bool]string{true: "hit", false: "read"}[hit]).Inc()
}
