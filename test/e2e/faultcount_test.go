package e2e_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/services/edgesim"
)

// faultRow is one scenario's counts: a row of docs/reliability.md.
type faultRow struct {
	Stack, Scenario, Fault string
	Nodes                  int
	// Attempted, Acked and AckedAfter count the writer's creates: sent, acknowledged (200 with
	// an id), acknowledged after the recovery.
	Attempted, Acked, AckedAfter int
	// Present counts the acknowledged writes found by a listing afterwards; Unacked the rows
	// present that were never acknowledged (their answer lost in the fault); Duplicates the
	// names listed more than once.
	Present, Unacked, Duplicates int
	// Delivered counts the acknowledged writes whose created event is in the broker's stream
	// (on the embedded defaults: marked relayed to the in-memory bus in the outbox).
	Delivered int
	// HeartbeatsSent and HeartbeatsAcked are the nodes' heartbeats over the scenario;
	// HostsRunning the hosts the API shows Running afterwards.
	HeartbeatsSent, HeartbeatsAcked int64
	HostsRunning                    int
	// ReadyAfter is the time from the fault's end to /readyz 200.
	ReadyAfter time.Duration
	// FailedDuring and FailedAfter count the failed requests (writes, southbound calls, token
	// fetches) sent during the fault and after the recovery; LastError is the last failed write's
	// after the recovery.
	FailedDuring, FailedAfter int64
	LastError                 string
	Passed                    bool
}

// count fills the row once the scenario's load stopped.
func (r *faultRow) count(t *testing.T, b *faultBed, l *faultLoad, w *writer, during, after *edgesim.Summary) {
	var failed [2]int
	var lastErr [2]string
	r.Acked, r.Attempted, failed, lastErr = w.counts()
	r.LastError = lastErr[1]
	w.mu.Lock()
	acked := w.acked
	r.AckedAfter = w.ackedAfter
	w.mu.Unlock()
	r.FailedDuring = int64(failed[0]) + callErrors(during)
	r.FailedAfter = int64(failed[1]) + callErrors(after)
	t.Logf("writes failed during %d (last: %.300s), after %d (last: %.300s); southbound during %v %v, after %v %v",
		failed[0], lastErr[0], failed[1], lastErr[1], during.Errors, during.CredentialErrors, after.Errors, after.CredentialErrors)
	for _, s := range []*edgesim.Summary{during, after} {
		if rpc := s.RPCs[edgesim.RPCInstance]; rpc != nil {
			r.HeartbeatsSent += rpc.Sent
			r.HeartbeatsAcked += rpc.Acknowledged
		}
	}

	api := b.api()
	site := l.sites[l.fleet[0].Tenant.ID]
	listed := map[string]int{}
	ids := map[string]string{}
	for _, reg := range api.list(t, site.name, site.operator, "regions", "regions") {
		if name := str(reg, "name"); strings.HasPrefix(name, w.prefix+"-") {
			listed[name]++
			ids[name] = str(reg, "resourceId")
		}
	}
	for name, id := range acked {
		if ids[name] == id {
			r.Present++
		}
	}
	for _, n := range listed {
		if n > 1 {
			r.Duplicates++
		}
	}
	r.Unacked = len(listed) - r.Present
	r.Delivered = delivered(t, b, acked)
}

// awaitRunning waits (up to two minutes, while the nodes heartbeat) until the API shows every
// host Running, and returns how many it shows.
func awaitRunning(t *testing.T, api rest, l *faultLoad, nodes int) int {
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(500 * time.Millisecond) {
		n := runningHosts(t, api, l)
		if n == nodes || time.Now().After(deadline) {
			return n
		}
	}
}

// runningHosts counts the hosts the API shows Running in the load's projects.
func runningHosts(t *testing.T, api rest, l *faultLoad) int {
	n := 0
	for _, s := range l.sites {
		hosts := api.list(t, s.name, s.operator, "compute/hosts", "hosts")
		for _, h := range hosts {
			if str(h, "hostStatus") == "Running" {
				n++
			}
		}
	}
	return n
}

// callErrors counts a simulator run's failed calls and token fetches.
func callErrors(s *edgesim.Summary) int64 {
	n := sumErrors(s)
	for _, v := range s.CredentialErrors {
		n += v
	}
	return n
}

// delivered counts the acknowledged writes whose created event reached the broker's stream,
// waiting (up to a minute) for the outbox to relay the ones committed while the broker was down.
func delivered(t *testing.T, b *faultBed, acked map[string]string) int {
	if b.rabbit != nil {
		return rabbitDelivered(t, b, acked)
	}
	if b.stack.embedded {
		return outboxDelivered(t, b, acked)
	}
	nc, err := nats.Connect("nats://"+b.nats.Addr(), nats.UserInfo(b.nats.User, b.nats.Password))
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	seen := map[string]bool{}
	count := func() int {
		n := 0
		for _, id := range acked {
			if seen[id] {
				n++
			}
		}
		return n
	}
	deadline := time.Now().Add(time.Minute)
	for count() < len(acked) && time.Now().Before(deadline) {
		readCreated(t, js, seen)
		if count() < len(acked) {
			time.Sleep(time.Second)
		}
	}
	return count()
}

// readCreated reads every created event of the stream into seen (resource ids).
func readCreated(t *testing.T, js jetstream.JetStream, seen map[string]bool) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, faultStream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{faultPrefix + "inventory.*.created"}})
	require.NoError(t, err)
	for {
		batch, err := cons.Fetch(1000, jetstream.FetchMaxWait(2*time.Second))
		require.NoError(t, err)
		n := 0
		for m := range batch.Messages() {
			n++
			var c inventoryv1.Change
			if proto.Unmarshal(m.Data(), &c) == nil {
				seen[c.GetResourceId()] = true
			}
		}
		if n == 0 {
			return
		}
	}
}

// assert checks what must hold after every fault.
func (r *faultRow) assert(t *testing.T) {
	assert.Equal(t, r.Acked, r.Present, "every acknowledged write is present")
	assert.Zero(t, r.Duplicates, "no resource is duplicated")
	assert.LessOrEqual(t, r.Unacked, r.Attempted-r.Acked, "a row never acknowledged is one whose answer failed")
	assert.Equal(t, r.Acked, r.Delivered, "every acknowledged write's event is delivered to the broker")
	assert.Equal(t, r.Nodes, r.HostsRunning, "every node's heartbeats are recorded")
	assert.Positive(t, r.AckedAfter, "writes succeed after the recovery")
	assert.Zero(t, r.FailedAfter, "no request fails after the recovery (last write error: %s)", r.LastError)
}
