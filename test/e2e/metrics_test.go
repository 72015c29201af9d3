package e2e_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/eim-byoi/eim/test/proc"
)

// perRequestForbidden are label names that would put an unbounded id on a series.
var perRequestForbidden = []string{"host", "host_id", "hostid", "tenant", "tenant_id", "tenantid", "project",
	"project_id", "projectid", "resource_id", "uuid", "path", "subject", "token"}

// TestMetricsArePromlintClean scrapes /metrics of a real `eim serve` after REST and gRPC
// traffic: promlint finds no problem, the RED metrics of the API and of the gRPC server, the
// database pool and the outbox backlog are there, and no series carries a host, tenant or other
// unbounded id as a label.
func TestMetricsArePromlintClean(t *testing.T) {
	bin := proc.Build(t)
	dir := t.TempDir()
	env := proc.Env(dir, "EIM_TARGET=inventory,api,tenant")
	p := proc.Start(t, bin, dir, env, "serve")
	e := &embedded{bin: bin, env: env}
	api := rest{base: "http://" + p.HTTP}
	require.Equal(t, http.StatusOK, api.do(t, http.MethodPut, "/v1/projects/metered", e.admin(t), map[string]string{"description": "m"}, &map[string]any{}))
	assert.Equal(t, http.StatusNotFound, api.do(t, http.MethodGet, "/v1/projects/absent", e.admin(t), nil, nil))
	conn, err := grpc.NewClient(p.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	_, err = healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	require.NoError(t, err)

	resp, err := http.Get("http://" + p.HTTP + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	problems, err := promlint.NewWithMetricFamilies(parseFamilies(t, body)).Lint()
	require.NoError(t, err)
	assert.Empty(t, problems, "promlint")
	families := parseFamilies(t, body)
	names := make([]string, 0, len(families))
	for _, f := range families {
		names = append(names, f.GetName())
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				assert.NotContains(t, perRequestForbidden, l.GetName(), "%s has an unbounded label", f.GetName())
			}
		}
	}
	for _, want := range []string{"eim_api_requests_total", "eim_api_request_duration_seconds", "eim_grpc_server_handled_total",
		"eim_grpc_server_handling_seconds", "go_sql_open_connections", "eim_outbox_pending_events", "eim_ready"} {
		assert.True(t, slices.Contains(names, want), "%s is exported", want)
	}
}

func parseFamilies(t *testing.T, body []byte) []*dto.MetricFamily {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	require.NoError(t, err)
	out := make([]*dto.MetricFamily, 0, len(fams))
	for _, f := range fams {
		out = append(out, f)
	}
	return out
}
