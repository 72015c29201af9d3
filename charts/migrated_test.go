package charts_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/test/testenv"
)

// TestMigratedValuesInstall (issue 24: the output must deploy): the chart values `eim migrate
// helm-values` writes for each EMF cluster and each variant of them, with the inputs the report asks for supplied (every
// NEEDS-INPUT value replaced), install into the test bed's API server with the Secrets and the
// service account they name, and uninstall.
func TestMigratedValuesInstall(t *testing.T) {
	golden, err := filepath.Glob(repoPath(t, "migrate", "testdata", "golden", "emf-clusters", "*.values.yaml"))
	require.NoError(t, err)
	variants, err := filepath.Glob(repoPath(t, "migrate", "testdata", "golden", "emf-variants", "*.values.yaml"))
	require.NoError(t, err)
	golden = append(golden, variants...)
	require.NotEmpty(t, golden)
	k := kube{testenv.Kube(t), t}
	env := helmEnv(t, k.KubeServer)
	for _, g := range golden {
		t.Run(strings.TrimSuffix(filepath.Base(g), ".values.yaml"), func(t *testing.T) {
			raw, err := os.ReadFile(g)
			require.NoError(t, err)
			var values map[string]any
			require.NoError(t, yaml.Unmarshal(raw, &values))
			supplied := supplyInputs(values)
			require.Positive(t, supplied, "the migrated values of an EMF cluster need input")
			out, err := yaml.Marshal(values)
			require.NoError(t, err)
			require.NotContains(t, string(out), config.PlaceholderPrefix)
			f := filepath.Join(t.TempDir(), "values.yaml")
			require.NoError(t, os.WriteFile(f, out, 0o600))

			ns := k.namespace()
			if sa := str(values, "global", "serviceAccount", "name"); sa != "" {
				k.create("/api/v1/namespaces/"+ns+"/serviceaccounts", map[string]any{"metadata": map[string]any{"name": sa}})
			}
			mounts, _ := dig(values, "global", "secretMounts").([]any)
			for _, m := range mounts {
				k.secret(ns, str(m.(map[string]any), "secretName"), "Opaque", map[string]string{"value": "-"})
			}
			helm := func(args ...string) {
				out, err := helmCmd(t, env, append(args, "--namespace", ns)...)
				require.NoError(t, err, "helm %s:\n%s", strings.Join(args, " "), out)
			}
			helm("install", "eim", "charts/eim", "-f", f, "--wait", "--timeout", "3m")
			assert.NotEmpty(t, k.deployments(ns))
			k.awaitReady(t, ns)
			helm("uninstall", "eim", "--wait", "--timeout", "2m")
		})
	}
}

// supplyInputs replaces every NEEDS-INPUT value of v by a value of the shape its key asks for
// (an https:// URL for a url or address, a name otherwise) and returns how many it replaced.
func supplyInputs(v map[string]any) int {
	n := 0
	var walk func(key string, x any) any
	walk = func(key string, x any) any {
		switch y := x.(type) {
		case map[string]any:
			for k, e := range y {
				y[k] = walk(k, e)
			}
		case []any:
			for i, e := range y {
				y[i] = walk(key, e)
			}
		case string:
			if _, ok := config.IsPlaceholder(y); ok {
				n++
				if k := strings.ToLower(key); strings.Contains(k, "url") || strings.Contains(k, "address") || k == "issuer" {
					return "https://" + strings.ToLower(key) + ".example.com"
				}
				return "supplied-" + strings.ToLower(key)
			}
		}
		return x
	}
	walk("", v)
	return n
}
