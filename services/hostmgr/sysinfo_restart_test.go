package hostmgr_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"

	pb "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	"github.com/eim-byoi/eim/services/hostmgr"
)

// TestRestartedManagerWritesNoHeldSystemInfo: a host manager that restarted (a fresh one: no
// memory of what it wrote) does not write a hardware report the inventory already holds, so that
// the agents' reports after a restart are not all writes at once; a report that differs from
// what is stored is written.
func TestRestartedManagerWritesNoHeldSystemInfo(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			b := newClockBed(t, dialect)
			full := &pb.UpdateHostSystemInfoByGUIDRequest{}
			raw := strings.ReplaceAll(string(loadGolden(t)["sysinfo-full"].Request), "$GUID", b.guid)
			require.NoError(t, protojson.Unmarshal([]byte(raw), full))
			restart := func() {
				b.srv = hostmgr.New(hostmgr.Options{Inventory: b.inv, Role: "en-agent-rw", HeartbeatInterval: 10 * time.Second,
					MissedHeartbeats: 3, Now: b.clock.Now})
			}
			require.NoError(t, b.srv.SystemInfo(ctx, b.tenant, full))
			written := b.revision(t)

			restart()
			require.NoError(t, b.srv.SystemInfo(ctx, b.tenant, full))
			assert.Equal(t, written, b.revision(t), "the report the inventory holds is not written again after a restart")
			require.NoError(t, b.srv.SystemInfo(ctx, b.tenant, full))
			assert.Equal(t, written, b.revision(t), "nor the next time")

			restart()
			changed := &pb.UpdateHostSystemInfoByGUIDRequest{HostGuid: b.guid, SystemInfo: &pb.SystemInfo{
				HwInfo: &pb.HWInfo{Network: []*pb.SystemNetwork{{Name: "enp86s0", Mac: "48:21:0b:3c:5d:7e", LinkState: true}}}}}
			require.NoError(t, b.srv.SystemInfo(ctx, b.tenant, changed))
			assert.Greater(t, b.revision(t), written, "a report that differs from the stored host is written")
			written = b.revision(t)
			restart()
			require.NoError(t, b.srv.SystemInfo(ctx, b.tenant, changed))
			assert.Equal(t, written, b.revision(t), "the changed report, once stored, is not written again after a restart")
			restart()
			require.NoError(t, b.srv.SystemInfo(ctx, b.tenant, full))
			assert.Greater(t, b.revision(t), written, "the full report differs from the stored one: written")
		})
	}
}
