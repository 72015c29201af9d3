package migrate

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzTranslate feeds arbitrary YAML, as legacy values of an umbrella release, of a chart, and
// as an EMF cluster file: Translate may reject it, but must never panic, and whatever it accepts
// must be accepted again in the new format.
func FuzzTranslate(f *testing.F) {
	for _, s := range []string{
		"", "null", "a: 1", "- 1\n- 2", "inventory: {postgresql: {ssl: false}}", "import: {inventory: {enabled: 'no'}}",
		"argo: {enabled: {infra-core: true}, database: {databases: [1, {name: inventory}]}}",
		"infra-core: {apiv2: {oidc: {oidc_server_url: ':/bad'}}}", "target: all\nproviders: {}", "1: {2: [3]}",
		"root: {clusterValues: [x.yaml]}", "a: &x {b: *x}", "? [a]\n: b", "infra-core: {inventory: {resources: [1]}}",
	} {
		f.Add([]byte(s), "")
		f.Add([]byte(s), "inventory")
	}
	for _, p := range []string{"infra-charts/onboarding-manager/values.yaml", "edge-manageability-framework/orch-configs/clusters/dev.yaml",
		"edge-manageability-framework/argocd/applications/configs/infra-core.yaml"} {
		if b, err := os.ReadFile(filepath.Join(legacyRel, p)); err == nil {
			f.Add(b, "")
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, chart string) {
		res, err := Translate(Input{Sources: []Source{{Name: "fuzz.yaml", Data: data, Chart: chart}}}, ChartValues)
		if err == nil {
			if _, err := Translate(Input{Sources: []Source{{Name: "out.yaml", Data: res.Output}}}, ChartValues); err != nil {
				t.Fatalf("the output does not read back: %v\n%s", err, res.Output)
			}
			_ = res.Report.Markdown()
		}
		fs := emfFS(string(data))
		fs["orch-configs/clusters/c.yaml"].Data = data
		_, _ = Translate(Input{EMF: &EMF{Root: fs, Cluster: "orch-configs/clusters/c.yaml"}}, EIMConfig)
	})
}
