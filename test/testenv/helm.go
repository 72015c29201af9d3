package testenv

import (
	"os"
	"path/filepath"
)

// Helm returns the path of the pinned helm binary (.tools/bin/helm), failing the test if it is missing.
func Helm(t TB) string {
	t.Helper()
	p := filepath.Join(toolsDir(t), "bin", "helm")
	if fi, err := os.Stat(p); err != nil || fi.Mode()&0o111 == 0 {
		t.Fatalf("testenv: helm is not installed at %s (%v). Fix: run `%s` in %s", p, err, FixCommand, RepoRoot(t))
	}
	return p
}
