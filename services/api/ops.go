package api

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	servicesv1 "github.com/eim-byoi/eim/api/gen/services/v1"
)

// methodName is the full gRPC method name the gateway invokes: "/services.v1.RegionService/GetRegion".
func methodName(m protoreflect.MethodDescriptor) string {
	return "/" + string(m.Parent().FullName()) + "/" + string(m.Name())
}

// operations returns an operation for every method of every services.v1 service: the
// special ones by name, the others from their verb (Create, Get, List, Update, Patch, Delete)
// and the resource kind their messages carry. A method it cannot serve is an error, so a
// services.proto that gains a method fails the tests until the method is served.
func (b *backend) operations() (map[string]operation, error) {
	special := b.special()
	ops := map[string]operation{}
	svcs := servicesv1.File_services_v1_services_proto.Services()
	for i := range svcs.Len() {
		methods := svcs.Get(i).Methods()
		for j := range methods.Len() {
			m := methods.Get(j)
			op, ok := special[string(m.Name())]
			if !ok {
				var err error
				if op, err = b.generic(m); err != nil {
					return nil, fmt.Errorf("api: %s: %w", m.FullName(), err)
				}
			}
			ops[methodName(m)] = op
		}
	}
	return ops, nil
}

// generic returns the CRUD operation of method m.
func (b *backend) generic(m protoreflect.MethodDescriptor) (operation, error) {
	name := string(m.Name())
	switch {
	case strings.HasPrefix(name, "Create"):
		f, err := b.resourceField(m.Input())
		return b.create(f, nil), err
	case strings.HasPrefix(name, "Get"):
		k, err := b.kindOf(m.Output())
		return b.get(k), err
	case strings.HasPrefix(name, "List"):
		f, err := b.listField(m.Output())
		return b.list(f, b.listFilter(m.Input())), err
	case strings.HasPrefix(name, "Update"):
		f, err := b.resourceField(m.Input())
		if err != nil {
			return nil, err
		}
		mask, err := b.putMask(b.kinds.of(f.Message()))
		return b.update(f, mask, nil), err
	case strings.HasPrefix(name, "Patch"):
		f, err := b.resourceField(m.Input())
		return b.patch(f, nil), err
	case strings.HasPrefix(name, "Delete"):
		get := m.Parent().(protoreflect.ServiceDescriptor).Methods().ByName(protoreflect.Name("Get" + strings.TrimPrefix(name, "Delete")))
		if get == nil {
			return nil, fmt.Errorf("no Get method names the kind a delete removes")
		}
		k, err := b.kindOf(get.Output())
		return b.delete(k), err
	}
	return nil, fmt.Errorf("no operation serves it")
}

// kindOf returns the kind of message d.
func (b *backend) kindOf(d protoreflect.MessageDescriptor) (*resourceKind, error) {
	if k := b.kinds.of(d); k != nil {
		return k, nil
	}
	return nil, fmt.Errorf("%s is not a resource kind of the inventory", d.FullName())
}

// resourceField returns the field of request d holding a resource.
func (b *backend) resourceField(d protoreflect.MessageDescriptor) (protoreflect.FieldDescriptor, error) {
	fields := d.Fields()
	for i := range fields.Len() {
		if f := fields.Get(i); !f.IsList() && b.kinds.of(f.Message()) != nil {
			return f, nil
		}
	}
	return nil, fmt.Errorf("%s has no resource field", d.FullName())
}

// listField returns the repeated resource field of list response d.
func (b *backend) listField(d protoreflect.MessageDescriptor) (protoreflect.FieldDescriptor, error) {
	fields := d.Fields()
	for i := range fields.Len() {
		if f := fields.Get(i); f.IsList() && b.kinds.of(f.Message()) != nil {
			return f, nil
		}
	}
	return nil, fmt.Errorf("%s has no repeated resource field", d.FullName())
}

// putMasks are the fields a PUT replaces where the legacy API replaced fewer than every
// writable field (its fixed update masks): a PUT leaves the others as they are.
func putMasks() map[string][]string {
	return map[string][]string{
		"resources.compute.v1.HostResource":                      {"name", "site_id", "metadata", "desired_power_state", "desired_amt_state", "power_command_policy"},
		"resources.compute.v1.InstanceResource":                  {"name", "kind", "osID", "hostID"},
		"resources.location.v1.SiteResource":                     {"name", "region_id", "metadata", "site_lat", "site_lng"},
		"resources.location.v1.RegionResource":                   {"name", "parent_id"},
		"resources.os.v1.OperatingSystemResource":                {"name", "architecture"},
		"resources.telemetry.v1.TelemetryLogsProfileResource":    {"target_instance", "target_site", "target_region", "log_level", "logs_group_id"},
		"resources.telemetry.v1.TelemetryMetricsProfileResource": {"target_instance", "target_site", "target_region", "metrics_interval", "metrics_group_id"},
	}
}

// putMask returns the fields a PUT of kind k replaces: the legacy mask, or every field that
// is not OUTPUT_ONLY.
func (b *backend) putMask(k *resourceKind) ([]string, error) {
	mask, ok := putMasks()[string(k.desc.FullName())]
	if !ok {
		return k.settable, nil
	}
	for _, name := range mask {
		if k.desc.Fields().ByName(protoreflect.Name(name)) == nil {
			return nil, fmt.Errorf("the PUT mask of %s names %q, which it does not have", k.desc.FullName(), name)
		}
	}
	return mask, nil
}
