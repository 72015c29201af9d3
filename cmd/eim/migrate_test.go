package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// emfRoot is the EMF checkout in the shared legacy data beside the repository.
func emfRoot(t *testing.T) string {
	t.Helper()
	root := filepath.Join("..", "..", "..", "shared", "legacy", "edge-manageability-framework")
	_, err := os.Stat(filepath.Join(root, "orch-configs", "clusters", "dev.yaml"))
	require.NoError(t, err, "the legacy inputs must be in ../shared/legacy beside the repository")
	return root
}

func TestMigrateEMFCluster(t *testing.T) {
	dir := t.TempDir()
	out, report := filepath.Join(dir, "values.yaml"), filepath.Join(dir, "report.json")
	cluster := filepath.Join(emfRoot(t), "orch-configs", "clusters", "onprem-oxm.yaml")
	stdout, stderr, err := run(t, "migrate", "helm-values", "--emf-cluster", cluster, "-o", out, "--report", report, "--report-format", "json", "--strict")
	require.NoError(t, err)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "0 unknown")
	body, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Contains(t, string(body), "target: inventory,api,onboarding,hostmgr,maintenance,osresource,tenant\n", "every module but oob: the cluster runs no AMT")
	var rep struct {
		Summary struct{ Keys int } `json:"summary"`
	}
	raw, err := os.ReadFile(report)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &rep))
	assert.Positive(t, rep.Summary.Keys)

	_, _, err = run(t, "migrate", "helm-values", "--emf-cluster", "orch-configs/clusters/dev.yaml", "--emf-root", emfRoot(t), "-o", out, "--check")
	assert.Equal(t, 1, exitCode(err), "another cluster's output differs")
	assert.ErrorContains(t, err, "is out of date")
	_, _, err = run(t, "migrate", "helm-values", "--emf-cluster", cluster, "-o", out, "--check")
	assert.NoError(t, err, "unchanged output passes --check")
	_, _, err = run(t, "migrate", "helm-values", "--emf-cluster", cluster, "-o", filepath.Join(dir, "none.yaml"), "--check")
	assert.Equal(t, 1, exitCode(err))
	assert.ErrorContains(t, err, "does not exist")

	again, _, err := run(t, "migrate", "helm-values", "-f", out)
	require.NoError(t, err)
	assert.Equal(t, string(body), again, "migrating the output again changes nothing")
}

func TestMigrateValuesFiles(t *testing.T) {
	dir := t.TempDir()
	chartDir := filepath.Join(dir, "host-manager")
	require.NoError(t, os.Mkdir(chartDir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(chartDir, "Chart.yaml"), []byte("name: host-manager\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(chartDir, "values.yaml"), []byte("globalLogLevel: debug\n"), 0o644))
	inv := filepath.Join(dir, "inv.yaml")
	require.NoError(t, os.WriteFile(inv, []byte("replicaCount: 2\n"), 0o644))

	stdout, _, err := run(t, "migrate", "helm-values", "-f", filepath.Join(chartDir, "values.yaml"), "-f", "inventory="+inv, "--format", "eim-config")
	require.NoError(t, err)
	assert.Contains(t, stdout, "target: inventory,hostmgr\n")
	assert.Contains(t, stdout, "level: debug")

	stdout, _, err = run(t, "migrate", "helm-values", "-f", filepath.Join(chartDir, "values.yaml"), "-f", "inventory="+inv, "--format", "terraform")
	require.NoError(t, err)
	var vars map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &vars), "a terraform.tfvars.json: %s", stdout)
	assert.Equal(t, "inventory,hostmgr", vars["target"])
	assert.Equal(t, map[string]any{"log": map[string]any{"level": "debug"}, "telemetry": map[string]any{"enabled": false}}, vars["config"],
		"the legacy values trace nothing: telemetry says off")

	report := filepath.Join(dir, "r.md")
	unknown := filepath.Join(dir, "u.yaml")
	require.NoError(t, os.WriteFile(unknown, []byte("surprise: {key: 1}\ninventory: {replicaCount: 2}\n"), 0o644))
	_, stderr, err := run(t, "migrate", "helm-values", "-f", unknown, "--strict", "--report", report)
	assert.Equal(t, 2, exitCode(err))
	assert.ErrorContains(t, err, "surprise.key")
	assert.Contains(t, stderr, "1 unknown")
	md, rerr := os.ReadFile(report)
	require.NoError(t, rerr, "the report is written even when --strict fails")
	assert.Contains(t, string(md), "`surprise.key`")
}

func TestMigrateErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("a:\n  b: 1\n c: [\n"), 0o644))
	_, _, err := run(t, "migrate", "helm-values", "-f", bad)
	assert.Equal(t, 1, exitCode(err))
	assert.ErrorContains(t, err, bad+":3:2: ")

	cluster := filepath.Join(dir, "orch-configs", "clusters", "x.yaml")
	require.NoError(t, os.MkdirAll(filepath.Dir(cluster), 0o755))
	require.NoError(t, os.WriteFile(cluster, []byte("root: {clusterValues: [orch-configs/profiles/missing.yaml]}\n"), 0o644))
	_, _, err = run(t, "migrate", "helm-values", "--emf-cluster", cluster)
	assert.ErrorContains(t, err, "orch-configs/clusters/x.yaml: root.clusterValues lists orch-configs/profiles/missing.yaml, which does not exist")

	for _, c := range []struct {
		args []string
		msg  string
	}{
		{nil, "nothing to migrate"},
		{[]string{"-f", bad, "--check"}, "--check needs -o FILE"},
		{[]string{"-f", bad, "--format", "toml"}, `unknown --format "toml"`},
		{[]string{"-f", bad, "--report-format", "html"}, `unknown --report-format "html"`},
		{[]string{"--emf-root", dir}, "nothing to migrate"},
		{[]string{"-f", filepath.Join(dir, "absent.yaml")}, "read values"},
	} {
		_, _, err := run(t, append([]string{"migrate", "helm-values"}, c.args...)...)
		assert.ErrorContains(t, err, c.msg, c.args)
	}
}

// TestMigrateNothingToMigrate (issue 24, item 1): an empty values file, an empty EMF cluster file
// and a cluster file without root.clusterValues exit 1 and write neither output nor report.
func TestMigrateNothingToMigrate(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.yaml")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	clusters := filepath.Join(dir, "orch-configs", "clusters")
	require.NoError(t, os.MkdirAll(clusters, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(clusters, "empty.yaml"), nil, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(clusters, "nolist.yaml"), []byte("root: {useLocalValues: true}\nargo: {clusterDomain: x.example, project: x}\n"), 0o644))
	out, report := filepath.Join(dir, "out.yaml"), filepath.Join(dir, "report.md")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-f", empty}, empty + " holds no values (an empty document)"},
		{[]string{"--emf-cluster", filepath.Join(clusters, "empty.yaml")}, "the EMF cluster orch-configs/clusters/empty.yaml deploys no EIM"},
		{[]string{"--emf-cluster", filepath.Join(clusters, "nolist.yaml"), "--format", "eim-config"}, "(it has no root.clusterValues"},
	} {
		stdout, _, err := run(t, append([]string{"migrate", "helm-values", "-o", out, "--report", report}, c.args...)...)
		assert.Equal(t, 1, exitCode(err), c.args)
		assert.ErrorContains(t, err, "nothing to migrate: ")
		assert.ErrorContains(t, err, c.want)
		assert.Empty(t, stdout)
		assert.NoFileExists(t, out)
		assert.NoFileExists(t, report)
	}
}

// TestMigrateSummaryNamesLostWorkflows (issue 24, item 8): the summary line on standard error
// names the out-of-band (AMT) workflow a cluster ran that the target does not provide.
func TestMigrateSummaryNamesLostWorkflows(t *testing.T) {
	_, stderr, err := run(t, "migrate", "helm-values", "--emf-cluster", filepath.Join(emfRoot(t), "orch-configs", "clusters", "dev.yaml"), "-o", filepath.Join(t.TempDir(), "v.yaml"))
	require.NoError(t, err)
	assert.Contains(t, stderr, "workflow(s) the legacy deployment ran that the target does not provide: Out-of-band management (Intel vPro/AMT)")
}
