package e2e_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/eim-byoi/eim/test/testenv"
)

const (
	// obsHealthySamples is how many scrapes the healthy run gives the rule tests.
	obsHealthySamples = 8
	// obsFaultSamples is the least number of scrapes after the fault: the rules' windows and
	// for-durations (at most 5m + 5m) fit in them at one minute a scrape.
	obsFaultSamples = 14
	// obsDownSamples is how many scrapes at the end must show the broker down and the process
	// not ready (EIMBackendDown waits 2m, EIMNotReady 5m).
	obsDownSamples = 7
	// obsJob and obsInstance are the target labels Prometheus would add to every series.
	obsJob, obsInstance = "eim", "eim-0:8080"
)

// rulesPath is the plain rules file the umbrella chart ships.
var rulesPath = filepath.Join("..", "..", "charts", "eim", "files", "alerts", "eim.rules.yaml")

func sleepScrape() { time.Sleep(time.Second) }

// ruleFile is a Prometheus rules file, as far as the test reads and rewrites it.
type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for,omitempty"`
			Labels      map[string]string `yaml:"labels,omitempty"`
			Annotations map[string]string `yaml:"annotations,omitempty"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// checkAlertRules stops the simulated agents and the broker while REST writes go on, scrapes
// until the broker has been reported down for a while, and has promtool test rules evaluate the
// shipped rules on every scrape of the run (one scrape a minute: the real run is compressed in
// time, its values are as scraped). At the end of the healthy part no alert fires; at the end
// EIMBackendDown (the broker), EIMNotReady, EIMOutboxBacklogGrowing and EIMHeartbeatsMissing
// fire and no other. Each other rule fires, alone, in a promtool test of its own whose input is
// the healthy part continued by a synthetic tail (synthCases). promtool check rules accepts the file as shipped (annotation templates
// included); the rule tests run on a copy without annotations, so that the expected alerts are
// their labels.
func checkAlertRules(t *testing.T, r *obsRun, healthy int) {
	promtool := testenv.Promtool(t)
	out, err := exec.Command(promtool, "check", "rules", rulesPath).CombinedOutput()
	require.NoError(t, err, "promtool check rules:\n%s", out)

	r.stopAgents()
	r.nats.Stop(t)
	s := r.site
	down := 0
	for i := 0; ; i++ {
		require.Less(t, i, 120, "the broker was not reported down and the process not unready for %d scrapes in a row", obsDownSamples)
		r.api.create(t, s.name, s.operator, "regions", map[string]any{"name": fmt.Sprintf("fault-%d", i)})
		fams := r.scrape()
		nats, _ := value(fams, "eim_component_healthy", map[string]string{"component": "provider/messaging/nats"})
		ready, _ := value(fams, "eim_ready", nil)
		if nats == 0 && ready == 0 {
			down++
		} else {
			down = 0
		}
		if i+1 >= obsFaultSamples && down >= obsDownSamples {
			break
		}
		sleepScrape()
	}
	pending, _ := value(parseMap(t, r.scrapes[len(r.scrapes)-1]), "eim_outbox_pending_events", nil)
	require.Positive(t, pending, "the writes wait in the outbox")

	dir := t.TempDir()
	rules := writeRulesWithoutAnnotations(t, dir)
	alerts := alertNames(t, rules)
	end := len(r.scrapes) - 1
	firing := map[string][]map[string]string{
		"EIMBackendDown":          {{"component": "provider/messaging/nats", "severity": "critical", "job": obsJob, "instance": obsInstance}},
		"EIMNotReady":             {{"severity": "critical", "job": obsJob, "instance": obsInstance}},
		"EIMOutboxBacklogGrowing": {{"severity": "warning", "job": obsJob, "instance": obsInstance}},
		"EIMHeartbeatsMissing":    {{"severity": "critical", "job": obsJob, "instance": obsInstance}},
	}
	var cases []map[string]any
	for _, a := range alerts {
		cases = append(cases, map[string]any{"eval_time": fmt.Sprintf("%dm", healthy-1), "alertname": a, "exp_alerts": []any{}})
		exp := []any{}
		for _, l := range firing[a] {
			exp = append(exp, map[string]any{"exp_labels": l})
		}
		cases = append(cases, map[string]any{"eval_time": fmt.Sprintf("%dm", end), "alertname": a, "exp_alerts": exp})
	}
	for a := range firing {
		require.Contains(t, alerts, a, "the rules file has %s", a)
	}
	wanted := ruleFamilies(t, rules)
	tests := append([]any{map[string]any{
		"name":            "real run: healthy, then agents and broker stopped",
		"interval":        "1m",
		"input_series":    inputSeries(t, r.scrapes, wanted),
		"alert_rule_test": cases,
	}}, synthTests(t, r.scrapes[:healthy], alerts, wanted)...)
	covered := map[string]bool{}
	for a := range firing {
		covered[a] = true
	}
	for _, c := range synthCases {
		covered[c.alert] = true
	}
	for _, a := range alerts {
		assert.True(t, covered[a], "%s is seen firing by a real or a synthetic case", a)
	}
	test := map[string]any{
		"rule_files":          []string{filepath.Base(rules)},
		"evaluation_interval": "1m",
		"tests":               tests,
	}
	b, err := yaml.Marshal(test)
	require.NoError(t, err)
	testFile := filepath.Join(dir, "eim.rules.test.yaml")
	require.NoError(t, os.WriteFile(testFile, b, 0o600))
	cmd := exec.Command(promtool, "test", "rules", filepath.Base(testFile))
	cmd.Dir = dir
	out, err = cmd.CombinedOutput()
	assert.NoError(t, err, "promtool test rules (%d scrapes, %d healthy):\n%s", len(r.scrapes), healthy, out)
	assert.Contains(t, string(out), "SUCCESS")
}

// writeRulesWithoutAnnotations writes the shipped rules without their annotations into dir.
func writeRulesWithoutAnnotations(t *testing.T, dir string) string {
	b, err := os.ReadFile(rulesPath)
	require.NoError(t, err)
	var f ruleFile
	require.NoError(t, yaml.Unmarshal(b, &f))
	for gi := range f.Groups {
		for ri := range f.Groups[gi].Rules {
			f.Groups[gi].Rules[ri].Annotations = nil
		}
	}
	out, err := yaml.Marshal(f)
	require.NoError(t, err)
	p := filepath.Join(dir, "eim.rules.yaml")
	require.NoError(t, os.WriteFile(p, out, 0o600))
	return p
}

func readRules(t *testing.T, path string) ruleFile {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var f ruleFile
	require.NoError(t, yaml.Unmarshal(b, &f))
	return f
}

// alertNames returns the alerts of a rules file.
func alertNames(t *testing.T, path string) []string {
	var out []string
	for _, g := range readRules(t, path).Groups {
		for _, r := range g.Rules {
			out = append(out, r.Alert)
		}
	}
	return out
}

// ruleFamilies returns the metric families the rules' expressions select (a histogram's by
// its family name), each expression parsed as PromQL.
func ruleFamilies(t *testing.T, path string) map[string]bool {
	out := map[string]bool{}
	for _, g := range readRules(t, path).Groups {
		for _, r := range g.Rules {
			expr, err := promQL().ParseExpr(r.Expr)
			require.NoError(t, err, r.Alert)
			for _, n := range metricNames(expr) {
				out[strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(n, "_bucket"), "_sum"), "_count")] = true
			}
		}
	}
	return out
}

// inputSeries turns the scrapes into promtool input series of the families wanted: one value
// per scrape ("_" where the series was absent), with the job and instance labels of a target.
func inputSeries(t *testing.T, scrapes [][]byte, wanted map[string]bool) []any {
	values := map[string][]string{}
	for i, s := range scrapes {
		for _, f := range parseFamilies(t, s) {
			if !wanted[f.GetName()] {
				continue
			}
			for _, m := range f.GetMetric() {
				for series, v := range samples(f.GetName(), m) {
					if values[series] == nil {
						values[series] = slices.Repeat([]string{"_"}, len(scrapes))
					}
					values[series][i] = strconv.FormatFloat(v, 'g', -1, 64)
				}
			}
		}
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]any, 0, len(keys))
	for _, k := range keys {
		out = append(out, map[string]string{"series": k, "values": strings.Join(values[k], " ")})
	}
	require.NotEmpty(t, out)
	return out
}

// samples returns the series of one metric: itself, or a histogram's buckets, sum and count.
func samples(name string, m *dto.Metric) map[string]float64 {
	labels := []string{fmt.Sprintf("job=%q", obsJob), fmt.Sprintf("instance=%q", obsInstance)}
	for _, l := range m.GetLabel() {
		if labelName.MatchString(l.GetName()) {
			labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
		}
	}
	series := func(n string, extra ...string) string {
		return n + "{" + strings.Join(append(slices.Clone(labels), extra...), ",") + "}"
	}
	switch {
	case m.GetGauge() != nil:
		return map[string]float64{series(name): m.GetGauge().GetValue()}
	case m.GetCounter() != nil:
		return map[string]float64{series(name): m.GetCounter().GetValue()}
	case m.GetHistogram() != nil:
		h := m.GetHistogram()
		out := map[string]float64{series(name + "_sum"): h.GetSampleSum(), series(name + "_count"): float64(h.GetSampleCount()),
			series(name+"_bucket", `le="+Inf"`): float64(h.GetSampleCount())}
		for _, b := range h.GetBucket() {
			out[series(name+"_bucket", fmt.Sprintf("le=%q", strconv.FormatFloat(b.GetUpperBound(), 'g', -1, 64)))] = float64(b.GetCumulativeCount())
		}
		return out
	}
	return nil
}

func parseMap(t *testing.T, body []byte) map[string]*dto.MetricFamily {
	out := map[string]*dto.MetricFamily{}
	for _, f := range parseFamilies(t, body) {
		out[f.GetName()] = f
	}
	return out
}
