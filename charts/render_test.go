package charts_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/eim-byoi/eim/charts/internal/chartgen"
	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/test/proc"
	"github.com/eim-byoi/eim/test/testenv"
)

// TestGeneratedFilesCurrent fails when a generated file of charts/ (the module graph, the values
// schema from the configuration types, the Chart.yaml files, the sub-charts) differs from what
// go generate ./charts writes now.
func TestGeneratedFilesCurrent(t *testing.T) {
	in, err := chartgen.ReadInput(".")
	require.NoError(t, err)
	out, err := chartgen.Generate(in)
	require.NoError(t, err)
	for p, want := range out.Files {
		got, err := os.ReadFile(p)
		require.NoError(t, err, "run go generate ./charts")
		assert.Equal(t, string(want), string(got), "%s is stale: run go generate ./charts", p)
	}
	for p, target := range out.Links {
		got, err := os.Readlink(p)
		require.NoError(t, err, "run go generate ./charts")
		assert.Equal(t, target, got, p)
	}
	for _, d := range module.EIM().Modules() {
		assert.DirExists(t, chartgen.SubChart(d.Name), "every module of the graph has its sub-chart")
	}
}

// TestChartVersionsAreVERSION checks every chart's version and appVersion against VERSION.
func TestChartVersionsAreVERSION(t *testing.T) {
	v, err := os.ReadFile(filepath.Join("..", "VERSION"))
	require.NoError(t, err)
	version := strings.TrimSpace(string(v))
	charts, err := filepath.Glob(filepath.Join("*", "Chart.yaml"))
	require.NoError(t, err)
	require.Len(t, charts, len(module.EIM().Modules())+2, "the umbrella, the library and one per module")
	for _, c := range charts {
		var meta struct {
			Version    string `yaml:"version"`
			AppVersion string `yaml:"appVersion"`
		}
		b, err := os.ReadFile(c)
		require.NoError(t, err)
		require.NoError(t, yaml.Unmarshal(b, &meta))
		assert.Equal(t, version, meta.Version, c)
		assert.Equal(t, version, meta.AppVersion, c)
	}
}

// moduleTarget is the --target running module m alone, as eim serve reads it.
func moduleTarget(m string) string {
	if _, isProfile := module.EIM().Profile(m); isProfile {
		return module.ModulePrefix + m
	}
	return m
}

// profileTarget reads target from a profile file (the umbrella's default, all, when it has none).
func profileTarget(t *testing.T, file string) string {
	t.Helper()
	var v struct {
		Target string `yaml:"target"`
	}
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(b, &v))
	if v.Target == "" {
		return "all"
	}
	return v.Target
}

func allBuilt(string) bool { return true }

// TestRenderProfilesAndProviders lints (--strict) and renders the umbrella for every profile of
// charts/eim/profiles with every provider combination of testdata/providers: the Deployments are
// exactly the modules eim serve resolves the target to, each pod is hardened and probed and rolls
// with its configuration, every manifest validates against the Kubernetes OpenAPI schemas
// (kubernetes-validate, offline) and every rendered eim.yaml passes eim config validate.
func TestRenderProfilesAndProviders(t *testing.T) {
	profiles, err := filepath.Glob(filepath.Join("eim", "profiles", "*.yaml"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(profiles), 6)
	combos, err := filepath.Glob(filepath.Join("testdata", "providers", "*.yaml"))
	require.NoError(t, err)
	require.Len(t, combos, 3)
	bin := proc.Build(t)
	dir := t.TempDir()
	var manifests []string
	for _, p := range profiles {
		for _, c := range combos {
			name := strings.TrimSuffix(filepath.Base(p), ".yaml") + "/" + strings.TrimSuffix(filepath.Base(c), ".yaml")
			t.Run(name, func(t *testing.T) {
				values := []string{filepath.Join("charts", c), filepath.Join("charts", p)}
				out, err := helmCmd(t, nil, "lint", "--strict", "charts/eim", "-f", values[0], "-f", values[1])
				require.NoError(t, err, out)
				objs, text := helmTemplate(t, "charts/eim", values...)
				f := filepath.Join(dir, strings.ReplaceAll(name, "/", "-")+".yaml")
				require.NoError(t, os.WriteFile(f, []byte(text), 0o600))
				manifests = append(manifests, f)
				mods, err := module.EIM().Resolve(profileTarget(t, p), allBuilt)
				require.NoError(t, err)
				checkRelease(t, bin, objs, deployedByDefault(t, mods))
			})
		}
	}
	validateManifests(t, manifests)
}

// checkRelease checks the objects of a release deploying mods.
func checkRelease(t *testing.T, bin string, objs []obj, mods []module.Descriptor) {
	t.Helper()
	deps, cms := byKind(objs, "Deployment"), byKind(objs, "ConfigMap")
	var want []string
	for _, d := range mods {
		want = append(want, "eim-"+d.Name)
	}
	slices.Sort(want)
	assert.Equal(t, want, names(deps), "one Deployment per module of the target")
	for _, d := range mods {
		dep := deps["eim-"+d.Name]
		cm := cms["eim-"+d.Name+"-config"]
		require.NotNil(t, cm, "the ConfigMap of %s", d.Name)
		config := str(cm, "data", "eim.yaml")
		checkPod(t, dep, d, config)
		validateConfig(t, bin, config)
	}
	job := byKind(objs, "Job")["eim-migrate"]
	require.NotNil(t, job, "the migration Job")
	assert.Equal(t, "pre-install,pre-upgrade", str(job, "metadata", "annotations", "helm.sh/hook"))
	assert.Equal(t, []any{"migrate", "db", "--config", "/etc/eim/eim.yaml"}, dig(job, "spec", "template", "spec", "containers").([]any)[0].(map[string]any)["args"])
	validateConfig(t, bin, str(cms["eim-migrate-config"], "data", "eim.yaml"))
	for _, o := range objs {
		if o.kind() == "Pod" {
			assert.Equal(t, "test", str(o, "metadata", "annotations", "helm.sh/hook"), "a bare Pod is a helm test hook: %s", o.name())
		}
	}
}

// checkPod checks a module's Deployment: its args, probes, hardening and config checksum.
func checkPod(t *testing.T, dep obj, d module.Descriptor, config string) {
	t.Helper()
	require.NotNil(t, dep, d.Name)
	tmpl := dig(dep, "spec", "template").(map[string]any)
	assert.Equal(t, sha256hex(config), str(tmpl, "metadata", "annotations", "checksum/config"), "the pods roll when eim.yaml changes")
	spec := tmpl["spec"].(map[string]any)
	assert.Equal(t, true, dig(spec, "securityContext", "runAsNonRoot"))
	assert.Equal(t, "RuntimeDefault", str(spec, "securityContext", "seccompProfile", "type"))
	c := spec["containers"].([]any)[0].(map[string]any)
	assert.Equal(t, []any{"serve", "--target=" + moduleTarget(d.Name), "--config", "/etc/eim/eim.yaml"}, c["args"])
	assert.Equal(t, "ghcr.io/eim-byoi/eim:"+version(t), c["image"])
	assert.Equal(t, false, dig(c, "securityContext", "allowPrivilegeEscalation"))
	assert.Equal(t, true, dig(c, "securityContext", "readOnlyRootFilesystem"))
	assert.Equal(t, []any{"ALL"}, dig(c, "securityContext", "capabilities", "drop"))
	assert.Equal(t, "/healthz", str(c, "livenessProbe", "httpGet", "path"))
	assert.Equal(t, "/healthz", str(c, "startupProbe", "httpGet", "path"))
	assert.Equal(t, "/readyz", str(c, "readinessProbe", "httpGet", "path"))
	var ports []string
	for _, p := range c["ports"].([]any) {
		ports = append(ports, p.(map[string]any)["name"].(string))
	}
	assert.Equal(t, d.Southbound, slices.Contains(ports, "southbound"), "the southbound port only on a southbound module")
	var cfg struct {
		Target string `yaml:"target"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(config), &cfg))
	assert.Equal(t, moduleTarget(d.Name), cfg.Target)
}

// validateConfig runs eim config validate on an eim.yaml.
func validateConfig(t *testing.T, bin, config string) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "eim.yaml")
	require.NoError(t, os.WriteFile(f, []byte(config), 0o600))
	out, err := exec.Command(bin, "config", "validate", "-f", f).CombinedOutput()
	require.NoError(t, err, "eim config validate:\n%s\n%s", out, config)
}

// validateManifests checks manifest files against the Kubernetes OpenAPI schemas (strict: an
// unknown field fails). Objects of custom resources (ServiceMonitor, PrometheusRule, Gateway API routes) have
// no schema there: each must be one the chart is known to render.
func validateManifests(t *testing.T, files []string) {
	t.Helper()
	if len(files) == 0 {
		return
	}
	cmd := exec.Command(testenv.KubernetesValidate(t), append([]string{"--strict", "--quiet", "-k", "1.37.0"}, files...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	for _, l := range strings.Split(out.String(), "\n") {
		if l == "" {
			continue
		}
		known := false
		for _, crd := range []string{"ServiceMonitor", "PrometheusRule", "HTTPRoute", "TLSRoute"} {
			known = known || strings.Contains(l, "Couldn't find schema for kind "+crd+" ")
		}
		assert.True(t, known, "kubernetes-validate: %s", l)
	}
	if err != nil {
		assert.NotContains(t, out.String(), "ERROR", "kubernetes-validate failed:\n%s", out.String())
	}
}

// TestArgoCDExample checks the Application of Applications: the root points at the child
// Applications of this version, one per module sub-chart.
func TestArgoCDExample(t *testing.T) {
	v, err := os.ReadFile(filepath.Join("..", "VERSION"))
	require.NoError(t, err)
	var root struct {
		Spec struct {
			Source struct {
				TargetRevision string `yaml:"targetRevision"`
				Path           string `yaml:"path"`
			} `yaml:"source"`
		} `yaml:"spec"`
	}
	b, err := os.ReadFile(filepath.Join("argocd", "root.yaml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(b, &root))
	assert.Equal(t, "v"+strings.TrimSpace(string(v)), root.Spec.Source.TargetRevision)
	assert.Equal(t, "charts/argocd/apps", root.Spec.Source.Path)
	apps, err := filepath.Glob(filepath.Join("argocd", "apps", "*.yaml"))
	require.NoError(t, err)
	assert.Len(t, apps, len(module.EIM().Modules()))
}
