//go:build fleetbench

package fleet_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUsageInterpolatesAtTheWindow(t *testing.T) {
	t0 := time.Unix(1_000, 0)
	samples := []sample{
		{at: t0, cpu: 10, rss: 100, xact: 1000},
		{at: t0.Add(time.Second), cpu: 11, rss: 300, xact: 1100},
		{at: t0.Add(2 * time.Second), cpu: 13, rss: 200, xact: 1300},
	}
	u, ok := usage(samples, t0.Add(500*time.Millisecond), t0.Add(1500*time.Millisecond))
	require.True(t, ok)
	assert.InDelta(t, 12.0-10.5, u.cpuSeconds, 1e-9, "half of each second's CPU")
	assert.InDelta(t, 1200.0-1050, u.xact, 1e-9)
	assert.EqualValues(t, 300, u.maxRSS, "the sample within the window")
	assert.Equal(t, 1, u.samples)

	u, ok = usage(samples, t0.Add(1200*time.Millisecond), t0.Add(1400*time.Millisecond))
	require.True(t, ok, "a window between two samples")
	assert.InDelta(t, 0.4, u.cpuSeconds, 1e-9)
	assert.Zero(t, u.samples)
	assert.EqualValues(t, 300, u.maxRSS, "the nearer sample's")

	_, ok = usage(samples, t0.Add(-time.Millisecond), t0.Add(time.Second))
	assert.False(t, ok, "a window starting before the samples")
	_, ok = usage(samples, t0, t0.Add(3*time.Second))
	assert.False(t, ok, "a window ending after them")
}
