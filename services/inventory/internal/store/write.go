package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/services/inventory/internal/model"
)

// createAttempts bounds retries of a create whose random id collided with an existing one.
const createAttempts = 3

// Create stores a new resource and returns it expanded, with its id and revision.
func (s *Store) Create(ctx context.Context, tenant string, res *inventoryv1.Resource) (*inventoryv1.Stored, error) {
	k, msg, err := s.kindOf(res)
	if err != nil {
		return nil, err
	}
	if err := s.validate(k, msg); err != nil {
		return nil, err
	}
	if err := s.ensureTenant(ctx, tenant); err != nil {
		return nil, err
	}
	refs := k.RefIDs(msg)
	body, err := k.Body(msg, refs)
	if err != nil {
		return nil, provider.Errorf(provider.InvalidArgument, "%s: %v", k.Name, err)
	}
	var out *inventoryv1.Stored
	for attempt := 1; ; attempt++ {
		id := newID(k)
		err = s.inTenant(ctx, tenant, func(tx *storage.Tx) error {
			if err := s.checkRefs(ctx, tx, k, id, refs); err != nil {
				return err
			}
			var err error
			out, err = s.write(ctx, tx, written{tenant: tenant, kind: k, id: id, msg: msg, refs: refs, op: inventoryv1.Operation_OPERATION_CREATED},
				func(now int64) error {
					_, err := tx.ExecContext(ctx, s.d.Rebind("INSERT INTO inv_resources (tenant_id, resource_id, kind, name, revision, created_us, updated_us, body)"+
						" VALUES (?, ?, ?, ?, 0, ?, ?, ?)"), tenant, id, k.Name, nameOf(msg), now, now, string(body))
					return err
				})
			return err
		})
		if provider.CodeOf(err) != provider.AlreadyExists || attempt == createAttempts || s.isUniqueKeyError(err) {
			return out, err
		}
	}
}

// errUniqueKey marks an AlreadyExists error raised for a unique key, not an id collision.
type errUniqueKey struct{ error }

// Unwrap returns the coded error.
func (e errUniqueKey) Unwrap() error { return e.error }

func (s *Store) isUniqueKeyError(err error) bool {
	var u errUniqueKey
	return errors.As(err, &u)
}

// validate checks msg against the legacy (buf.validate) rules of its message.
func (s *Store) validate(k *model.Kind, msg proto.Message) error {
	err := s.validator.Validate(msg, s.validation)
	var ve *protovalidate.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	problems := make([]string, 0, len(ve.Violations))
	for _, v := range ve.Violations {
		problems = append(problems, k.Name+"."+protovalidate.FieldPathString(v.Proto.GetField())+": "+v.Proto.GetMessage())
		if len(problems) == 10 {
			break
		}
	}
	return provider.Errorf(provider.InvalidArgument, "%s", strings.Join(problems, "; "))
}

// nameOf is the resource's name, kept in a column for ordering.
func nameOf(msg proto.Message) string {
	m := msg.ProtoReflect()
	if f := m.Descriptor().Fields().ByName("name"); f != nil && f.Kind() == protoreflect.StringKind {
		return m.Get(f).String()
	}
	return ""
}

// checkRefs checks that every referenced id exists in the tenant with the kind the reference
// expects, and that a region does not become its own ancestor.
func (s *Store) checkRefs(ctx context.Context, tx *storage.Tx, k *model.Kind, id string, refs map[string][]string) error {
	var ids []string
	for _, list := range refs {
		ids = append(ids, list...)
	}
	if len(ids) == 0 {
		return nil
	}
	kinds := map[string]string{}
	rows, err := tx.QueryContext(ctx, s.d.Rebind("SELECT resource_id, kind FROM inv_resources WHERE resource_id IN ("+placeholders(len(ids))+")"), anys(ids)...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var rid, kind string
		if err := rows.Scan(&rid, &kind); err != nil {
			rows.Close()
			return err
		}
		kinds[rid] = kind
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range k.Refs {
		to, _ := s.table.Of(r.To)
		for _, rid := range refs[r.Name] {
			field := r.IDField
			if field == "" {
				field = r.Field
			}
			switch got, ok := kinds[rid]; {
			case !ok:
				return provider.Errorf(provider.NotFound, "%s.%s: %s %q not found", k.Name, field, to.Name, rid)
			case got != to.Name:
				return provider.Errorf(provider.InvalidArgument, "%s.%s: %q is a %s, not a %s", k.Name, field, rid, got, to.Name)
			case rid == id:
				return provider.Errorf(provider.InvalidArgument, "%s.%s: a resource cannot reference itself", k.Name, field)
			}
		}
	}
	if k.Name == "region" {
		return s.checkNoCycle(ctx, tx, id, refs["parent"])
	}
	return nil
}

// checkNoCycle refuses a parent region that descends from the region id.
func (s *Store) checkNoCycle(ctx context.Context, tx *storage.Tx, id string, parent []string) error {
	cur := parent
	for range maxAncestors {
		if len(cur) == 0 {
			return nil
		}
		if cur[0] == id {
			return provider.Errorf(provider.InvalidArgument, "region.parent_id: %q descends from %q: regions cannot form a cycle", parent[0], id)
		}
		var next string
		err := tx.QueryRowContext(ctx, s.d.Rebind("SELECT to_id FROM inv_refs WHERE from_id = ? AND ref = 'region.parent'"), cur[0]).Scan(&next)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		cur = []string{next}
	}
	return provider.Errorf(provider.InvalidArgument, "region.parent_id: the region hierarchy is deeper than %d levels", maxAncestors)
}

// writeIndexes replaces the reference and unique-key rows of the resource w writes, the global
// ones too (see writeGlobalKeys).
func (s *Store) writeIndexes(ctx context.Context, tx *storage.Tx, w written, refs map[string][]string) error {
	tenant, k, id, msg := w.tenant, w.kind, w.id, w.msg
	for _, q := range []string{"DELETE FROM inv_refs WHERE from_id = ?", "DELETE FROM inv_keys WHERE resource_id = ?"} {
		if _, err := tx.ExecContext(ctx, s.d.Rebind(q), id); err != nil {
			return err
		}
	}
	for _, r := range k.Refs {
		seen := map[string]bool{}
		for _, to := range refs[r.Name] {
			if seen[to] {
				continue
			}
			seen[to] = true
			if _, err := tx.ExecContext(ctx, s.d.Rebind("INSERT INTO inv_refs (tenant_id, from_id, ref, to_id) VALUES (?, ?, ?, ?)"),
				tenant, id, k.RefKey(r), to); err != nil {
				return err
			}
		}
	}
	m := msg.ProtoReflect()
	for _, key := range k.Unique {
		v := m.Get(m.Descriptor().Fields().ByName(protoreflect.Name(key))).String()
		if v == "" {
			continue
		}
		_, err := tx.ExecContext(ctx, s.d.Rebind("INSERT INTO inv_keys (tenant_id, kind, key_name, key_value, resource_id) VALUES (?, ?, ?, ?, ?)"),
			tenant, k.Name, key, v, id)
		if provider.CodeOf(s.db.Err("insert key", err)) == provider.AlreadyExists {
			return takenHere(k, key, v)
		}
		if err != nil {
			return err
		}
	}
	return s.writeGlobalKeys(ctx, tx, w)
}

// current reads resource id for writing: its row, locked where the database locks rows.
func (s *Store) current(ctx context.Context, tx *storage.Tx, id string) (row, error) {
	q := "SELECT " + columns + " FROM inv_resources t WHERE t.resource_id = ?"
	if s.d.Dialect != storage.SQLite {
		q += " FOR UPDATE"
	}
	r, err := scanRow(tx.QueryRowContext(ctx, s.d.Rebind(q), id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, notFound(id)
	}
	return r, err
}

// stale is the error of a write that expected another revision.
func stale(id string, expected, actual int64) error {
	return provider.Errorf(provider.Aborted, "resource %q is at revision %d, not %d: read it again and retry", id, actual, expected)
}

// Update applies c: the fields of c.Mask are taken from c.Resource (all stored fields when the
// mask is empty), optionally only when the resource is still at revision c.Expected.
func (s *Store) Update(ctx context.Context, tenant string, c Change) (*inventoryv1.Stored, error) {
	if err := s.ensureTenant(ctx, tenant); err != nil {
		return nil, err
	}
	var out *inventoryv1.Stored
	err := s.inTenant(ctx, tenant, func(tx *storage.Tx) error {
		w, st, err := s.update(ctx, tx, tenant, c)
		if err != nil {
			return err
		}
		out = st
		return s.commit(ctx, tx, tenant, []written{w}, []*inventoryv1.Stored{out})
	})
	return out, err
}

// update applies one update in tx, all but its revision (see commit), and returns what it wrote
// and the resource as it is now.
func (s *Store) update(ctx context.Context, tx *storage.Tx, tenant string, c Change) (written, *inventoryv1.Stored, error) {
	cur, err := s.current(ctx, tx, c.ID)
	if err != nil {
		return written{}, nil, err
	}
	if c.Expected != 0 && cur.revision != c.Expected {
		return written{}, nil, stale(c.ID, c.Expected, cur.revision)
	}
	k, msg, before, err := s.merged(cur, c.Resource, c.Mask)
	if err != nil {
		return written{}, nil, err
	}
	if err := s.validate(k, msg); err != nil {
		return written{}, nil, err
	}
	refs := k.RefIDs(msg)
	// A write that changes no reference and no key (a status, say) leaves their rows as they
	// are: the references were checked when they were written.
	same := before.equal(indexesOf(k, msg, refs))
	if !same {
		if err := s.checkRefs(ctx, tx, k, c.ID, refs); err != nil {
			return written{}, nil, err
		}
	}
	body, err := k.Body(msg, refs)
	if err != nil {
		return written{}, nil, err
	}
	w := written{tenant: tenant, kind: k, id: c.ID, msg: msg, refs: refs, op: inventoryv1.Operation_OPERATION_UPDATED, indexed: same,
		revisionOnly: c.RevisionOnly, prior: before.keys}
	st, err := s.apply(ctx, tx, w, func(now int64) error {
		_, err := tx.ExecContext(ctx, s.d.Rebind("UPDATE inv_resources SET name = ?, updated_us = ?, body = ? WHERE resource_id = ?"),
			nameOf(msg), now, string(body), c.ID)
		return err
	})
	return w, st, err
}

// written is one resource a create or an update writes.
type written struct {
	tenant string
	kind   *model.Kind
	id     string
	msg    proto.Message
	refs   map[string][]string
	op     inventoryv1.Operation
	// indexed: the reference and key rows are those of the resource already.
	indexed bool
	// revisionOnly: the resource is not read back (see Change).
	revisionOnly bool
	// prior are the unique keys' values before an update, in kind.Unique's order (see
	// writeGlobalKeys).
	prior []string
}

// write runs what every create does in tx around its own statement: see apply and commit.
func (s *Store) write(ctx context.Context, tx *storage.Tx, w written, stmt func(now int64) error) (*inventoryv1.Stored, error) {
	out, err := s.apply(ctx, tx, w, stmt)
	if err != nil {
		return nil, err
	}
	return out, s.commit(ctx, tx, w.tenant, []written{w}, []*inventoryv1.Stored{out})
}

// apply runs the statement of a create or an update (stmt, given the time, which leaves the
// revision alone), writes the reference and key rows and reads the resource back.
func (s *Store) apply(ctx context.Context, tx *storage.Tx, w written, stmt func(now int64) error) (*inventoryv1.Stored, error) {
	if err := stmt(s.now().UnixMicro()); err != nil {
		return nil, err
	}
	if !w.indexed {
		if err := s.writeIndexes(ctx, tx, w, w.refs); err != nil {
			return nil, err
		}
	}
	if w.revisionOnly {
		return &inventoryv1.Stored{}, nil
	}
	return s.get(ctx, tx, w.id)
}

// commit ends the writes of a transaction: it takes the tenant's next revisions, one per write
// in order, stamps them on the resources (and on out, the resources read back) and records the
// changes with their events. The tenant's revision row lock orders all of the tenant's writes;
// taken last, it is held for the few statements up to the commit only, so the tenant's writes
// overlap in everything else.
func (s *Store) commit(ctx context.Context, tx *storage.Tx, tenant string, ws []written, out []*inventoryv1.Stored) error {
	ids := make([]string, len(ws))
	for i, w := range ws {
		ids[i] = w.id
	}
	last, err := s.stamp(ctx, tx, tenant, ids)
	if err != nil {
		return err
	}
	first := last - int64(len(ws)) + 1
	changes := make([]*inventoryv1.Change, len(ws))
	for i, w := range ws {
		out[i].Revision = first + int64(i)
		changes[i] = change(tenant, out[i].Revision, w.kind, w.id, w.op)
	}
	return s.record(ctx, tx, changes...)
}

// merged returns the stored resource cur with the fields of mask taken from res.
// The stored resource's index rows (see indexesOf) come with it, as they were before the merge.
func (s *Store) merged(cur row, res *inventoryv1.Resource, mask []string) (*model.Kind, proto.Message, indexes, error) {
	k, ok := s.table.Named(cur.kind)
	if !ok {
		return nil, nil, indexes{}, provider.Errorf(provider.Internal, "resource %s has unknown kind %q", cur.id, cur.kind)
	}
	nk, in, err := s.kindOf(res)
	if err != nil {
		return nil, nil, indexes{}, err
	}
	if nk != k {
		return nil, nil, indexes{}, provider.Errorf(provider.NotFound, "resource %q not found among the %s resources: it is a %s", cur.id, nk.Name, k.Name)
	}
	msg, err := k.Decode(cur.id, cur.body)
	if err != nil {
		return nil, nil, indexes{}, provider.Errorf(provider.Internal, "resource %s: stored body does not decode: %v", cur.id, err)
	}
	before := indexesOf(k, msg, k.RefIDs(msg))
	if len(mask) == 0 {
		mask = storedFields(k)
	}
	for _, path := range mask {
		if err := applyPath(k, msg.ProtoReflect(), in.ProtoReflect(), path); err != nil {
			return nil, nil, indexes{}, err
		}
	}
	return k, msg, before, nil
}

// indexes are what a resource's reference and key rows are made of: the ids it references, by
// reference, and its unique keys' values, in k.Unique's order.
type indexes struct {
	refs map[string][]string
	keys []string
}

func indexesOf(k *model.Kind, msg proto.Message, refs map[string][]string) indexes {
	m := msg.ProtoReflect()
	keys := make([]string, len(k.Unique))
	for i, key := range k.Unique {
		keys[i] = m.Get(m.Descriptor().Fields().ByName(protoreflect.Name(key))).String()
	}
	return indexes{refs: refs, keys: keys}
}

// equal reports whether the index rows of a and b are the same.
func (a indexes) equal(b indexes) bool {
	return slices.Equal(a.keys, b.keys) && maps.EqualFunc(a.refs, b.refs, slices.Equal)
}

// storedFields lists the top-level fields of k a full replacement (PUT) takes: every stored
// field, and the id fields of references.
func storedFields(k *model.Kind) []string {
	var out []string
	fields := k.Descriptor().Fields()
	for i := range fields.Len() {
		name := string(fields.Get(i).Name())
		if k.Stored(name) {
			out = append(out, name)
		}
	}
	for _, r := range k.Refs {
		if r.IDField != "" && r.Field != "" {
			out = append(out, r.IDField)
		}
	}
	return out
}

// applyPath copies the field at path (snake_case or camelCase, dotted into nested messages) from
// src to dst. A reference may be named by its field or its id field.
func applyPath(k *model.Kind, dst, src protoreflect.Message, path string) error {
	segs := strings.Split(path, ".")
	top := fieldOf(dst.Descriptor(), segs[0])
	if top == nil {
		return provider.Errorf(provider.InvalidArgument, "field_mask: %s has no field %q", k.Name, segs[0])
	}
	name := string(top.Name())
	for _, r := range k.Refs {
		if name == r.Field || name == r.IDField {
			if len(segs) > 1 {
				return provider.Errorf(provider.InvalidArgument, "field_mask: %q: a reference is replaced whole; name %s", path, name)
			}
			return copyRef(dst, src, r)
		}
	}
	if !k.Stored(name) {
		return provider.Errorf(provider.InvalidArgument, "field_mask: %s.%s is set by the inventory and cannot be updated", k.Name, name)
	}
	for i, seg := range segs {
		f := fieldOf(dst.Descriptor(), seg)
		if f == nil {
			return provider.Errorf(provider.InvalidArgument, "field_mask: %q: %s has no field %q", path, dst.Descriptor().Name(), seg)
		}
		if i == len(segs)-1 {
			if src.Has(f) {
				dst.Set(f, src.Get(f))
			} else {
				dst.Clear(f)
			}
			return nil
		}
		if f.Message() == nil || f.IsList() || f.IsMap() {
			return provider.Errorf(provider.InvalidArgument, "field_mask: %q: %s is not a message", path, seg)
		}
		dst, src = dst.Mutable(f).Message(), src.Get(f).Message()
	}
	return nil
}

// copyRef replaces reference r of dst by src's.
func copyRef(dst, src protoreflect.Message, r model.Ref) error {
	for _, name := range []string{r.Field, r.IDField} {
		if name == "" {
			continue
		}
		f := dst.Descriptor().Fields().ByName(protoreflect.Name(name))
		if src.Has(f) {
			dst.Set(f, src.Get(f))
		} else {
			dst.Clear(f)
		}
	}
	return nil
}

// Delete deletes resource id and, by the cascade rules, the resources that go with it; a
// reference under the restrict rule refuses the delete, naming the referencing resources. It
// returns the ids deleted with it.
func (s *Store) Delete(ctx context.Context, tenant, id string, expected int64, kind inventoryv1.ResourceKind) ([]string, error) {
	if err := s.ensureTenant(ctx, tenant); err != nil {
		return nil, err
	}
	var cascaded []string
	err := s.inTenant(ctx, tenant, func(tx *storage.Tx) error {
		cur, err := s.current(ctx, tx, id)
		if err != nil {
			return err
		}
		if k, ok := s.table.Of(kind); kind != inventoryv1.ResourceKind_RESOURCE_KIND_UNSPECIFIED && (!ok || k.Name != cur.kind) {
			return notFound(id)
		}
		if expected != 0 && cur.revision != expected {
			return stale(id, expected, cur.revision)
		}
		order, err := s.closure(ctx, tx, cur)
		if err != nil {
			return err
		}
		cascaded = nil
		for i := len(order) - 1; i >= 0; i-- {
			if err := s.deleteOne(ctx, tx, tenant, order[i]); err != nil {
				return err
			}
			if order[i].id != id {
				cascaded = append(cascaded, order[i].id)
			}
		}
		return nil
	})
	slices.Sort(cascaded)
	return cascaded, err
}

// target is one resource a delete removes.
type target struct {
	id   string
	kind *model.Kind
}

// closure returns the resources deleting root removes, root first and each before the
// resources it takes along, or the error of a restricting reference.
func (s *Store) closure(ctx context.Context, tx *storage.Tx, root row) ([]target, error) {
	k, ok := s.table.Named(root.kind)
	if !ok {
		return nil, provider.Errorf(provider.Internal, "resource %s has unknown kind %q", root.id, root.kind)
	}
	order := []target{{id: root.id, kind: k}}
	in := map[string]bool{root.id: true}
	for i := 0; i < len(order); i++ {
		refs, err := s.referencing(ctx, tx, order[i].id)
		if err != nil {
			return nil, err
		}
		var blocked []string
		for _, ref := range refs {
			from, r := s.refRule(ref.key)
			switch {
			case in[ref.from]:
			case from != nil && r.OnDelete == model.Cascade:
				in[ref.from] = true
				order = append(order, target{id: ref.from, kind: from})
			default:
				blocked = append(blocked, ref.from)
			}
		}
		if len(blocked) > 0 {
			return nil, restricted(order[i], blocked)
		}
	}
	return order, nil
}

type incoming struct{ from, key string }

// referencing returns the references pointing at id.
func (s *Store) referencing(ctx context.Context, tx *storage.Tx, id string) ([]incoming, error) {
	rows, err := tx.QueryContext(ctx, s.d.Rebind("SELECT from_id, ref FROM inv_refs WHERE to_id = ? ORDER BY from_id"), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []incoming
	for rows.Next() {
		var in incoming
		if err := rows.Scan(&in.from, &in.key); err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// refRule finds the reference a reference-table key ("instance.host") names.
func (s *Store) refRule(key string) (*model.Kind, model.Ref) {
	kind, name, _ := strings.Cut(key, ".")
	k, ok := s.table.Named(kind)
	if !ok {
		return nil, model.Ref{}
	}
	r, _ := k.Ref(name)
	return k, r
}

// restricted is the error of a delete refused by references.
func restricted(t target, from []string) error {
	shown := from
	if len(shown) > 5 {
		shown = shown[:5]
	}
	more := ""
	if len(from) > len(shown) {
		more = fmt.Sprintf(" and %d more", len(from)-len(shown))
	}
	return provider.Errorf(provider.FailedPrecondition, "%s %q is in use by %d resource(s) (%s%s): delete or change them first",
		t.kind.Name, t.id, len(from), strings.Join(shown, ", "), more)
}

// deleteOne deletes one resource (its reference and key rows go with it) and records it.
func (s *Store) deleteOne(ctx context.Context, tx *storage.Tx, tenant string, t target) error {
	if _, err := tx.ExecContext(ctx, s.d.Rebind("DELETE FROM inv_resources WHERE resource_id = ?"), t.id); err != nil {
		return err
	}
	rev, err := s.bump(ctx, tx, tenant, 1)
	if err != nil {
		return err
	}
	return s.record(ctx, tx, change(tenant, rev, t.kind, t.id, inventoryv1.Operation_OPERATION_DELETED))
}
