package hostmgr_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	pb "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	"github.com/eim-byoi/eim/services/hostmgr"
)

// TestNoTransitionLostAcrossRestarts: a status change is written within the heartbeat that
// reports it, so whatever the host manager keeps in memory (coalesced heartbeats, last seen)
// can be lost by a stop and restart without losing a transition: after every acknowledged
// heartbeat, however many times the manager was replaced by a fresh one (empty memory, as a
// restarted process), the database shows the status the agent reported last.
func TestNoTransitionLostAcrossRestarts(t *testing.T) {
	seq := []pb.InstanceStatus{pb.InstanceStatus_INSTANCE_STATUS_RUNNING, pb.InstanceStatus_INSTANCE_STATUS_RUNNING,
		pb.InstanceStatus_INSTANCE_STATUS_ERROR, pb.InstanceStatus_INSTANCE_STATUS_RUNNING, pb.InstanceStatus_INSTANCE_STATUS_BOOTING,
		pb.InstanceStatus_INSTANCE_STATUS_BOOTING, pb.InstanceStatus_INSTANCE_STATUS_ERROR, pb.InstanceStatus_INSTANCE_STATUS_RUNNING}
	want := map[pb.InstanceStatus]string{pb.InstanceStatus_INSTANCE_STATUS_RUNNING: "Running",
		pb.InstanceStatus_INSTANCE_STATUS_ERROR: "Error", pb.InstanceStatus_INSTANCE_STATUS_BOOTING: "Booting"}
	for _, restartEvery := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("restart every %d heartbeats", restartEvery), func(t *testing.T) {
			ctx := context.Background()
			b := newClockBed(t, "sqlite")
			for i, st := range seq {
				if i > 0 && i%restartEvery == 0 {
					b.srv = hostmgr.New(hostmgr.Options{Inventory: b.inv, Role: "en-agent-rw", HeartbeatInterval: 10 * time.Second,
						MissedHeartbeats: 3, Now: b.clock.Now})
				}
				require.NoError(t, b.srv.Heartbeat(ctx, b.tenant, heartbeat(b.guid, st, "")))
				require.Equal(t, want[st], b.status(t), "heartbeat %d (%s)", i, st)
				b.clock.add(time.Second)
			}
		})
	}
}
