package api

import (
	"context"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
)

// listQuery is what a list request asks the inventory for: an AIP-160 filter, and, where the
// inventory cannot filter, a test each resource must pass (the whole list is then read and
// paged here).
type listQuery struct {
	filter string
	keep   func(proto.Message) bool
}

// queryFunc turns a list request into its query.
type queryFunc func(ctx context.Context, tenant string, in protoreflect.Message) (listQuery, error)

// listFilter returns how the list requests of message d are queried: by their filter
// parameter, or by the target parameters of schedules and telemetry profiles.
func (b *backend) listFilter(d protoreflect.MessageDescriptor) queryFunc {
	switch {
	case d.Fields().ByName("unix_epoch") != nil:
		return b.scheduleQuery
	case d.Fields().ByName("instance_id") != nil:
		return b.profileQuery
	}
	return func(_ context.Context, _ string, in protoreflect.Message) (listQuery, error) {
		return listQuery{filter: str(in, fieldFilter)}, nil
	}
}

// page is one page of a list.
type page struct {
	items   []proto.Message
	total   int32
	hasNext bool
}

// list lists the resources of the kind of repeated field f of the response.
func (b *backend) list(f protoreflect.FieldDescriptor, query queryFunc) operation {
	k := b.kinds.of(f.Message())
	return func(ctx context.Context, in, out proto.Message) error {
		p, err := b.page(ctx, k, in.ProtoReflect(), query)
		if err != nil {
			return err
		}
		o := out.ProtoReflect()
		items := o.Mutable(f).List()
		for _, msg := range p.items {
			trimList(in.ProtoReflect(), msg.ProtoReflect())
			items.Append(protoreflect.ValueOfMessage(msg.ProtoReflect()))
		}
		set(o, "total_elements", protoreflect.ValueOfInt32(p.total))
		set(o, "has_next", protoreflect.ValueOfBool(p.hasNext))
		return nil
	}
}

// page reads the page of kind k that list request in asks for.
func (b *backend) page(ctx context.Context, k *resourceKind, in protoreflect.Message, query queryFunc) (*page, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	q, err := query(ctx, tenant, in)
	if err != nil {
		return nil, err
	}
	req := &inventoryv1.ListResourcesRequest{TenantId: tenant, Kind: k.kind, Filter: q.filter,
		OrderBy: str(in, fieldOrderBy), PageSize: uint32(uintField(in, fieldPageSize)), Offset: uint32(uintField(in, fieldOffset))}
	if q.keep != nil {
		return b.filtered(ctx, k, req, q.keep)
	}
	resp, err := b.inv.ListResources(ctx, req)
	if err != nil {
		return nil, err
	}
	p := &page{total: resp.GetTotalElements(), hasNext: resp.GetHasNext()}
	for _, st := range resp.GetResources() {
		p.items = append(p.items, k.unwrap(st.GetResource()))
	}
	return p, nil
}

// Paging of the inventory's lists.
const (
	defaultPageSize = 20
	maxPageSize     = 100
	maxListed       = 10000 // the most resources a list filtered here reads
)

// filtered reads every resource req selects, keeps those keep accepts, and returns the page
// req asks for.
func (b *backend) filtered(ctx context.Context, k *resourceKind, req *inventoryv1.ListResourcesRequest, keep func(proto.Message) bool) (*page, error) {
	size, offset := int(req.GetPageSize()), int(req.GetOffset())
	if size == 0 {
		size = defaultPageSize
	}
	all := proto.Clone(req).(*inventoryv1.ListResourcesRequest)
	all.PageSize, all.Offset = maxPageSize, 0
	var kept []proto.Message
	for {
		resp, err := b.inv.ListResources(ctx, all)
		if err != nil {
			return nil, err
		}
		for _, st := range resp.GetResources() {
			if msg := k.unwrap(st.GetResource()); keep(msg) {
				kept = append(kept, msg)
			}
		}
		all.Offset += maxPageSize
		if !resp.GetHasNext() || all.Offset >= maxListed {
			break
		}
	}
	p := &page{total: int32(len(kept))}
	if offset < len(kept) {
		end := min(offset+size, len(kept))
		p.items, p.hasNext = kept[offset:end], end < len(kept)
	}
	return p, nil
}

// uintField reads an unsigned integer field of m by name (0 when m has none).
func uintField(m protoreflect.Message, name string) uint64 {
	if v := get(m, name); v.IsValid() {
		return v.Uint()
	}
	return 0
}

// trimList clears what a list request did not ask for: a region's total_sites unless
// show_total_sites is set, as the legacy API.
func trimList(in, msg protoreflect.Message) {
	if f := in.Descriptor().Fields().ByName("show_total_sites"); f != nil && !in.Get(f).Bool() {
		if t := msg.Descriptor().Fields().ByName("total_sites"); t != nil {
			msg.Clear(t)
		}
	}
}
