package onboarding

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	rpcstatus "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"

	onboardingv1 "github.com/eim-byoi/eim/api/gen/onboardingmgr/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	"github.com/eim-byoi/eim/providers/provider"
)

// nodeStream serves NonInteractiveOnboardingService: a device without credentials streams its
// UUID, serial number and MAC and is answered as the legacy onboarding manager answered it.
type nodeStream struct {
	onboardingv1.UnimplementedNonInteractiveOnboardingServiceServer
	hosts  *hosts
	issuer *issuer
	log    *slog.Logger
}

var _ onboardingv1.NonInteractiveOnboardingServiceServer = (*nodeStream)(nil)

// Legacy NodeState values.
const (
	nodeUnspecified = onboardingv1.OnboardNodeStreamResponse_NODE_STATE_UNSPECIFIED
	nodeRegistered  = onboardingv1.OnboardNodeStreamResponse_NODE_STATE_REGISTERED
	nodeOnboarded   = onboardingv1.OnboardNodeStreamResponse_NODE_STATE_ONBOARDED
)

// OnboardNodeStream answers each request of the device, the legacy way:
//   - an invalid request (but for its serial number, which is then ignored): status
//     INVALID_ARGUMENT, and the stream ends;
//   - no host of any project with its UUID (or serial number): status NOT_FOUND, the stream stays
//     open (the legacy device falls back to interactive onboarding, or retries);
//   - a host not yet allowed to onboard (desired state REGISTERED): NODE_STATE_REGISTERED with
//     the project id, the stream stays open and the device asks again;
//   - a host allowed to onboard (registered with auto-onboard, or onboarded by an operator):
//     NODE_STATE_ONBOARDED with client_id, client_secret and project_id, and the stream ends; a
//     device asking again within onboarding.redeliveryWindow gets the same client, later it is
//     refused (FAILED_PRECONDITION "Node is already HOST_STATE_ONBOARDED", as legacy);
//   - an invalidated host (desired or current state UNTRUSTED): status FAILED_PRECONDITION, and
//     the stream ends.
func (s *nodeStream) OnboardNodeStream(stream onboardingv1.NonInteractiveOnboardingService_OnboardNodeStreamServer) error {
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		resp, more := s.answer(stream.Context(), req)
		if err := stream.Send(resp); err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
}

// answer returns the response to one request and whether the stream stays open.
func (s *nodeStream) answer(ctx context.Context, req *onboardingv1.OnboardNodeStreamRequest) (*onboardingv1.OnboardNodeStreamResponse, bool) {
	dropSerial, err := validated(req.ValidateAll())
	if err != nil {
		return failed(codes.InvalidArgument, err.Error()), false
	}
	serial := req.GetSerialnum()
	if dropSerial {
		serial = ""
	}
	f, err := s.hosts.find(ctx, req.GetUuid(), serial)
	switch provider.CodeOf(err) {
	case provider.OK:
	case provider.NotFound:
		return failed(codes.NotFound, "Device not found"), true
	default:
		s.log.Warn("onboarding: finding the device's host failed", "uuid", req.GetUuid(), "error", err)
		return refused(err), false
	}
	h := f.host
	switch {
	case untrusted(h):
		return failed(codes.FailedPrecondition, fmt.Sprintf("host %s is invalidated: its credentials are revoked; delete it and register the device again", h.GetResourceId())), false
	case h.GetDesiredState() == computev1.HostState_HOST_STATE_REGISTERED:
		if err := s.hosts.registered(ctx, f); err != nil {
			s.log.Warn("onboarding: marking the host registered failed", "project", f.project, "host", h.GetResourceId(), "error", err)
		}
		return &onboardingv1.OnboardNodeStreamResponse{Status: &rpcstatus.Status{Code: int32(codes.OK)}, NodeState: nodeRegistered, ProjectId: f.project}, true
	case h.GetDesiredState() == computev1.HostState_HOST_STATE_ONBOARDED:
		return s.onboard(ctx, f, req.GetUuid()), false
	}
	return failed(codes.FailedPrecondition, "The node state is unspecified"), false
}

// onboard issues the device's client and answers NODE_STATE_ONBOARDED with it.
func (s *nodeStream) onboard(ctx context.Context, f *found, uuid string) *onboardingv1.OnboardNodeStreamResponse {
	device, setUUID := f.host.GetUuid(), ""
	if device == "" { // registered by serial number: the device's UUID is recorded now
		device, setUUID = uuid, uuid
	}
	c, err := s.issuer.issue(ctx, f.project, f.host.GetResourceId(), device, setUUID)
	if errors.Is(err, errDelivered) {
		s.log.Info("onboarding: refused a device whose client was delivered already", "project", f.project, "host", f.host.GetResourceId(), "error", err)
		return failed(codes.FailedPrecondition, errDelivered.Error()+": delete the host and register the device again to onboard it again")
	}
	if err != nil {
		s.log.Warn("onboarding: issuing the device's client failed", "project", f.project, "host", f.host.GetResourceId(), "error", err)
		return refused(err)
	}
	s.log.Info("onboarding: device onboarded", "project", f.project, "host", f.host.GetResourceId(), "client", c.ID)
	return &onboardingv1.OnboardNodeStreamResponse{Status: &rpcstatus.Status{Code: int32(codes.OK)}, NodeState: nodeOnboarded,
		ClientId: c.ID, ClientSecret: c.Secret.Reveal(), ProjectId: f.project}
}

// failed is the legacy error answer: a status and NODE_STATE_UNSPECIFIED.
func failed(code codes.Code, msg string) *onboardingv1.OnboardNodeStreamResponse {
	return &onboardingv1.OnboardNodeStreamResponse{Status: &rpcstatus.Status{Code: int32(code), Message: msg}, NodeState: nodeUnspecified} // #nosec G115
}

// refused answers a failure of the server's side: its code (UNAVAILABLE while a backend is
// down: the device retries) without its details, which the log keeps; a device that has no
// credentials yet learns nothing about the backends.
func refused(err error) *onboardingv1.OnboardNodeStreamResponse {
	code := provider.CodeOf(err)
	if code == provider.Unknown {
		code = provider.Internal
	}
	return failed(codes.Code(code), "onboarding failed ("+codes.Code(code).String()+"); see the server's log")
}
