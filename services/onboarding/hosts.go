package onboarding

import (
	"context"
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	statusv1 "github.com/eim-byoi/eim/api/gen/resources/status/v1"
	"github.com/eim-byoi/eim/providers/provider"
)

const kindHost = inventoryv1.ResourceKind_RESOURCE_KIND_HOST

// The host statuses the legacy onboarding manager wrote (onboarding-manager/pkg/status).
const (
	statusRegistered  = "Host is Registered"
	statusOnboarded   = "Onboarded"
	statusInvalidated = "Invalidated"
	idle              = statusv1.StatusIndication_STATUS_INDICATION_IDLE
)

// hosts reads and updates hosts through the inventory.
type hosts struct {
	inv inventoryv1.InventoryServiceClient
	now func() time.Time
}

// found is a host and the project it belongs to.
type found struct {
	project string
	host    *computev1.HostResource
}

// find returns the pre-registered host of a device, in whichever project holds it: by UUID
// (as sent, then lower-case), else by serial number. NotFound when no project has it;
// FailedPrecondition when several do.
func (h *hosts) find(ctx context.Context, uuid, serial string) (*found, error) {
	if uuid != "" {
		for _, v := range uniq(uuid, strings.ToLower(uuid)) {
			resp, err := h.inv.FindResource(ctx, &inventoryv1.FindResourceRequest{Kind: kindHost, Key: "uuid", Value: v})
			if err == nil {
				return &found{project: resp.GetTenantId(), host: resp.GetStored().GetResource().GetHost()}, nil
			}
			if provider.CodeOf(err) != provider.NotFound {
				return nil, err
			}
		}
	}
	if serial != "" {
		return h.bySerial(ctx, serial)
	}
	return nil, provider.Errorf(provider.NotFound, "no host with uuid %q in any project", uuid)
}

// bySerial looks a host up by serial number in every project (serial numbers are not a unique
// key of the inventory: a serial held by several hosts is FailedPrecondition).
func (h *hosts) bySerial(ctx context.Context, serial string) (*found, error) {
	projects, err := h.inv.ListProjects(ctx, &inventoryv1.ListProjectsRequest{})
	if err != nil {
		return nil, err
	}
	var out []*found
	for _, p := range projects.GetProjects() {
		resp, err := h.inv.ListResources(ctx, &inventoryv1.ListResourcesRequest{TenantId: p.GetId(), Kind: kindHost,
			Filter: fmt.Sprintf("serialNumber=%q", serial), PageSize: 2})
		if err != nil {
			return nil, err
		}
		for _, st := range resp.GetResources() {
			out = append(out, &found{project: p.GetId(), host: st.GetResource().GetHost()})
		}
	}
	switch len(out) {
	case 0:
		return nil, provider.Errorf(provider.NotFound, "no host with serial number %q in any project", serial)
	case 1:
		return out[0], nil
	}
	return nil, provider.Errorf(provider.FailedPrecondition, "serial number %q is held by %d hosts: register the device by UUID", serial, len(out))
}

func uniq(a, b string) []string {
	if a == b {
		return []string{a}
	}
	return []string{a, b}
}

// get reads a host.
func (h *hosts) get(ctx context.Context, project, id string) (*computev1.HostResource, error) {
	resp, err := h.inv.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: project, ResourceId: id, Kind: kindHost})
	if err != nil {
		return nil, err
	}
	return resp.GetStored().GetResource().GetHost(), nil
}

// update writes the fields of paths from h to the host.
func (h *hosts) update(ctx context.Context, project, id string, host *computev1.HostResource, paths ...string) error {
	_, err := h.inv.UpdateResource(ctx, &inventoryv1.UpdateResourceRequest{TenantId: project, ResourceId: id,
		Resource: &inventoryv1.Resource{Resource: &inventoryv1.Resource_Host{Host: host}}, FieldMask: &fieldmaskpb.FieldMask{Paths: paths}})
	return err
}

func (h *hosts) stamp() uint32 { return uint32(h.now().Unix()) } // #nosec G115 -- seconds fit until 2106

// registered marks a host whose device connected before it may onboard: current state
// REGISTERED, registration status "Host is Registered" (written only when it changes, so that
// a device retrying every few seconds costs no write).
func (h *hosts) registered(ctx context.Context, f *found) error {
	cur := f.host
	if cur.GetCurrentState() == computev1.HostState_HOST_STATE_REGISTERED && cur.GetRegistrationStatus() == statusRegistered {
		return nil
	}
	return h.update(ctx, f.project, cur.GetResourceId(), &computev1.HostResource{CurrentState: computev1.HostState_HOST_STATE_REGISTERED,
		RegistrationStatus: statusRegistered, RegistrationStatusIndicator: idle, RegistrationStatusTimestamp: h.stamp()},
		"current_state", "registration_status", "registration_status_indicator", "registration_status_timestamp")
}

// onboarded marks a host whose device received its credentials: current state ONBOARDED,
// onboarding status "Onboarded" (the legacy manager's), and its UUID when it was registered by
// serial number only.
func (h *hosts) onboarded(ctx context.Context, project, id, uuid string) error {
	paths := []string{"current_state", "onboarding_status", "onboarding_status_indicator", "onboarding_status_timestamp"}
	upd := &computev1.HostResource{CurrentState: computev1.HostState_HOST_STATE_ONBOARDED, OnboardingStatus: statusOnboarded,
		OnboardingStatusIndicator: idle, OnboardingStatusTimestamp: h.stamp()}
	if uuid != "" {
		upd.Uuid, paths = uuid, append(paths, "uuid")
	}
	return h.update(ctx, project, id, upd, paths...)
}

// invalidated marks a host whose client was revoked after an operator invalidated it: current
// state UNTRUSTED, host status "Invalidated", as the legacy manager did.
func (h *hosts) invalidated(ctx context.Context, project string, host *computev1.HostResource) error {
	if host.GetCurrentState() == computev1.HostState_HOST_STATE_UNTRUSTED {
		return nil
	}
	return h.update(ctx, project, host.GetResourceId(), &computev1.HostResource{CurrentState: computev1.HostState_HOST_STATE_UNTRUSTED,
		HostStatus: statusInvalidated, HostStatusIndicator: idle, HostStatusTimestamp: h.stamp()},
		"current_state", "host_status", "host_status_indicator", "host_status_timestamp")
}

// untrusted reports whether an operator invalidated the host.
func untrusted(h *computev1.HostResource) bool {
	return h.GetDesiredState() == computev1.HostState_HOST_STATE_UNTRUSTED || h.GetCurrentState() == computev1.HostState_HOST_STATE_UNTRUSTED
}
