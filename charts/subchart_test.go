package charts_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/charts/internal/chartgen"
	"github.com/eim-byoi/eim/services/module"
)

// TestSubCharts lints and renders every module's sub-chart with the same values as the umbrella:
// it deploys its module alone, with the very eim.yaml the umbrella renders for that module (so an
// Argo CD app-of-apps of sub-charts deploys what the umbrella does), and only the inventory's
// sub-chart carries the migration hook.
func TestSubCharts(t *testing.T) {
	values := filepath.Join("charts", "testdata", "providers", "keycloak-vault-postgres-nats.yaml")
	oob := filepath.Join("charts", "testdata", "oob.yaml") // oob is off by default: it needs an MPS and RPS
	umbrella, _ := helmTemplate(t, "charts/eim", values, oob)
	umbrellaCMs := byKind(umbrella, "ConfigMap")
	for _, d := range module.EIM().Modules() {
		t.Run(d.Name, func(t *testing.T) {
			chart := filepath.Join("charts", chartgen.SubChart(d.Name))
			out, err := helmCmd(t, nil, "lint", "--strict", chart, "-f", values, "-f", oob)
			require.NoError(t, err, out)
			objs, _ := helmTemplate(t, chart, values, oob)
			assert.Equal(t, []string{"eim-" + d.Name}, names(byKind(objs, "Deployment")))
			cm := "eim-" + d.Name + "-config"
			assert.Equal(t, str(umbrellaCMs[cm], "data", "eim.yaml"), str(byKind(objs, "ConfigMap")[cm], "data", "eim.yaml"),
				"the sub-chart renders the umbrella's eim.yaml of its module")
			_, hasJob := byKind(objs, "Job")["eim-migrate"]
			assert.Equal(t, d.Name == module.Inventory, hasJob, "the migration hook runs with the inventory, the owner of the database")
		})
	}
}

// TestSchemaRefusesSecretsInValues checks that a credential cannot be written into the values in
// clear: every credential field is a reference ({file}, {env}, {secret}) and a plain value fails
// the values schema, so it never reaches a ConfigMap or `helm get values`.
func TestSchemaRefusesSecretsInValues(t *testing.T) {
	tests := map[string]string{
		"database password": "providers:\n  database: {type: postgres, config: {host: db, password: s3cret-value}}\n",
		"broker password":   "providers:\n  messaging: {type: nats, config: {url: 'nats://n:4222', password: s3cret-value}}\n",
		"inventory client":  "inventory:\n  credentials: {clientID: svc, clientSecret: s3cret-value}\n",
		"env in clear":      "api:\n  extraEnv: [{name: X, secretValue: s3cret-value}]\n",
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "values.yaml")
			require.NoError(t, os.WriteFile(f, []byte(body), 0o600))
			out, err := helmCmd(t, nil, "template", "eim", "charts/eim", "-f", f)
			require.Error(t, err)
			assert.Contains(t, out, "values don't meet the specifications of the schema")
		})
	}
}

// TestTargetResolution checks the umbrella's target against eim serve's: an unknown name and a
// module without the module it requires fail the render naming the fix; inventory.address
// deploys a module against an inventory elsewhere; enabled: false leaves a module out.
func TestTargetResolution(t *testing.T) {
	write := func(t *testing.T, body string) string {
		f := filepath.Join(t.TempDir(), "values.yaml")
		require.NoError(t, os.WriteFile(f, []byte(body), 0o600))
		return f
	}
	out, err := helmCmd(t, nil, "template", "eim", "charts/eim", "-f", write(t, "target: invntory\n"))
	require.Error(t, err)
	assert.Contains(t, out, `unknown target "invntory": use all, a profile (day2, observability, onboarding, oob)`)

	out, err = helmCmd(t, nil, "template", "eim", "charts/eim", "-f", write(t, "target: api\n"))
	require.Error(t, err)
	assert.Contains(t, out, "module api requires module inventory")

	objs, _ := helmTemplate(t, "charts/eim", write(t, "target: api,module:onboarding\ninventory: {address: 'inv.example.com:9090'}\n"))
	assert.Equal(t, []string{"eim-api", "eim-onboarding"}, names(byKind(objs, "Deployment")))
	assert.Contains(t, str(byKind(objs, "ConfigMap")["eim-api-config"], "data", "eim.yaml"), "address: inv.example.com:9090")

	objs, _ = helmTemplate(t, "charts/eim", write(t, "target: day2\nmaintenance: {enabled: false}\n"))
	assert.Equal(t, []string{"eim-api", "eim-hostmgr", "eim-inventory"}, names(byKind(objs, "Deployment")))
}
