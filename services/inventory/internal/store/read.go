package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	commonv1 "github.com/eim-byoi/eim/api/gen/resources/common/v1"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/services/inventory/internal/model"
)

// columns are the columns every read selects, in row's order.
const columns = "t.resource_id, t.kind, t.revision, t.created_us, t.updated_us, t.body"

// row is one stored resource as read.
type row struct {
	id, kind           string
	revision           int64
	createdUS, updated int64
	body               []byte
}

func scanRow(sc interface{ Scan(...any) error }, extra ...any) (row, error) {
	var r row
	err := sc.Scan(append([]any{&r.id, &r.kind, &r.revision, &r.createdUS, &r.updated, &r.body}, extra...)...)
	return r, err
}

func microsTime(us int64) time.Time { return time.UnixMicro(us) }

// notFound is the error of an id that does not exist in the tenant (or belongs to another one:
// the two are not told apart).
func notFound(id string) error {
	return provider.Errorf(provider.NotFound, "resource %q not found", id)
}

// Get returns the resource id, expanded; when kind is set, a resource of another kind is not
// found.
func (s *Store) Get(ctx context.Context, tenant, id string, kind inventoryv1.ResourceKind) (*inventoryv1.Stored, error) {
	var out *inventoryv1.Stored
	err := s.inTenant(ctx, tenant, func(tx *storage.Tx) error {
		var err error
		out, err = s.get(ctx, tx, id)
		if err == nil && !s.isKind(out.GetResource(), kind) {
			return notFound(id)
		}
		return err
	}, storage.ReadOnly())
	return out, err
}

// isKind reports whether res is of kind, or kind is unspecified.
func (s *Store) isKind(res *inventoryv1.Resource, kind inventoryv1.ResourceKind) bool {
	if kind == inventoryv1.ResourceKind_RESOURCE_KIND_UNSPECIFIED {
		return true
	}
	k, _, err := s.kindOf(res)
	return err == nil && k.Kind == kind
}

func (s *Store) get(ctx context.Context, tx *storage.Tx, id string) (*inventoryv1.Stored, error) {
	r, err := scanRow(tx.QueryRowContext(ctx, s.d.Rebind("SELECT "+columns+" FROM inv_resources t WHERE t.resource_id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(id)
	}
	if err != nil {
		return nil, err
	}
	out, err := s.expand(ctx, tx, []row{r})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// Find returns the resource of kind whose unique key has value.
func (s *Store) Find(ctx context.Context, tenant string, kind inventoryv1.ResourceKind, key, value string) (*inventoryv1.Stored, error) {
	k, err := s.uniqueKey(kind, key)
	if err != nil {
		return nil, err
	}
	var out *inventoryv1.Stored
	err = s.inTenant(ctx, tenant, func(tx *storage.Tx) error {
		var id string
		err := tx.QueryRowContext(ctx, s.d.Rebind("SELECT resource_id FROM inv_keys WHERE kind = ? AND key_name = ? AND key_value = ?"),
			k.Name, key, value).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return provider.Errorf(provider.NotFound, "no %s with %s %q", k.Name, key, value)
		}
		if err != nil {
			return err
		}
		out, err = s.get(ctx, tx, id)
		return err
	}, storage.ReadOnly())
	return out, err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// expansionDepth bounds how far references are expanded: a host's site and that site's region.
const expansionDepth = 2

// expander decodes rows and fills their references, reverse references and computed fields,
// with one query per level and kind of lookup however many rows there are.
type expander struct {
	s     *Store
	ctx   context.Context
	tx    *storage.Tx
	cache map[string]*decoded // by id: every resource decoded so far
}

// decoded is a resource decoded from its row; its references still hold only ids.
type decoded struct {
	kind *model.Kind
	msg  proto.Message
	row  row
}

func (s *Store) expand(ctx context.Context, tx *storage.Tx, rows []row) ([]*inventoryv1.Stored, error) {
	e := &expander{s: s, ctx: ctx, tx: tx, cache: map[string]*decoded{}}
	top := make([]*decoded, 0, len(rows))
	for _, r := range rows {
		d, err := e.decode(r)
		if err != nil {
			return nil, err
		}
		top = append(top, d)
	}
	if err := e.fill(top, expansionDepth, true); err != nil {
		return nil, err
	}
	out := make([]*inventoryv1.Stored, len(top))
	for i, d := range top {
		out[i] = &inventoryv1.Stored{Resource: wrap(d.kind, d.msg), Revision: d.row.revision}
	}
	return out, nil
}

func (e *expander) decode(r row) (*decoded, error) {
	k, ok := e.s.table.Named(r.kind)
	if !ok {
		return nil, provider.Errorf(provider.Internal, "resource %s has unknown kind %q", r.id, r.kind)
	}
	msg, err := k.Decode(r.id, r.body)
	if err != nil {
		return nil, provider.Errorf(provider.Internal, "resource %s: stored body does not decode: %v", r.id, err)
	}
	setTimestamps(msg, r)
	d := &decoded{kind: k, msg: msg, row: r}
	e.cache[r.id] = d
	return d, nil
}

func setTimestamps(msg proto.Message, r row) {
	m := msg.ProtoReflect()
	f := m.Descriptor().Fields().ByName("timestamps")
	if f == nil {
		return
	}
	ts := &commonv1.Timestamps{CreatedAt: timestamppb.New(microsTime(r.createdUS)), UpdatedAt: timestamppb.New(microsTime(r.updated))}
	m.Set(f, protoreflect.ValueOfMessage(ts.ProtoReflect()))
}

// fill expands ds: references down to depth, and at the top level the reverse references and
// computed fields.
func (e *expander) fill(ds []*decoded, depth int, top bool) error {
	if len(ds) == 0 || depth == 0 {
		return nil
	}
	if err := e.forward(ds, depth); err != nil {
		return err
	}
	if !top {
		return nil
	}
	if err := e.reverse(ds); err != nil {
		return err
	}
	return e.computed(ds)
}

// forward sets every expanded reference of ds to a copy of the referenced resource.
func (e *expander) forward(ds []*decoded, depth int) error {
	var want []string
	for _, d := range ds {
		for _, r := range d.kind.Refs {
			if r.Expand {
				want = append(want, idsIn(d, r)...)
			}
		}
	}
	targets, err := e.load(want)
	if err != nil {
		return err
	}
	if err := e.fill(targets, depth-1, false); err != nil {
		return err
	}
	for _, d := range ds {
		for _, r := range d.kind.Refs {
			if r.Expand {
				e.setRef(d, r)
			}
		}
	}
	return nil
}

func idsIn(d *decoded, r model.Ref) []string { return d.kind.RefIDs(d.msg)[r.Name] }

// setRef replaces reference r of d, holding ids, by the referenced resources.
func (e *expander) setRef(d *decoded, r model.Ref) {
	m := d.msg.ProtoReflect()
	f := m.Descriptor().Fields().ByName(protoreflect.Name(r.Field))
	ids := idsIn(d, r)
	m.Clear(f)
	for _, id := range ids {
		t, ok := e.cache[id]
		if !ok {
			continue // deleted meanwhile is impossible in one transaction; an unknown id stays out
		}
		v := protoreflect.ValueOfMessage(proto.Clone(t.msg).ProtoReflect())
		if r.Repeated {
			m.Mutable(f).List().Append(v)
		} else {
			m.Set(f, v)
		}
	}
}

// load decodes the resources ids not decoded yet, in one query, and returns all of ids'.
func (e *expander) load(ids []string) ([]*decoded, error) {
	var missing []string
	seen := map[string]bool{}
	for _, id := range ids {
		if _, ok := e.cache[id]; !ok && !seen[id] {
			missing, seen[id] = append(missing, id), true
		}
	}
	if len(missing) > 0 {
		q := "SELECT " + columns + " FROM inv_resources t WHERE t.resource_id IN (" + placeholders(len(missing)) + ")"
		if err := e.query(q, anys(missing), func(r row) error { _, err := e.decode(r); return err }); err != nil {
			return nil, err
		}
	}
	var out []*decoded
	for _, id := range ids {
		if d, ok := e.cache[id]; ok {
			out = append(out, d)
		}
	}
	return out, nil
}

func (e *expander) query(q string, args []any, each func(row) error, extra ...any) error {
	return e.s.scanRows(e.ctx, e.tx, q, args, each, extra...)
}

// scanRows runs q and calls each with every row (columns, then extra scanned with it).
func (s *Store) scanRows(ctx context.Context, tx *storage.Tx, q string, args []any, each func(row) error, extra ...any) error {
	rows, err := tx.QueryContext(ctx, s.d.Rebind(q), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRow(rows, extra...)
		if err != nil {
			return err
		}
		if err := each(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// reverse fills the reverse references of ds (a host's instance, a workload's members), the
// referencing resources expanded one level.
func (e *expander) reverse(ds []*decoded) error {
	type group struct {
		rv model.Reverse
		ds []*decoded
	}
	var order []string
	groups := map[string]*group{}
	for _, d := range ds {
		for _, rv := range d.kind.Reverses {
			key := d.kind.Name + "." + rv.Field
			if groups[key] == nil {
				groups[key] = &group{rv: rv}
				order = append(order, key)
			}
			groups[key].ds = append(groups[key].ds, d)
		}
	}
	for _, key := range order {
		if err := e.reverseOne(groups[key].ds, groups[key].rv); err != nil {
			return err
		}
	}
	return nil
}

// referrersQuery reads the resources referring through one reference (argument 1) to any of n
// targets (arguments 2 to n+1), with the target of each row after the columns. No ORDER BY:
// SQLite's planner would walk the tenant's resources in that order instead of reading the
// references by target (migration sqlite/00004, TestReferrersReadByTarget); rows are sorted by
// the caller.
func referrersQuery(n int) string {
	return "SELECT " + columns + ", r.to_id FROM inv_refs r JOIN inv_resources t ON t.tenant_id = r.tenant_id AND t.resource_id = r.from_id" +
		" WHERE r.ref = ? AND r.to_id IN (" + placeholders(n) + ")"
}

func (e *expander) reverseOne(group []*decoded, rv model.Reverse) error {
	from, _ := e.s.table.Of(rv.From)
	via, _ := from.Ref(rv.Via)
	ids := make([]string, len(group))
	for i, d := range group {
		ids[i] = d.row.id
	}
	q := referrersQuery(len(ids))
	type referrer struct {
		to string
		d  *decoded
	}
	var refs []referrer
	var to string
	err := e.query(q, append([]any{from.RefKey(via)}, anys(ids)...), func(r row) error {
		d, ok := e.cache[r.id]
		if !ok {
			var err error
			if d, err = e.decode(r); err != nil {
				return err
			}
		}
		refs = append(refs, referrer{to, d})
		return nil
	}, &to)
	if err != nil {
		return err
	}
	slices.SortFunc(refs, func(a, b referrer) int {
		return cmp.Or(strings.Compare(a.d.row.id, b.d.row.id), strings.Compare(a.to, b.to))
	})
	found := map[string][]*decoded{}
	all := make([]*decoded, 0, len(refs))
	for _, r := range refs {
		found[r.to], all = append(found[r.to], r.d), append(all, r.d)
	}
	if err := e.forward(all, 1); err != nil {
		return err
	}
	for _, d := range group {
		m := d.msg.ProtoReflect()
		f := m.Descriptor().Fields().ByName(protoreflect.Name(rv.Field))
		for _, src := range found[d.row.id] {
			v := protoreflect.ValueOfMessage(proto.Clone(src.msg).ProtoReflect())
			if rv.Single {
				m.Set(f, v)
				break
			}
			m.Mutable(f).List().Append(v)
		}
	}
	return nil
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
