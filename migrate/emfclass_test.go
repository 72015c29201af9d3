package migrate

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTemplateInputsNeverRead (issue 24, item 6): a value EMF passes to an application template
// that never reads it is dead, with the reason and, when there is one, the value the template
// renders in its place; a value it reads takes the class of what it renders into.
func TestTemplateInputsNeverRead(t *testing.T) {
	res := translate(t, variantInput(t, "sizing"), ChartValues)
	for key, want := range map[string]Entry{
		"argo.infra-core.apiv2.resources.limits.cpu": {Class: Dead, Why: "passed to the EMF template custom/infra-core.tpl, which never reads it: the setting had no effect " +
			"(infra-core.apiv2.resources.limits.cpu is rendered from argo.infra-core.api.resources.limits.cpu)"},
		"argo.infra-core.os-resource-manager.resources.limits.memory": {Class: Dead, Why: "passed to the EMF template custom/infra-core.tpl, which never reads it: the setting had no effect"},
		"argo.infra-managers.os-resource-manager.resources.limits.cpu": {Class: Mapped, To: "osresource.resources",
			Why: "custom/infra-managers.tpl renders it into infra-managers.os-resource-manager.resources.limits.cpu (mapped)"},
		"argo.infra-core.api.resources.limits.cpu": {Class: Mapped, To: "api.resources",
			Why: "custom/infra-core.tpl renders it into infra-core.apiv2.resources.limits.cpu (mapped); also into 1 value of other classes"},
		"argo.infra-onboarding.dkam.resources.limits.cpu": {Class: Dropped,
			Why: "custom/infra-onboarding.tpl renders it into infra-onboarding.dkam.resources.limits.cpu (dropped): " + whyProvisioning},
		"argo.infra-onboarding.enableTinkActionTimestamp": {Class: Dead,
			Why: "custom/infra-onboarding.tpl renders it into infra-onboarding.onboarding-manager.env.enableTinkActionTimestamp (dead): " + whyNotDeclared},
		"argo.infra-onboarding.pxe-server.resources.limits.cpu": {Class: Dead, Why: "passed to the EMF template custom/infra-onboarding.tpl, which never reads it: the setting had no effect"},
		"argo.infra-external": {Class: Dropped, Why: "an empty block: it sets no value (the EMF templates only need it to exist)"},
	} {
		want.Key = key
		assert.Equal(t, want, entryFor(t, res.Report, key), key)
	}
	assert.Equal(t, "3", lookupAny(values(t, res.Output), "osresource", "resources", "limits", "cpu"), "the value the template reads is carried over")
	assert.NotContains(t, string(res.Output), `cpu: "2"`, "the values it never reads are not")

	oxm := translate(t, clusterInput(t, "onprem-oxm"), ChartValues)
	e := entryFor(t, oxm.Report, "argo.infra-core.tenant-config.config.defaultTenant")
	assert.Equal(t, Dead, e.Class, "profile-oxm.yaml writes it under config:, where custom/infra-core.tpl does not look")
}

// TestTemplateInputsOverwrittenOrDisabled: a value whose rendering postCustomTemplateOverwrite
// replaces, and one of an application EMF does not enable, had no effect either; without an EMF
// cluster neither reaches a release.
func TestTemplateInputsOverwrittenOrDisabled(t *testing.T) {
	fsys := emfFS("inventory:\n  replicaCount: {{ index .Values.argo \"infra-core\" \"replicas\" }}\n  resources: {{ index .Values.argo \"infra-core\" \"size\" | toYaml | nindent 4 }}\n")
	fsys["orch-configs/clusters/c.yaml"] = &fstest.MapFile{Data: []byte("root: {clusterValues: [orch-configs/profiles/p.yaml]}\n" +
		"argo: {infra-core: {replicas: 3, size: {cpu: '1'}, unread: x}, infra-managers: {host-manager: {replicaCount: 2}}}\n" +
		"postCustomTemplateOverwrite: {infra-core: {inventory: {replicaCount: 7}}, infra-managers: {host-manager: {replicaCount: 4}}}\n")}
	res := translate(t, Input{EMF: &EMF{Root: fsys, Cluster: "orch-configs/clusters/c.yaml"}}, ChartValues)
	for key, want := range map[string]Entry{
		"argo.infra-core.replicas": {Class: Dead, Why: "custom/infra-core.tpl renders it into infra-core.inventory.replicaCount, which postCustomTemplateOverwrite.infra-core replaces: the setting had no effect"},
		"argo.infra-core.size.cpu": {Class: Mapped, To: "inventory.resources", Why: "custom/infra-core.tpl renders it into infra-core.inventory.resources.cpu (mapped)"},
		"argo.infra-core.unread":   {Class: Dead, Why: "passed to the EMF template custom/infra-core.tpl, which never reads it: the setting had no effect"},
		"argo.infra-managers.host-manager.replicaCount": {Class: Dead,
			Why: "argo.enabled.infra-managers is not true, so EMF renders no custom/infra-managers.tpl, and no template of an enabled application reads it: the setting had no effect"},
		"postCustomTemplateOverwrite.infra-core.inventory.replicaCount": {Class: Mapped, To: "inventory.replicaCount",
			Why: "merged into the infra-core values as infra-core.inventory.replicaCount"},
		"postCustomTemplateOverwrite.infra-managers.host-manager.replicaCount": {Class: Dead,
			Why: "EMF merges postCustomTemplateOverwrite.infra-managers only into an enabled application, and argo.enabled.infra-managers is not true: it had no effect"},
	} {
		want.Key = key
		assert.Equal(t, want, entryFor(t, res.Report, key), key)
	}

	profile := Source{Name: "p.yaml", Data: []byte("argo: {infra-core: {inventory: {resources: {limits: {cpu: '1'}}}}}\npostCustomTemplateOverwrite: {infra-core: {inventory: {replicaCount: 2}}}\ninventory: {replicaCount: 1}\n")}
	res = translate(t, Input{Sources: []Source{profile}}, ChartValues)
	e := entryFor(t, res.Report, "argo.infra-core.inventory.resources.limits.cpu")
	assert.Equal(t, Dropped, e.Class)
	assert.True(t, strings.HasPrefix(e.Why, "input of the EMF template custom/infra-core.tpl, which only an EMF cluster renders"), e.Why)
	assert.Equal(t, Dropped, entryFor(t, res.Report, "postCustomTemplateOverwrite.infra-core.inventory.replicaCount").Class)
}

// TestMisplacedChartValues: values of a legacy chart under an umbrella that does not contain it
// are dead, not mapped by the rules of the keys below them.
func TestMisplacedChartValues(t *testing.T) {
	res := translate(t, Input{Sources: []Source{{Name: "v.yaml", Data: []byte(
		"infra-core: {os-resource-manager: {resources: {limits: {cpu: 1}}, oidc: {oidc_server_url: 'https://kc/realms/x'}}, inventory: {replicaCount: 1}}\n" +
			"infra-external: {mps: {replicaCount: 2}}\n")}}}, ChartValues)
	for _, key := range []string{"infra-core.os-resource-manager.resources.limits.cpu", "infra-core.os-resource-manager.oidc.oidc_server_url", "infra-external.mps.replicaCount"} {
		e := entryFor(t, res.Report, key)
		assert.Equal(t, Dead, e.Class, key)
		assert.Contains(t, e.Why, "Helm hands them to no chart", key)
	}
	assert.NotContains(t, values(t, res.Output)["providers"], "identity", "the misplaced oidc URL configures nothing")
}

// TestTraceDeterministic: tracing the templates twice gives the same classification.
func TestTraceDeterministic(t *testing.T) {
	a := translate(t, variantInput(t, "sizing"), ChartValues)
	b := translate(t, variantInput(t, "sizing"), ChartValues)
	require.Equal(t, a.Report.Keys, b.Report.Keys)
}

// TestTraceBounded: a cluster with more values to trace one by one than the migration traces
// leaves the rest unknown (check by hand) rather than rendering its templates without end.
func TestTraceBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("root: {clusterValues: [orch-configs/profiles/p.yaml]}\nargo:\n  infra-core:\n")
	for i := range maxProbedAlone + 3 {
		fmt.Fprintf(&b, "    k%03d: %d\n", i, i)
	}
	fsys := emfFS("inventory: {replicaCount: 1}\n")
	fsys["orch-configs/clusters/c.yaml"] = &fstest.MapFile{Data: []byte(b.String())}
	res := translate(t, Input{EMF: &EMF{Root: fsys, Cluster: "orch-configs/clusters/c.yaml"}}, ChartValues)
	assert.Equal(t, Dead, entryFor(t, res.Report, "argo.infra-core.k000").Class)
	last := entryFor(t, res.Report, fmt.Sprintf("argo.infra-core.k%03d", maxProbedAlone+2))
	assert.Equal(t, Unknown, last.Class)
	assert.Contains(t, last.Why, "not traced through the EMF templates")
}
