package maintenance

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunStates(t *testing.T) {
	m, err := newMetrics(nil)
	require.NoError(t, err)
	r := newRunStates(m.openRuns)
	gauge := func() map[string]float64 {
		out := map[string]float64{}
		for _, st := range []string{stateDownloading, stateDownloaded, stateUpdating} {
			out[st] = testutil.ToFloat64(m.openRuns.WithLabelValues(st))
		}
		return out
	}
	for _, step := range []struct {
		tenant, instance, text string
		want                   map[string]float64
	}{
		{"t1", "i1", StatusDownloading, map[string]float64{stateDownloading: 1, stateDownloaded: 0, stateUpdating: 0}},
		{"t1", "i2", StatusUpdating, map[string]float64{stateDownloading: 1, stateDownloaded: 0, stateUpdating: 1}},
		{"t2", "i1", StatusDownloaded, map[string]float64{stateDownloading: 1, stateDownloaded: 1, stateUpdating: 1}},
		{"t1", "i1", StatusUpdating, map[string]float64{stateDownloading: 0, stateDownloaded: 1, stateUpdating: 2}},
		{"t1", "i1", StatusCompleted, map[string]float64{stateDownloading: 0, stateDownloaded: 1, stateUpdating: 1}},
		{"t1", "i2", StatusFailed, map[string]float64{stateDownloading: 0, stateDownloaded: 1, stateUpdating: 0}},
		{"t9", "i9", StatusCompleted, map[string]float64{stateDownloading: 0, stateDownloaded: 1, stateUpdating: 0}},
	} {
		r.set(step.tenant, step.instance, step.text)
		assert.Equal(t, step.want, gauge(), "%s/%s %s", step.tenant, step.instance, step.text)
	}
}
