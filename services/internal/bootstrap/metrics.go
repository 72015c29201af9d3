package bootstrap

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/eim-byoi/eim/providers/messaging/outbox"
	"github.com/eim-byoi/eim/providers/storage"
)

// scrapeTimeout bounds the database query of one scrape of the outbox backlog.
const scrapeTimeout = 2 * time.Second

// registerProviderMetrics adds the providers' metrics to reg: the database pool's statistics
// (go_sql_*, db_name primary), the outbox backlog, and what each portable provider type meters
// (its Collectors: messaging latency and lag, identity token cache and key-set refreshes,
// secret leases and rotations). A collector already registered (a second start in one
// process) is kept.
func (a *App) registerProviderMetrics(reg prometheus.Registerer) {
	if reg == nil {
		return
	}
	if a.set.Storage != nil {
		_ = reg.Register(collectors.NewDBStatsCollector(a.set.Storage.SQL(), "primary"))
		_ = reg.Register(&backlogCollector{db: a.set.Storage, desc: prometheus.NewDesc("eim_outbox_pending_events",
			"Events in the transactional outbox not yet published to the broker.", nil, nil)})
	}
	var ms []metered
	if a.set.Identity != nil {
		ms = append(ms, a.set.Identity)
	}
	if a.set.Secrets != nil {
		ms = append(ms, a.set.Secrets)
	}
	if a.set.Messaging != nil {
		ms = append(ms, a.set.Messaging)
	}
	for _, m := range ms {
		for _, c := range m.Collectors() {
			_ = reg.Register(c)
		}
	}
}

// metered is a provider that meters itself.
type metered interface {
	Collectors() []prometheus.Collector
}

// backlogCollector reports eim_outbox_pending_events: the events written with a change and
// not yet published to the broker. A failed count reports nothing (readiness reports the
// database).
type backlogCollector struct {
	db   *storage.DB
	desc *prometheus.Desc
}

var _ prometheus.Collector = (*backlogCollector)(nil)

// Describe sends the one metric's description.
func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect counts the pending events.
func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	n, err := outbox.Pending(ctx, c.db)
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n))
}
