package maintenance

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// The state label of eim_maintenance_open_os_update_runs: an open run's status.
const (
	stateDownloading = "downloading"
	stateDownloaded  = "downloaded"
	stateUpdating    = "updating"
)

// runStateLabel is the state label of an open run's status text ("" for a closing status).
func runStateLabel(text string) string {
	switch text {
	case StatusDownloading:
		return stateDownloading
	case StatusDownloaded:
		return stateDownloaded
	case StatusUpdating:
		return stateUpdating
	}
	return ""
}

// runStates keeps the state of every open OS update run the module wrote (one per instance:
// the legacy manager keeps at most one open), and the gauge of open runs by state with it.
type runStates struct {
	mu    sync.Mutex
	open  map[string]string // tenant/instance → state label
	gauge *prometheus.GaugeVec
}

func newRunStates(g *prometheus.GaugeVec) *runStates {
	return &runStates{open: map[string]string{}, gauge: g}
}

// set records the instance's open run in the state of text; a closing status removes it.
func (r *runStates) set(tenant, instance, text string) {
	key, state := tenant+"/"+instance, runStateLabel(text)
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.open[key]; ok {
		r.gauge.WithLabelValues(old).Dec()
		delete(r.open, key)
	}
	if state != "" {
		r.open[key] = state
		r.gauge.WithLabelValues(state).Inc()
	}
}
