package model

import (
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// The JSON encoding of stored bodies: proto field names, so that a filter's path is the body's
// path; unknown fields dropped on reads, so a newer binary's rows load in an older one.
var (
	marshal   = protojson.MarshalOptions{UseProtoNames: true}
	unmarshal = protojson.UnmarshalOptions{DiscardUnknown: true}
)

// RefIDs returns the ids each reference of msg (a message of kind k) names, by reference name;
// a reference's id field wins over its message field. Empty ids are left out.
func (k *Kind) RefIDs(msg proto.Message) map[string][]string {
	m := msg.ProtoReflect()
	out := map[string][]string{}
	for _, r := range k.Refs {
		ids := idsOf(m, r)
		if len(ids) > 0 {
			out[r.Name] = ids
		}
	}
	return out
}

func idsOf(m protoreflect.Message, r Ref) []string {
	fields := m.Descriptor().Fields()
	if r.IDField != "" {
		v := m.Get(fields.ByName(protoreflect.Name(r.IDField)))
		if ids := stringsOf(v, r.Repeated); len(ids) > 0 {
			return ids
		}
	}
	if r.Field == "" {
		return nil
	}
	v := m.Get(fields.ByName(protoreflect.Name(r.Field)))
	var ids []string
	if r.Repeated {
		for i := range v.List().Len() {
			ids = appendID(ids, v.List().Get(i).Message())
		}
		return ids
	}
	if m.Has(fields.ByName(protoreflect.Name(r.Field))) {
		ids = appendID(ids, v.Message())
	}
	return ids
}

func appendID(ids []string, m protoreflect.Message) []string {
	if id := m.Get(m.Descriptor().Fields().ByName("resource_id")).String(); id != "" {
		return append(ids, id)
	}
	return ids
}

func stringsOf(v protoreflect.Value, repeated bool) []string {
	if !repeated {
		if s := v.String(); s != "" {
			return []string{s}
		}
		return nil
	}
	var out []string
	for i := range v.List().Len() {
		if s := v.List().Get(i).String(); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Body returns what is stored of msg: a copy without the fields set on reads (resource_id,
// aliases, timestamps, computed and reverse fields), each reference reduced to the id in its
// message field (or its id field when it has none), encoded as JSON.
func (k *Kind) Body(msg proto.Message, refs map[string][]string) ([]byte, error) {
	c := proto.Clone(msg).ProtoReflect()
	fields := c.Descriptor().Fields()
	for i := range fields.Len() {
		f := fields.Get(i)
		if !k.Stored(string(f.Name())) {
			c.Clear(f)
		}
	}
	for _, r := range k.Refs {
		setRef(c, r, refs[r.Name])
	}
	return marshal.Marshal(c.Interface())
}

// setRef writes ids into m as reference r is stored: resource_id of the message field, or the
// id field when the reference has no message field; the id field is cleared otherwise.
func setRef(m protoreflect.Message, r Ref, ids []string) {
	fields := m.Descriptor().Fields()
	if r.Field == "" {
		f := fields.ByName(protoreflect.Name(r.IDField))
		m.Clear(f)
		setStrings(m, f, ids)
		return
	}
	if r.IDField != "" {
		m.Clear(fields.ByName(protoreflect.Name(r.IDField)))
	}
	f := fields.ByName(protoreflect.Name(r.Field))
	m.Clear(f)
	for _, id := range ids {
		var ref protoreflect.Message
		if r.Repeated {
			ref = m.Mutable(f).List().NewElement().Message()
		} else {
			ref = m.NewField(f).Message()
		}
		ref.Set(ref.Descriptor().Fields().ByName("resource_id"), protoreflect.ValueOfString(id))
		if r.Repeated {
			m.Mutable(f).List().Append(protoreflect.ValueOfMessage(ref))
		} else {
			m.Set(f, protoreflect.ValueOfMessage(ref))
		}
	}
}

func setStrings(m protoreflect.Message, f protoreflect.FieldDescriptor, ids []string) {
	if f.IsList() {
		l := m.Mutable(f).List()
		for _, id := range ids {
			l.Append(protoreflect.ValueOfString(id))
		}
		return
	}
	if len(ids) > 0 {
		m.Set(f, protoreflect.ValueOfString(ids[0]))
	}
}

// Decode returns a new message of kind k from its stored body, with resource_id and the alias
// and id fields of its references set; references hold only their ids until expanded.
func (k *Kind) Decode(id string, body []byte) (proto.Message, error) {
	msg := k.Message.ProtoReflect().New().Interface()
	if err := unmarshal.Unmarshal(body, msg); err != nil {
		return nil, err
	}
	m := msg.ProtoReflect()
	fields := m.Descriptor().Fields()
	m.Set(fields.ByName("resource_id"), protoreflect.ValueOfString(id))
	for _, a := range k.Aliases {
		m.Set(fields.ByName(protoreflect.Name(a)), protoreflect.ValueOfString(id))
	}
	for _, r := range k.Refs {
		if r.Field == "" || r.IDField == "" {
			continue
		}
		setStrings(m, fields.ByName(protoreflect.Name(r.IDField)), idsOf(m, Ref{Field: r.Field, Repeated: r.Repeated}))
	}
	return msg, nil
}
