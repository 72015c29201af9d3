package inventory

import (
	"google.golang.org/protobuf/proto"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/inventory/internal/store"
)

// Topic returns the topic of a kind's changes of one operation, e.g. Topic("host",
// OPERATION_UPDATED) is inventory.host.updated. Each event is an eim.inventory.v1.Change (the
// tenant, the resource id and kind, the tenant's revision after the change), keyed by the
// resource id, published through the outbox once the change commits: at least once, in commit
// order per resource. A subscriber that missed events resumes with ListChanges from the last
// revision it handled.
func Topic(kind string, op inventoryv1.Operation) string { return store.Topic(kind, op) }

// DecodeChange returns the change an event carries.
func DecodeChange(m messaging.Message) (*inventoryv1.Change, error) {
	if ct := m.Headers["content-type"]; ct != store.EventContentType {
		return nil, provider.Errorf(provider.InvalidArgument, "event %s: content-type %q is not %q", m.ID, ct, store.EventContentType)
	}
	var c inventoryv1.Change
	if err := proto.Unmarshal(m.Payload, &c); err != nil {
		return nil, provider.Errorf(provider.InvalidArgument, "event %s: %v", m.ID, err)
	}
	return &c, nil
}
