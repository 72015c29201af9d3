package migrate

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// needsFor returns the report's entry of values that need input for key.
func needsFor(t *testing.T, r *Report, key string) string {
	t.Helper()
	for _, e := range r.NeedsInput {
		if e.Key == key {
			return e.Why
		}
	}
	require.Failf(t, "not in the values that need input", "%s", key)
	return ""
}

// TestMissingClusterDomain (issue 24, item 3): a cluster without argo.clusterDomain rendered
// host names such as "api." and leaves only an in-cluster http:// issuer. Each is a
// placeholder, reported as needing input with the legacy key it came from; the eim.yaml fails
// validation on the issuer.
func TestMissingClusterDomain(t *testing.T) {
	res := translate(t, variantInput(t, "no-domain"), ChartValues)
	v := values(t, res.Output)
	for _, h := range []string{"api", "hostmgr", "maintenance", "onboarding", "onboardingStream"} {
		got, _ := lookupAny(v, "global", "ingress", "hosts", h).(string)
		assert.True(t, strings.HasPrefix(got, "NEEDS-INPUT: the public host name for "+h+": the value "), "%s: %s", h, got)
		assert.Contains(t, got, `." (from `, h)
		assert.Contains(t, got, "has an empty name part (a missing value rendered as nothing: is argo.clusterDomain set?)", h)
	}
	assert.Contains(t, needsFor(t, res.Report, "global.ingress.hosts.api"), `the value "api." (from infra-core.apiv2.apiv2IngressRoute.apiHostname) has an empty name part`)
	assert.Equal(t, "the base domain of the public host names: argo.clusterDomain is empty or missing in the EMF cluster", needsFor(t, res.Report, "global.ingress.domain"))
	assert.Contains(t, needsFor(t, res.Report, "providers.identity.config.issuer"),
		"the legacy services read the realm at http://platform-keycloak.orch-platform.svc/realms/master, an in-cluster address tokens do not carry (kept as discoveryURL)")
	assert.Equal(t, "http://platform-keycloak.orch-platform.svc/realms/master/.well-known/openid-configuration", lookupAny(v, "providers", "identity", "config", "discoveryURL"))

	eim := translate(t, variantInput(t, "no-domain"), EIMConfig)
	assert.Contains(t, string(eim.Output), "issuer: 'NEEDS-INPUT: the issuer your tokens carry")
	assert.NotContains(t, string(eim.Output), "ingress", "host names are the chart's")
}

// TestUnrenderedTemplate (issue 24, item 3): a cluster file copied from a template without
// rendering it (clusterDomain: ${CLUSTER_DOMAIN}) leaves no ${…} in the output: every value
// holding one is a placeholder, reported as needing input.
func TestUnrenderedTemplate(t *testing.T) {
	for _, f := range Formats() {
		res := translate(t, variantInput(t, "unrendered"), f)
		for _, l := range leaves(values(t, res.Output)) {
			s, _ := l.Value.(string)
			if strings.Contains(s, "${CLUSTER_DOMAIN}") {
				assert.True(t, strings.HasPrefix(s, "NEEDS-INPUT: "), "%s %s = %s", f, l.Path, s)
				assert.Contains(t, needsFor(t, res.Report, l.Path.String()), "holds ${CLUSTER_DOMAIN}, a template expression nothing replaced", l.Path)
			}
		}
		assert.Contains(t, needsFor(t, res.Report, "providers.identity.config.issuer"),
			`the value "https://keycloak.${CLUSTER_DOMAIN}/realms/master" (from argo.clusterDomain) holds ${CLUSTER_DOMAIN}`)
	}
}

// TestSuspectValues: the class over values given with -f: ${…} and {{…}} left in any output
// value, and empty parts in hosts and URLs; sound values are untouched.
func TestSuspectValues(t *testing.T) {
	doc := `infra-core:
  apiv2:
    oidc: {oidc_server_url: 'https://{{ .Values.kc }}/realms/edge'}
    apiv2IngressRoute: {apiHostname: 'api..example.com'}
  inventory:
    postgresql: {secrets: s}
    inventory: {traceURL: 'otel.example.com:4318', enableTracing: true}
postgresql-secrets: {host: '${DB_HOST}'}
`
	res := translate(t, Input{Sources: []Source{{Name: "v.yaml", Data: []byte(doc)}}}, ChartValues)
	v := values(t, res.Output)
	for key, want := range map[string]string{
		"providers.identity.config.issuer": "holds {{ .Values.kc }}, a template expression nothing replaced",
		"global.ingress.hosts.api":         `the value "api..example.com" (from infra-core.apiv2.apiv2IngressRoute.apiHostname) has an empty name part`,
		"providers.database.config.host":   `the value "${DB_HOST}" (from postgresql-secrets.host) holds ${DB_HOST}`,
	} {
		assert.Contains(t, needsFor(t, res.Report, key), want, key)
		got, _ := lookup(v, strings.Split(key, ".")...)
		assert.True(t, strings.HasPrefix(got.(string), "NEEDS-INPUT: "), key)
	}
	assert.Equal(t, "http://otel.example.com:4318", lookupAny(v, "global", "telemetry", "endpoint"), "host:port without a scheme is a sound host")
}

// TestIssuerPlaceholderClaimsOnlyWhatIsWritten: the issuer placeholder says the legacy realm
// URL is kept as discoveryURL only when the output has one (a chart that gave only keycloakUrl,
// such as credentials, has none), in both formats and for every golden input.
func TestIssuerPlaceholderClaimsOnlyWhatIsWritten(t *testing.T) {
	for _, c := range goldenCases(t) {
		for _, f := range Formats() {
			res, err := Translate(c.in, f)
			if err != nil {
				continue // nothing to migrate: TestGolden checks the error
			}
			out := string(res.Output)
			if strings.Contains(out, "(kept as discoveryURL)") {
				assert.Contains(t, out, "discoveryURL: ", "%s (%s)", c.name, f)
			}
		}
	}
	res := translate(t, Input{Sources: []Source{{Name: "credentials.yaml", Chart: "credentials",
		Data: []byte("params: {keycloakUrl: http://platform-keycloak.orch-platform:8080}\n")}}}, EIMConfig)
	issuer := needsFor(t, res.Report, "providers.identity.config.issuer")
	assert.Contains(t, issuer, "an in-cluster address tokens do not carry, and no cluster domain names its public URL")
	assert.NotContains(t, string(res.Output), "discoveryURL")
}
