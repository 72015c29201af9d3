package migrate

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReportNeverClaimsAbsentKeys (issue 24, item 4): in every golden case and both formats, a
// key the report calls mapped names new keys, and at least one of them is in the output; what
// the report lists as referenced, defaulted or needing input is in the output too.
func TestReportNeverClaimsAbsentKeys(t *testing.T) {
	for _, c := range goldenCases(t) {
		for _, f := range Formats() {
			res, err := Translate(c.in, f)
			if errors.As(err, new(*NothingToMigrateError)) {
				continue
			}
			require.NoError(t, err)
			checkClaims(t, c.name+" "+string(f), res)
			for _, g := range Formats() {
				checkClaims(t, c.name+" "+string(f)+" passed through as "+string(g), translate(t, Input{Sources: []Source{{Name: "out.yaml", Data: res.Output}}}, g))
			}
		}
	}
}

// checkClaims checks that what the report says is in the output is there.
func checkClaims(t *testing.T, name string, res *Result) {
	t.Helper()
	out := values(t, res.Output)
	for _, e := range res.Report.Keys {
		if e.Class != Mapped {
			continue
		}
		require.NotEmpty(t, e.To, "%s: %s is mapped to nothing", name, e.Key)
		found := false
		for _, d := range destinations(e.To) {
			found = found || exists(out, d)
		}
		assert.True(t, found, "%s: %s is mapped to %s, which the output does not contain", name, e.Key, e.To)
	}
	for _, es := range [][]Entry{res.Report.References, res.Report.Defaults, res.Report.NeedsInput} {
		for _, e := range es {
			assert.True(t, exists(out, e.Key), "%s: the report lists %s, which the output does not contain", name, e.Key)
		}
	}
}

// TestProxyPerFormat: explicit proxy settings are mapped to global.proxy in the chart values;
// in an eim.yaml, which has no proxy setting, the report says where they go instead, in the key
// table and in a note.
func TestProxyPerFormat(t *testing.T) {
	chart := translate(t, variantInput(t, "proxy"), ChartValues)
	assert.Equal(t, Tree{"http": "http://proxy.corp.example:3128", "https": "http://proxy.corp.example:3128",
		"noProxy": "localhost,127.0.0.1,.svc,.cluster.local,cluster.onprem"}, lookupAny(values(t, chart.Output), "global", "proxy"))
	assert.Equal(t, Entry{Key: "argo.proxy.httpsProxy", Class: Mapped, To: "global.proxy.https"}, entryFor(t, chart.Report, "argo.proxy.httpsProxy"))

	eim := translate(t, variantInput(t, "proxy"), EIMConfig)
	assert.NotContains(t, string(eim.Output), "proxy.corp.example")
	e := entryFor(t, eim.Report, "argo.proxy.httpsProxy")
	assert.Equal(t, Dropped, e.Class)
	assert.Contains(t, e.Why, "not in eim.yaml: it has no outbound proxy setting; set HTTPS_PROXY, HTTP_PROXY and NO_PROXY in the environment of eim serve")
	assert.Contains(t, strings.Join(eim.Report.Notes, "\n"), "proxy: the legacy deployment reached the outside through a proxy (http, https, noProxy in the chart values)")
	assert.Less(t, eim.Report.Summary.ByClass[Mapped], chart.Report.Summary.ByClass[Mapped], "fewer keys are mapped into an eim.yaml")

	assert.Equal(t, Entry{Key: "infra-core.apiv2.serviceArgsProxy.globalLogLevel", Class: Mapped, To: "log.level"},
		entryFor(t, eim.Report, "infra-core.apiv2.serviceArgsProxy.globalLogLevel"), "a module's log level is eim.yaml's log.level")
	assert.Equal(t, "target", entryFor(t, eim.Report, "argo.enabled.infra-core").To)
}

// TestEmptyMappedValues: a mapped key whose value is empty leaves the default, and says so
// rather than claiming a new key the output does not have.
func TestEmptyMappedValues(t *testing.T) {
	res := translate(t, clusterInput(t, "onprem-oxm"), ChartValues)
	assert.Equal(t, Entry{Key: "argo.proxy.httpProxy", Class: Defaulted, To: "global.proxy.http", Why: "the legacy value is empty: global.proxy.http keeps its default"},
		entryFor(t, res.Report, "argo.proxy.httpProxy"))
	e := entryFor(t, res.Report, "infra-core.inventory.postgresql.readOnlyReplicasSecrets")
	assert.Equal(t, Dropped, e.Class, "read replicas are off: the reader Secret is not used")
	assert.Contains(t, e.Why, "not used with these values: providers.database.config.replica is not in the output")
}

// TestPassThroughPerFormat: converting new-format input between the formats, the report says
// where each key goes in the other format.
func TestPassThroughPerFormat(t *testing.T) {
	chart := translate(t, clusterInput(t, "onprem-oxm"), ChartValues)
	eim := translate(t, Input{Sources: []Source{{Name: "values.yaml", Data: chart.Output}}}, EIMConfig)
	assert.Equal(t, Entry{Key: "inventory.enabled", Class: Mapped, To: "target", Why: "already in the new format"}, entryFor(t, eim.Report, "inventory.enabled"))
	assert.Equal(t, Dropped, entryFor(t, eim.Report, "global.ingress.domain").Class)
	assert.Equal(t, Dropped, entryFor(t, eim.Report, "inventory.resources.limits.cpu").Class)

	back := translate(t, Input{Sources: []Source{{Name: "eim.yaml", Data: []byte("target: day2\nlisten: {http: ':8080'}\nlog: {level: warn}\n")}}}, ChartValues)
	assert.Equal(t, "<module>.logLevel", entryFor(t, back.Report, "log.level").To)
	assert.Equal(t, Dropped, entryFor(t, back.Report, "listen.http").Class)
}
