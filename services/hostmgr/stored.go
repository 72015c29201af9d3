package hostmgr

import (
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
)

// generated are the fields of the hardware lists the inventory sets itself (ids, tenancy,
// timestamps, back references): a stored NIC, disk, USB device or GPU is compared with a
// reported one without them.
var generated = map[protoreflect.Name]bool{
	"resource_id": true, "tenant_id": true, "timestamps": true, "created_at": true, "updated_at": true,
	"host": true, "nic": true,
}

// holdsSystemInfo reports whether the host as stored in the inventory already holds every
// field of mask as patch has it: a report the inventory holds is not written again, even by a
// host manager that has not written it itself (a restarted process: every agent's next report
// would otherwise be a write of the whole hardware, all of them at once).
func holdsSystemInfo(stored, patch *computev1.HostResource, mask []string) bool {
	if stored == nil {
		return false
	}
	sr, pr := stored.ProtoReflect(), patch.ProtoReflect()
	fields := pr.Descriptor().Fields()
	for _, path := range mask {
		fd := fields.ByName(protoreflect.Name(path))
		if fd == nil {
			return false
		}
		want, got := patch.ProtoReflect().New(), stored.ProtoReflect().New()
		if pr.Has(fd) {
			want.Set(fd, pr.Get(fd))
		}
		if sr.Has(fd) {
			got.Set(fd, sr.Get(fd))
		}
		if !proto.Equal(withoutGenerated(want.Interface()), withoutGenerated(got.Interface())) {
			return false
		}
	}
	return true
}

// withoutGenerated returns a copy of m without the generated fields, at every depth.
func withoutGenerated(m proto.Message) proto.Message {
	c := proto.Clone(m)
	clearGenerated(c.ProtoReflect(), 0)
	return c
}

func clearGenerated(m protoreflect.Message, depth int) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case depth > 0 && generated[fd.Name()]:
			m.Clear(fd)
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := range l.Len() {
				clearGenerated(l.Get(i).Message(), depth+1)
			}
		case fd.Message() != nil && !fd.IsMap():
			clearGenerated(v.Message(), depth+1)
		}
		return true
	})
}
