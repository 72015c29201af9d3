package store

import (
	"context"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
)

// MaxBatch bounds the updates of one UpdateBatch.
const MaxBatch = 1000

// Change is one update: the fields of Mask taken from Resource into resource ID, optionally
// only when it is still at revision Expected; RevisionOnly answers the new revision alone,
// without reading the resource back.
type Change struct {
	ID           string
	Resource     *inventoryv1.Resource
	Mask         []string
	Expected     int64
	RevisionOnly bool
}

// UpdateBatch applies the updates of one tenant in one transaction, in order: all of them or,
// when one fails, none (the error is that update's). The tenant's revision lock is taken once, at the
// end, for all of them: they get consecutive revisions. It returns the resources after each
// update, in order.
func (s *Store) UpdateBatch(ctx context.Context, tenant string, changes []Change) ([]*inventoryv1.Stored, error) {
	if len(changes) == 0 || len(changes) > MaxBatch {
		return nil, provider.Errorf(provider.InvalidArgument, "updates: %d updates: send 1 to %d", len(changes), MaxBatch)
	}
	if err := s.ensureTenant(ctx, tenant); err != nil {
		return nil, err
	}
	var out []*inventoryv1.Stored
	err := s.inTenant(ctx, tenant, func(tx *storage.Tx) error {
		out = make([]*inventoryv1.Stored, len(changes))
		ws := make([]written, len(changes))
		for i, c := range changes {
			w, st, err := s.update(ctx, tx, tenant, c)
			if err != nil {
				return err
			}
			ws[i], out[i] = w, st
		}
		return s.commit(ctx, tx, tenant, ws, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
