package testenv

import (
	"os"
	"path/filepath"
)

// Promtool returns the path of the pinned promtool binary (.tools/bin/promtool, built from the Go
// module proxy by scripts/deps/tools/promtool), failing the test if it is missing.
func Promtool(t TB) string {
	t.Helper()
	p := filepath.Join(toolsDir(t), "bin", "promtool")
	if fi, err := os.Stat(p); err != nil || fi.Mode()&0o111 == 0 {
		t.Fatalf("testenv: promtool is not installed at %s (%v). Fix: run `%s` in %s", p, err, FixCommand, RepoRoot(t))
	}
	return p
}
