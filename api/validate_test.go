package api_test

import (
	"errors"
	"strings"
	"testing"

	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	hostmgr "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	locationv1 "github.com/eim-byoi/eim/api/gen/resources/location/v1"
)

// violations validates msg with protovalidate and returns its violations as "field: rule id".
func violations(t *testing.T, v protovalidate.Validator, msg proto.Message, opts ...protovalidate.ValidationOption) []string {
	t.Helper()
	err := v.Validate(msg, opts...)
	if err == nil {
		return nil
	}
	var ve *protovalidate.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("validate %T: %v (not a validation error)", msg, err)
	}
	var out []string
	for _, viol := range ve.Violations {
		out = append(out, protovalidate.FieldPathString(viol.Proto.GetField())+": "+viol.Proto.GetRuleId())
	}
	return out
}

// skipField is a protovalidate filter that leaves out one field.
func skipField(name protoreflect.Name) protovalidate.ValidationOption {
	return protovalidate.WithFilter(protovalidate.FilterFunc(func(_ protoreflect.Message, d protoreflect.Descriptor) bool {
		return d.Name() != name
	}))
}

// TestWireProtovalidateConstraints checks that the (buf.validate.field) constraints of the legacy apiv2
// resources are enforced by buf.build/go/protovalidate on the generated messages, field by field.
func TestWireProtovalidateConstraints(t *testing.T) {
	v, err := protovalidate.New()
	if err != nil {
		t.Fatal(err)
	}
	// InstanceResource.custom_configID is a repeated string with (buf.validate.field).string rules, which
	// protovalidate refuses to compile (docs/api.md); the instance cases leave that field out.
	noCustomConfig := skipField("custom_configID")
	for _, c := range []struct {
		name     string
		msg      proto.Message
		opts     []protovalidate.ValidationOption
		violated string // "field: rule id" that must be reported
		clean    string // field that must not be reported
	}{
		// HostResource.name: max_len 50, pattern ^$|^[a-zA-Z-_0-9./: ]+$
		{name: "host name ok", msg: &computev1.HostResource{Name: "edge-node-1"}, clean: "name"},
		{name: "host name too long", msg: &computev1.HostResource{Name: strings.Repeat("h", 51)}, violated: "name: string.max_len"},
		{name: "host name bad characters", msg: &computev1.HostResource{Name: "edge;node"}, violated: "name: string.pattern"},
		// RegionResource.resource_id: pattern ^region-[0-9a-f]{8}$
		{name: "region id ok", msg: &locationv1.RegionResource{ResourceId: "region-1234abcd"}, clean: "resource_id"},
		{name: "region id", msg: &locationv1.RegionResource{ResourceId: "region-1234567z"}, violated: "resource_id: string.pattern"},
		// InstanceResource.instance_status_detail: ignore = IGNORE_IF_UNPOPULATED (the legacy name of
		// IGNORE_IF_ZERO_VALUE): an empty value is not checked, a set one is.
		{name: "ignore if unpopulated, empty", msg: &computev1.InstanceResource{}, opts: []protovalidate.ValidationOption{noCustomConfig}, clean: "instance_status_detail"},
		{name: "ignore if unpopulated, set", msg: &computev1.InstanceResource{InstanceStatusDetail: "bad\ttab"}, opts: []protovalidate.ValidationOption{noCustomConfig}, violated: "instance_status_detail: string.pattern"},
	} {
		got := violations(t, v, c.msg, c.opts...)
		joined := "\n" + strings.Join(got, "\n") + "\n"
		if c.violated != "" && !strings.Contains(joined, "\n"+c.violated+"\n") {
			t.Errorf("%s: violations %q lack %q", c.name, got, c.violated)
		}
		if c.clean != "" && strings.Contains(joined, "\n"+c.clean+": ") {
			t.Errorf("%s: violations %q name %s", c.name, got, c.clean)
		}
	}
	// The defect in the legacy InstanceResource, as protovalidate reports it without the filter.
	if err := v.Validate(&computev1.InstanceResource{}); err == nil || !strings.Contains(err.Error(), "custom_configID") {
		t.Errorf("validating InstanceResource with every field: %v, want the compilation error on custom_configID (if protovalidate now accepts it, update docs/api.md)", err)
	}
}

// TestWireLegacyValidateMethods checks the generated Validate/ValidateAll methods, which enforce the
// (validate.rules) of the southbound protos as the legacy managers did.
func TestWireLegacyValidateMethods(t *testing.T) {
	ok := &hostmgr.UpdateHostStatusByHostGuidRequest{
		HostGuid:   "b7c2f3a0-0000-4000-8000-000000000001",
		HostStatus: &hostmgr.HostStatus{HostStatus: hostmgr.HostStatus_RUNNING},
	}
	if err := ok.ValidateAll(); err != nil {
		t.Errorf("valid request: %v", err)
	}
	bad := &hostmgr.UpdateHostStatusByHostGuidRequest{HostGuid: "not-a-uuid"}
	err := bad.ValidateAll()
	var multi hostmgr.UpdateHostStatusByHostGuidRequestMultiError
	if !errors.As(err, &multi) || len(multi.AllErrors()) != 2 {
		t.Fatalf("invalid host_guid and missing host_status: %v, want 2 errors", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "HostGuid") || !strings.Contains(msg, "HostStatus") {
		t.Errorf("errors do not name the fields: %v", err)
	}
}
