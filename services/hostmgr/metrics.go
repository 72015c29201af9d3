package hostmgr

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/status"

	"github.com/eim-byoi/eim/providers/provider"
)

// What the host manager writes to the inventory (the label of eim_hostmgr_inventory_writes_total).
const (
	writeHostStatus     = "host_status"
	writeInstance       = "instance"
	writeSystemInfo     = "system_info"
	writeConnectionLost = "connection_lost"
)

// Metrics are the host manager's Prometheus metrics. Their labels are bounded (RPC names,
// gRPC codes, fixed outcomes): never a host, GUID or tenant.
type Metrics struct {
	calls      *prometheus.CounterVec
	heartbeats *prometheus.CounterVec
	sysinfo    *prometheus.CounterVec
	writes     *prometheus.CounterVec
	lookups    *prometheus.CounterVec
	cached     prometheus.GaugeFunc
	size       func() int
}

// NewMetrics creates the metrics and registers them with reg when it is not nil (a collector
// registered already, by another host manager of the process, is shared).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "eim_hostmgr_calls_total",
			Help: "Southbound Hostmgr calls, by RPC and gRPC code."}, []string{"rpc", "code"}),
		heartbeats: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "eim_hostmgr_heartbeats_total",
			Help: "Heartbeats taken, by outcome: coalesced (nothing changed, no write) or written."}, []string{"outcome"}),
		sysinfo: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "eim_hostmgr_system_info_total",
			Help: "System information reports taken, by outcome: coalesced (same as the last written) or written."}, []string{"outcome"}),
		writes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "eim_hostmgr_inventory_writes_total",
			Help: "Inventory writes, by what was written: host_status, instance, system_info, connection_lost."}, []string{"what"}),
		lookups: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "eim_hostmgr_host_lookups_total",
			Help: "Host lookups by GUID, by result: hit (cached) or read (from the inventory)."}, []string{"result"}),
	}
	m.cached = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "eim_hostmgr_hosts_cached",
		Help: "Hosts whose state the host manager keeps in memory."}, func() float64 {
		if m.size == nil {
			return 0
		}
		return float64(m.size())
	})
	if reg == nil {
		return m, nil
	}
	var err error
	for _, c := range []**prometheus.CounterVec{&m.calls, &m.heartbeats, &m.sysinfo, &m.writes, &m.lookups} {
		if *c, err = register(reg, *c); err != nil {
			return nil, err
		}
	}
	if err := reg.Register(m.cached); err != nil && !errors.As(err, &prometheus.AlreadyRegisteredError{}) {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the collector already registered in its place.
func register(reg prometheus.Registerer, c *prometheus.CounterVec) (*prometheus.CounterVec, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
			return existing, nil
		}
	}
	return c, err
}

func (m *Metrics) bind(c *cache) { m.size = c.size }

func (m *Metrics) heartbeat(wrote bool) { m.heartbeats.WithLabelValues(outcome(wrote)).Inc() }

func (m *Metrics) systemInfo(wrote bool) { m.sysinfo.WithLabelValues(outcome(wrote)).Inc() }

func (m *Metrics) wrote(what string) { m.writes.WithLabelValues(what).Inc() }

func (m *Metrics) lookup(hit bool) {
	if hit {
		m.lookups.WithLabelValues("hit").Inc()
		return
	}
	m.lookups.WithLabelValues("read").Inc()
}

func outcome(wrote bool) string {
	if wrote {
		return "written"
	}
	return "coalesced"
}

// observe runs an RPC's handler, counts the call by its code and turns its error into a gRPC
// status error.
func observe[T any](s *Server, rpc string, h func() (T, error)) (T, error) {
	out, err := h()
	err = provider.GRPCError(err)
	s.o.Metrics.calls.WithLabelValues(rpc, status.Code(err).String()).Inc()
	return out, err
}
