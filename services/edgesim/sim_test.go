package edgesim_test

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	hostmgr "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/edgesim"
)

// The intervals of the tests: short, so that a node makes several calls quickly; nothing is
// asserted on time, runs stop once the server saw what a test needs.
const (
	testHeartbeat = 100 * time.Millisecond
	testPoll      = 150 * time.Millisecond
)

func tenants(names ...string) []edgesim.Tenant {
	out := make([]edgesim.Tenant, len(names))
	for i, n := range names {
		out[i] = edgesim.Tenant{Name: n, ID: uuid.NewString()}
	}
	return out
}

// config is a fast simulation of fleet against b's TLS listener.
func (b *bed) config(fleet []edgesim.Node, creds edgesim.Credentials) edgesim.Config {
	return edgesim.Config{Address: b.tlsAddr, CAFile: b.ca, Fleet: fleet, Credentials: creds,
		Heartbeat: testHeartbeat, Poll: testPoll, Timeout: 30 * time.Second, Connections: 2, Workers: 32,
		Backoff: provider.Backoff{Min: 10 * time.Millisecond, Max: 50 * time.Millisecond}}
}

// maxCalls bounds the regular calls of interval d a node makes in elapsed, with jitter j.
func maxCalls(elapsed, d time.Duration, j float64) int {
	return 2 + int(float64(elapsed)/(float64(d)*(1-j)))
}

// every reports whether cond holds for each of fleet's records (all present).
func every(fleet []edgesim.Node, cond func(nodeRecord) bool) func(map[string]nodeRecord) bool {
	return func(nodes map[string]nodeRecord) bool {
		for _, n := range fleet {
			r, ok := nodes[n.GUID]
			if !ok || !cond(r) {
				return false
			}
		}
		return true
	}
}

func TestFleetCallsMatchTheServer(t *testing.T) {
	for _, tc := range []struct {
		name          string
		plaintext     bool
		projectHeader string
	}{
		{name: "tls"},
		{name: "plaintext with the proxy's project header", plaintext: true, projectHeader: "activeprojectid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBed(t)
			b.serve()
			ts := tenants("alpha", "beta")
			fleet := edgesim.NewFleet(12, ts, t.Name())
			cfg := b.config(fleet, b.minted(fleet))
			if tc.plaintext {
				cfg.Address, cfg.CAFile = b.plainAddr, ""
				cfg.Plaintext = true
			}
			cfg.ProjectHeader = tc.projectHeader
			cfg.Stop = b.rec.until(t, every(fleet, func(r nodeRecord) bool { return r.heartbeats >= 3 && r.polls >= 2 }))

			sum, err := edgesim.Run(t.Context(), cfg)
			require.NoError(t, err)
			nodes, calls := b.rec.snapshot()

			elapsed := time.Duration(sum.ElapsedSeconds * float64(time.Second))
			require.Len(t, nodes, len(fleet), "every node called")
			for _, n := range fleet {
				r := nodes[n.GUID]
				assert.Equal(t, map[string]bool{n.Tenant.ID: true}, r.projects, "a node acts in its own project")
				assert.Equal(t, map[string]bool{edgesim.Subject(n): true}, r.subjects, "one identity per node")
				assert.Equal(t, 1, r.systemInfo, "the inventory is sent once, at start")
				assert.Equal(t, n.Serial, r.lastInfo.GetHwInfo().GetSerialNum())
				assert.LessOrEqual(t, r.heartbeats, maxCalls(elapsed, testHeartbeat, edgesim.DefaultJitter))
				assert.LessOrEqual(t, r.polls, maxCalls(elapsed, testPoll, edgesim.DefaultJitter))
				assert.Equal(t, []hostmgr.InstanceStatus{hostmgr.InstanceStatus_INSTANCE_STATUS_INITIALIZING,
					hostmgr.InstanceStatus_INSTANCE_STATUS_RUNNING}, r.instance, "components start, then all run")
				assert.Equal(t, []maintmgrv1.UpdateStatus_StatusType{maintmgrv1.UpdateStatus_STATUS_TYPE_UP_TO_DATE}, r.statuses,
					"no schedule: no update")
			}
			assert.Empty(t, sum.Errors)
			assert.EqualValues(t, len(fleet), sum.NodesStarted)
			assert.Equal(t, 2, sum.Tenants)
			assert.Equal(t, 2, sum.Connections)
			for _, rpc := range []string{edgesim.RPCSystemInfo, edgesim.RPCInstance, edgesim.RPCUpdateStatus} {
				require.Contains(t, sum.RPCs, rpc)
				assert.EqualValues(t, calls[rpc], sum.RPCs[rpc].Acknowledged, "%s: the summary counts what the server received", rpc)
				assert.EqualValues(t, calls[rpc], sum.RPCs[rpc].Sent, rpc)
				assert.Positive(t, sum.RPCs[rpc].LatencyMs.Max, rpc)
				assert.LessOrEqual(t, sum.RPCs[rpc].LatencyMs.P50, sum.RPCs[rpc].LatencyMs.P99, rpc)
			}
			assert.EqualValues(t, calls[edgesim.RPCSystemInfo]+calls[edgesim.RPCInstance]+calls[edgesim.RPCUpdateStatus], sum.Acknowledged)
			assert.Equal(t, edgesim.Counted{Sent: int64(2 * len(fleet)), Acknowledged: int64(2 * len(fleet))}, sum.InstanceChanges)
			assert.Equal(t, edgesim.Counted{Sent: int64(len(fleet)), Acknowledged: int64(len(fleet))}, sum.Transitions.Counted,
				"the first status of each node")
		})
	}
}

// emptyFirst are credentials whose first token of each node is empty, as an agent's token
// file is before its first token arrives.
type emptyFirst struct {
	edgesim.Credentials
	seen        []atomic.Bool
	invalidated atomic.Int64
}

func (e *emptyFirst) Token(ctx context.Context, node int) (string, error) {
	if !e.seen[node].Swap(true) {
		return "", nil
	}
	return e.Credentials.Token(ctx, node)
}

func (e *emptyFirst) Invalidate(node int) {
	e.invalidated.Add(1)
	e.Credentials.Invalidate(node)
}

func TestUnauthenticatedAtStartIsRetried(t *testing.T) {
	b := newBed(t)
	b.serve()
	fleet := edgesim.NewFleet(10, tenants("alpha"), t.Name())
	creds := &emptyFirst{Credentials: b.minted(fleet), seen: make([]atomic.Bool, len(fleet))}
	cfg := b.config(fleet, creds)
	cfg.Stop = b.rec.until(t, every(fleet, func(r nodeRecord) bool { return r.systemInfo >= 1 && r.heartbeats >= 1 }))
	var progress bytes.Buffer
	cfg.Progress = &progress

	sum, err := edgesim.Run(t.Context(), cfg)
	require.NoError(t, err)
	nodes, calls := b.rec.snapshot()

	final := fmt.Sprintf("nodes %d/%d  sent %d  acked %d  not acked %d ", len(fleet), len(fleet), sum.Sent, sum.Acknowledged, sum.Sent-sum.Acknowledged)
	assert.Contains(t, progress.String(), final, "the progress ends with the final counts")

	assert.Equal(t, map[string]int64{"Unauthenticated": int64(len(fleet))}, sum.Errors, "each node's first call, without a token")
	assert.EqualValues(t, len(fleet), creds.invalidated.Load(), "a refused token is dropped")
	for _, n := range fleet {
		assert.Equal(t, 1, nodes[n.GUID].systemInfo, "the inventory is retried until acknowledged, once")
	}
	for _, rpc := range []string{edgesim.RPCSystemInfo, edgesim.RPCInstance, edgesim.RPCUpdateStatus} {
		assert.EqualValues(t, calls[rpc], sum.RPCs[rpc].Acknowledged, rpc)
	}
	assert.Equal(t, sum.Acknowledged+int64(len(fleet)), sum.Sent)
}

func TestScheduleIsFollowed(t *testing.T) {
	b := newBed(t)
	now := time.Now().UTC()
	single, repeated, noSource := tenants("single", "repeated", "nosource")[0], tenants("r")[0], tenants("n")[0]
	repeated.Name, noSource.Name = "repeated", "nosource"
	past := now.Add(-10 * time.Minute)
	source := &maintmgrv1.UpdateSource{KernelCommand: "quiet", CustomRepos: []string{"Types: deb"}}
	answers := map[string]*maintmgrv1.PlatformUpdateStatusResponse{
		single.ID: {UpdateSource: source, UpdateSchedule: &maintmgrv1.UpdateSchedule{SingleSchedule: &maintmgrv1.SingleSchedule{
			StartSeconds: uint64(now.Add(-time.Minute).Unix()), EndSeconds: uint64(now.Add(time.Hour).Unix())}}},
		repeated.ID: {UpdateSource: source, UpdateSchedule: &maintmgrv1.UpdateSchedule{RepeatedSchedules: []*maintmgrv1.RepeatedSchedule{{
			DurationSeconds: 3600, CronMinutes: itoa(past.Minute()), CronHours: itoa(past.Hour()),
			CronDayMonth: "*", CronMonth: "*", CronDayWeek: "*"}}}},
		noSource.ID: {UpdateSchedule: &maintmgrv1.UpdateSchedule{SingleSchedule: &maintmgrv1.SingleSchedule{
			StartSeconds: uint64(now.Add(-time.Minute).Unix())}}},
	}
	b.rec.answer = func(project string) *maintmgrv1.PlatformUpdateStatusResponse { return answers[project] }
	b.serve()
	fleet := edgesim.NewFleet(9, []edgesim.Tenant{single, repeated, noSource}, t.Name())
	cfg := b.config(fleet, b.minted(fleet))
	cfg.Stop = b.rec.until(t, every(fleet, func(r nodeRecord) bool { return len(r.statuses) >= 4 || r.polls >= 6 }))

	sum, err := edgesim.Run(t.Context(), cfg)
	require.NoError(t, err)
	nodes, _ := b.rec.snapshot()

	updated := []maintmgrv1.UpdateStatus_StatusType{maintmgrv1.UpdateStatus_STATUS_TYPE_UP_TO_DATE,
		maintmgrv1.UpdateStatus_STATUS_TYPE_STARTED, maintmgrv1.UpdateStatus_STATUS_TYPE_UPDATED, maintmgrv1.UpdateStatus_STATUS_TYPE_UP_TO_DATE}
	changes := 0
	for _, n := range fleet {
		r := nodes[n.GUID]
		changes += len(r.statuses)
		if n.Tenant == noSource {
			assert.Equal(t, updated[:1], r.statuses, "a schedule without an update source is not acted on")
			continue
		}
		assert.Equal(t, updated, r.statuses, "%s: the update runs once in the open window", n.Tenant.Name)
	}
	assert.Empty(t, sum.Errors)
	assert.EqualValues(t, changes, sum.Transitions.Sent, "every change sent reached the server")
	assert.EqualValues(t, changes, sum.Transitions.Acknowledged)
	assert.EqualValues(t, 6, sum.Transitions.ByStatus["STATUS_TYPE_STARTED"])
	assert.EqualValues(t, 6, sum.Transitions.ByStatus["STATUS_TYPE_UPDATED"])
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestManyNodesLoseNoTransition runs 2,000 nodes over four connections with an update window
// open for all: every node's four status changes reach the server, in order, and the summary's
// counts equal the server's records.
func TestManyNodesLoseNoTransition(t *testing.T) {
	b := newBed(t)
	now := time.Now()
	b.rec.answer = func(string) *maintmgrv1.PlatformUpdateStatusResponse {
		return &maintmgrv1.PlatformUpdateStatusResponse{UpdateSource: &maintmgrv1.UpdateSource{},
			UpdateSchedule: &maintmgrv1.UpdateSchedule{SingleSchedule: &maintmgrv1.SingleSchedule{
				StartSeconds: uint64(now.Add(-time.Minute).Unix()), EndSeconds: uint64(now.Add(time.Hour).Unix())}}}
	}
	b.serve()
	fleet := edgesim.NewFleet(2000, tenants("alpha", "beta", "gamma"), t.Name())
	cfg := b.config(fleet, b.minted(fleet))
	cfg.Heartbeat, cfg.Poll, cfg.RampUp, cfg.Connections, cfg.Workers = time.Second, 500*time.Millisecond, time.Second, 4, 256
	cfg.Stop = b.rec.until(t, every(fleet, func(r nodeRecord) bool { return len(r.statuses) >= 4 }))

	sum, err := edgesim.Run(t.Context(), cfg)
	require.NoError(t, err)
	nodes, calls := b.rec.snapshot()

	updated := []maintmgrv1.UpdateStatus_StatusType{maintmgrv1.UpdateStatus_STATUS_TYPE_UP_TO_DATE,
		maintmgrv1.UpdateStatus_STATUS_TYPE_STARTED, maintmgrv1.UpdateStatus_STATUS_TYPE_UPDATED, maintmgrv1.UpdateStatus_STATUS_TYPE_UP_TO_DATE}
	changes := 0
	for _, n := range fleet {
		require.Equal(t, updated, nodes[n.GUID].statuses, "node %s", n.GUID)
		changes += len(nodes[n.GUID].statuses)
	}
	assert.Empty(t, sum.Errors)
	assert.EqualValues(t, changes, sum.Transitions.Sent)
	assert.EqualValues(t, changes, sum.Transitions.Acknowledged)
	for _, rpc := range []string{edgesim.RPCSystemInfo, edgesim.RPCInstance, edgesim.RPCUpdateStatus} {
		assert.EqualValues(t, calls[rpc], sum.RPCs[rpc].Acknowledged, rpc)
	}
	assert.Equal(t, 4, sum.Connections)
}
