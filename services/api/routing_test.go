package api_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/services/api"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/test/apitest"
)

// do sends a request with extra headers.
func do(t *testing.T, bed *apitest.Bed, method, path string, headers map[string]string) *apitest.Response {
	t.Helper()
	req, err := http.NewRequest(method, bed.URL+path, nil)
	require.NoError(t, err)
	for k, v := range headers {
		req.Header.Add(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(resp.Body)
	require.NoError(t, err)
	return &apitest.Response{Status: resp.StatusCode, Header: resp.Header, Body: buf.Bytes()}
}

// TestLegacyV2Paths: the /edge-infra.orchestrator.apis/v2 bindings take the project from the
// ActiveProjectID header (name or id), or from the token when it holds roles in one project.
func TestLegacyV2Paths(t *testing.T) {
	bed := apitest.New(t, apitest.Options{})
	name, id := bed.Project(t)
	_, other := bed.Project(t)
	c := &project{bed: bed, base: "/v1/projects/" + name, token: bed.Token(t, id)}
	var region ided
	c.ok(t, "POST", "/regions", map[string]any{"name": "r"}, &region)
	auth := "Bearer " + c.token
	for _, project := range []string{name, id, ""} {
		r := do(t, bed, "GET", "/edge-infra.orchestrator.apis/v2/regions/"+region.ResourceID,
			map[string]string{"Authorization": auth, api.ProjectHeader: project})
		assert.Equal(t, http.StatusOK, r.Status, "project %q: %s", project, r.Body)
	}
	r := do(t, bed, "GET", "/edge-infra.orchestrator.apis/v2/regions", map[string]string{"Authorization": auth, api.ProjectHeader: other})
	failure(t, r, http.StatusForbidden, "PermissionDenied")
	both := bed.Identity.Minter.Token(t, "two", id+"_im-r", other+"_im-r")
	r = do(t, bed, "GET", "/edge-infra.orchestrator.apis/v2/regions", map[string]string{"Authorization": "Bearer " + both})
	failure(t, r, http.StatusBadRequest, "InvalidArgument", api.ProjectHeader)
	r = do(t, bed, "GET", "/v1/projects/"+name+"/regions", map[string]string{"Authorization": auth})
	assert.Equal(t, http.StatusOK, r.Status)
	r = do(t, bed, "GET", "/v1/projects/"+name+"/regions", map[string]string{"Authorization": auth + "x"})
	failure(t, r, http.StatusUnauthorized, "Unauthenticated")
	assert.Contains(t, r.Header.Get("WWW-Authenticate"), "Bearer")
	failure(t, bed.Do(t, "GET", "/v1/projects/"+name+"/nowhere", c.token, nil), http.StatusNotFound, "NotFound")
	failure(t, bed.Do(t, "GET", "/elsewhere", c.token, nil), http.StatusNotFound, "NotFound")
}

// TestFeaturesFollowTheModules: GET /v1/orchestrator reports the EIM features of the modules
// the process runs, so that a CLI shows the commands that are served.
func TestFeaturesFollowTheModules(t *testing.T) {
	type feature struct {
		Installed bool               `json:"installed"`
		Features  map[string]feature `json:"features"`
	}
	var info struct {
		SchemaVersion string `json:"schema-version"`
		Orchestrator  struct {
			Features map[string]feature `json:"features"`
		} `json:"orchestrator"`
	}
	bed := apitest.New(t, apitest.Options{Modules: []string{module.Inventory, module.API, module.Onboarding, module.OSResource}})
	failure(t, bed.Do(t, "GET", "/v1/orchestrator", "", nil), http.StatusUnauthorized, "Unauthenticated")
	r := bed.Do(t, "GET", "/v1/orchestrator", bed.Identity.Minter.Token(t, "cli"), nil)
	require.Equal(t, http.StatusOK, r.Status)
	r.JSON(t, &info)
	assert.Equal(t, "1.0", info.SchemaVersion)
	eim := info.Orchestrator.Features["edge-infrastructure-manager"]
	assert.True(t, eim.Installed)
	assert.True(t, eim.Features["onboarding"].Installed)
	assert.True(t, eim.Features["provisioning"].Installed)
	assert.False(t, eim.Features["day2"].Installed)
	assert.False(t, eim.Features["oob"].Installed)
	assert.False(t, info.Orchestrator.Features["cluster-orchestration"].Installed)
}

// TestMetricsAndAccessLog: every request is counted by route template, method and status, and
// logged without its token.
func TestMetricsAndAccessLog(t *testing.T) {
	reg := prometheus.NewRegistry()
	var logs bytes.Buffer
	bed := apitest.New(t, apitest.Options{})
	s, err := api.New(api.Options{Inventory: bed.Inventory, Verifier: bed.Identity.Verifier, Config: config.Default().API,
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)), Metrics: reg})
	require.NoError(t, err)
	bed.URL = serve(t, s)
	name, id := bed.Project(t)
	tok := bed.Token(t, id)
	for range 3 {
		require.Equal(t, http.StatusOK, bed.Do(t, "GET", "/v1/projects/"+name+"/regions", tok, nil).Status)
	}
	failure(t, bed.Do(t, "GET", "/v1/projects/"+name+"/regions/region-00000000", tok, nil), http.StatusNotFound, "NotFound")
	assert.Equal(t, 3.0, testutil.ToFloat64(metricOf(t, reg, "/v1/projects/{projectName}/regions", "GET", "200")))
	assert.Equal(t, 1.0, testutil.ToFloat64(metricOf(t, reg, "/v1/projects/{projectName}/regions/{resourceId}", "GET", "404")))
	assert.Contains(t, logs.String(), `"route":"/v1/projects/{projectName}/regions"`)
	assert.Contains(t, logs.String(), `"subject":"apitest"`)
	assert.NotContains(t, logs.String(), tok)
	assert.NotContains(t, logs.String(), strings.Split(tok, ".")[2], "not even the signature")
}

// metricOf returns the request counter of route, method and code.
func metricOf(t *testing.T, reg *prometheus.Registry, route, method, code string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != "eim_api_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["route"] == route && labels["method"] == method && labels["code"] == code {
				return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "x"}, func() float64 { return m.GetCounter().GetValue() })
			}
		}
	}
	t.Fatalf("no eim_api_requests_total{route=%q,method=%q,code=%q} in %v", route, method, code, mfs)
	return nil
}
