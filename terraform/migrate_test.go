package terraform_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/test/testenv"
	"github.com/eim-byoi/eim/test/tfbed"
)

// TestMigratedValues: every terraform.tfvars.json that `eim migrate helm-values --format
// terraform` writes for the golden legacy inputs (migrate/testdata/golden) is accepted by
// modules/eim: its variables have the module's types, and the configuration they render loads
// in eim_config. A draft that still holds NEEDS-INPUT placeholders fails the plan naming each
// key (checked on the EMF clusters); with allow_placeholders it plans. With terraform and with
// OpenTofu.
func TestMigratedValues(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testenv.RepoRoot(t), "migrate", "testdata", "golden", "*", "*.tfvars.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	env := tfbed.Env(mirror(t))
	for _, name := range tfbed.Names {
		t.Run(name, func(t *testing.T) {
			cli := tfbed.Find(t, name)
			dir := filepath.Join(workTree(t), "modules", "eim")
			must(t, cli, env, dir, "init", "-backend=false")
			for _, f := range files {
				t.Run(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), func(t *testing.T) {
					args := []string{"plan", "-var-file=" + f}
					if strings.Contains(string(readFile(t, f)), "NEEDS-INPUT") {
						// A draft: refused naming what needs input (checked on the EMF clusters), planned
						// with allow_placeholders.
						if filepath.Base(filepath.Dir(f)) == "emf-clusters" {
							out, ok := run(t, cli, env, dir, args...)
							require.False(t, ok, "a draft with placeholders planned")
							assert.Contains(t, out, "needs input")
							assert.Contains(t, out, "providers.identity.config.audiences[0]")
						}
						args = append(args, "-var=allow_placeholders=true")
					}
					out := must(t, cli, env, dir, args...)
					assert.Contains(t, out, "helm_release.eim will be created")
				})
			}
		})
	}
}
