package vault_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLeaseMetrics: dynamic PostgreSQL credentials from OpenBao's database engine (a 6s lease,
// 12s at most) read through the provider show their time to expiry, count their renewals, and
// count a rotation once the lease reached its maximum and new credentials were issued; the
// collectors lint clean.
func TestLeaseMetrics(t *testing.T) {
	reg, name := leasedSecret(t)

	remaining, ok := metric(t, reg, "eim_secrets_lease_remaining_seconds", "secret", name)
	require.True(t, ok, "the lease is reported")
	assert.Greater(t, remaining, 0.0)
	assert.LessOrEqual(t, remaining, 6.0)
	require.Eventually(t, func() bool {
		renewed, _ := metric(t, reg, "eim_secrets_lease_renewals_total", "outcome", "ok")
		rotated, _ := metric(t, reg, "eim_secrets_credential_rotations_total", "", "")
		return renewed >= 1 && rotated >= 1
	}, 40*time.Second, 200*time.Millisecond, "the lease is renewed, then the credentials rotated")
	failed, _ := metric(t, reg, "eim_secrets_lease_renewals_total", "outcome", "error")
	assert.Zero(t, failed)
	remaining, ok = metric(t, reg, "eim_secrets_lease_remaining_seconds", "secret", name)
	require.True(t, ok)
	assert.Greater(t, remaining, 0.0, "the new credentials' lease")
	problems, err := testutil.GatherAndLint(reg)
	require.NoError(t, err)
	assert.Empty(t, problems)
}

// leasedSecret reads dynamic PostgreSQL credentials from OpenBao's database engine (a 6s lease,
// 12s at most) through a provider whose collectors are registered in the returned registry; it
// returns the registry and the secret's name.
func leasedSecret(t *testing.T) (*prometheus.Registry, string) {
	b := newBed(t)
	p := b.open(b.appRole(b.config(b.bao.Addr)))
	reg := prometheus.NewRegistry()
	for _, c := range p.Collectors() {
		require.NoError(t, reg.Register(c))
	}
	name := b.databaseRole(6*time.Second, 12*time.Second)
	_, err := p.ReadSecret(context.Background(), name, "username")
	require.NoError(t, err)
	return reg, name
}

// metric returns the value of the series of name with label=value (any series when label is
// empty).
func metric(t *testing.T, reg *prometheus.Registry, name, label, value string) (float64, bool) {
	fams, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if label != "" && !has(m.GetLabel(), label, value) {
				continue
			}
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue(), true
			}
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

func has(ls []*dto.LabelPair, name, value string) bool {
	for _, l := range ls {
		if l.GetName() == name && l.GetValue() == value {
			return true
		}
	}
	return false
}

// TestLeaseRotatesAtTheFirstCappedRenewal: with a 6s lease and a 12s maximum the first renewal
// (at 4s) is granted in full and the second (at 8s) comes back capped at the 4s left; the
// provider reads new credentials at once then, leaving the old ones those 4s to drain, instead
// of renewing the capped lease once more and reading anew a fraction of a second before the
// backend revokes it (the old rule: three renewals, then the read). Counted, not timed: the
// rotation is seen after exactly two renewals.
func TestLeaseRotatesAtTheFirstCappedRenewal(t *testing.T) {
	reg, _ := leasedSecret(t)
	var renewedAtRotation float64
	require.Eventually(t, func() bool {
		rotated, _ := metric(t, reg, "eim_secrets_credential_rotations_total", "", "")
		renewedAtRotation, _ = metric(t, reg, "eim_secrets_lease_renewals_total", "outcome", "ok")
		return rotated >= 1
	}, 40*time.Second, 20*time.Millisecond, "the credentials are rotated")
	assert.Equal(t, 2.0, renewedAtRotation, "one full renewal, one capped one, then the new credentials")
}
