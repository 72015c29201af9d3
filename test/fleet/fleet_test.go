// Package fleet_test runs the real eim binary under a simulated fleet: TestFleet10k (in make
// test) checks that no acknowledged status transition of 10,000 nodes is lost, and
// TestBenchFleet (build tag fleetbench, make bench-fleet) measures 1k to 100k nodes and writes
// docs/benchmarks.md and docs/img/fleet-*.svg.
package fleet_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/test/proc"
)

// TestFleet10k registers 10,000 hosts with an instance each in ten fresh projects of eim serve
// --target day2 (the real binary, PostgreSQL of the test bed), runs eim edge-sim over them for
// a short while with short intervals (so that each node sends its first status, its change to
// running and its first update status), and checks, by counting through the API, that every
// transition edge-sim had acknowledged is in the database. It asserts counts, never times: on a
// busy machine fewer calls are acknowledged, and none of those may be lost.
func TestFleet10k(t *testing.T) {
	bin := proc.Build(t)
	s := startServer(t, bin, "postgres")
	f := s.newFleet(t, 10_000, 10, "fleet10k")
	sum := s.simulate(t, f, simOptions{duration: 20 * time.Second, rampUp: 5 * time.Second, heartbeat: time.Second,
		poll: 2 * time.Second, connections: 4})
	got := compare(sum, s.recorded(t, f))
	t.Logf("10,000 nodes: %d calls sent, %d acknowledged, errors %v; transitions acknowledged %d, recorded %d",
		sum.Sent, sum.Acknowledged, sum.Errors, got.acked, got.recorded)
	require.Positive(t, got.acked, "no transition was acknowledged at all: see the logs in %s", s.dir)
	assert.Zero(t, got.lost, "acknowledged transitions missing from the database")
	assert.GreaterOrEqual(t, got.recorded, got.acked)
}
