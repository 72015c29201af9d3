package charts_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/test/testenv"
)

// obj is one rendered Kubernetes object.
type obj map[string]any

func (o obj) kind() string { return str(o, "kind") }
func (o obj) name() string { return str(o, "metadata", "name") }

// str returns the string at path in m ("" when absent).
func str(m map[string]any, path ...string) string {
	s, _ := dig(m, path...).(string)
	return s
}

// dig returns the value at path in m, or nil.
func dig(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

// helmCmd runs helm with args in the repository root, with extra environment; it returns the
// combined output and the error.
func helmCmd(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(testenv.Helm(t), args...)
	cmd.Dir = testenv.RepoRoot(t)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return dropSymlinkNotes(out.String()), err
}

// dropSymlinkNotes removes helm's notes that a chart's charts/eim-common is a symbolic link
// (to the library chart beside it, by design).
func dropSymlinkNotes(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.Contains(l, "found symbolic link in path") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// helmTemplate renders chart (a path below the repository root) with the values files, and
// returns the objects and the manifest text.
func helmTemplate(t *testing.T, chart string, values ...string) ([]obj, string) {
	t.Helper()
	args := []string{"template", "eim", chart, "--namespace", "eim"}
	for _, v := range values {
		args = append(args, "-f", v)
	}
	cmd := exec.Command(testenv.Helm(t), args...)
	cmd.Dir = testenv.RepoRoot(t)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	require.NoError(t, cmd.Run(), "helm %s:\n%s", strings.Join(args, " "), dropSymlinkNotes(stderr.String()))
	return decodeObjects(t, out.Bytes()), out.String()
}

// decodeObjects splits a multi-document manifest into objects.
func decodeObjects(t *testing.T, b []byte) []obj {
	t.Helper()
	var out []obj
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var m map[string]any // not obj: yaml.v3 would decode the nested mappings as obj too
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		if m != nil {
			out = append(out, obj(m))
		}
	}
}

// byKind returns the objects of kind, by name.
func byKind(objs []obj, kind string) map[string]obj {
	out := map[string]obj{}
	for _, o := range objs {
		if o.kind() == kind {
			out[o.name()] = o
		}
	}
	return out
}

// names returns the sorted keys of m.
func names[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sha256hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// repoPath is a path below the repository root.
func repoPath(t *testing.T, elem ...string) string {
	t.Helper()
	return filepath.Join(append([]string{testenv.RepoRoot(t)}, elem...)...)
}

// deployedByDefault keeps the modules of mods that charts/eim deploys when the values leave
// their block's enabled alone: those whose default block does not say enabled: false (oob,
// which needs the customer's MPS and RPS).
func deployedByDefault(t *testing.T, mods []module.Descriptor) []module.Descriptor {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("eim", "values.yaml"))
	require.NoError(t, err)
	var values map[string]any
	require.NoError(t, yaml.Unmarshal(raw, &values))
	var out []module.Descriptor
	for _, d := range mods {
		if block, ok := values[d.Name].(map[string]any); ok && block["enabled"] == false {
			continue
		}
		out = append(out, d)
	}
	return out
}

// version is the content of VERSION: every chart's version and its image tag.
func version(t *testing.T) string {
	t.Helper()
	v, err := os.ReadFile(filepath.Join("..", "VERSION"))
	require.NoError(t, err)
	return strings.TrimSpace(string(v))
}
