package osresource

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the module's Prometheus series.
type metrics struct {
	loaded     prometheus.Gauge
	skipped    *prometheus.GaugeVec
	reconciles *prometheus.CounterVec
	changes    *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		loaded: prometheus.NewGauge(prometheus.GaugeOpts{Name: "eim_osresource_profiles_loaded",
			Help: "OS profiles of the catalog last loaded."}),
		skipped: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "eim_osresource_profiles_skipped",
			Help: "OS profile manifests of the catalog last loaded that did not validate (1 per file, with the field at fault)."},
			[]string{"file", "field"}),
		reconciles: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "eim_osresource_reconciles_total",
			Help: "Project reconciliations, by result (ok, error)."}, []string{"result"}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "eim_osresource_os_resources_total",
			Help: "OS resources written, by operation (created, updated)."}, []string{"operation"}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.loaded, m.skipped, m.reconciles, m.changes} {
		if err := reg.Register(c); err != nil && !errors.As(err, new(prometheus.AlreadyRegisteredError)) {
			return nil, err
		}
	}
	return m, nil
}

func (m *metrics) catalog(c *Catalog) {
	m.loaded.Set(float64(len(c.Profiles)))
	m.skipped.Reset()
	for _, s := range c.Skipped {
		m.skipped.WithLabelValues(s.File, s.Field).Set(1)
	}
}

func (m *metrics) observe(r Result, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.reconciles.WithLabelValues(result).Inc()
	m.changes.WithLabelValues("created").Add(float64(r.Created))
	m.changes.WithLabelValues("updated").Add(float64(r.Updated))
}
