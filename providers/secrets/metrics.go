package secrets

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Collectors returns the provider's Prometheus collectors, for the process's registry: the
// time to expiry of each leased secret it keeps renewed, lease renewals by outcome and
// credential rotations (a watched or leased secret read anew with a new version). The secret
// label is the secret's path as configured (a bounded set: the references of eim.yaml), never
// a value.
func (p *Provider) Collectors() []prometheus.Collector {
	t := p.store.t
	return []prometheus.Collector{
		&leaseCollector{t: t, desc: prometheus.NewDesc("eim_secrets_lease_remaining_seconds",
			"Time until the lease of a leased secret (e.g. Vault dynamic database credentials) expires unless renewed, by secret path.",
			[]string{"secret"}, nil)},
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "eim_secrets_credential_rotations_total",
			Help: "Watched or leased secrets read anew with a new version (a rotated password, new dynamic credentials)."},
			func() float64 { return float64(t.rotations.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "eim_secrets_lease_renewals_total",
			Help: "Lease renewals of leased secrets, by outcome: ok or error.", ConstLabels: prometheus.Labels{"outcome": "ok"}},
			func() float64 { return float64(t.renewals.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "eim_secrets_lease_renewals_total",
			Help: "Lease renewals of leased secrets, by outcome: ok or error.", ConstLabels: prometheus.Labels{"outcome": "error"}},
			func() float64 { return float64(t.renewFailures.Load()) }),
	}
}

// leaseCollector reports the time to expiry of every leased secret the tracker holds.
type leaseCollector struct {
	t    *tracker
	desc *prometheus.Desc
}

var _ prometheus.Collector = (*leaseCollector)(nil)

// Describe sends the one metric's description.
func (c *leaseCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect reports each lease's remaining time (negative once expired).
func (c *leaseCollector) Collect(ch chan<- prometheus.Metric) {
	for name, until := range c.t.leases() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, time.Until(until).Seconds(), name)
	}
}

// leases returns when the lease of each tracked leased secret expires, by name.
func (t *tracker) leases() map[string]time.Time {
	t.mu.Lock()
	entries := make([]*entry, 0, len(t.entries))
	for _, e := range t.entries {
		entries = append(entries, e)
	}
	t.mu.Unlock()
	out := map[string]time.Time{}
	for _, e := range entries {
		select {
		case <-e.ready:
		default:
			continue // still being read
		}
		e.mu.Lock()
		if e.sec != nil && e.sec.Lease.Duration > 0 {
			out[e.name] = e.granted.Add(e.sec.Lease.Duration)
		}
		e.mu.Unlock()
	}
	return out
}
