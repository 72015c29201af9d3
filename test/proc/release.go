package proc

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Previous is the git commit of the previous release, as release/previous names it
// (docs/upgrade.md), resolved to a full commit id.
func Previous(t testing.TB) string {
	t.Helper()
	root := Root(t)
	b, err := os.ReadFile(filepath.Join(root, "release", "previous"))
	require.NoError(t, err)
	cmd := exec.Command("git", "rev-parse", "--verify", strings.TrimSpace(string(b))+"^{commit}")
	cmd.Dir = root
	out, err := cmd.Output()
	require.NoError(t, err, "release/previous names no commit of this repository")
	return strings.TrimSpace(string(out))
}

// Root is the repository root: the directory of the go.mod containing the working directory.
func Root(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	require.NoError(t, err)
	return filepath.Dir(strings.TrimSpace(string(out)))
}

// BuildAt builds ./cmd/eim of commit (a full id) from git and returns the binary, cached as
// .tools/eim-releases/<commit>/eim: the tree is extracted with git archive into a temporary
// directory and built there, then renamed into place, so concurrent tests never see half a binary.
func BuildAt(t testing.TB, commit string) string {
	t.Helper()
	root := Root(t)
	dir := filepath.Join(root, ".tools", "eim-releases", commit)
	bin := filepath.Join(dir, "eim")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	src := t.TempDir()
	archive := exec.Command("bash", "-c", `git archive "$1" | tar -x -C "$2"`, "archive", commit, src)
	archive.Dir = root
	out, err := archive.CombinedOutput()
	require.NoError(t, err, "git archive %s: %s", commit, out)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	tmp := filepath.Join(dir, "eim.tmp."+filepath.Base(src))
	build := exec.Command("go", "build", "-o", tmp, "./cmd/eim")
	build.Dir = src
	build.Env = append(os.Environ(), "GOFLAGS=-mod=readonly -buildvcs=false", "GOWORK=off")
	out, err = build.CombinedOutput()
	require.NoError(t, err, "go build of %s: %s", commit, out)
	require.NoError(t, os.Rename(tmp, bin))
	return bin
}
