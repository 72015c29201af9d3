package migrate

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// update regenerates the golden files and the generated section of docs/migration.md.
var update = flag.Bool("update", false, "regenerate golden files and the mapping table in docs/migration.md")

// legacyRel is the legacy data, relative to this package: the repository's parent holds shared/.
const legacyRel = "../../shared/legacy"

// legacyRoot returns the legacy data directory; the tests need it and fail without it.
func legacyRoot(t *testing.T) string {
	t.Helper()
	st, err := os.Stat(filepath.Join(legacyRel, "README.md"))
	require.NoError(t, err, "the legacy inputs must be at %s (the repository's parent directory holds shared/legacy; CI clones shared/ beside the repository)", legacyRel)
	require.False(t, st.IsDir())
	return legacyRel
}

// goldenCase is one real legacy input (or a variant of one) and the name of its golden files.
type goldenCase struct {
	name    string
	in      Input
	variant bool
}

// goldenCases lists every real legacy values input: each infra chart's values (with its
// Chart.yaml name), each EMF application config (as that application's values), each EMF
// profile, the orch-utils platform charts' values, and both EMF clusters.
func goldenCases(t *testing.T) []goldenCase {
	t.Helper()
	root := legacyRoot(t)
	var out []goldenCase
	add := func(prefix, pattern string, chart func(file string) string) {
		files, err := filepath.Glob(filepath.Join(root, pattern))
		require.NoError(t, err)
		require.NotEmpty(t, files, pattern)
		for _, f := range files {
			rel, err := filepath.Rel(root, f)
			require.NoError(t, err)
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			name := prefix + "/" + strings.NewReplacer("/values.yaml", "", "/charts/", "-", ".yaml", "").Replace(strings.TrimPrefix(rel, strings.SplitN(pattern, "*", 2)[0]))
			out = append(out, goldenCase{name: name, in: Input{Sources: []Source{{Name: rel, Data: data, Chart: chart(f)}}}})
		}
	}
	chartYAML := func(f string) string {
		data, err := os.ReadFile(filepath.Join(filepath.Dir(f), "Chart.yaml"))
		require.NoError(t, err)
		var c struct {
			Name string `yaml:"name"`
		}
		require.NoError(t, yaml.Unmarshal(data, &c))
		return c.Name
	}
	baseName := func(f string) string { return strings.TrimSuffix(filepath.Base(f), ".yaml") }
	dirName := func(f string) string { return filepath.Base(filepath.Dir(f)) }
	add("infra-charts", "infra-charts/*/values.yaml", chartYAML)
	add("infra-charts", "infra-charts/*/charts/*/values.yaml", chartYAML)
	add("emf-configs", "edge-manageability-framework/argocd/applications/configs/*.yaml", baseName)
	add("emf-profiles", "edge-manageability-framework/orch-configs/profiles/*.yaml", func(string) string { return "" })
	add("orch-utils", "orch-utils/charts/*/values.yaml", dirName)
	for _, c := range emfClusters(t) {
		out = append(out, goldenCase{name: "emf-clusters/" + c, in: clusterInput(t, c)})
	}
	for _, c := range emfVariants(t) {
		out = append(out, goldenCase{name: "emf-variants/" + c, in: variantInput(t, c), variant: true})
	}
	return out
}

// variantsDir holds the EMF cluster variants (issue 24), laid over the real EMF checkout.
const variantsDir = "testdata/emf-variants"

// emfVariants lists the cluster variants by name.
func emfVariants(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(variantsDir, "orch-configs/clusters/*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var out []string
	for _, f := range files {
		out = append(out, strings.TrimSuffix(filepath.Base(f), ".yaml"))
	}
	return out
}

// variantInput is a cluster variant resolved against the real EMF checkout with the variants'
// files laid over it.
func variantInput(t *testing.T, name string) Input {
	t.Helper()
	return Input{EMF: &EMF{
		Root:    overlayFS{top: os.DirFS(variantsDir), base: os.DirFS(filepath.Join(legacyRoot(t), "edge-manageability-framework"))},
		Cluster: "orch-configs/clusters/" + name + ".yaml",
	}}
}

// overlayFS serves top's files, and base's where top has none.
type overlayFS struct{ top, base fs.FS }

func (o overlayFS) Open(name string) (fs.File, error) {
	f, err := o.top.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return o.base.Open(name)
	}
	return f, err
}

// emfClusters lists the EMF cluster files by name.
func emfClusters(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(legacyRoot(t), "edge-manageability-framework/orch-configs/clusters/*.yaml"))
	require.NoError(t, err)
	require.Len(t, files, 2, "both EMF cluster files")
	var out []string
	for _, f := range files {
		out = append(out, strings.TrimSuffix(filepath.Base(f), ".yaml"))
	}
	return out
}

func clusterInput(t *testing.T, name string) Input {
	t.Helper()
	return Input{EMF: &EMF{
		Root:    os.DirFS(filepath.Join(legacyRoot(t), "edge-manageability-framework")),
		Cluster: "orch-configs/clusters/" + name + ".yaml",
	}}
}

// golden compares got with testdata/golden/<name>, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file: run go test ./migrate -update")
	require.Equal(t, string(want), string(got), "%s differs: run go test ./migrate -update and review the diff", path)
}

// translate runs Translate and fails the test on error.
func translate(t *testing.T, in Input, f Format) *Result {
	t.Helper()
	res, err := Translate(in, f)
	require.NoError(t, err)
	return res
}

// values parses a YAML output document.
func values(t *testing.T, out []byte) Tree {
	t.Helper()
	tr, err := parseTree("output", out)
	require.NoError(t, err)
	return tr
}
