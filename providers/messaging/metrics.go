package messaging

import (
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
)

// The outcomes of a delivery (the outcome label of eim_messaging_deliveries_total).
const (
	outcomeAcked        = "acked"
	outcomeRetried      = "retried"
	outcomeDeadLettered = "dead_lettered"
)

// latencyBuckets are the buckets of the publish and acknowledgement histograms, in seconds.
func latencyBuckets() []float64 {
	return []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}
}

// lagBuckets are the buckets of the delivery lag histogram, in seconds: from a message on the
// heels of its write to one that waited out a broker outage.
func lagBuckets() []float64 {
	return []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600}
}

// busMetrics are the measurements every adapter gets from the portable Bus. Labels are
// bounded: the adapter, the consumer group (a module's fixed name) and fixed outcomes; never a
// topic, message id, key or tenant.
type busMetrics struct {
	publish    *prometheus.HistogramVec
	ack        *prometheus.HistogramVec
	lag        *prometheus.HistogramVec
	deliveries *prometheus.CounterVec
}

func newBusMetrics() *busMetrics {
	return &busMetrics{
		publish: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "eim_messaging_publish_duration_seconds",
			Help:    "Time a publish took until the broker had stored the messages (its publish acknowledgement), by adapter and outcome (ok, error).",
			Buckets: latencyBuckets()}, []string{"adapter", "outcome"}),
		ack: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "eim_messaging_ack_duration_seconds",
			Help:    "Time a consumer's acknowledgement of a handled message took at the broker, by adapter and consumer group.",
			Buckets: latencyBuckets()}, []string{"adapter", "group"}),
		lag: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "eim_messaging_delivery_lag_seconds",
			Help:    "Consumer lag: age of a message when it was delivered to a handler (since its id was made, at outbox write or publish), by adapter and consumer group.",
			Buckets: lagBuckets()}, []string{"adapter", "group"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "eim_messaging_deliveries_total",
			Help: "Messages delivered to handlers, by adapter, consumer group and outcome (acked, retried, dead_lettered)."},
			[]string{"adapter", "group", "outcome"}),
	}
}

// Collectors returns the bus's Prometheus collectors, for the process's registry: publish and
// acknowledgement latency, consumer lag and deliveries by outcome.
func (b *Bus) Collectors() []prometheus.Collector {
	return []prometheus.Collector{b.metrics.publish, b.metrics.ack, b.metrics.lag, b.metrics.deliveries}
}

func (m *busMetrics) published(adapter string, start time.Time, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	m.publish.WithLabelValues(adapter, outcome).Observe(time.Since(start).Seconds())
}

// delivered records the lag of m: the time since its id (a version 7 UUID, see NewID) was
// made. A message with another kind of id has no lag to tell.
func (m *busMetrics) delivered(adapter, group string, msg Message) {
	id, err := uuid.Parse(msg.ID)
	if err != nil || id.Version() != 7 {
		return
	}
	sec, nsec := id.Time().UnixTime()
	lag := time.Since(time.Unix(sec, nsec)).Seconds()
	m.lag.WithLabelValues(adapter, group).Observe(max(lag, 0))
}

func (m *busMetrics) settled(adapter, group, outcome string) {
	m.deliveries.WithLabelValues(adapter, group, outcome).Inc()
}

func (m *busMetrics) acked(adapter, group string, start time.Time) {
	m.ack.WithLabelValues(adapter, group).Observe(time.Since(start).Seconds())
}
