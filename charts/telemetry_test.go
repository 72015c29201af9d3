package charts_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/test/proc"
)

// TestTelemetryBlock: global.telemetry becomes the telemetry block of every module's eim.yaml
// (eim reads no OTEL_* variable): the observability profile's OTLP/HTTP collector and sampling,
// and a gRPC collector with TLS and a header from a Secret; serviceName is eim-<module> unless
// given; each eim.yaml passes eim config validate; no container has an OTEL_ variable; with
// telemetry off no eim.yaml enables it.
func TestTelemetryBlock(t *testing.T) {
	bin := proc.Build(t)
	grpcValues := filepath.Join(t.TempDir(), "grpc.yaml")
	require.NoError(t, os.WriteFile(grpcValues, []byte(`target: all
global:
  secretEnv: [{name: OTLP_API_KEY, secretName: otlp, key: api-key}]
  telemetry:
    enabled: true
    protocol: grpc
    endpoint: otel-collector.observability.svc:4317
    tls: {mode: verify-full}
    headers: {api-key: {env: OTLP_API_KEY}}
    sampleRatio: 0.1
    serviceName: edge
`), 0o600))
	for _, tc := range []struct {
		name, values                string
		enabled                     bool
		protocol, endpoint, service string
		ratio                       float64
	}{
		{"observability profile", "charts/eim/profiles/observability.yaml", true, "http", "http://otel-collector.observability.svc:4318", "", 0.25},
		{"grpc with TLS and a header", grpcValues, true, "grpc", "otel-collector.observability.svc:4317", "edge", 0.1},
		{"off by default", "charts/eim/profiles/day2.yaml", false, "", "", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs, _ := helmTemplate(t, "charts/eim", "charts/testdata/providers/embedded.yaml", tc.values)
			deps, cms := byKind(objs, "Deployment"), byKind(objs, "ConfigMap")
			require.NotEmpty(t, deps)
			for name, dep := range deps {
				for _, e := range envList(container(dep)) {
					assert.NotContains(t, e, "OTEL_", "%s: eim reads no OTEL_ variable", name)
				}
				text := str(cms[name+"-config"], "data", "eim.yaml")
				validateConfig(t, bin, text)
				var cfg struct {
					Telemetry *config.Telemetry `yaml:"telemetry"`
				}
				require.NoError(t, yaml.Unmarshal([]byte(text), &cfg))
				if !tc.enabled {
					assert.False(t, cfg.Telemetry != nil && cfg.Telemetry.Enabled, "%s: telemetry stays off", name)
					continue
				}
				require.NotNil(t, cfg.Telemetry, "%s: eim.yaml has the telemetry block", name)
				tel := cfg.Telemetry
				assert.True(t, tel.Enabled, name)
				assert.Equal(t, tc.protocol, tel.Protocol, name)
				assert.Equal(t, tc.endpoint, tel.Endpoint, name)
				assert.InDelta(t, tc.ratio, tel.SampleRatio, 1e-9, name)
				want := tc.service
				if want == "" {
					want = "eim-" + strings.TrimPrefix(name, "eim-")
				}
				assert.Equal(t, want, tel.ServiceName, name)
				if tc.protocol == "grpc" {
					assert.Equal(t, "OTLP_API_KEY", tel.Headers["api-key"].Env, "%s: the header stays a reference", name)
					assert.Equal(t, "verify-full", tel.TLS.Mode, name)
				}
			}
		})
	}
}

// envList returns a container's env entries as name=value text.
func envList(c map[string]any) []string {
	var out []string
	envs, _ := c["env"].([]any)
	for _, e := range envs {
		m := e.(map[string]any)
		v, _ := m["value"].(string)
		out = append(out, m["name"].(string)+"="+v)
	}
	return out
}
