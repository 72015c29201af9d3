package api

import (
	"context"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	servicesv1 "github.com/eim-byoi/eim/api/gen/services/v1"
	"github.com/eim-byoi/eim/providers/provider"
)

// special returns the operations that do more than CRUD, by method name: the hosts' and
// instances' lifecycle calls, the host summary, locations and the combined schedule list.
func (b *backend) special() map[string]operation {
	createHost := fieldOf(&servicesv1.CreateHostRequest{}, "host")
	updateHost := fieldOf(&servicesv1.UpdateHostRequest{}, "host")
	hostMask, _ := b.putMask(b.kinds.of(updateHost.Message()))
	return map[string]operation{
		// The legacy API forces the desired states of a created host and keeps what it was
		// given of serial number, LVM size and AMT SKU though the proto marks them OUTPUT_ONLY.
		"CreateHost":         b.create(createHost, hostDefaults, "serial_number", "user_lvm_size", "amt_sku"),
		"UpdateHost":         b.update(updateHost, hostMask, b.powerReset),
		"PatchHost":          b.patch(fieldOf(&servicesv1.PatchHostRequest{}, "host"), b.powerReset),
		"RegisterHost":       b.registerHost,
		"PatchRegisterHost":  b.patchRegisterHost,
		"OnboardHost":        b.onboardHost,
		"InvalidateHost":     b.invalidateHost,
		"GetHostsSummary":    b.hostsSummary,
		"CreateInstance":     b.create(fieldOf(&servicesv1.CreateInstanceRequest{}, "instance"), instanceDefaults),
		"InvalidateInstance": b.invalidateInstance,
		"ListLocations":      b.listLocations,
		"ListSchedules":      b.listSchedules,
	}
}

// fieldOf returns field name of message m.
func fieldOf(m proto.Message, name string) protoreflect.FieldDescriptor {
	return m.ProtoReflect().Descriptor().Fields().ByName(protoreflect.Name(name))
}

// hostDefaults are the legacy API's states of a created host: to be onboarded, powered on,
// power commands in order.
func hostDefaults(_ context.Context, _ string, m protoreflect.Message) error {
	h := m.Interface().(*computev1.HostResource)
	h.DesiredState = computev1.HostState_HOST_STATE_ONBOARDED
	h.DesiredPowerState = computev1.PowerState_POWER_STATE_ON
	h.PowerCommandPolicy = computev1.PowerCommandPolicy_POWER_COMMAND_POLICY_ORDERED
	return nil
}

// instanceDefaults is the legacy API's state of a created instance: running.
func instanceDefaults(_ context.Context, _ string, m protoreflect.Message) error {
	m.Interface().(*computev1.InstanceResource).DesiredState = computev1.InstanceState_INSTANCE_STATE_RUNNING
	return nil
}

// hostKind is the kind of hosts.
func (b *backend) hostKind() *resourceKind {
	return b.kinds.of((&computev1.HostResource{}).ProtoReflect().Descriptor())
}

// powerReset turns a reset asked of a host already resetting into RESET_REPEAT (and back once
// both states repeat), so that the device manager sees a new command, as the legacy API did.
func (b *backend) powerReset(ctx context.Context, id string, m protoreflect.Message) error {
	h := m.Interface().(*computev1.HostResource)
	if h.GetDesiredPowerState() != computev1.PowerState_POWER_STATE_RESET {
		return nil
	}
	stored, err := b.read(ctx, b.hostKind(), id)
	if err != nil {
		return err
	}
	cur := stored.GetResource().GetHost()
	reset, repeat := computev1.PowerState_POWER_STATE_RESET, computev1.PowerState_POWER_STATE_RESET_REPEAT
	switch {
	case cur.GetCurrentPowerState() == repeat && cur.GetDesiredPowerState() == repeat:
		h.DesiredPowerState = reset
	case cur.GetCurrentPowerState() == reset || cur.GetDesiredPowerState() == reset:
		h.DesiredPowerState = repeat
	}
	return nil
}

// registered is the state a registration asks for: onboarded at once with auto-onboard.
func registered(r *servicesv1.HostRegister) computev1.HostState {
	if r.GetAutoOnboard() {
		return computev1.HostState_HOST_STATE_ONBOARDED
	}
	return computev1.HostState_HOST_STATE_REGISTERED
}

// registerHost creates a host from its serial number or UUID, to be onboarded when it first
// connects (or at once with auto-onboard); vPro hosts are to be AMT-provisioned.
func (b *backend) registerHost(ctx context.Context, in, out proto.Message) error {
	r := in.(*servicesv1.RegisterHostRequest).GetHost()
	if r.GetUuid() == "" && r.GetSerialNumber() == "" {
		return provider.Errorf(provider.InvalidArgument, "host: either UUID or SerialNumber must be set")
	}
	amt := computev1.AmtState_AMT_STATE_UNPROVISIONED
	if r.GetEnableVpro() {
		amt = computev1.AmtState_AMT_STATE_PROVISIONED
	}
	h := &computev1.HostResource{Name: r.GetName(), SerialNumber: r.GetSerialNumber(), Uuid: r.GetUuid(),
		UserLvmSize: r.GetUserLvmSize(), DesiredState: registered(r), DesiredPowerState: computev1.PowerState_POWER_STATE_ON,
		DesiredAmtState: amt}
	tenant, err := tenantOf(ctx)
	if err != nil {
		return err
	}
	k := b.hostKind()
	resp, err := b.inv.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: tenant, Resource: k.wrap(h)})
	if err != nil {
		return err
	}
	return reply(k, resp.GetStored(), out)
}

// patchRegisterHost renames a registered host and sets whether it onboards at once.
func (b *backend) patchRegisterHost(ctx context.Context, in, out proto.Message) error {
	req := in.(*servicesv1.RegisterHostRequest)
	h := &computev1.HostResource{Name: req.GetHost().GetName(), DesiredState: registered(req.GetHost())}
	return b.write(ctx, b.hostKind(), req.GetResourceId(), h, []string{"name", "desired_state"}, nil, out)
}

// onboardHost lets a registered host onboard.
func (b *backend) onboardHost(ctx context.Context, in, _ proto.Message) error {
	h := &computev1.HostResource{DesiredState: computev1.HostState_HOST_STATE_ONBOARDED}
	return b.write(ctx, b.hostKind(), in.(*servicesv1.OnboardHostRequest).GetResourceId(), h, []string{"desired_state"}, nil, nil)
}

// invalidateHost marks a host untrusted (its credentials are to be revoked), with a note.
func (b *backend) invalidateHost(ctx context.Context, in, _ proto.Message) error {
	req := in.(*servicesv1.InvalidateHostRequest)
	h := &computev1.HostResource{DesiredState: computev1.HostState_HOST_STATE_UNTRUSTED, Note: req.GetNote()}
	return b.write(ctx, b.hostKind(), req.GetResourceId(), h, []string{"desired_state", "note"}, nil, nil)
}

// invalidateInstance marks an instance untrusted.
func (b *backend) invalidateInstance(ctx context.Context, in, _ proto.Message) error {
	i := &computev1.InstanceResource{DesiredState: computev1.InstanceState_INSTANCE_STATE_UNTRUSTED}
	k := b.kinds.of(i.ProtoReflect().Descriptor())
	return b.write(ctx, k, in.(*servicesv1.InvalidateInstanceRequest).GetResourceId(), i, []string{"desired_state"}, nil, nil)
}

// hostsSummary counts the hosts the filter selects: all, in error, running, without a site.
func (b *backend) hostsSummary(ctx context.Context, in, out proto.Message) error {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return err
	}
	resp, err := b.inv.GetHostsSummary(ctx, &inventoryv1.GetHostsSummaryRequest{TenantId: tenant,
		Filter: in.(*servicesv1.GetHostSummaryRequest).GetFilter()})
	if err != nil {
		return err
	}
	o := out.(*servicesv1.GetHostSummaryResponse)
	o.Total, o.Error, o.Running, o.Unallocated = resp.GetTotal(), resp.GetError(), resp.GetRunning(), resp.GetUnallocated()
	return nil
}
