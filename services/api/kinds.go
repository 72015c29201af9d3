package api

import (
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
)

// resourceKind is one kind of the inventory as the API sees it: the apiv2 message and its case
// of inventoryv1.Resource (whose field numbers are the ResourceKind numbers).
type resourceKind struct {
	kind  inventoryv1.ResourceKind
	field protoreflect.FieldDescriptor // the case of Resource's oneof
	desc  protoreflect.MessageDescriptor
	// settable are the top-level fields a caller may write: every field but OUTPUT_ONLY ones.
	settable []string
}

// kindTable maps apiv2 resource messages to their kinds.
type kindTable map[protoreflect.FullName]*resourceKind

// newKindTable reads the kinds from inventoryv1.Resource's oneof.
func newKindTable() kindTable {
	t := kindTable{}
	fields := (&inventoryv1.Resource{}).ProtoReflect().Descriptor().Oneofs().ByName("resource").Fields()
	for i := range fields.Len() {
		f := fields.Get(i)
		t[f.Message().FullName()] = &resourceKind{
			kind: inventoryv1.ResourceKind(f.Number()), field: f, desc: f.Message(), settable: settable(f.Message()),
		}
	}
	return t
}

// of returns the kind of message descriptor d, or nil.
func (t kindTable) of(d protoreflect.MessageDescriptor) *resourceKind {
	if d == nil {
		return nil
	}
	return t[d.FullName()]
}

// wrap puts msg, a message of kind k, into a Resource.
func (k *resourceKind) wrap(msg proto.Message) *inventoryv1.Resource {
	res := &inventoryv1.Resource{}
	res.ProtoReflect().Set(k.field, protoreflect.ValueOfMessage(msg.ProtoReflect()))
	return res
}

// unwrap returns the message of kind k in res, or nil when res holds another kind.
func (k *resourceKind) unwrap(res *inventoryv1.Resource) proto.Message {
	m := res.ProtoReflect()
	if res == nil || !m.Has(k.field) {
		return nil
	}
	return m.Get(k.field).Message().Interface()
}

// behaviors returns the google.api.field_behavior annotations of f.
func behaviors(f protoreflect.FieldDescriptor) []annotations.FieldBehavior {
	v, _ := proto.GetExtension(f.Options(), annotations.E_FieldBehavior).([]annotations.FieldBehavior)
	return v
}

// has reports whether f carries behavior b.
func has(f protoreflect.FieldDescriptor, b annotations.FieldBehavior) bool {
	for _, x := range behaviors(f) {
		if x == b {
			return true
		}
	}
	return false
}

// settable lists the fields of d that are not OUTPUT_ONLY, by proto name.
func settable(d protoreflect.MessageDescriptor) []string {
	var out []string
	fields := d.Fields()
	for i := range fields.Len() {
		if f := fields.Get(i); !has(f, annotations.FieldBehavior_OUTPUT_ONLY) {
			out = append(out, string(f.Name()))
		}
	}
	return out
}

// clearOutputOnly clears the OUTPUT_ONLY fields of m: a request may carry what a response gave
// (AIP-203), and they are ignored.
func clearOutputOnly(m protoreflect.Message) {
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		if f := fields.Get(i); has(f, annotations.FieldBehavior_OUTPUT_ONLY) {
			m.Clear(f)
		}
	}
}
