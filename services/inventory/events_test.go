package inventory_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/messaging/outbox"
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/test/conformance/faultproxy"
	"github.com/eim-byoi/eim/test/msgtest"
	"github.com/eim-byoi/eim/test/testenv"
)

// received collects the changes delivered on the host topics, by resource and operation.
type received struct {
	mu      sync.Mutex
	changes []*inventoryv1.Change
}

func (r *received) handle(_ context.Context, m messaging.Message) error {
	c, err := inventory.DecodeChange(m)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.changes = append(r.changes, c)
	return nil
}

// distinct returns the changes of op, one per resource (delivery is at least once).
func (r *received) distinct(op inventoryv1.Operation) map[string]*inventoryv1.Change {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]*inventoryv1.Change{}
	for _, c := range r.changes {
		if c.GetOperation() == op {
			out[c.GetResourceId()] = c
		}
	}
	return out
}

// eventBed runs the inventory on PostgreSQL with its outbox relayed to NATS through a fault
// proxy, and subscribes to the host topics.
func eventBed(t *testing.T) (inventory.Client, *faultproxy.Proxy, *received) {
	db := openDB(t, "postgres")
	p := msgtest.Proxy(t, testenv.NATS(t).Addr())
	bus := msgtest.OpenNATS(t, p.Addr())
	relay := outbox.NewRelay(db, bus, outbox.RelayOptions{PollInterval: 100 * time.Millisecond, RetryMin: 50 * time.Millisecond, RetryMax: time.Second})
	relay.Start()
	t.Cleanup(func() { _ = relay.Close() })
	r := &received{}
	for _, op := range []inventoryv1.Operation{inventoryv1.Operation_OPERATION_CREATED, inventoryv1.Operation_OPERATION_UPDATED,
		inventoryv1.Operation_OPERATION_DELETED} {
		sub, err := bus.Subscribe(context.Background(), inventory.Topic("host", op), "test", r.handle)
		require.NoError(t, err)
		t.Cleanup(func() { _ = sub.Close(context.Background()) })
	}
	return newModule(t, db).InventoryClient(), p, r
}

// TestEventsFollowCommits: a create, an update and a delete each publish one change event on
// inventory.host.<operation>, with the tenant, the id and the revision of the change log; a
// refused write publishes none.
func TestEventsFollowCommits(t *testing.T) {
	ctx := context.Background()
	c, _, r := eventBed(t)
	ten := tenant(t)
	b := &bed{client: c}
	id := create(t, b, ten, host(&computev1.HostResource{Name: "h"})).GetResource().GetHost().GetResourceId()
	_, err := c.UpdateResource(ctx, &inventoryv1.UpdateResourceRequest{TenantId: ten, ResourceId: id,
		Resource: host(&computev1.HostResource{Name: "h2"}), FieldMask: &fieldmaskpb.FieldMask{Paths: []string{"name"}}})
	require.NoError(t, err)
	_, err = c.UpdateResource(ctx, &inventoryv1.UpdateResourceRequest{TenantId: ten, ResourceId: id,
		Resource: host(&computev1.HostResource{Name: "bad name\n"}), FieldMask: &fieldmaskpb.FieldMask{Paths: []string{"name"}}})
	require.Error(t, err)
	_, err = c.DeleteResource(ctx, &inventoryv1.DeleteResourceRequest{TenantId: ten, ResourceId: id})
	require.NoError(t, err)

	log, _, err := changes(b, ten, 0)
	require.NoError(t, err)
	require.Len(t, log, 3)
	require.Eventually(t, func() bool {
		return len(r.distinct(inventoryv1.Operation_OPERATION_DELETED)) == 1
	}, 30*time.Second, 20*time.Millisecond, "the delete's event arrives")
	for i, op := range []inventoryv1.Operation{inventoryv1.Operation_OPERATION_CREATED, inventoryv1.Operation_OPERATION_UPDATED,
		inventoryv1.Operation_OPERATION_DELETED} {
		got := r.distinct(op)
		require.Len(t, got, 1, "one %s event (the refused update publishes nothing)", op)
		ev := got[id]
		require.NotNil(t, ev)
		assert.Equal(t, ten, ev.GetTenantId())
		assert.Equal(t, inventoryv1.ResourceKind_RESOURCE_KIND_HOST, ev.GetKind())
		assert.Equal(t, log[i].GetRevision(), ev.GetRevision(), "the event carries the change log's revision")
	}
}

// TestBrokerOutageLosesNoEvent: with every connection to the broker refused, writes still
// commit (their events wait in the outbox); once the broker is back, every event arrives.
func TestBrokerOutageLosesNoEvent(t *testing.T) {
	c, p, r := eventBed(t)
	ten := tenant(t)
	b := &bed{client: c}
	msgtest.Set(t, p, faultproxy.Refuse)
	const n = 200
	ids := map[string]bool{}
	for i := range n {
		id := create(t, b, ten, host(&computev1.HostResource{Name: fmt.Sprintf("h-%03d", i)})).GetResource().GetHost().GetResourceId()
		ids[id] = true
	}
	assert.Empty(t, r.distinct(inventoryv1.Operation_OPERATION_CREATED), "nothing is delivered while the broker is unreachable")
	msgtest.Set(t, p, faultproxy.Forward)
	require.Eventually(t, func() bool { return len(r.distinct(inventoryv1.Operation_OPERATION_CREATED)) == n },
		60*time.Second, 50*time.Millisecond, "every event committed during the outage arrives")
	for id := range r.distinct(inventoryv1.Operation_OPERATION_CREATED) {
		assert.True(t, ids[id], "an event for a host that was created: %s", id)
	}
}
