package identity

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCollectors: the verifier's collectors count token cache lookups by result and key-set
// fetches by outcome, and lint clean.
func TestCollectors(t *testing.T) {
	v, src, k := cacheBed(t, 16)
	reg := prometheus.NewRegistry()
	for _, c := range v.Collectors() {
		require.NoError(t, reg.Register(c))
	}
	raw := sign(t, k, claimsNow())
	for range 3 {
		_, err := v.Verify(context.Background(), raw)
		require.NoError(t, err)
	}
	src.fail.Store(true)
	assert.Error(t, v.keys.refresh(context.Background(), true), "the issuer is down")

	for _, tc := range []struct {
		name, label, value string
		want               float64
	}{
		{"eim_identity_token_cache_requests_total", "result", "hit", 2},
		{"eim_identity_token_cache_requests_total", "result", "miss", 1},
		{"eim_identity_jwks_refreshes_total", "outcome", "ok", 1},
		{"eim_identity_jwks_refreshes_total", "outcome", "error", 1},
	} {
		assert.Equal(t, tc.want, gathered(t, reg, tc.name, tc.label, tc.value), "%s{%s=%q}", tc.name, tc.label, tc.value)
	}
	assert.Equal(t, 1.0, gathered(t, reg, "eim_identity_token_cache_entries", "", ""))
	problems, err := testutil.GatherAndLint(reg)
	require.NoError(t, err)
	assert.Empty(t, problems)
}

// gathered returns the value of the one series of name whose label is value ("" for none).
func gathered(t *testing.T, reg *prometheus.Registry, name, label, value string) float64 {
	fams, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if label != "" && !hasLabel(m.GetLabel(), label, value) {
				continue
			}
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	return -1
}

func hasLabel(ls []*dto.LabelPair, name, value string) bool {
	for _, l := range ls {
		if l.GetName() == name && l.GetValue() == value {
			return true
		}
	}
	return false
}
