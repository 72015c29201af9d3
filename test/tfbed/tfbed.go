// Package tfbed is the test bed of the Terraform side: the two CLIs the tests run with
// (terraform of the machine image and OpenTofu built by make deps), and a filesystem mirror
// that installs provider binaries built here (terraform-provider-eim and the schema-only
// stand-ins of third-party providers) offline, named in the CLI configuration file that
// TF_CLI_CONFIG_FILE points at.
package tfbed

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/test/testenv"
)

// CLI is one Terraform implementation.
type CLI struct {
	// Name is "terraform" or "tofu".
	Name string
	// Path is the binary.
	Path string
}

// Names are the CLIs every Terraform test runs with.
var Names = []string{"terraform", "tofu"}

// Find returns the CLI of that name; the test fails when it is missing.
func Find(t testing.TB, name string) CLI {
	t.Helper()
	if name == "tofu" {
		return CLI{Name: name, Path: testenv.Tofu(t)}
	}
	return CLI{Name: name, Path: testenv.Terraform(t)}
}

// Plugin is a provider binary to build into the mirror.
type Plugin struct {
	// Package is the Go package of its main, e.g. ./cmd/terraform-provider-eim.
	Package string
	// Source is its source address: host/namespace/name, or namespace/name for both the
	// terraform registry's host and OpenTofu's (registry.opentofu.org), which the two CLIs take
	// for a source without a host.
	Source string
	// Version is the version it is installed as, e.g. 0.2.0.
	Version string
}

// Mirror builds the plugins into a filesystem mirror in a temporary directory and writes a CLI
// configuration that installs exactly those providers from it and nothing from the network.
// It returns the configuration file's path, for TF_CLI_CONFIG_FILE.
func Mirror(t testing.TB, plugins ...Plugin) string {
	t.Helper()
	root := t.TempDir()
	mirror := filepath.Join(root, "mirror")
	platform := runtime.GOOS + "_" + runtime.GOARCH
	built := map[string]string{} // by package
	var includes []string
	for _, p := range plugins {
		name := p.Source[strings.LastIndex(p.Source, "/")+1:]
		for _, src := range addresses(p.Source) {
			dir := filepath.Join(mirror, filepath.FromSlash(src), p.Version, platform)
			require.NoError(t, os.MkdirAll(dir, 0o755))
			dst := filepath.Join(dir, "terraform-provider-"+name+"_v"+p.Version)
			if bin, ok := built[p.Package]; ok {
				// A hard link keeps the file name the stand-in reads its identity from.
				require.NoError(t, os.Link(bin, dst))
			} else {
				build(t, p.Package, dst)
				built[p.Package] = dst
			}
			includes = append(includes, fmt.Sprintf("%q", src))
		}
	}
	cfg := filepath.Join(root, "cli.tfrc")
	body := fmt.Sprintf(`provider_installation {
  filesystem_mirror {
    path    = %q
    include = [%s]
  }
  direct {
    exclude = [%s]
  }
}
`, mirror, strings.Join(includes, ", "), strings.Join(includes, ", "))
	require.NoError(t, os.WriteFile(cfg, []byte(body), 0o644))
	return cfg
}

// addresses are the full addresses a source stands for.
func addresses(source string) []string {
	if strings.Count(source, "/") == 2 {
		return []string{source}
	}
	return []string{"registry.terraform.io/" + source, "registry.opentofu.org/" + source}
}

// build compiles pkg of the repository into dst.
func build(t testing.TB, pkg, dst string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-o", dst, pkg)
	cmd.Dir = testenv.RepoRoot(t)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build %s: %s", pkg, out)
}

// Env is the environment of a terraform or tofu run with the CLI configuration cfg: the
// process's own, with TF_CLI_CONFIG_FILE (and TOFU_CLI_CONFIG_FILE) set and checkpoint calls off.
func Env(cfg string) []string {
	return append(os.Environ(), "TF_CLI_CONFIG_FILE="+cfg, "TOFU_CLI_CONFIG_FILE="+cfg, "CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1")
}

// NoConfig writes an empty CLI configuration and returns its path, for TF_CLI_CONFIG_FILE in
// runs that install nothing from a mirror: the machine's own setting (which may name a missing
// file, making OpenTofu print a warning where `tofu version` output is parsed) is not used.
func NoConfig(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "empty.tfrc")
	require.NoError(t, os.WriteFile(p, nil, 0o644))
	return p
}
