package terraform_test

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/test/testenv"
	"github.com/eim-byoi/eim/test/tfbed"
)

// dirs are the root modules checked: every module and every example.
var dirs = []string{"modules/eim", "modules/aws-existing", "examples/onboarding-only", "examples/day2-only", "examples/full-stack"}

// mirror installs the real eim provider and the schema-only stand-ins of helm, aws and
// kubernetes, under the versions the modules' constraints accept.
func mirror(t *testing.T) string {
	return tfbed.Mirror(t,
		tfbed.Plugin{Package: "./cmd/terraform-provider-eim", Source: "eim-byoi/eim", Version: "0.2.0"},
		tfbed.Plugin{Package: "./test/tfbed/standin", Source: "hashicorp/helm", Version: "3.0.2"},
		tfbed.Plugin{Package: "./test/tfbed/standin", Source: "hashicorp/aws", Version: "6.0.0"},
		tfbed.Plugin{Package: "./test/tfbed/standin", Source: "hashicorp/kubernetes", Version: "2.38.0"},
	)
}

// workTree copies terraform/ into a directory of the test's own (init writes .terraform and lock
// files), beside a link to the repository's charts, so relative paths resolve as in the repository.
func workTree(t *testing.T) string {
	t.Helper()
	repo := testenv.RepoRoot(t)
	root := t.TempDir()
	src := filepath.Join(repo, "terraform")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() && d.Name() == ".terraform" {
			return filepath.SkipDir
		}
		dst := filepath.Join(root, "terraform", rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		if strings.HasSuffix(p, ".go") || d.Name() == ".terraform.lock.hcl" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	require.NoError(t, err)
	require.NoError(t, os.Symlink(filepath.Join(repo, "charts"), filepath.Join(root, "charts")))
	return filepath.Join(root, "terraform")
}

// run runs cli with args in dir and returns its combined output and whether it succeeded.
func run(t *testing.T, cli tfbed.CLI, env []string, dir string, args ...string) (string, bool) {
	t.Helper()
	args = append([]string{args[0], "-no-color"}, args[1:]...)
	cmd := exec.Command(cli.Path, args...)
	cmd.Dir = dir
	cmd.Env = append(env, "TF_INPUT=0")
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// must runs cli and fails the test with its output when it fails.
func must(t *testing.T, cli tfbed.CLI, env []string, dir string, args ...string) string {
	t.Helper()
	out, ok := run(t, cli, env, dir, args...)
	require.True(t, ok, "%s %s in %s:\n%s", cli.Name, strings.Join(args, " "), dir, out)
	return out
}

// TestModules: terraform fmt -check, then for every module and example init (offline, from the
// filesystem mirror), validate and test, with terraform and with OpenTofu.
func TestModules(t *testing.T) {
	env := tfbed.Env(mirror(t))
	for _, name := range tfbed.Names {
		t.Run(name, func(t *testing.T) {
			cli := tfbed.Find(t, name)
			tree := workTree(t)
			must(t, cli, env, tree, "fmt", "-check", "-recursive", "-diff")
			for _, d := range dirs {
				t.Run(strings.ReplaceAll(d, "/", "_"), func(t *testing.T) {
					dir := filepath.Join(tree, d)
					must(t, cli, env, dir, "init", "-backend=false")
					assert.Contains(t, must(t, cli, env, dir, "validate"), "The configuration is valid")
					out := must(t, cli, env, dir, "test")
					assert.Contains(t, out, " passed, 0 failed", "%s", out)
				})
			}
		})
	}
}

// TestModuleRefusesBadConfig: a root module calling modules/eim with a key eim does not know
// fails `plan` naming the key, before anything is installed (eim_config, the real eim provider).
func TestModuleRefusesBadConfig(t *testing.T) {
	env := tfbed.Env(mirror(t))
	for _, name := range tfbed.Names {
		t.Run(name, func(t *testing.T) {
			cli := tfbed.Find(t, name)
			tree := workTree(t)
			dir := filepath.Join(filepath.Dir(tree), "bad")
			require.NoError(t, os.MkdirAll(dir, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "main.tf"), []byte(`
module "eim" {
  source = "../terraform/modules/eim"
  database = {
    type   = "postgres"
    config = { host = "db.example.com", database = "eim", user = "eim", prot = 5432 }
  }
}
`), 0o644))
			must(t, cli, env, dir, "init", "-backend=false")
			out, ok := run(t, cli, env, dir, "plan")
			require.False(t, ok, "plan of a bad configuration succeeded:\n%s", out)
			assert.Contains(t, out, "providers.database.config.prot")
			assert.Contains(t, out, "data.eim_config.this")
		})
	}
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return b
}
