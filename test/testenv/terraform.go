package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
)

// Tofu returns the path of the pinned OpenTofu binary (.tools/bin/tofu, built by make deps),
// failing the test if it is missing.
func Tofu(t TB) string {
	t.Helper()
	p := filepath.Join(toolsDir(t), "bin", "tofu")
	if fi, err := os.Stat(p); err != nil || fi.Mode()&0o111 == 0 {
		t.Fatalf("testenv: tofu is not installed at %s (%v). Fix: run `%s` in %s", p, err, FixCommand, RepoRoot(t))
	}
	return p
}

// Terraform returns the path of the terraform binary of the machine image (on PATH), failing the
// test if there is none.
func Terraform(t TB) string {
	t.Helper()
	p, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatalf("testenv: terraform is not on PATH (%v). Fix: install Terraform 1.11 or later (the machine image has /usr/local/bin/terraform)", err)
	}
	return p
}
