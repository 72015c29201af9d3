package charts_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/eim-byoi/eim/test/testenv"
)

// rulesFile is the plain Prometheus rules file the chart ships.
const rulesFile = "eim/files/alerts/eim.rules.yaml"

// TestObservabilityContent: the Grafana dashboards and alert rules are off by default; the
// observability profile renders one ConfigMap per dashboard file, labelled for the Grafana
// sidecar and holding the file as it is, and a PrometheusRule whose spec is the rules file;
// promtool check rules accepts the rules file and the rendered PrometheusRule's groups.
func TestObservabilityContent(t *testing.T) {
	promtool := testenv.Promtool(t)
	dashboards, err := filepath.Glob(filepath.Join("eim", "files", "dashboards", "*.json"))
	require.NoError(t, err)
	require.Len(t, dashboards, 5, "fleet, identity, secrets, storage, messaging")

	objs, _ := helmTemplate(t, "charts/eim", "charts/testdata/providers/embedded.yaml", "charts/eim/profiles/day2.yaml")
	assert.Empty(t, byKind(objs, "PrometheusRule"), "off by default")
	for name, cm := range byKind(objs, "ConfigMap") {
		assert.Empty(t, str(cm, "metadata", "labels", "grafana_dashboard"), "%s: no dashboard by default", name)
	}

	objs, _ = helmTemplate(t, "charts/eim", "charts/testdata/providers/embedded.yaml", "charts/eim/profiles/observability.yaml")
	shipped := map[string]string{}
	for _, cm := range byKind(objs, "ConfigMap") {
		if str(cm, "metadata", "labels", "grafana_dashboard") != "1" {
			continue
		}
		for k, v := range cm["data"].(map[string]any) {
			shipped[k] = v.(string)
		}
	}
	require.Len(t, shipped, len(dashboards))
	for _, f := range dashboards {
		want, err := os.ReadFile(f)
		require.NoError(t, err)
		got, ok := shipped[filepath.Base(f)]
		require.True(t, ok, "%s is shipped", f)
		assert.JSONEq(t, string(want), got, f)
		var d struct{ UID, Title string }
		require.NoError(t, json.Unmarshal(want, &d), f)
		assert.NotEmpty(t, d.UID, f)
	}

	rules := byKind(objs, "PrometheusRule")
	require.Len(t, rules, 1)
	var rule obj
	for _, r := range rules {
		rule = r
	}
	text, err := os.ReadFile(rulesFile)
	require.NoError(t, err)
	var file map[string]any
	require.NoError(t, yaml.Unmarshal(text, &file))
	specJSON, err := json.Marshal(rule["spec"])
	require.NoError(t, err)
	fileJSON, err := json.Marshal(file)
	require.NoError(t, err)
	assert.JSONEq(t, string(fileJSON), string(specJSON), "the PrometheusRule holds the rules file")

	rendered := filepath.Join(t.TempDir(), "rendered.rules.yaml")
	b, err := yaml.Marshal(rule["spec"])
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(rendered, b, 0o600))
	for _, f := range []string{rulesFile, rendered} {
		out, err := exec.Command(promtool, "check", "rules", f).CombinedOutput()
		require.NoError(t, err, "promtool check rules %s:\n%s", f, out)
		assert.Contains(t, string(out), "SUCCESS", f)
	}
}
