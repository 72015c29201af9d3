package edgesim_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/edgesim"
)

// testSteady is the steady window of the tests: long enough for a few heartbeats and polls of
// each node; nothing is asserted on time.
const testSteady = 500 * time.Millisecond

func TestSteadyWindowOpensOnceEveryNodeIsThrough(t *testing.T) {
	b := newBed(t)
	b.serve()
	fleet := edgesim.NewFleet(20, tenants("alpha", "beta"), t.Name())
	cfg := b.config(fleet, b.minted(fleet))
	cfg.RampUp, cfg.Steady = 200*time.Millisecond, testSteady // Duration 0: wait for the start sequences

	sum, err := edgesim.Run(t.Context(), cfg)
	require.NoError(t, err)
	nodes, calls := b.rec.snapshot()

	st := sum.Steady
	require.NotNil(t, st, "the window opened")
	assert.True(t, st.StormOver, "every node was through when the window opened")
	assert.EqualValues(t, len(fleet), st.NodesThrough)
	assert.EqualValues(t, len(fleet), sum.NodesThrough)
	assert.Positive(t, st.AfterSeconds)
	assert.Positive(t, st.Seconds)
	assert.GreaterOrEqual(t, st.EndUnixMs, st.StartUnixMs)
	for _, n := range fleet {
		r := nodes[n.GUID]
		assert.LessOrEqual(t, r.changedAt.UnixMilli(), st.StartUnixMs,
			"%s: every change of the start sequence reached the server before the window opened", n.GUID)
	}
	assert.NotContains(t, st.RPCs, edgesim.RPCSystemInfo, "the inventory is sent at start only, before the window")
	require.Contains(t, st.RPCs, edgesim.RPCInstance, "heartbeats in the window")
	assert.Empty(t, st.Errors)
	assert.Equal(t, st.Sent, st.Acknowledged)
	var sent int64
	for name, r := range st.RPCs {
		whole := sum.RPCs[name]
		assert.LessOrEqual(t, r.Sent, whole.Sent, "%s: the window counts part of the run's calls", name)
		assert.LessOrEqual(t, r.LatencyMs.P50, r.LatencyMs.P99, name)
		assert.Positive(t, r.LatencyMs.Max, name)
		sent += r.Sent
	}
	assert.Equal(t, sent, st.Sent)
	assert.Less(t, st.Sent, sum.Sent, "the start sequences are not in the window")
	assert.EqualValues(t, calls[edgesim.RPCSystemInfo]+calls[edgesim.RPCInstance]+calls[edgesim.RPCUpdateStatus], sum.Acknowledged,
		"the whole run's counts are kept")
	assert.GreaterOrEqual(t, st.CPUSeconds, 0.0)
}

// failing are credentials that never give node 0 a token: it never starts, so the fleet's
// start sequence never ends.
type failing struct{ edgesim.Credentials }

func (f failing) Token(ctx context.Context, node int) (string, error) {
	if node == 0 {
		return "", provider.Errorf(provider.Unavailable, "no token for node 0 in this test")
	}
	return f.Credentials.Token(ctx, node)
}

func TestSteadyWindowOpensWhenTheDurationRunsOut(t *testing.T) {
	b := newBed(t)
	b.serve()
	fleet := edgesim.NewFleet(10, tenants("alpha"), t.Name())
	cfg := b.config(fleet, failing{b.minted(fleet)})
	cfg.Duration, cfg.Steady = 300*time.Millisecond, testSteady

	sum, err := edgesim.Run(t.Context(), cfg)
	require.NoError(t, err)

	st := sum.Steady
	require.NotNil(t, st, "the window opened when the duration ran out")
	assert.False(t, st.StormOver, "node 0 never got through")
	assert.Less(t, st.NodesThrough, int64(len(fleet)))
	assert.Less(t, sum.NodesThrough, int64(len(fleet)))
	assert.LessOrEqual(t, st.NodesThrough, sum.NodesThrough)
	assert.LessOrEqual(t, st.Sent, sum.Sent)
	assert.Positive(t, sum.CredentialErrors["Unavailable"])
}

func TestSteadyWindowNotOpenedWhenStoppedBefore(t *testing.T) {
	b := newBed(t)
	b.serve()
	fleet := edgesim.NewFleet(5, tenants("alpha"), t.Name())
	cfg := b.config(fleet, failing{b.minted(fleet)})
	cfg.Steady = time.Hour // Duration 0: the window waits for node 0, which never starts
	cfg.Stop = b.rec.until(t, every(fleet[1:], func(r nodeRecord) bool { return r.heartbeats >= 3 && r.polls >= 1 && r.systemInfo >= 1 }))

	sum, err := edgesim.Run(t.Context(), cfg)
	require.NoError(t, err)
	assert.Nil(t, sum.Steady, "the run stopped before the window opened")
	assert.EqualValues(t, len(fleet)-1, sum.NodesThrough, "every node but 0 is through: inventory, three heartbeats and a poll acknowledged")
}

func TestSteadyMustNotBeNegative(t *testing.T) {
	cfg := edgesim.Config{Address: "127.0.0.1:1", Fleet: edgesim.NewFleet(1, nil, t.Name()),
		Credentials: failing{}, Steady: -time.Second}
	err := cfg.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "steady")
}
