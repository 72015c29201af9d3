package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"

	"buf.build/go/protovalidate"
	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
)

// responseJSON is the gateway's JSON marshaler. Like the legacy API it writes lowerCamel names,
// enums by name and every field, with exceptions the legacy document demands and the legacy API
// (grpc-gateway's EmitUnpopulated default) did not honour:
//   - an unset message is left out rather than written null;
//   - so is a field at its zero value when the field's own rules refuse that value (a host's
//     note before the host is invalidated, a reference id the request did not set);
//   - so is a reference the inventory did not expand (at the end of the expansion, it holds only
//     the referenced id: an OS without its sha256, an account without its user name, ...);
//     where the kind keeps the id in a field of its own (siteId, osID, ...), the id stays there.
//
// Requests are decoded as before: an unknown field is an error.
type responseJSON struct {
	runtime.JSONPb
	zero  *zeroRules
	kinds kindTable
}

var _ runtime.Marshaler = (*responseJSON)(nil)

// newResponseJSON returns the marshaler; v decides which zero values the rules refuse, kinds
// which messages are resources.
func newResponseJSON(v protovalidate.Validator, kinds kindTable) *responseJSON {
	return &responseJSON{
		JSONPb: runtime.JSONPb{MarshalOptions: protojson.MarshalOptions{EmitDefaultValues: true}},
		zero:   &zeroRules{validator: v},
		kinds:  kinds,
	}
}

// Marshal writes v as JSON, without the zero values its fields' rules refuse and without the
// references not expanded.
func (m *responseJSON) Marshal(v any) ([]byte, error) {
	if msg, ok := v.(proto.Message); ok && m.unexpanded(msg.ProtoReflect(), false) {
		msg = proto.Clone(msg)
		m.unexpanded(msg.ProtoReflect(), true)
		v = msg
	}
	raw, err := m.JSONPb.Marshal(v)
	msg, ok := v.(proto.Message)
	if err != nil || !ok || !m.zero.within(msg.ProtoReflect()) {
		return raw, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, fmt.Errorf("api: re-read the response JSON: %w", err)
	}
	d := msg.ProtoReflect().Descriptor()
	m.zero.prune(tree, d)
	var out bytes.Buffer
	out.Grow(len(raw))
	err = encodeJSON(&out, tree, d)
	return out.Bytes(), err
}

// unexpanded reports whether a message in msg is a resource holding only its id, a reference
// the inventory did not expand; with clear, it clears those references.
func (m *responseJSON) unexpanded(msg protoreflect.Message, clear bool) bool {
	found := false
	fields := msg.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		switch {
		case fd.Message() == nil || fd.IsMap() || !msg.Has(fd):
		case fd.IsList():
			found = m.unexpandedIn(msg.Mutable(fd).List(), clear) || found
		case m.isStub(msg.Get(fd).Message()):
			found = true
			if clear {
				msg.Clear(fd)
			}
		default:
			found = m.unexpanded(msg.Get(fd).Message(), clear) || found
		}
	}
	return found
}

// unexpandedIn is unexpanded for a list of messages; with clear, the references not expanded
// are taken out of the list.
func (m *responseJSON) unexpandedIn(list protoreflect.List, clear bool) bool {
	found := false
	var kept []protoreflect.Value
	for j := range list.Len() {
		item := list.Get(j)
		if m.isStub(item.Message()) {
			found = true
			continue
		}
		found = m.unexpanded(item.Message(), clear) || found
		kept = append(kept, item)
	}
	if clear && len(kept) < list.Len() {
		list.Truncate(0)
		for _, item := range kept {
			list.Append(item)
		}
	}
	return found
}

// isStub reports whether msg is a resource holding nothing but its resource_id.
func (m *responseJSON) isStub(msg protoreflect.Message) bool {
	if m.kinds.of(msg.Descriptor()) == nil {
		return false
	}
	n := 0
	only := true
	msg.Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		n++
		only = fd.Name() == "resource_id"
		return only
	})
	return n == 1 && only
}

// zeroRules tells, per field, whether the field's rules refuse its zero value.
type zeroRules struct {
	validator protovalidate.Validator
	refused   sync.Map // protoreflect.FullName → bool
}

// refuses reports whether the rules of scalar field fd refuse its zero value; never for a
// message, list or map field.
func (z *zeroRules) refuses(fd protoreflect.FieldDescriptor) bool {
	if fd.Message() != nil || fd.IsList() || fd.IsMap() || fd.HasPresence() {
		return false
	}
	if v, ok := z.refused.Load(fd.FullName()); ok {
		return v.(bool)
	}
	var empty protoreflect.Message = dynamicpb.NewMessage(fd.ContainingMessage())
	if mt, err := protoregistry.GlobalTypes.FindMessageByName(fd.ContainingMessage().FullName()); err == nil {
		empty = mt.New()
	}
	only := protovalidate.FilterFunc(func(_ protoreflect.Message, d protoreflect.Descriptor) bool { return d.FullName() == fd.FullName() })
	refused := z.validator.Validate(empty.Interface(), protovalidate.WithFilter(only)) != nil
	z.refused.Store(fd.FullName(), refused)
	return refused
}

// within reports whether message m, or a message in it, has a field at a zero value its rules
// refuse.
func (z *zeroRules) within(m protoreflect.Message) bool {
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		switch {
		case fd.IsMap():
		case fd.IsList() && fd.Message() != nil:
			list := m.Get(fd).List()
			for j := range list.Len() {
				if z.within(list.Get(j).Message()) {
					return true
				}
			}
		case fd.Message() != nil:
			if m.Has(fd) && z.within(m.Get(fd).Message()) {
				return true
			}
		case !m.Has(fd) && z.refuses(fd):
			return true
		}
	}
	return false
}

// prune drops from v, the JSON of a message of descriptor d, the fields at a zero value their
// rules refuse; a populated scalar is never at its zero value, so a zero in the JSON is an unset
// field.
func (z *zeroRules) prune(v any, d protoreflect.MessageDescriptor) {
	obj, ok := v.(map[string]any)
	if !ok {
		return // a well-known type written as a scalar (a timestamp, a field mask)
	}
	for key, value := range obj {
		fd := d.Fields().ByJSONName(key)
		switch {
		case fd == nil || fd.IsMap():
		case fd.Message() != nil && fd.IsList():
			items, _ := value.([]any)
			for _, item := range items {
				z.prune(item, fd.Message())
			}
		case fd.Message() != nil:
			z.prune(value, fd.Message())
		case !fd.IsList() && isZeroJSON(fd, value) && z.refuses(fd):
			delete(obj, key)
		}
	}
}

// isZeroJSON reports whether v is how protojson writes the zero value of scalar field fd.
func isZeroJSON(fd protoreflect.FieldDescriptor, v any) bool {
	switch x := v.(type) {
	case string:
		switch fd.Kind() {
		case protoreflect.EnumKind:
			zero := fd.Enum().Values().ByNumber(0)
			return zero != nil && string(zero.Name()) == x
		case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind,
			protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
			return x == "0" // 64-bit integers are written as strings
		}
		return x == ""
	case json.Number:
		f, err := x.Float64()
		return err == nil && f == 0
	case bool:
		return !x
	}
	return false
}

// encodeJSON writes v, the JSON of a message of descriptor d as encoding/json decodes it,
// compactly, its members in the order of d's fields as protojson writes them, without escaping
// HTML characters (as protojson). A value without a descriptor (a map, a well-known type) has
// its members in key order.
func encodeJSON(w *bytes.Buffer, v any, d protoreflect.MessageDescriptor) error {
	switch x := v.(type) {
	case map[string]any:
		if d == nil || len(x) == 0 {
			return scalarJSON(w, x)
		}
		w.WriteByte('{')
		n := 0
		fields := d.Fields()
		for i := range fields.Len() {
			fd := fields.Get(i)
			value, ok := x[fd.JSONName()]
			if !ok {
				continue
			}
			if n > 0 {
				w.WriteByte(',')
			}
			n++
			if err := scalarJSON(w, fd.JSONName()); err != nil {
				return err
			}
			w.WriteByte(':')
			var sub protoreflect.MessageDescriptor
			if fd.Message() != nil && !fd.IsMap() {
				sub = fd.Message()
			}
			if err := encodeJSON(w, value, sub); err != nil {
				return err
			}
		}
		w.WriteByte('}')
	case []any:
		w.WriteByte('[')
		for i, item := range x {
			if i > 0 {
				w.WriteByte(',')
			}
			if err := encodeJSON(w, item, d); err != nil {
				return err
			}
		}
		w.WriteByte(']')
	default:
		return scalarJSON(w, x)
	}
	return nil
}

// scalarJSON writes v with encoding/json, compactly and without escaping HTML characters.
func scalarJSON(w *bytes.Buffer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	w.Truncate(w.Len() - 1) // Encode's newline
	return nil
}
