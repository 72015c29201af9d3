package charts_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/test/testenv"
)

// TestInstallUpgradeTestUninstall installs the umbrella (profile onboarding, Keycloak/Vault/
// PostgreSQL/NATS with every credential in a Secret) into the test bed's real API server, where
// kwok runs the pods: helm install --wait (the migration hook Job runs first), no credential in
// a ConfigMap nor in helm get values, helm test (a /readyz pod per module), a values change rolling
// exactly the module it changes (checksum/config), an upgrade to another chart version running the
// migration hook again, and helm uninstall leaving nothing of the release behind.
func TestInstallUpgradeTestUninstall(t *testing.T) {
	k := kube{testenv.Kube(t), t}
	env := helmEnv(t, k.KubeServer)
	ns := k.namespace()
	secrets := map[string]string{}
	for _, s := range []struct{ name, key string }{{"eim-database", "password"}, {"eim-database", "ca.crt"}, {"vault-ca", "ca.crt"},
		{"eim-inventory-client", "client_secret"}, {"eim-nats", "password"}} {
		secrets[s.name+"/"+s.key] = testenv.Unique(t, "secret-value")
	}
	for _, name := range []string{"eim-database", "vault-ca", "eim-inventory-client", "eim-nats"} {
		data := map[string]string{}
		for ref, v := range secrets {
			if n, key, _ := strings.Cut(ref, "/"); n == name {
				data[key] = v
			}
		}
		k.secret(ns, name, "Opaque", data)
	}
	for _, name := range []string{"eim-southbound-tls", "eim-grpc-tls"} { // kwok's pods read no file: names suffice
		k.secret(ns, name, "Opaque", map[string]string{"tls.crt": "-", "tls.key": "-", "ca.crt": "-"})
	}
	// the service account the values name (global.serviceAccount.name: the one a Vault role is bound to)
	k.create("/api/v1/namespaces/"+ns+"/serviceaccounts", map[string]any{"metadata": map[string]any{"name": "eim"}})
	values := []string{"-f", "charts/testdata/providers/keycloak-vault-postgres-nats.yaml", "-f", "charts/eim/profiles/onboarding.yaml"}
	helmOK := func(args ...string) string {
		out, err := helmCmd(t, env, append(args, "--namespace", ns)...)
		require.NoError(t, err, "helm %s:\n%s", strings.Join(args, " "), out)
		return out
	}

	helmOK(append([]string{"install", "eim", "charts/eim", "--wait", "--timeout", "3m"}, values...)...)
	mods, err := module.EIM().Resolve("onboarding", allBuilt)
	require.NoError(t, err)
	var want []string
	for _, d := range mods {
		want = append(want, "eim-"+d.Name)
	}
	slices.Sort(want)
	require.Equal(t, want, names(k.deployments(ns)))
	k.awaitReady(t, ns)
	first := migrationRun(t, env, ns)
	assert.Equal(t, "Succeeded", first.Phase, "the migration Job ran before the modules")

	manifests := helmOK("get", "values", "eim", "--all", "-o", "json") + helmOK("get", "manifest", "eim")
	for _, cm := range k.list("/api/v1/namespaces/" + ns + "/configmaps") {
		b, err := json.Marshal(cm)
		require.NoError(t, err)
		manifests += string(b)
	}
	for ref, v := range secrets {
		assert.NotContains(t, manifests, v, "the value of Secret %s is in no ConfigMap, values or manifest", ref)
	}

	out := helmOK("test", "eim", "--timeout", "2m")
	assert.Equal(t, len(mods), strings.Count(out, "Phase:          Succeeded"), "one /readyz test pod per module:\n%s", out)

	before := k.deployments(ns)
	helmOK(append([]string{"upgrade", "eim", "charts/eim", "--wait", "--timeout", "3m", "--set", "api.logLevel=debug"}, values...)...)
	after := k.deployments(ns)
	for name := range before {
		changed := name == "eim-api"
		assert.Equal(t, changed, checksum(before[name]) != checksum(after[name]), "%s: only the changed module's eim.yaml changes", name)
		assert.Equal(t, changed, dig(before[name], "metadata", "generation") != dig(after[name], "metadata", "generation"),
			"%s: only the changed module rolls", name)
	}
	second := migrationRun(t, env, ns)

	next := chartVersion(t, "0.2.1")
	helmOK(append([]string{"upgrade", "eim", next, "--wait", "--timeout", "3m"}, values...)...)
	third := migrationRun(t, env, ns)
	assert.Equal(t, "Succeeded", third.Phase)
	assert.True(t, third.Started.After(second.Started), "the upgrade to chart 0.2.1 ran the migration hook again")
	assert.Contains(t, helmOK("history", "eim"), "eim-0.2.1")

	helmOK("uninstall", "eim", "--wait", "--timeout", "2m")
	for _, path := range []string{"/apis/apps/v1/namespaces/%s/deployments", "/apis/apps/v1/namespaces/%s/replicasets",
		"/api/v1/namespaces/%s/pods", "/api/v1/namespaces/%s/services", "/apis/batch/v1/namespaces/%s/jobs",
		"/apis/policy/v1/namespaces/%s/poddisruptionbudgets"} {
		assert.Empty(t, itemNames(k.list(strings.ReplaceAll(path, "%s", ns))), path)
	}
	assert.Equal(t, []string{"kube-root-ca.crt"}, itemNames(k.list("/api/v1/namespaces/"+ns+"/configmaps")))
	assert.Equal(t, []string{"default", "eim"}, itemNames(k.list("/api/v1/namespaces/"+ns+"/serviceaccounts")), "only the test's own")
	assert.Equal(t, []string{"eim-database", "eim-grpc-tls", "eim-inventory-client", "eim-nats", "eim-southbound-tls", "vault-ca"},
		itemNames(k.list("/api/v1/namespaces/"+ns+"/secrets")), "only the Secrets the test made: no release record left")
}

// deployments returns the Deployments of ns by name.
// awaitReady waits until every Deployment of ns reports its one replica ready. helm --wait
// judges a Deployment by its newest ReplicaSet; the Deployment's own status follows from the
// deployment controller a moment later, so one read right after helm returns can miss it on a
// busy machine (seen once in TestMigratedValuesInstall).
func (k kube) awaitReady(t *testing.T, ns string) {
	var notReady []string
	require.Eventually(t, func() bool {
		notReady = notReady[:0]
		for name, d := range k.deployments(ns) {
			if r, _ := dig(d, "status", "readyReplicas").(float64); r != 1 {
				notReady = append(notReady, name)
			}
		}
		return len(notReady) == 0
	}, 2*time.Minute, 250*time.Millisecond, "deployments without their replica ready: %v", &notReady)
}

func (k kube) deployments(ns string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, d := range k.list("/apis/apps/v1/namespaces/" + ns + "/deployments") {
		out[str(d, "metadata", "name")] = d
	}
	return out
}

func checksum(d map[string]any) string {
	return str(d, "spec", "template", "metadata", "annotations", "checksum/config")
}

func itemNames(items []map[string]any) []string {
	var out []string
	for _, i := range items {
		out = append(out, str(i, "metadata", "name"))
	}
	slices.Sort(out)
	return out
}

// hookRun is the last run of a release's hook, as helm status reports it.
type hookRun struct {
	Phase   string
	Started time.Time
}

// migrationRun returns the last run of the migration Job hook of release eim in ns.
func migrationRun(t *testing.T, env []string, ns string) hookRun {
	t.Helper()
	out, err := helmCmd(t, env, "status", "eim", "--namespace", ns, "-o", "json")
	require.NoError(t, err, out)
	var st struct {
		Hooks []struct {
			Kind    string `json:"kind"`
			Name    string `json:"name"`
			LastRun struct {
				Phase     string `json:"phase"`
				StartedAt string `json:"started_at"`
			} `json:"last_run"`
		} `json:"hooks"`
	}
	require.NoError(t, json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &st))
	for _, h := range st.Hooks {
		if h.Kind == "Job" && h.Name == "eim-migrate" {
			started, err := time.Parse(time.RFC3339Nano, h.LastRun.StartedAt)
			require.NoError(t, err, "the migration hook ran")
			return hookRun{Phase: h.LastRun.Phase, Started: started}
		}
	}
	t.Fatal("no migration hook in helm status")
	return hookRun{}
}

// chartVersion copies the umbrella (its library chart resolved) into a temporary directory with
// chart version v, as the next release of the chart would be, and returns its path.
func chartVersion(t *testing.T, v string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "eim")
	out, err := exec.Command("cp", "-rL", repoPath(t, "charts", "eim"), dst).CombinedOutput()
	require.NoError(t, err, "%s", out)
	f := filepath.Join(dst, "Chart.yaml")
	b, err := os.ReadFile(f)
	require.NoError(t, err)
	b = regexp.MustCompile(`(?m)^version: .*$`).ReplaceAll(b, []byte("version: "+v))
	require.NoError(t, os.WriteFile(f, b, 0o600))
	return dst
}
