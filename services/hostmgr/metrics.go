package hostmgr

import (
	"cmp"
	"errors"
	"maps"
	"slices"
	"sync/atomic"

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
	hosts      *hostsCollector
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
	m.hosts = &hostsCollector{desc: prometheus.NewDesc("eim_hostmgr_hosts",
		"Hosts the host manager keeps in memory, by host status (running, booting, error, no_connection, unknown, other).",
		[]string{"status"}, nil),
		tenantDesc: prometheus.NewDesc("eim_hostmgr_tenant_hosts",
			"Hosts the host manager keeps in memory, by tenant and host status: the hostmgr.tenantMetrics tenants with the most hosts, the others summed as tenant=\"other\".",
			[]string{"tenant", "status"}, nil)}
	if reg == nil {
		return m, nil
	}
	var are prometheus.AlreadyRegisteredError
	if err := reg.Register(m.hosts); errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(*hostsCollector); ok {
			m.hosts = existing // the process's other host manager's: the last bound counts
		}
	} else if err != nil {
		return nil, err
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

func (m *Metrics) bind(c *cache) {
	m.size = c.size
	count, byTenant := c.byStatus, c.byTenant
	m.hosts.count.Store(&count)
	m.hosts.byTenant.Store(&byTenant)
}

// ReportTenants makes eim_hostmgr_tenant_hosts report the n tenants with the most hosts (and
// the others as tenant="other"); 0 reports none.
func (m *Metrics) ReportTenants(n int) { m.hosts.tenants.Store(int64(max(n, 0))) }

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

// statusLabel is the status label of a host status text: the host statuses the legacy host
// manager writes, other for a text another writer set.
func statusLabel(text string) string {
	switch text {
	case HostRunning.Text:
		return "running"
	case HostBooting.Text:
		return "booting"
	case HostError.Text:
		return "error"
	case HostNoConnection.Text:
		return "no_connection"
	case HostUnknown.Text, "":
		return "unknown"
	}
	return "other"
}

// hostStatuses are the values of the status label.
func hostStatuses() []string {
	return []string{"running", "booting", "error", "no_connection", "unknown", "other"}
}

// otherTenants is the tenant label of the hosts of the tenants not reported one by one.
const otherTenants = "other"

// hostsCollector reports eim_hostmgr_hosts (the cached hosts counted by status at scrape time)
// and, when tenants > 0, eim_hostmgr_tenant_hosts.
type hostsCollector struct {
	desc       *prometheus.Desc
	tenantDesc *prometheus.Desc
	count      atomic.Pointer[func() map[string]int]
	byTenant   atomic.Pointer[func() map[string]map[string]int]
	tenants    atomic.Int64
}

var _ prometheus.Collector = (*hostsCollector)(nil)

// Describe sends the metrics' descriptions.
func (c *hostsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc; ch <- c.tenantDesc }

// Collect counts the hosts by status; every status label is reported, 0 when none has it.
func (c *hostsCollector) Collect(ch chan<- prometheus.Metric) {
	counts := map[string]int{}
	if f := c.count.Load(); f != nil {
		counts = (*f)()
	}
	for _, l := range hostStatuses() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[l]), l)
	}
	n, f := int(c.tenants.Load()), c.byTenant.Load()
	if n == 0 || f == nil {
		return
	}
	for tenant, counts := range topTenants((*f)(), n) {
		for _, l := range hostStatuses() {
			ch <- prometheus.MustNewConstMetric(c.tenantDesc, prometheus.GaugeValue, float64(counts[l]), tenant, l)
		}
	}
}

// topTenants keeps the n tenants with the most hosts (ties by id) and sums the others under
// otherTenants, which is always reported.
func topTenants(byTenant map[string]map[string]int, n int) map[string]map[string]int {
	total := func(m map[string]int) (t int) {
		for _, v := range m {
			t += v
		}
		return t
	}
	ids := slices.Collect(maps.Keys(byTenant))
	slices.SortFunc(ids, func(a, b string) int {
		if c := cmp.Compare(total(byTenant[b]), total(byTenant[a])); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	out := map[string]map[string]int{otherTenants: {}}
	for i, id := range ids {
		if i < n && id != otherTenants {
			out[id] = byTenant[id]
			continue
		}
		for l, v := range byTenant[id] {
			out[otherTenants][l] += v
		}
	}
	return out
}
