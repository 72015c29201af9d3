package messagingtest

import (
	"context"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/messaging"
)

// msgCaseMetrics: the bus meters every adapter alike: a publish is timed (outcome ok; the bus
// may be shared with other cases, so at least one more), a
// delivery's lag is observed, a handled message's acknowledgement is timed and counted acked,
// and a failed handling counted retried; the labels name the adapter and group only.
func msgCaseMetrics(t T, h MessagingHarness) {
	bus := h.Open(t)
	reg := prometheus.NewRegistry()
	for _, c := range bus.Collectors() {
		require.NoError(t, reg.Register(c))
	}
	topic, group := name(h, "metered"), name(h, "g")
	var calls atomic.Int64
	subscribe(t, bus, topic, group, func(context.Context, messaging.Message) error {
		if calls.Add(1) == 1 {
			return assert.AnError // the first delivery fails: retried
		}
		return nil
	}, fast())
	published := map[string]string{"adapter": bus.Adapter(), "outcome": "ok"}
	before := metricCount(t, reg, "eim_messaging_publish_duration_seconds", published) // the bus may be shared
	publish(t, bus, topic, messaging.Message{Payload: []byte("metered")})
	want := map[string]string{"adapter": bus.Adapter(), "group": group}
	require.NoError(t, msgEventually(t.Context(), msgWait, func() error {
		if metricCount(t, reg, "eim_messaging_deliveries_total", withOutcome(want, "acked")) < 1 {
			return context.DeadlineExceeded
		}
		return nil
	}), "the redelivered message is acknowledged")
	assert.GreaterOrEqual(t, metricCount(t, reg, "eim_messaging_publish_duration_seconds", published)-before, 1.0)
	assert.EqualValues(t, 1, metricCount(t, reg, "eim_messaging_deliveries_total", withOutcome(want, "retried")))
	assert.EqualValues(t, 1, metricCount(t, reg, "eim_messaging_ack_duration_seconds", want))
	assert.EqualValues(t, 1, metricCount(t, reg, "eim_messaging_delivery_lag_seconds", want), "the first delivery's lag")
}

func withOutcome(m map[string]string, outcome string) map[string]string {
	out := map[string]string{"outcome": outcome}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// metricCount returns the value of a counter, or the sample count of a histogram, whose labels
// are exactly want (0 when there is none).
func metricCount(t T, reg *prometheus.Registry, name string, want map[string]string) float64 {
	fams, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if !sameLabels(m.GetLabel(), want) {
				continue
			}
			if m.GetHistogram() != nil {
				return float64(m.GetHistogram().GetSampleCount())
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

func sameLabels(ls []*dto.LabelPair, want map[string]string) bool {
	if len(ls) != len(want) {
		return false
	}
	for _, l := range ls {
		if want[l.GetName()] != l.GetValue() {
			return false
		}
	}
	return true
}
