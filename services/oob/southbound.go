package oob

import (
	"context"
	"strings"

	dmv1 "github.com/eim-byoi/eim/api/gen/device_management"
	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/internal/southbound"
)

// Server is the legacy dm-manager's southbound service device_management.DeviceManagement,
// which the platform manageability agent calls: it reports AMT's presence, asks whether to
// activate AMT (and with which RPS profile and password), and reports the activation's
// result. The project is the agent token's (or the trusted project header's); a host is found
// by its UUID within that project only.
type Server struct {
	dmv1.UnimplementedDeviceManagementServer
	m    *Module
	role string
}

var _ dmv1.DeviceManagementServer = (*Server)(nil)

// ReportAMTStatus records whether the host's AMT is enabled (its SKU from the feature the
// agent reports: "AMT" or "ISM").
func (s *Server) ReportAMTStatus(ctx context.Context, req *dmv1.AMTStatusRequest) (*dmv1.AMTStatusResponse, error) {
	key, h, err := s.host(ctx, req.GetHostId())
	if err != nil {
		return nil, err
	}
	out := &computev1.HostResource{AmtSku: skuOf(req.GetFeature()), AmtStatusTimestamp: s.m.unixNow()}
	switch req.GetStatus() {
	case dmv1.AMTStatus_ENABLED:
		out.AmtStatus, out.AmtStatusIndicator = "AMT enabled", idle
	case dmv1.AMTStatus_DISABLED:
		out.AmtSku, out.AmtStatus, out.AmtStatusIndicator = computev1.AmtSku_AMT_SKU_UNSPECIFIED, "AMT disabled", idle
	default:
		return nil, provider.GRPCError(provider.Errorf(provider.InvalidArgument, "status: report ENABLED or DISABLED"))
	}
	if h.GetCurrentAmtState() == computev1.AmtState_AMT_STATE_PROVISIONED && req.GetStatus() == dmv1.AMTStatus_ENABLED {
		return &dmv1.AMTStatusResponse{}, nil // activated: the activation result's status stays
	}
	err = s.m.updateHost(ctx, key, out, []string{"amt_sku", "amt_status", "amt_status_indicator", "amt_status_timestamp"})
	return &dmv1.AMTStatusResponse{}, provider.GRPCError(err)
}

// RetrieveActivationDetails answers ACTIVATE with the project's RPS profile (admin control
// mode when the host's amt_control_mode is ACM, client control mode otherwise) and the AMT
// password when the host's desired AMT state is provisioned and it is not; otherwise
// FailedPrecondition (nothing to do), as the agent polls.
func (s *Server) RetrieveActivationDetails(ctx context.Context, req *dmv1.ActivationRequest) (*dmv1.ActivationDetailsResponse, error) {
	key, h, err := s.host(ctx, req.GetHostId())
	if err != nil {
		return nil, err
	}
	if h.GetDesiredAmtState() != computev1.AmtState_AMT_STATE_PROVISIONED || h.GetCurrentAmtState() == computev1.AmtState_AMT_STATE_PROVISIONED {
		return nil, provider.GRPCError(provider.Errorf(provider.FailedPrecondition, "host %s: no AMT activation is requested", req.GetHostId()))
	}
	pw, err := s.m.vault.passwords(ctx, key.tenant)
	if err != nil {
		return nil, provider.GRPCError(err)
	}
	acm := h.GetAmtControlMode() == computev1.AmtControlMode_AMT_CONTROL_MODE_ACM
	if h.GetAmtStatus() != activationRequested {
		err := s.m.updateHost(ctx, key, &computev1.HostResource{AmtStatus: activationRequested, AmtStatusIndicator: inProgress,
			AmtStatusTimestamp: s.m.unixNow()}, []string{"amt_status", "amt_status_indicator", "amt_status_timestamp"})
		if err != nil {
			return nil, provider.GRPCError(err)
		}
	}
	return &dmv1.ActivationDetailsResponse{HostId: req.GetHostId(), Operation: dmv1.OperationType_ACTIVATE,
		ProfileName: ProfileName(key.tenant, acm), ActionPassword: pw.AMT.Reveal()}, nil
}

const activationRequested = "AMT activation requested"

// ReportActivationResults records the activation's progress: ACTIVATED makes the host's
// current AMT state provisioned (the module drives its power from then on), ACTIVATION_FAILED
// shows the agent's message as an error.
func (s *Server) ReportActivationResults(ctx context.Context, req *dmv1.ActivationResultRequest) (*dmv1.ActivationResultResponse, error) {
	key, _, err := s.host(ctx, req.GetHostId())
	if err != nil {
		return nil, err
	}
	out := &computev1.HostResource{AmtStatusTimestamp: s.m.unixNow()}
	mask := []string{"amt_status", "amt_status_indicator", "amt_status_timestamp"}
	switch req.GetActivationStatus() {
	case dmv1.ActivationStatus_ACTIVATING:
		out.AmtStatus, out.AmtStatusIndicator = "AMT activating", inProgress
	case dmv1.ActivationStatus_ACTIVATED:
		out.AmtStatus, out.AmtStatusIndicator, out.CurrentAmtState = "AMT provisioned", idle, computev1.AmtState_AMT_STATE_PROVISIONED
		mask = append(mask, "current_amt_state")
	case dmv1.ActivationStatus_ACTIVATION_FAILED:
		out.AmtStatus, out.AmtStatusIndicator = truncate("AMT activation failed: "+req.GetMessage()), failed
	default:
		return nil, provider.GRPCError(provider.Errorf(provider.InvalidArgument, "activation_status: report ACTIVATING, ACTIVATED or ACTIVATION_FAILED"))
	}
	if err := s.m.updateHost(ctx, key, out, mask); err != nil {
		return nil, provider.GRPCError(err)
	}
	return &dmv1.ActivationResultResponse{}, nil
}

// host returns the caller's project's host of UUID id; a UUID unknown there (or another
// project's) is NotFound.
func (s *Server) host(ctx context.Context, id string) (hostKey, *computev1.HostResource, error) {
	tenant, err := southbound.Project(ctx, s.role)
	if err != nil {
		return hostKey{}, nil, err
	}
	if strings.TrimSpace(id) == "" {
		return hostKey{}, nil, provider.GRPCError(provider.Errorf(provider.InvalidArgument, "host_id: set the host's UUID"))
	}
	got, err := s.m.inv.FindResource(ctx, &inventoryv1.FindResourceRequest{TenantId: tenant, Kind: inventoryv1.ResourceKind_RESOURCE_KIND_HOST,
		Key: "uuid", Value: id})
	if provider.CodeOf(err) == provider.NotFound {
		return hostKey{}, nil, provider.GRPCError(provider.Errorf(provider.NotFound, "host %s is not registered in the caller's project", id))
	}
	if err != nil {
		return hostKey{}, nil, provider.GRPCError(err)
	}
	h := got.GetStored().GetResource().GetHost()
	return hostKey{tenant, h.GetResourceId()}, h, nil
}

// skuOf maps the agent's AMT feature to the host's SKU.
func skuOf(feature string) computev1.AmtSku {
	switch strings.ToUpper(strings.TrimSpace(feature)) {
	case "AMT", "INTEL AMT", "AMT PRO CORPORATE":
		return computev1.AmtSku_AMT_SKU_AMT
	case "ISM", "INTEL STANDARD MANAGEABILITY":
		return computev1.AmtSku_AMT_SKU_ISM
	}
	return computev1.AmtSku_AMT_SKU_UNSPECIFIED
}
