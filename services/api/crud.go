package api

import (
	"context"
	"slices"
	"strings"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/provider"
)

// backend serves the services.v1 methods over the inventory.
type backend struct {
	inv   inventoryv1.InventoryServiceClient
	kinds kindTable
}

// hook adjusts a resource before it is written (the legacy API's forced fields); id is the
// resource's id, empty on a create.
type hook func(ctx context.Context, id string, m protoreflect.Message) error

// Names of the request fields the generic operations read.
const (
	fieldResourceID = "resourceId"
	fieldFilter     = "filter"
	fieldOrderBy    = "order_by"
	fieldPageSize   = "page_size"
	fieldOffset     = "offset"
	fieldMask       = "field_mask"
)

// get reads a field of m by name: the zero value when m has no such field.
func get(m protoreflect.Message, name string) protoreflect.Value {
	f := m.Descriptor().Fields().ByName(protoreflect.Name(name))
	if f == nil {
		return protoreflect.Value{}
	}
	return m.Get(f)
}

// str reads a string field of m by name ("" when m has none).
func str(m protoreflect.Message, name string) string {
	if v := get(m, name); v.IsValid() {
		return v.String()
	}
	return ""
}

// set sets field name of m to v.
func set(m protoreflect.Message, name string, v protoreflect.Value) {
	m.Set(m.Descriptor().Fields().ByName(protoreflect.Name(name)), v)
}

// body returns a copy of the resource in field f of request in, its OUTPUT_ONLY fields
// cleared (keep names those accepted anyway); InvalidArgument when the request sent none ({}
// is a resource with every field unset, no body at all is a mistake).
func body(ctx context.Context, in proto.Message, f protoreflect.FieldDescriptor, keep ...string) (proto.Message, error) {
	m := in.ProtoReflect()
	if !m.Has(f) || ctx.Value(emptyBodyKey{}) != nil {
		return nil, provider.Errorf(provider.InvalidArgument, "the request body is empty: send the %s as JSON", f.Message().Name())
	}
	msg := proto.Clone(m.Get(f).Message().Interface())
	r := msg.ProtoReflect()
	fields := r.Descriptor().Fields()
	for i := range fields.Len() {
		if fd := fields.Get(i); has(fd, annotations.FieldBehavior_OUTPUT_ONLY) && !slices.Contains(keep, string(fd.Name())) {
			r.Clear(fd)
		}
	}
	return msg, nil
}

// reply copies the resource of kind k in stored into out.
func reply(k *resourceKind, stored *inventoryv1.Stored, out proto.Message) error {
	msg := k.unwrap(stored.GetResource())
	if msg == nil {
		return provider.Errorf(provider.Internal, "the inventory answered with another kind than %s", k.desc.Name())
	}
	proto.Merge(out, msg)
	return nil
}

// create stores the resource in field f of the request.
func (b *backend) create(f protoreflect.FieldDescriptor, before hook, keep ...string) operation {
	k := b.kinds.of(f.Message())
	return func(ctx context.Context, in, out proto.Message) error {
		tenant, err := tenantOf(ctx)
		if err != nil {
			return err
		}
		msg, err := body(ctx, in, f, keep...)
		if err != nil {
			return err
		}
		if before != nil {
			if err := before(ctx, "", msg.ProtoReflect()); err != nil {
				return err
			}
		}
		resp, err := b.inv.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: tenant, Resource: k.wrap(msg)})
		if err != nil {
			return err
		}
		return reply(k, resp.GetStored(), out)
	}
}

// get reads the resource of kind k the request names.
func (b *backend) get(k *resourceKind) operation {
	return func(ctx context.Context, in, out proto.Message) error {
		stored, err := b.read(ctx, k, str(in.ProtoReflect(), fieldResourceID))
		if err != nil {
			return err
		}
		return reply(k, stored, out)
	}
}

// read reads resource id of kind k.
func (b *backend) read(ctx context.Context, k *resourceKind, id string) (*inventoryv1.Stored, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := b.inv.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: tenant, ResourceId: id, Kind: k.kind})
	return resp.GetStored(), err
}

// update replaces the fields of mask of the resource the request names (a PUT).
func (b *backend) update(f protoreflect.FieldDescriptor, mask []string, before hook) operation {
	k := b.kinds.of(f.Message())
	return func(ctx context.Context, in, out proto.Message) error {
		msg, err := body(ctx, in, f)
		if err != nil {
			return err
		}
		return b.write(ctx, k, str(in.ProtoReflect(), fieldResourceID), msg, mask, before, out)
	}
}

// patch changes the fields the request's field mask names (derived from the JSON body's keys
// when the request sends none); OUTPUT_ONLY fields in the mask are ignored (AIP-203).
func (b *backend) patch(f protoreflect.FieldDescriptor, before hook) operation {
	k := b.kinds.of(f.Message())
	return func(ctx context.Context, in, out proto.Message) error {
		msg, err := body(ctx, in, f)
		if err != nil {
			return err
		}
		var mask []string
		if v := get(in.ProtoReflect(), fieldMask); v.IsValid() {
			fm, _ := v.Message().Interface().(*fieldmaskpb.FieldMask)
			mask = writable(k, fm.GetPaths())
		}
		return b.write(ctx, k, str(in.ProtoReflect(), fieldResourceID), msg, mask, before, out)
	}
}

// writable returns the paths of mask with their top-level field named as in the proto, those
// whose field is OUTPUT_ONLY left out; a path naming no field is kept for the inventory to
// refuse by name.
func writable(k *resourceKind, mask []string) []string {
	out := make([]string, 0, len(mask))
	for _, p := range mask {
		top, rest, nested := strings.Cut(p, ".")
		f := k.desc.Fields().ByName(protoreflect.Name(top))
		if f == nil {
			f = k.desc.Fields().ByJSONName(top)
		}
		switch {
		case f == nil:
			out = append(out, p)
		case has(f, annotations.FieldBehavior_OUTPUT_ONLY):
		case nested:
			out = append(out, string(f.Name())+"."+rest)
		default:
			out = append(out, string(f.Name()))
		}
	}
	return out
}

// write sends an update of resource id with mask to the inventory and copies the result into
// out; an empty mask changes nothing and answers the resource as it is.
func (b *backend) write(ctx context.Context, k *resourceKind, id string, msg proto.Message, mask []string, before hook, out proto.Message) error {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return err
	}
	if len(mask) == 0 {
		stored, err := b.read(ctx, k, id)
		if err != nil {
			return err
		}
		return reply(k, stored, out)
	}
	if before != nil {
		if err := before(ctx, id, msg.ProtoReflect()); err != nil {
			return err
		}
	}
	resp, err := b.inv.UpdateResource(ctx, &inventoryv1.UpdateResourceRequest{TenantId: tenant, ResourceId: id,
		Resource: k.wrap(msg), FieldMask: &fieldmaskpb.FieldMask{Paths: mask}})
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	return reply(k, resp.GetStored(), out)
}

// delete deletes the resource of kind k the request names; the response is empty.
func (b *backend) delete(k *resourceKind) operation {
	return func(ctx context.Context, in, _ proto.Message) error {
		tenant, err := tenantOf(ctx)
		if err != nil {
			return err
		}
		_, err = b.inv.DeleteResource(ctx, &inventoryv1.DeleteResourceRequest{TenantId: tenant,
			ResourceId: str(in.ProtoReflect(), fieldResourceID), Kind: k.kind})
		return err
	}
}
