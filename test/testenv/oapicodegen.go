package testenv

import (
	"os"
	"path/filepath"
)

// OapiCodegen returns the path of the pinned oapi-codegen binary,
// .tools/bin/oapi-codegen-<OAPI_CODEGEN_VERSION of scripts/deps/versions.env>, and that version,
// failing the test if it is missing.
func OapiCodegen(t TB) (path, version string) {
	t.Helper()
	version = Var(t, "OAPI_CODEGEN_VERSION")
	p := filepath.Join(toolsDir(t), "bin", "oapi-codegen-"+version)
	if fi, err := os.Stat(p); err != nil || fi.Mode()&0o111 == 0 {
		t.Fatalf("testenv: oapi-codegen %s is not installed at %s (%v). Fix: run `%s` in %s", version, p, err, FixCommand, RepoRoot(t))
	}
	return p, version
}
