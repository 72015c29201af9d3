package hostmgr

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
)

func TestTopTenants(t *testing.T) {
	counts := map[string]map[string]int{
		"a": {"running": 3},
		"b": {"running": 1, "error": 4},
		"c": {"no_connection": 2},
		"d": {"running": 2},
	}
	for _, c := range []struct {
		name string
		n    int
		want map[string]map[string]int
	}{
		{"one", 1, map[string]map[string]int{"b": {"running": 1, "error": 4}, "other": {"running": 5, "no_connection": 2}}},
		{"ties by id", 3, map[string]map[string]int{"b": counts["b"], "a": counts["a"], "c": counts["c"], "other": {"running": 2}}},
		{"all", 10, map[string]map[string]int{"a": counts["a"], "b": counts["b"], "c": counts["c"], "d": counts["d"], "other": {}}},
		{"a tenant named other is summed", 10, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := counts
			if c.want == nil {
				in = map[string]map[string]int{"other": {"running": 1}, "a": {"running": 2}}
				c.want = map[string]map[string]int{"a": {"running": 2}, "other": {"running": 1}}
			}
			assert.Equal(t, c.want, topTenants(in, c.n))
		})
	}
}

func TestTenantHostsOptIn(t *testing.T) {
	m, err := NewMetrics(nil)
	assert.NoError(t, err)
	c := newCache()
	m.bind(c)
	collect := func() int {
		n := 0
		out := make(chan prometheus.Metric, 100)
		m.hosts.Collect(out)
		close(out)
		for range out {
			n++
		}
		return n
	}
	assert.Equal(t, 6, collect(), "off: only the six eim_hostmgr_hosts series")
	m.ReportTenants(2)
	assert.Equal(t, 12, collect(), "on with no host: the other bucket's six series")
}
