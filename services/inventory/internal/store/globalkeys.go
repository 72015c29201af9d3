package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/services/inventory/internal/model"
)

// inv_global_keys holds the values of the kinds' GlobalUnique keys across every tenant, one row
// per value (lower-cased, see fold) naming the tenant and resource that hold it; its primary key is what refuses a value
// held elsewhere, in the transaction that writes inv_keys. It is the one table the store names
// the tenant in by hand: it is not tenant-scoped, so every statement here filters on tenant_id
// itself. inv_global_key_dups lists the values several tenants held when the table was filled
// (migration 00003): those stay with the first holder, and FindGlobal leaves them to the caller's
// per-tenant lookup.

// writeGlobalKeys claims the values of the global keys of the resource w writes, and frees the
// values it held before. A value another tenant holds is refused without naming the tenant,
// unless the resource held it already (w.prior: a duplicate older than the index, see
// inv_global_key_dups).
func (s *Store) writeGlobalKeys(ctx context.Context, tx *storage.Tx, w written) error {
	tenant, k, id := w.tenant, w.kind, w.id
	m := w.msg.ProtoReflect()
	for _, key := range k.GlobalUnique {
		v := m.Get(m.Descriptor().Fields().ByName(protoreflect.Name(key))).String()
		if _, err := tx.ExecContext(ctx, s.d.Rebind("DELETE FROM inv_global_keys WHERE tenant_id = ? AND resource_id = ? AND kind = ? AND key_name = ? AND key_value <> ?"),
			tenant, id, k.Name, key, fold(v)); err != nil {
			return err
		}
		if v == "" {
			continue
		}
		if err := s.claim(ctx, tx, tenant, k, id, key, v, strings.EqualFold(priorValue(w, key), v)); err != nil {
			return err
		}
	}
	return nil
}

// claim records that resource id of tenant holds value v of key (folded); held says the resource
// held it before this write.
func (s *Store) claim(ctx context.Context, tx *storage.Tx, tenant string, k *model.Kind, id, key, v string, held bool) error {
	var holderTenant, holderID string
	err := tx.QueryRowContext(ctx, s.d.Rebind("SELECT tenant_id, resource_id FROM inv_global_keys WHERE kind = ? AND key_name = ? AND key_value = ?"),
		k.Name, key, fold(v)).Scan(&holderTenant, &holderID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, err = tx.ExecContext(ctx, s.d.Rebind("INSERT INTO inv_global_keys (kind, key_name, key_value, tenant_id, resource_id) VALUES (?, ?, ?, ?, ?)"),
			k.Name, key, fold(v), tenant, id)
		if provider.CodeOf(s.db.Err("insert global key", err)) == provider.AlreadyExists {
			return takenElsewhere(k, key, v) // a concurrent write in another tenant committed it first
		}
		return err
	case err != nil:
		return err
	case holderTenant == tenant && holderID == id, held:
		return nil
	case holderTenant == tenant:
		return takenHere(k, key, v)
	}
	return takenElsewhere(k, key, v)
}

// priorValue is the value key had before the write (empty for a create).
func priorValue(w written, key string) string {
	if i := slices.Index(w.kind.Unique, key); i >= 0 && i < len(w.prior) {
		return w.prior[i]
	}
	return ""
}

// fold is the form a global key's value is compared in: lower case, as a UUID reads the same in
// either (the legacy API accepts both), so that "AB…" cannot be registered beside "ab…" and
// catch the device sending the other.
func fold(v string) string { return strings.ToLower(v) }

// takenHere is the error of a unique key another resource of the tenant holds.
func takenHere(k *model.Kind, key, v string) error {
	return errUniqueKey{provider.Errorf(provider.AlreadyExists, "%s.%s: a %s with %s %q already exists", k.Name, key, k.Name, key, v)}
}

// takenElsewhere is the error of a global key another tenant holds: it says neither which
// tenant nor which resource.
func takenElsewhere(k *model.Kind, key, v string) error {
	return errUniqueKey{provider.Errorf(provider.AlreadyExists,
		"%s.%s: %q is registered to another %s; a %s %s can be registered once across all projects: remove that %s first or correct the %s",
		k.Name, key, v, k.Name, k.Name, key, k.Name, key)}
}

// FindGlobal finds the resource of kind whose global unique key has value (in either case), in
// whichever tenant holds it, with one lookup of inv_global_keys and a tenant-scoped read. ok is false (and err
// nil) when key is not a global key of kind, or when value is one several tenants held before
// the index (inv_global_key_dups): the caller then looks in every tenant. A value no tenant holds
// is NotFound.
func (s *Store) FindGlobal(ctx context.Context, kind inventoryv1.ResourceKind, key, value string) (tenant string, st *inventoryv1.Stored, ok bool, err error) {
	k, known := s.table.Of(kind)
	if !known || !slices.Contains(k.GlobalUnique, key) {
		return "", nil, false, nil
	}
	var id string
	dup := false
	err = s.db.InTx(ctx, func(tx *storage.Tx) error {
		rows, err := tx.QueryContext(ctx, s.d.Rebind("SELECT tenant_id, resource_id, 0 FROM inv_global_keys WHERE kind = ? AND key_name = ? AND key_value = ?"+
			" UNION ALL SELECT '', '', 1 FROM inv_global_key_dups WHERE kind = ? AND key_name = ? AND key_value = ?"),
			k.Name, key, fold(value), k.Name, key, fold(value))
		if err != nil {
			return err
		}
		defer rows.Close()
		tenant, id, dup = "", "", false
		for rows.Next() {
			var t, r string
			var d int
			if err := rows.Scan(&t, &r, &d); err != nil {
				return err
			}
			if d == 1 {
				dup = true
			} else {
				tenant, id = t, r
			}
		}
		return rows.Err()
	}, storage.ReadOnly())
	switch {
	case err != nil:
		return "", nil, true, err
	case dup:
		return "", nil, false, nil
	case id == "":
		return "", nil, true, provider.Errorf(provider.NotFound, "no %s with %s %q in any project", k.Name, key, value)
	}
	st, err = s.Get(ctx, tenant, id, kind)
	if provider.CodeOf(err) == provider.NotFound {
		err = provider.Errorf(provider.NotFound, "no %s with %s %q in any project", k.Name, key, value)
	}
	return tenant, st, true, err
}
