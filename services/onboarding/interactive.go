package onboarding

import (
	"context"
	"fmt"
	"strings"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	onboardingv1 "github.com/eim-byoi/eim/api/gen/onboardingmgr/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/internal/southbound"
)

// interactive serves InteractiveOnboardingService: an operator (a token holding the
// onboarding.operatorRole project role, legacy en-ob) registers nodes from their hardware data.
type interactive struct {
	onboardingv1.UnimplementedInteractiveOnboardingServiceServer
	hosts *hosts
	role  string
}

var _ onboardingv1.InteractiveOnboardingServiceServer = (*interactive)(nil)

// CreateNodes registers each node of the request in the caller's project, allowed to onboard
// (desired state ONBOARDED: the operator vouches for it): a node whose UUID is new becomes a
// host; an existing host gets the serial number and BMC address sent and is allowed to onboard.
// The device then receives its credentials from OnboardNodeStream. An invalidated host is
// refused (FAILED_PRECONDITION: delete it first); a project the inventory does not know is
// NOT_FOUND. Invalid hardware data is INVALID_ARGUMENT: uuid, mac_id and sut_ip are required
// as the legacy validation rules say (an invalid serial number is ignored, as the legacy
// manager did).
func (s *interactive) CreateNodes(ctx context.Context, req *onboardingv1.CreateNodesRequest) (*onboardingv1.CreateNodesResponse, error) {
	project, err := southbound.Project(ctx, s.role)
	if err != nil {
		return nil, err
	}
	if _, err := s.hosts.inv.GetProject(ctx, &inventoryv1.GetProjectRequest{NameOrId: project}); err != nil {
		return nil, provider.GRPCError(fmt.Errorf("the token's project %s: %w", project, err))
	}
	var nodes []*onboardingv1.HwData
	for _, n := range req.GetPayload() {
		nodes = append(nodes, n.GetHwdata()...)
	}
	if len(nodes) == 0 {
		return nil, provider.GRPCError(provider.Errorf(provider.InvalidArgument, "payload: no hwdata: send each node's uuid, serialnum, mac_id"))
	}
	for i, hw := range nodes {
		if err := s.register(ctx, project, hw); err != nil {
			return nil, provider.GRPCError(fmt.Errorf("hwdata[%d]: %w", i, err))
		}
	}
	return &onboardingv1.CreateNodesResponse{Payload: req.GetPayload(), ProjectId: project}, nil
}

// register creates or updates the host of one node.
func (s *interactive) register(ctx context.Context, project string, hw *onboardingv1.HwData) error {
	dropSerial, err := validated(hw.ValidateAll())
	if err != nil {
		return err
	}
	if hw.GetUuid() == "" {
		return provider.Errorf(provider.InvalidArgument, "uuid: is required")
	}
	serial := hw.GetSerialnum()
	if dropSerial {
		serial = ""
	}
	uuid := strings.ToLower(hw.GetUuid())
	got, err := s.hosts.inv.FindResource(ctx, &inventoryv1.FindResourceRequest{TenantId: project, Kind: kindHost, Key: "uuid", Value: uuid})
	switch provider.CodeOf(err) {
	case provider.NotFound:
		h := &computev1.HostResource{Uuid: uuid, SerialNumber: serial, BmcIp: hw.GetSutIp(),
			DesiredState: computev1.HostState_HOST_STATE_ONBOARDED, DesiredPowerState: computev1.PowerState_POWER_STATE_ON}
		_, err = s.hosts.inv.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: project,
			Resource: &inventoryv1.Resource{Resource: &inventoryv1.Resource_Host{Host: h}}})
		return err
	case provider.OK:
	default:
		return err
	}
	h := got.GetStored().GetResource().GetHost()
	if untrusted(h) {
		return provider.Errorf(provider.FailedPrecondition, "host %s is invalidated: delete it before registering the device again", h.GetResourceId())
	}
	upd, paths := &computev1.HostResource{DesiredState: computev1.HostState_HOST_STATE_ONBOARDED}, []string{"desired_state"}
	if serial != "" {
		upd.SerialNumber, paths = serial, append(paths, "serial_number")
	}
	if hw.GetSutIp() != "" {
		upd.BmcIp, paths = hw.GetSutIp(), append(paths, "bmc_ip")
	}
	return s.hosts.update(ctx, project, h.GetResourceId(), upd, paths...)
}
