package migrate

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/services/process"
)

// TestAcceptanceEMFClusters is issue 7's acceptance check: both real EMF clusters migrate with
// no unknown key at all (so none of database, identity, Vault, TLS/CA or tenancy), and every
// insecure setting they contain is flagged.
func TestAcceptanceEMFClusters(t *testing.T) {
	wantInsecure := map[string][]string{
		"dev": {"argo.database.ssl", "infra-core.inventory.postgresql.ssl", "infra-core.apiv2.oidc.oidc_tls_insecure_skip_verify_value",
			"infra-onboarding.onboarding-manager.env.oidc.clients.bypass", "infra-core.tenant-controller.vault.url",
			"argo.vault.authorizedAddrs", "argo.self-signed-cert.generateOrchCert", "infra-external.amt.dm-manager.env.oidc.oidc_tls_insecure_skip_verify_value",
			"argo.o11y.alertingMonitor.smtp.insecureSkipVerify"},
		"onprem-oxm": {"argo.database.ssl", "infra-core.inventory.postgresql.ssl", "infra-core.apiv2.oidc.oidc_tls_insecure_skip_verify_value",
			"infra-onboarding.onboarding-manager.env.oidc.clients.bypass", "argo.vault.authorizedAddrs", "argo.self-signed-cert.generateOrchCert"},
	}
	for _, c := range emfClusters(t) {
		res := translate(t, clusterInput(t, c), ChartValues)
		assert.Empty(t, res.Report.Unknown(), c)
		var flagged []string
		for _, f := range res.Report.Insecure {
			flagged = append(flagged, f.Key)
		}
		assert.Subset(t, flagged, wantInsecure[c], c)
		v := values(t, res.Output)
		for _, kind := range []string{"secrets", "database", "identity", "messaging"} {
			assert.Contains(t, v["providers"], kind, c)
		}
		ds, err := module.EIM().Resolve(fmt.Sprint(v["target"]), func(string) bool { return true })
		require.NoError(t, err, c)
		var mods []string
		for _, d := range ds {
			mods = append(mods, d.Name)
		}
		assert.Subset(t, mods, []string{module.Inventory, module.API, module.Onboarding, module.HostMgr, module.Maintenance, module.OSResource, module.Tenant},
			"%s: every module (oob where the cluster ran AMT's dm-manager)", c)
	}
}

// TestCredentialsNeverPrinted puts recognizable credentials in every place the legacy values
// hold one and checks that neither the output nor either report form contains them.
func TestCredentialsNeverPrinted(t *testing.T) {
	doc := `
infra-core:
  inventory: {postgresql: {secrets: s, auth: {password: SEKRIT-1}}}
  tenant-controller: {vault: {url: 'https://v', token: SEKRIT-2}}
infra-onboarding:
  onboarding-manager: {env: {passWord: SEKRIT-3, oidc: {oidc_server_url: 'https://k/realms/m'}}}
infra-external:
  amt: {dm-manager: {params: {password: SEKRIT-4}}}
mystery: {apiToken: SEKRIT-5}
`
	res := translate(t, Input{Sources: []Source{{Name: "in.yaml", Data: []byte(doc)}}}, ChartValues)
	js, err := res.Report.JSON()
	require.NoError(t, err)
	for _, b := range [][]byte{res.Output, res.Report.Markdown(), js} {
		assert.NotContains(t, string(b), "SEKRIT")
	}
	var creds []string
	for _, e := range res.Report.Credentials {
		creds = append(creds, e.Key)
	}
	assert.ElementsMatch(t, []string{"infra-core.inventory.postgresql.auth.password", "infra-core.tenant-controller.vault.token",
		"infra-onboarding.onboarding-manager.env.passWord", "infra-external.amt.dm-manager.params.password", "mystery.apiToken"}, creds)
	assert.Len(t, res.Report.References, 3, "database password, Vault token, admin client secret")
}

func TestHelmMergeOrder(t *testing.T) {
	a := Source{Name: "a.yaml", Data: []byte("infra-core: {inventory: {replicaCount: 2, resources: {limits: {cpu: 1}}}, apiv2: {oidc: {clients: {bypass: [a, b]}}}}")}
	b := Source{Name: "b.yaml", Data: []byte("inventory: {replicaCount: 5, resources: {requests: {cpu: 2}}}\napiv2: {oidc: {clients: {bypass: [c]}}}")}
	res := translate(t, Input{Sources: []Source{a, b}}, ChartValues)
	v := values(t, res.Output)
	assert.Equal(t, 5, lookupAny(v, "inventory", "replicaCount"), "later file wins")
	assert.Equal(t, Tree{"limits": Tree{"cpu": 1}, "requests": Tree{"cpu": 2}}, lookupAny(v, "inventory", "resources"), "maps merge deeply")
	assert.Equal(t, []string{"a.yaml", "b.yaml"}, res.Report.Inputs)
	found := false
	for _, f := range res.Report.Insecure {
		if strings.HasSuffix(f.Key, "bypass") {
			found = true
			assert.Equal(t, "token checks are bypassed for clients [c]", f.Message, "lists are replaced")
		}
	}
	assert.True(t, found)
}

func TestHelmGetValuesHeader(t *testing.T) {
	res := translate(t, Input{Sources: []Source{{Name: "get.txt", Data: []byte("USER-SUPPLIED VALUES:\ninventory:\n  replicaCount: 4\n")}}}, ChartValues)
	assert.Equal(t, 4, lookupAny(values(t, res.Output), "inventory", "replicaCount"))
}

func TestSyntaxErrors(t *testing.T) {
	cases := []struct {
		doc          string
		line, column int
	}{
		{"a:\n  b: 1\n c: [\n", 3, 2},
		{"a: 1\nb:\n  - x\n  y: 2\n", 4, 3},
		{"a: 1\n---\nb: 2\n", 2, 1},
		{"- just\n- a list\n", 1, 1},
		{"a: [1, 2\n", 1, 4},
	}
	for _, c := range cases {
		_, err := Translate(Input{Sources: []Source{{Name: "bad.yaml", Data: []byte(c.doc)}}}, ChartValues)
		var se *SyntaxError
		require.ErrorAs(t, err, &se, c.doc)
		assert.Equal(t, "bad.yaml", se.File)
		assert.Equal(t, c.line, se.Line, c.doc)
		if c.column > 0 {
			assert.Positive(t, se.Column, c.doc)
		}
		assert.Contains(t, err.Error(), "bad.yaml:")
	}
	for _, empty := range []string{"", "null\n", "# only a comment\n", "---\n"} {
		_, err := Translate(Input{Sources: []Source{{Name: "e.yaml", Data: []byte(empty)}}}, ChartValues)
		assert.ErrorAs(t, err, new(*NothingToMigrateError), "%q: read, but nothing to migrate", empty)
	}
}

// TestNothingToMigrate (issue 24, item 1): input without input keys — none at all, or none that
// deploys an EIM module or configures a provider — is an error, whatever the format; an EMF
// cluster alone must turn on an EIM application.
func TestNothingToMigrate(t *testing.T) {
	for name, c := range map[string]struct {
		in   Input
		want string
	}{
		"empty -f file": {Input{Sources: []Source{{Name: "e.yaml"}}},
			"nothing to migrate: e.yaml holds no values (an empty document)"},
		"helm get values of a release without values": {Input{Sources: []Source{{Name: "get.txt", Data: []byte("USER-SUPPLIED VALUES:\nnull\n")}}},
			"nothing to migrate: get.txt holds no values"},
		"two empty files": {Input{Sources: []Source{{Name: "a.yaml"}, {Name: "b.yaml", Data: []byte("{}\n")}}},
			"nothing to migrate: a.yaml, b.yaml hold no values (empty documents)"},
		"values of another component": {Input{Sources: []Source{{Name: "traefik.yaml", Data: []byte("traefik: {logs: {level: DEBUG}}\nargo: {project: x}\n")}}},
			"nothing to migrate: traefik.yaml deploys no EIM module and configures no provider (2 legacy keys: 2 dropped); give the values of the EIM releases"},
		"an EMF profile given as values": {Input{Sources: []Source{{Name: "p.yaml", Data: []byte("argo: {enabled: {infra-core: true}}\n")}}},
			"argo.* keys are EMF cluster values, which reach the EIM releases only when EMF renders them: give the cluster file with --emf-cluster"},
		"unknown keys only": {Input{Sources: []Source{{Name: "u.yaml", Data: []byte("surprise: 1\n")}}},
			"(1 legacy key: 1 unknown)"},
		"empty cluster file": {variantInput(t, "empty"),
			"nothing to migrate: the EMF cluster orch-configs/clusters/empty.yaml deploys no EIM: argo.enabled turns on none of infra-core, infra-managers, infra-onboarding, infra-external (it sets no values itself, and lists no profile that does)"},
		"cluster file without root.clusterValues": {variantInput(t, "no-cluster-values"),
			"(it has no root.clusterValues, the list of profiles (such as orch-configs/profiles/enable-edgeinfra.yaml) that enable the applications)"},
		"cluster whose profiles resolve to nothing": {variantInput(t, "empty-profiles"),
			"(none of the 3 profiles root.clusterValues lists turns one on)"},
		"cluster deploying only the platform": {variantInput(t, "platform-only"),
			"orch-configs/clusters/platform-only.yaml deploys no EIM"},
	} {
		for _, f := range Formats() {
			res, err := Translate(c.in, f)
			var nothing *NothingToMigrateError
			require.ErrorAs(t, err, &nothing, "%s, %s", name, f)
			assert.Nil(t, res, "nothing is produced")
			assert.Contains(t, err.Error(), c.want, name)
		}
	}
}

// TestEmptyFileAmongOthers: an empty document beside real values is no error, but the report
// notes it (helm get values of a release installed without values prints null).
func TestEmptyFileAmongOthers(t *testing.T) {
	res := translate(t, Input{Sources: []Source{{Name: "inv.yaml", Chart: "inventory", Data: []byte("replicaCount: 2\n")}, {Name: "get.txt", Data: []byte("USER-SUPPLIED VALUES:\nnull\n")}}}, ChartValues)
	assert.Contains(t, res.Report.Notes, "get.txt holds no values (an empty document): check it is the file you meant "+
		"(helm get values prints null for a release installed without values of its own; add --all for every value)")
}

func TestUnknownFormat(t *testing.T) {
	_, err := Translate(Input{}, "xml")
	assert.ErrorContains(t, err, `unknown output format "xml"`)
}

// emfFS is a small EMF checkout: a cluster with one profile, one EIM application.
func emfFS(tpl string) fstest.MapFS {
	return fstest.MapFS{
		"argocd/applications/values.yaml": {Data: []byte("argo: {database: {databases: [{namespace: orch-infra, name: inventory}]}}\n")},
		"orch-configs/profiles/p.yaml":    {Data: []byte("argo: {enabled: {infra-core: true}, database: {type: local, ssl: true}, clusterDomain: p.example}\n")},
		"orch-configs/clusters/c.yaml": {Data: []byte("root: {clusterValues: [orch-configs/profiles/p.yaml]}\nargo: {clusterDomain: c.example}\n" +
			"postCustomTemplateOverwrite: {infra-core: {inventory: {replicaCount: 7}}}\n")},
		"argocd/applications/configs/infra-core.yaml": {Data: []byte("inventory: {postgresql: {ssl: false, secrets: x}, replicaCount: 1}\napiv2: {oidc: {oidc_server_url: 'http://kc/realms/master'}}\n")},
		"argocd/applications/custom/infra-core.tpl":   {Data: []byte(tpl)},
	}
}

func TestEMFResolution(t *testing.T) {
	tpl := `inventory:
  postgresql:
    ssl: {{ .Values.argo.database.ssl }}
    secrets: inventory-{{ .Values.argo.database.type }}-postgresql
  missing: "{{ .Values.argo.nothing }}"
  big: {{ 1000000 | int | mul 1 }}
`
	res := translate(t, Input{EMF: &EMF{Root: emfFS(tpl), Cluster: "orch-configs/clusters/c.yaml"}}, ChartValues)
	v := values(t, res.Output)
	assert.Equal(t, "https://keycloak.c.example/realms/master", lookupAny(v, "providers", "identity", "config", "issuer"), "the cluster's own values come last")
	assert.Equal(t, "require", lookupAny(v, "providers", "database", "config", "tls", "mode"), "rendered from .Values.argo")
	assert.Equal(t, 7, lookupAny(v, "inventory", "replicaCount"), "postCustomTemplateOverwrite wins")
	assert.Equal(t, "orch-infra-inventory", lookupAny(v, "providers", "database", "config", "database"))
	assert.Contains(t, res.Report.Inputs, "EMF orch-configs/profiles/p.yaml")
	assert.Equal(t, Entry{Key: "infra-core.inventory.missing", Class: Unknown, Why: "no rule knows this key: check it by hand"},
		entryFor(t, res.Report, "infra-core.inventory.missing"), "a missing value renders empty, as in Helm")
}

func TestEMFTemplateFailureIsANote(t *testing.T) {
	res := translate(t, Input{EMF: &EMF{Root: emfFS("x: {{ index .Values.argo.nothing \"a\" }}\n"), Cluster: "orch-configs/clusters/c.yaml"}}, ChartValues)
	assert.Contains(t, strings.Join(res.Report.Notes, "\n"), "without the custom overlay")
	assert.Equal(t, "disable", lookupAny(values(t, res.Output), "providers", "database", "config", "tls", "mode"), "configs/infra-core.yaml still applies")
}

func TestEMFMissingProfile(t *testing.T) {
	fsys := emfFS("")
	fsys["orch-configs/clusters/c.yaml"] = &fstest.MapFile{Data: []byte("root: {clusterValues: [orch-configs/profiles/p.yaml, orch-configs/profiles/gone.yaml]}\n")}
	_, err := Translate(Input{EMF: &EMF{Root: fsys, Cluster: "orch-configs/clusters/c.yaml"}}, ChartValues)
	var mp *MissingProfileError
	require.ErrorAs(t, err, &mp)
	assert.Equal(t, "orch-configs/profiles/gone.yaml", mp.Profile)
	assert.ErrorContains(t, err, "orch-configs/clusters/c.yaml: root.clusterValues lists orch-configs/profiles/gone.yaml, which does not exist")

	fsys["orch-configs/clusters/c.yaml"] = &fstest.MapFile{Data: []byte("root: {clusterValues: notalist}\n")}
	_, err = Translate(Input{EMF: &EMF{Root: fsys, Cluster: "orch-configs/clusters/c.yaml"}}, ChartValues)
	assert.ErrorContains(t, err, "root.clusterValues is not a list of files")
}

func TestRenderLikeHelm(t *testing.T) {
	ctx := renderContext{Values: helmNumbers(Tree{"n": 1000000, "s": "x", "m": Tree{"k": 2}}).(Tree)}
	out, err := renderTemplate("t", `{{ .Values.n }} {{ .Values.missing }} {{ dig "m" "k" 0 .Values }} {{ toYaml .Values.m }} {{ .Values.s | quote }} {{ tpl "{{ .Values.s }}" . }}`, ctx)
	require.NoError(t, err)
	assert.Equal(t, `1e+06  2 k: 2 "x" x`, out)
	_, err = renderTemplate("t", `{{ env "HOME" }}`, ctx)
	assert.Error(t, err, "env is not available to Helm templates")
	_, err = renderTemplate("t", `{{ required "need it" .Values.missing }}`, ctx)
	assert.ErrorContains(t, err, "need it")
}

func TestMergeOverwriteIsSprigs(t *testing.T) {
	got := mergeOverwrite(Tree{"a": true, "b": Tree{"c": 1}, "l": []any{1, 2}}, Tree{"a": false, "b": Tree{"d": 2}, "l": []any{3}}, Tree{"e": "x"})
	assert.Equal(t, Tree{"a": false, "b": Tree{"c": 1, "d": 2}, "l": []any{3}, "e": "x"}, got)
}

func TestPassThroughConvertsFormats(t *testing.T) {
	eim := "target: day2\nlog: {level: warn}\nproviders: {database: {type: postgres, config: {host: h}}}\n"
	res := translate(t, Input{Sources: []Source{{Name: "eim.yaml", Data: []byte(eim)}}}, ChartValues)
	v := values(t, res.Output)
	assert.True(t, res.Report.PassThrough)
	assert.Equal(t, true, lookupAny(v, "maintenance", "enabled"))
	assert.Equal(t, false, lookupAny(v, "onboarding", "enabled"))
	assert.Equal(t, "warn", lookupAny(v, "api", "logLevel"))
	back := translate(t, Input{Sources: []Source{{Name: "v.yaml", Data: res.Output}}}, EIMConfig)
	assert.Equal(t, Tree{"target": "day2", "log": Tree{"level": "warn"}, "providers": Tree{"database": Tree{"type": "postgres", "config": Tree{"host": "h"}}},
		"telemetry": Tree{"enabled": false}}, values(t, back.Output), "the chart's default global.telemetry is eim.yaml's telemetry")
	_, err := Translate(Input{Sources: []Source{{Name: "bad.yaml", Data: []byte("target: nonsense\n")}}}, ChartValues)
	assert.ErrorContains(t, err, `unknown target "nonsense"`)
}

func TestReportSummaryAndJSON(t *testing.T) {
	res := translate(t, Input{Sources: []Source{{Name: "in.yaml", Data: []byte("infra-core: {inventory: {postgresql: {ssl: false, secrets: s}}}\nzzz: 1\n")}}}, ChartValues)
	r := res.Report
	assert.Equal(t, 3, r.Summary.Keys)
	assert.Equal(t, 1, r.Summary.ByClass[Unknown])
	assert.Equal(t, 1, r.Summary.Insecure)
	assert.Contains(t, string(r.Markdown()), "**Summary:** 3 legacy keys: 2 mapped, 0 defaulted, 0 dropped, 0 dead, 1 unknown; 1 insecure settings flagged")
	js, err := r.JSON()
	require.NoError(t, err)
	assert.Contains(t, string(js), `"key": "zzz"`)
}

// TestSingleTenancy (issue 24, item 5): the single-tenancy profile (argo.enabled.defaultTenancy)
// is mapped to tenancy.defaultProject in both formats, the only difference from the same cluster
// without it (whose default-tenant job's project is the defaultProject instead); the name is a
// default the report explains. The output validates and passes through.
func TestSingleTenancy(t *testing.T) {
	for _, f := range Formats() {
		multi := translate(t, clusterInput(t, "onprem-oxm"), f)
		single := translate(t, variantInput(t, "single-tenancy"), f)
		sv, mv := values(t, single.Output), values(t, multi.Output)
		assert.Equal(t, Tree{"defaultProject": "default"}, sv["tenancy"], f)
		assert.Equal(t, Tree{"defaultProject": "local-admin"}, mv["tenancy"], "%s: the default-tenant job's project (profile-oxm)", f)
		delete(sv, "tenancy")
		delete(mv, "tenancy")
		assert.Equal(t, mv, sv, "%s: nothing else differs", f)
		e := entryFor(t, single.Report, "argo.enabled.defaultTenancy")
		assert.Equal(t, Mapped, e.Class)
		assert.Equal(t, "tenancy.defaultProject", e.To)
		assert.Contains(t, single.Report.Defaults, Entry{Key: "tenancy.defaultProject", Why: "default: the legacy single-tenancy init (tenancy-init) created its project, " +
			"whose name is not in the legacy values; if your API clients call /v1/projects/<another name>/..., set that name here"})
		again := translate(t, Input{Sources: []Source{{Name: "out.yaml", Data: single.Output}}}, f)
		assert.Equal(t, string(single.Output), string(again.Output), "passes through")
	}
	cfg, err := config.Load(translate(t, variantInput(t, "single-tenancy"), EIMConfig).Output,
		config.Options{Sources: process.ConfigSources(), AllowPlaceholders: true})
	require.NoError(t, err)
	assert.Equal(t, "default", cfg.Tenancy.DefaultProject)
}
