package migrate

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func findingFor(r *Report, key string) (Finding, bool) {
	for _, f := range r.Insecure {
		if f.Key == key {
			return f, true
		}
	}
	return Finding{}, false
}

// TestDefaultEdgeNodePassword (issue 24, item 7): EMF's default edge-node OS password, which
// every real cluster renders, is flagged insecure with the fix, not only listed as an inline
// credential; a password of the operator's own is only listed.
func TestDefaultEdgeNodePassword(t *testing.T) {
	const key = "infra-onboarding.onboarding-manager.env.passWord"
	for _, in := range []Input{clusterInput(t, "dev"), clusterInput(t, "onprem-oxm"), {Sources: []Source{{Name: "values.yaml", Chart: "onboarding-manager",
		Data: []byte("env: {passWord: user, oidc: {oidc_server_url: 'https://kc.example.com/realms/m'}}\n")}}}} {
		res := translate(t, in, ChartValues)
		f, ok := findingFor(res.Report, key)
		require.True(t, ok, "%v", res.Report.Inputs)
		assert.Equal(t, "the local OS user of every edge node the legacy stack provisioned has EMF's default password "+
			"(custom/infra-onboarding.tpl and the onboarding-manager chart set it when none is given; the value is not shown)", f.Message)
		assert.True(t, strings.HasPrefix(f.Fix, "change that user's password, or remove the user, on every edge node the legacy stack provisioned"), f.Fix)
	}
	res := translate(t, variantInput(t, "strong-password"), ChartValues)
	_, ok := findingFor(res.Report, key)
	assert.False(t, ok, "a password of one's own is no known default")
	assert.Contains(t, res.Report.Credentials, Entry{Key: key, Why: "dropped: the local OS user of provisioned edge nodes (Tinkerbell): OS provisioning is not part of the BYO modules"})
	js, err := res.Report.JSON()
	require.NoError(t, err)
	assert.NotContains(t, string(js)+string(res.Report.Markdown())+string(res.Output), "c0rrect-h0rse-battery-staple")
}

// TestWeakCredentials: the class beyond EMF's defaults: a common default password, or the user
// name next to it, in any credential key; values never shown.
func TestWeakCredentials(t *testing.T) {
	doc := `inventory: {replicaCount: 1}
mystery:
  a: {password: Admin}
  b: {userName: operator7, passWord: operator7}
  c: {password: 'Xq7-unique-9Lr'}
  d: {apiToken: changeme}
`
	res := translate(t, Input{Sources: []Source{{Name: "v.yaml", Data: []byte(doc)}}}, ChartValues)
	for key, msg := range map[string]string{
		"mystery.a.password": "a well-known default password (the value is not shown)",
		"mystery.b.passWord": "the password is the user name next to it (userName; the value is not shown)",
		"mystery.d.apiToken": "a well-known default password (the value is not shown)",
	} {
		f, ok := findingFor(res.Report, key)
		require.True(t, ok, key)
		assert.Equal(t, msg, f.Message, key)
	}
	_, ok := findingFor(res.Report, "mystery.c.password")
	assert.False(t, ok)
	md := string(res.Report.Markdown())
	for _, v := range []string{"Admin", "operator7", "changeme", "Xq7-unique-9Lr"} {
		assert.NotContains(t, md, v)
	}
}
