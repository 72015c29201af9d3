package e2e_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// perRequestForbidden are label names that would put an unbounded id on a series.
var perRequestForbidden = []string{"host", "host_id", "hostid", "tenant", "tenant_id", "tenantid", "project",
	"project_id", "projectid", "resource_id", "uuid", "guid", "path", "subject", "token"}

// exported are the families a run through every module must export.
var exported = []string{"eim_api_requests_total", "eim_api_request_duration_seconds", "eim_grpc_server_handled_total",
	"eim_grpc_server_handling_seconds", "go_sql_open_connections", "eim_outbox_pending_events", "eim_ready", "eim_component_healthy",
	"eim_messaging_publish_duration_seconds", "eim_messaging_ack_duration_seconds", "eim_messaging_delivery_lag_seconds",
	"eim_messaging_deliveries_total", "eim_identity_token_cache_requests_total", "eim_identity_token_cache_entries",
	"eim_identity_jwks_refreshes_total", "eim_secrets_lease_remaining_seconds", "eim_secrets_credential_rotations_total",
	"eim_secrets_lease_renewals_total", "eim_hostmgr_hosts", "eim_hostmgr_tenant_hosts", "eim_hostmgr_heartbeats_total", "eim_maintenance_os_update_runs_total",
	"eim_maintenance_open_os_update_runs"}

// tenantLabelled are the fleet gauges allowed a tenant label: one series per status for each of
// at most hostmgr.tenantMetrics tenants and "other", never a per-request series.
var tenantLabelled = map[string]bool{"eim_hostmgr_tenant_hosts": true}

// dashboardDir is where the Grafana dashboards the umbrella chart ships live.
var dashboardDir = filepath.Join("..", "..", "charts", "eim", "files", "dashboards")

// TestObservability runs a real `eim serve --target all` (SQLite, a private NATS, OpenBao, the
// embedded identity provider) with a simulated fleet, so that REST calls, onboarding, heartbeats,
// update polls and events reach every module, and checks what an operator's Prometheus and
// Grafana would use: the scrape is promlint clean with bounded labels and has every family;
// every dashboard expression parses and names only metrics the run exports; and the alert rules
// evaluate as they should on the series of the run, the broker then stopped and the agents
// silent (TestAlertRules' part).
func TestObservability(t *testing.T) {
	r := startObsRun(t)
	for range obsHealthySamples {
		r.scrape()
		sleepScrape()
	}
	last := r.scrapes[len(r.scrapes)-1]
	t.Run("promlint", func(t *testing.T) { checkPromlint(t, last) })
	t.Run("values", func(t *testing.T) {
		checkValues(t, parseMap(t, last))
		checkFleetGauges(t, r, parseMap(t, last))
	})
	t.Run("dashboards", func(t *testing.T) { checkDashboards(t, r.scrapes) })
	t.Run("alert rules", func(t *testing.T) { checkAlertRules(t, r, obsHealthySamples) })
}

// checkPromlint: no promlint problem, every family of a run through every module, and no label
// named like an unbounded id.
func checkPromlint(t *testing.T, body []byte) {
	problems, err := promlint.NewWithMetricFamilies(parseFamilies(t, body)).Lint()
	require.NoError(t, err)
	assert.Empty(t, problems, "promlint")
	names := []string{}
	for _, f := range parseFamilies(t, body) {
		names = append(names, f.GetName())
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if tenantLabelled[f.GetName()] && l.GetName() == "tenant" {
					continue
				}
				assert.NotContains(t, perRequestForbidden, l.GetName(), "%s has an unbounded label", f.GetName())
			}
		}
	}
	for _, want := range exported {
		assert.True(t, slices.Contains(names, want), "%s is exported", want)
	}
}

// grafanaVars replaces the Grafana variables of the dashboards' expressions by values PromQL
// accepts, as Grafana does before it sends a query.
var grafanaVars = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "1h", "$job", ".*", "${job}", ".*")

// checkDashboards: every dashboard is JSON whose panels' expressions parse as PromQL and name
// only metrics the run exported (a histogram's _bucket, _sum and _count by its family).
func checkDashboards(t *testing.T, scrapes [][]byte) {
	have := map[string]bool{}
	for _, s := range scrapes {
		for _, f := range parseFamilies(t, s) {
			have[f.GetName()] = true
		}
	}
	files, err := filepath.Glob(filepath.Join(dashboardDir, "*.json"))
	require.NoError(t, err)
	require.Len(t, files, 5)
	for _, file := range files {
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		var d struct {
			UID    string
			Panels []struct {
				Title   string
				Targets []struct{ Expr string }
			}
		}
		require.NoError(t, json.Unmarshal(b, &d), file)
		require.NotEmpty(t, d.Panels, file)
		for _, p := range d.Panels {
			require.NotEmpty(t, p.Targets, "%s: %s has a query", file, p.Title)
			for _, target := range p.Targets {
				expr, err := promQL().ParseExpr(grafanaVars.Replace(target.Expr))
				require.NoError(t, err, "%s: %s: %s", file, p.Title, target.Expr)
				for _, name := range metricNames(expr) {
					assert.True(t, have[family(name, have)], "%s: %s names %s, which the run did not export", file, p.Title, name)
				}
			}
		}
	}
}

// metricNames returns the metric names an expression selects.
func metricNames(expr parser.Expr) []string {
	var out []string
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			out = append(out, vs.Name)
		}
		return nil
	})
	return out
}

// family maps a histogram's series name to its family when the family exists.
func family(name string, have map[string]bool) string {
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && have[base] {
			return base
		}
	}
	return name
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

// labelName is what a Prometheus label name may be, for the series written to the rule tests.
var labelName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// promQL parses PromQL as a default Prometheus server does (no experimental features).
func promQL() parser.Parser { return parser.NewParser(parser.Options{}) }

// checkValues: the run's metrics say what happened: every simulated host runs, the agents'
// repeated tokens are answered from the cache, events were published and acknowledged, the
// broker password's lease has most of its hour left, and every component is healthy.
func checkValues(t *testing.T, fams map[string]*dto.MetricFamily) {
	for _, c := range []struct {
		name   string
		labels map[string]string
		min    float64
	}{
		{"eim_hostmgr_hosts", map[string]string{"status": "running"}, obsNodes},
		{"eim_identity_token_cache_requests_total", map[string]string{"result": "hit"}, 1},
		{"eim_identity_jwks_refreshes_total", map[string]string{"outcome": "ok"}, 1},
		{"eim_messaging_publish_duration_seconds", map[string]string{"adapter": "nats", "outcome": "ok"}, 1},
		{"eim_messaging_deliveries_total", map[string]string{"adapter": "nats", "outcome": "acked"}, 1},
		{"eim_messaging_delivery_lag_seconds", map[string]string{"adapter": "nats"}, 1},
		{"eim_secrets_lease_remaining_seconds", nil, 1800},
		{"eim_maintenance_os_update_runs_total", map[string]string{"op": "closed"}, 1},
		{"eim_ready", nil, 1},
	} {
		v, ok := value(fams, c.name, c.labels)
		assert.True(t, ok, "%s%v is exported", c.name, c.labels)
		assert.GreaterOrEqual(t, v, c.min, "%s%v", c.name, c.labels)
	}
	running, _ := value(fams, "eim_hostmgr_hosts", map[string]string{"status": "running"})
	assert.EqualValues(t, obsNodes, running, "the simulated hosts run")
	remaining, _ := value(fams, "eim_secrets_lease_remaining_seconds", nil)
	assert.LessOrEqual(t, remaining, 3600.0, "the lease of the broker password (ttl 1h)")
	for _, m := range fams["eim_component_healthy"].GetMetric() {
		assert.Equal(t, 1.0, m.GetGauge().GetValue(), "%v is healthy", m.GetLabel())
	}
}

// checkFleetGauges: hosts by status per tenant report the fleet's tenant (hostmgr.tenantMetrics
// 1) and "other", each with every status; the open OS update runs by state are at most one per
// instance of the fleet.
func checkFleetGauges(t *testing.T, r *obsRun, fams map[string]*dto.MetricFamily) {
	tenant := r.tenant
	byTenant := map[string]map[string]float64{}
	for _, m := range fams["eim_hostmgr_tenant_hosts"].GetMetric() {
		l := map[string]string{}
		for _, p := range m.GetLabel() {
			l[p.GetName()] = p.GetValue()
		}
		if byTenant[l["tenant"]] == nil {
			byTenant[l["tenant"]] = map[string]float64{}
		}
		byTenant[l["tenant"]][l["status"]] = m.GetGauge().GetValue()
	}
	require.Len(t, byTenant, 2, "the one tenant reported and the others: %v", byTenant)
	require.Contains(t, byTenant, tenant)
	require.Contains(t, byTenant, "other")
	assert.EqualValues(t, obsNodes, byTenant[tenant]["running"], "the fleet's hosts run")
	for _, counts := range byTenant {
		assert.Len(t, counts, 6, "every status is reported")
	}
	total, _ := value(fams, "eim_hostmgr_hosts", map[string]string{"status": "running"})
	assert.Equal(t, total, byTenant[tenant]["running"]+byTenant["other"]["running"], "the tenants add up to the hosts")

	for _, state := range []string{"downloading", "downloaded", "updating"} {
		_, ok := value(fams, "eim_maintenance_open_os_update_runs", map[string]string{"state": state})
		assert.True(t, ok, "open runs %s are reported", state)
	}
	// The agents go on updating while this runs: a scrape may fall between a run's write and
	// its gauge's; some scrape shows them agree.
	var open, created, closed float64
	require.Eventually(t, func() bool {
		fams := scrapeOnce(t, r)
		open = 0
		for _, state := range []string{"downloading", "downloaded", "updating"} {
			v, _ := value(fams, "eim_maintenance_open_os_update_runs", map[string]string{"state": state})
			require.GreaterOrEqual(t, v, 0.0, state)
			open += v
		}
		created, _ = value(fams, "eim_maintenance_os_update_runs_total", map[string]string{"op": "created"})
		closed, _ = value(fams, "eim_maintenance_os_update_runs_total", map[string]string{"op": "closed"})
		return created-closed == open
	}, time.Minute, 100*time.Millisecond, "the open runs are the runs created and not closed")
	assert.LessOrEqual(t, open, float64(obsNodes), "at most one open run per instance")
	assert.Positive(t, closed, "runs were closed")
}

// scrapeOnce reads /metrics without keeping it among the run's scrapes.
func scrapeOnce(t *testing.T, r *obsRun) map[string]*dto.MetricFamily {
	resp, err := http.Get("http://" + r.p.HTTP + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return parseMap(t, body)
}
