package e2e_test

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// synthTail is how many minutes a synthetic case adds after the healthy part: the longest
// window of a rule (15m) plus its for-duration fit in it.
const synthTail = 20

// series is one input series of a rule test: its family, labels (job and instance included),
// whether it only grows (a counter or a histogram's series), and a value per minute (NaN: absent).
type series struct {
	name    string
	labels  map[string]string
	counter bool
	v       []float64
}

// key is the series in promtool's input notation.
func (s *series) key() string {
	ls := make([]string, 0, len(s.labels))
	for _, k := range slices.Sorted(maps.Keys(s.labels)) {
		ls = append(ls, fmt.Sprintf("%s=%q", k, s.labels[k]))
	}
	return s.name + "{" + strings.Join(ls, ",") + "}"
}

// matches reports whether the series is of family name and has every label of want.
func (s *series) matches(name string, want map[string]string) bool {
	if s.name != name {
		return false
	}
	for k, v := range want {
		if s.labels[k] != v {
			return false
		}
	}
	return true
}

// seriesSet is the input series of one rule test.
type seriesSet struct {
	all     []*series
	healthy int // minutes of the real run; the synthetic tail follows
}

// find returns the series of family name with the labels of want, sorted by key.
func (ss *seriesSet) find(name string, want map[string]string) []*series {
	var out []*series
	for _, s := range ss.all {
		if s.matches(name, want) {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out
}

// add returns the series of family name with exactly labels (job and instance added), a new one
// absent during the real run when the run had none.
func (ss *seriesSet) add(name string, labels map[string]string, counter bool) *series {
	l := maps.Clone(labels)
	l["job"], l["instance"] = obsJob, obsInstance
	for _, s := range ss.all {
		if s.name == name && maps.Equal(s.labels, l) {
			return s
		}
	}
	s := &series{name: name, labels: l, counter: counter, v: slices.Repeat([]float64{math.NaN()}, ss.healthy+synthTail)}
	ss.all = append(ss.all, s)
	return s
}

// tail sets the synthetic minutes of s: f(i) for the i-th minute after the real run (1-based),
// on top of the last real value for a counter.
func (ss *seriesSet) tail(s *series, f func(i int) float64) {
	base := 0.0
	if s.counter && !math.IsNaN(s.v[ss.healthy-1]) {
		base = s.v[ss.healthy-1]
	}
	if math.IsNaN(s.v[ss.healthy-1]) {
		for i := range ss.healthy { // absent in the run: a counter born at 0 with the run
			s.v[i] = 0
		}
	}
	for i := 1; i <= synthTail; i++ {
		s.v[ss.healthy-1+i] = base + f(i)
	}
}

// continueRun builds the series of the healthy scrapes and continues them synthetically for
// synthTail minutes as a quiet healthy process would: a gauge keeps its last value and a
// counter goes on at its average increase per scrape over the healthy part.
func continueRun(t *testing.T, scrapes [][]byte, wanted map[string]bool) *seriesSet {
	n := len(scrapes)
	byKey := map[string]*series{}
	for i, body := range scrapes {
		for _, f := range parseFamilies(t, body) {
			if !wanted[f.GetName()] {
				continue
			}
			for _, m := range f.GetMetric() {
				for k, v := range samples(f.GetName(), m) {
					s := byKey[k]
					if s == nil {
						name, labels := splitKey(t, k)
						s = &series{name: name, labels: labels, counter: m.GetGauge() == nil, v: slices.Repeat([]float64{math.NaN()}, n+synthTail)}
						byKey[k] = s
					}
					s.v[i] = v
				}
			}
		}
	}
	ss := &seriesSet{healthy: n}
	for _, k := range slices.Sorted(maps.Keys(byKey)) {
		s := byKey[k]
		first := slices.IndexFunc(s.v, func(v float64) bool { return !math.IsNaN(v) })
		last, step := s.v[n-1], 0.0
		if math.IsNaN(last) {
			ss.all = append(ss.all, s)
			continue // gone before the end of the run: stays gone
		}
		if s.counter && n-1 > first {
			step = (last - s.v[first]) / float64(n-1-first)
		}
		for i := 1; i <= synthTail; i++ {
			s.v[n-1+i] = last + step*float64(i)
		}
		ss.all = append(ss.all, s)
	}
	return ss
}

// splitKey parses a series key written by samples.
func splitKey(t *testing.T, k string) (string, map[string]string) {
	m, err := promQL().ParseMetric(k)
	require.NoError(t, err, k)
	out := m.Map()
	name := out["__name__"]
	delete(out, "__name__")
	return name, out
}

// input is the set in promtool's notation.
func (ss *seriesSet) input() []any {
	out := make([]any, 0, len(ss.all))
	for _, s := range ss.all {
		vs := make([]string, len(s.v))
		for i, v := range s.v {
			vs[i] = "_"
			if !math.IsNaN(v) {
				vs[i] = strconv.FormatFloat(v, 'g', -1, 64)
			}
		}
		out = append(out, map[string]string{"series": s.key(), "values": strings.Join(vs, " ")})
	}
	return out
}

// synthCase is an alert whose firing condition the real run does not produce: the healthy run
// continued, with make changing the series the rule reads; labels are the labels the alert
// must fire with besides job, instance and severity.
type synthCase struct {
	alert    string
	severity string
	make     func(t *testing.T, ss *seriesSet) map[string]string
}

// synthCases are the rules TestObservability's run cannot make fire in the time of a test
// (docs/observability.md says why for each).
var synthCases = []synthCase{
	{"EIMModuleUnhealthy", "warning", func(t *testing.T, ss *seriesSet) map[string]string {
		s := ss.find("eim_component_healthy", map[string]string{"component": "module/hostmgr"})
		require.Len(t, s, 1, "the run reports the host manager's health")
		ss.tail(s[0], func(int) float64 { return 0 })
		return map[string]string{"component": "module/hostmgr"}
	}},
	{"EIMCredentialExpiring", "critical", func(t *testing.T, ss *seriesSet) map[string]string {
		s := ss.find("eim_secrets_lease_remaining_seconds", nil)
		require.Len(t, s, 1, "the run keeps the broker password's lease")
		// Ten minutes from expiry, every renewal and re-read failing: it counts down a minute a minute.
		ss.tail(s[0], func(i int) float64 { return max(0, 600-60*float64(i)) })
		return map[string]string{"secret": s[0].labels["secret"]}
	}},
	{"EIMLeaseRenewalFailing", "warning", func(t *testing.T, ss *seriesSet) map[string]string {
		require.Len(t, ss.find("eim_secrets_lease_renewals_total", map[string]string{"outcome": "error"}), 1, "the run exports failed renewals")
		ss.tail(ss.add("eim_secrets_lease_renewals_total", map[string]string{"outcome": "error"}, true), func(i int) float64 { return float64(i) })
		return map[string]string{"outcome": "error"}
	}},
	{"EIMKeySetRefreshFailing", "warning", func(t *testing.T, ss *seriesSet) map[string]string {
		ok := ss.find("eim_identity_jwks_refreshes_total", map[string]string{"outcome": "ok"})
		require.Len(t, ok, 1, "the run fetched the key set")
		ss.tail(ok[0], func(int) float64 { return 0 })
		ss.tail(ss.add("eim_identity_jwks_refreshes_total", map[string]string{"outcome": "error"}, true), func(i int) float64 { return float64(i) })
		return map[string]string{}
	}},
	{"EIMDeadLetters", "warning", func(t *testing.T, ss *seriesSet) map[string]string {
		acked := ss.find("eim_messaging_deliveries_total", map[string]string{"outcome": "acked"})
		require.NotEmpty(t, acked, "the run delivered events")
		l := maps.Clone(acked[0].labels)
		l["outcome"] = "dead_lettered"
		delete(l, "job")
		delete(l, "instance")
		ss.tail(ss.add("eim_messaging_deliveries_total", l, true), func(i int) float64 { return float64(i) })
		return map[string]string{"group": l["group"]}
	}},
	{"EIMConsumerLagHigh", "warning", func(t *testing.T, ss *seriesSet) map[string]string {
		count := ss.find("eim_messaging_delivery_lag_seconds_count", nil)
		require.NotEmpty(t, count, "the run measured consumer lag")
		group := count[0].labels["group"]
		const late = 1000 // deliveries a minute over 60 s old
		for _, s := range ss.find("eim_messaging_delivery_lag_seconds_bucket", map[string]string{"group": group}) {
			if le, err := strconv.ParseFloat(s.labels["le"], 64); err == nil && le > 60 {
				ss.tail(s, func(i int) float64 { return s.v[ss.healthy+i-1] - s.v[ss.healthy-1] + late*float64(i) })
			}
		}
		for _, s := range ss.find("eim_messaging_delivery_lag_seconds_count", map[string]string{"group": group}) {
			ss.tail(s, func(i int) float64 { return s.v[ss.healthy+i-1] - s.v[ss.healthy-1] + late*float64(i) })
		}
		return map[string]string{"group": group}
	}},
	{"EIMHostsLostConnection", "warning", func(t *testing.T, ss *seriesSet) map[string]string {
		hosts := 0.0
		for _, s := range ss.find("eim_hostmgr_hosts", nil) {
			hosts += s.v[ss.healthy-1]
			ss.tail(s, func(int) float64 { return 0 })
		}
		require.Positive(t, hosts, "the host manager knows the hosts")
		lost := ss.find("eim_hostmgr_hosts", map[string]string{"status": "no_connection"})
		require.Len(t, lost, 1)
		ss.tail(lost[0], func(int) float64 { return hosts })
		return map[string]string{}
	}},
	{"EIMAPIErrors", "warning", func(t *testing.T, ss *seriesSet) map[string]string {
		reqs := ss.find("eim_api_requests_total", nil)
		i := slices.IndexFunc(reqs, func(s *series) bool { return strings.HasPrefix(s.labels["code"], "2") })
		require.NotEqual(t, -1, i, "the run answered API requests")
		l := maps.Clone(reqs[i].labels)
		l["code"] = "500"
		delete(l, "job")
		delete(l, "instance")
		ss.tail(ss.add("eim_api_requests_total", l, true), func(i int) float64 { return 1000 * float64(i) })
		return map[string]string{}
	}},
}

// synthTests returns one promtool test per synthetic case: the healthy run's series continued
// quietly, changed by the case; at the end of the real part no alert fires, at the end of the
// tail the case's alert fires and no other.
func synthTests(t *testing.T, scrapes [][]byte, alerts []string, wanted map[string]bool) []any {
	var out []any
	for _, c := range synthCases {
		require.Contains(t, alerts, c.alert, "the rules file has %s", c.alert)
		ss := continueRun(t, scrapes, wanted)
		labels := c.make(t, ss)
		labels["severity"], labels["job"], labels["instance"] = c.severity, obsJob, obsInstance
		var cases []any
		for _, a := range alerts {
			exp := []any{}
			if a == c.alert {
				exp = append(exp, map[string]any{"exp_labels": labels})
			}
			cases = append(cases,
				map[string]any{"eval_time": fmt.Sprintf("%dm", ss.healthy-1), "alertname": a, "exp_alerts": []any{}},
				map[string]any{"eval_time": fmt.Sprintf("%dm", ss.healthy-1+synthTail), "alertname": a, "exp_alerts": exp})
		}
		out = append(out, map[string]any{"name": c.alert + " (synthetic tail)", "interval": "1m", "input_series": ss.input(), "alert_rule_test": cases})
	}
	return out
}
