package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/messaging/outbox"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/services/inventory/internal/model"
)

// EventContentType is the content-type header of change events: a binary eim.inventory.v1.Change.
const EventContentType = "application/x-protobuf; messageType=eim.inventory.v1.Change"

// Topic returns the topic of a change event: inventory.<kind>.<created|updated|deleted>.
func Topic(kind string, op inventoryv1.Operation) string {
	return "inventory." + kind + "." + strings.ToLower(strings.TrimPrefix(op.String(), "OPERATION_"))
}

// ensureTenant creates the tenant's revision row once per process, in its own transaction: two
// processes creating it at once is harmless (the loser sees AlreadyExists).
func (s *Store) ensureTenant(ctx context.Context, tenant string) error {
	if _, ok := s.tenants.Load(tenant); ok {
		return nil
	}
	err := s.inTenant(ctx, tenant, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, s.d.Rebind(
			"INSERT INTO inv_revisions (tenant_id, revision) SELECT ?, 0 WHERE NOT EXISTS (SELECT 1 FROM inv_revisions WHERE tenant_id = ?)"),
			tenant, tenant)
		return err
	})
	if err != nil && provider.CodeOf(err) != provider.AlreadyExists {
		return err
	}
	s.tenants.Store(tenant, true)
	return nil
}

// bump adds n to the tenant's revision and returns it. The row lock it takes orders the
// tenant's writes, so revisions follow commit order and the change log has no gaps.
func (s *Store) bump(ctx context.Context, tx *storage.Tx, tenant string, n int64) (int64, error) {
	res, err := tx.ExecContext(ctx, s.d.Rebind("UPDATE inv_revisions SET revision = revision + ? WHERE tenant_id = ?"), n, tenant)
	if err != nil {
		return 0, err
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return 0, errNoTenantRow
	}
	var rev int64
	err = tx.QueryRowContext(ctx, s.d.Rebind("SELECT revision FROM inv_revisions WHERE tenant_id = ?"), tenant).Scan(&rev)
	return rev, err
}

// stamp takes the tenant's next len(ids) revisions and writes them into the resources ids (the
// i-th id gets the i-th revision; a resource named twice, the later one), in one statement on
// PostgreSQL (one round trip under the tenant's row lock), and returns the last.
func (s *Store) stamp(ctx context.Context, tx *storage.Tx, tenant string, ids []string) (int64, error) {
	n := int64(len(ids))
	last := map[string]int64{} // id → its offset from the first revision
	order := make([]string, 0, len(ids))
	for i, id := range ids {
		if _, ok := last[id]; !ok {
			order = append(order, id)
		}
		last[id] = int64(i)
	}
	if s.d.Dialect != storage.Postgres {
		rev, err := s.bump(ctx, tx, tenant, n)
		if err != nil {
			return 0, err
		}
		for _, id := range order {
			if _, err := tx.ExecContext(ctx, s.d.Rebind("UPDATE inv_resources SET revision = ? WHERE resource_id = ?"), rev-n+1+last[id], id); err != nil {
				return 0, err
			}
		}
		return rev, nil
	}
	args := []any{tenant, n}
	values := make([]string, len(order))
	for i, id := range order {
		args = append(args, id)
		values[i] = fmt.Sprintf("($%d, %d)", len(args), last[id])
	}
	var rev int64
	err := tx.QueryRowContext(ctx, "WITH r AS (UPDATE inv_revisions SET revision = revision + $2 WHERE tenant_id = $1 RETURNING revision), "+
		"u AS (UPDATE inv_resources t SET revision = r.revision - $2 + 1 + v.off FROM r, (VALUES "+strings.Join(values, ", ")+") AS v(id, off) "+
		"WHERE t.resource_id = v.id) SELECT revision FROM r", args...).Scan(&rev)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errNoTenantRow
	}
	return rev, err
}

// errNoTenantRow means the tenant's revision row disappeared after ensureTenant (the tenant was
// deleted meanwhile).
var errNoTenantRow = provider.Errorf(provider.FailedPrecondition, "the tenant has no revision row: it was deleted")

// record writes the changes to the change log (one statement) and their events to the outbox,
// in tx, in order.
func (s *Store) record(ctx context.Context, tx *storage.Tx, cs ...*inventoryv1.Change) error {
	now := s.now()
	args := make([]any, 0, 6*len(cs))
	msgs := make([]messaging.Message, len(cs))
	topics := make([]string, len(cs))
	for i, c := range cs {
		c.ChangeTime = timestamppb.New(now)
		k, _ := s.table.Of(c.GetKind())
		args = append(args, c.GetTenantId(), c.GetRevision(), k.Name, c.GetResourceId(), int(c.GetOperation()), now.UnixMicro())
		payload, err := proto.Marshal(c)
		if err != nil {
			return err
		}
		topics[i] = Topic(k.Name, c.GetOperation())
		msgs[i] = messaging.Message{Key: c.GetResourceId(), Payload: payload, Headers: map[string]string{"content-type": EventContentType}}
	}
	rows := strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?), ", len(cs)), ", ")
	if _, err := tx.ExecContext(ctx, s.d.Rebind("INSERT INTO inv_changes (tenant_id, revision, kind, resource_id, operation, changed_us) VALUES "+rows), args...); err != nil {
		return err
	}
	// One append per run of changes of the same topic, so that the events keep their order.
	for i := 0; i < len(cs); {
		j := i + 1
		for j < len(cs) && topics[j] == topics[i] {
			j++
		}
		if err := outbox.Append(ctx, s.db, tx, topics[i], msgs[i:j]...); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// change builds the change record of one write.
func change(tenant string, rev int64, k *model.Kind, id string, op inventoryv1.Operation) *inventoryv1.Change {
	return &inventoryv1.Change{TenantId: tenant, Revision: rev, Kind: k.Kind, ResourceId: id, Operation: op}
}

// Changes returns the tenant's changes after revision after, oldest first, and its current
// revision.
func (s *Store) Changes(ctx context.Context, tenant string, after int64, limit int) ([]*inventoryv1.Change, int64, error) {
	var out []*inventoryv1.Change
	var current int64
	err := s.inTenant(ctx, tenant, func(tx *storage.Tx) error {
		out = out[:0]
		err := tx.QueryRowContext(ctx, s.d.Rebind("SELECT revision FROM inv_revisions WHERE tenant_id = ?"), tenant).Scan(&current)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		rows, err := tx.QueryContext(ctx, s.d.Rebind(
			"SELECT revision, kind, resource_id, operation, changed_us FROM inv_changes WHERE revision > ? ORDER BY revision LIMIT ?"),
			after, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c inventoryv1.Change
			var kind string
			var op int32
			var us int64
			if err := rows.Scan(&c.Revision, &kind, &c.ResourceId, &op, &us); err != nil {
				return err
			}
			k, ok := s.table.Named(kind)
			if ok {
				c.Kind = k.Kind
			}
			c.TenantId, c.Operation, c.ChangeTime = tenant, inventoryv1.Operation(op), timestamppb.New(microsTime(us))
			out = append(out, &c)
		}
		return rows.Err()
	}, storage.ReadOnly())
	return out, current, err
}
