package oob_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	dmv1 "github.com/eim-byoi/eim/api/gen/device_management"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	"github.com/eim-byoi/eim/services/oob"
)

// TestActivationOverGRPC: the platform manageability agent's flow on the southbound listener,
// with a token of the embedded issuer: it reports AMT enabled, retrieves the activation
// details (the project's RPS profile of the host's control mode and the AMT password the
// profile carries), reports activating then activated — and from then on the module drives the
// host's power through MPS. A failed activation is shown as an error; a call without a token
// is refused.
func TestActivationOverGRPC(t *testing.T) {
	b := newBed(t, bedOptions{})
	tenant := b.project(t, "pma")
	require.Eventually(t, func() bool { return configured(b.dmt, tenant) }, wait, 20*time.Millisecond, "the project is configured in RPS")
	guid, failing := uuid.NewString(), uuid.NewString()
	h := b.host(t, tenant, &computev1.HostResource{Uuid: guid, DesiredAmtState: computev1.AmtState_AMT_STATE_PROVISIONED,
		AmtControlMode: computev1.AmtControlMode_AMT_CONTROL_MODE_ACM, DesiredPowerState: on})
	hf := b.host(t, tenant, &computev1.HostResource{Uuid: failing, DesiredAmtState: computev1.AmtState_AMT_STATE_PROVISIONED})
	ctx := b.agentCtx(t, tenant)

	_, err := b.agent.ReportAMTStatus(context.Background(), &dmv1.AMTStatusRequest{HostId: guid, Status: dmv1.AMTStatus_ENABLED})
	assert.Equal(t, codes.Unauthenticated, status.Code(err), "a call without a token is refused")

	_, err = b.agent.ReportAMTStatus(ctx, &dmv1.AMTStatusRequest{HostId: guid, Status: dmv1.AMTStatus_ENABLED, Feature: "AMT"})
	require.NoError(t, err)
	got := b.read(t, tenant, h.GetResourceId())
	assert.Equal(t, computev1.AmtSku_AMT_SKU_AMT, got.GetAmtSku())
	assert.Equal(t, "AMT enabled", got.GetAmtStatus())

	details, err := b.agent.RetrieveActivationDetails(ctx, &dmv1.ActivationRequest{HostId: guid})
	require.NoError(t, err)
	assert.Equal(t, dmv1.OperationType_ACTIVATE, details.GetOperation())
	assert.Equal(t, guid, details.GetHostId())
	assert.Equal(t, oob.ProfileName(tenant, true), details.GetProfileName(), "the admin control mode profile of an ACM host")
	profile, ok := b.dmt.Profile(tenant, details.GetProfileName())
	require.True(t, ok, "the profile exists in RPS")
	assert.Equal(t, profile["amtPassword"], details.GetActionPassword(), "the password the profile activates with")
	assert.Equal(t, "AMT activation requested", b.read(t, tenant, h.GetResourceId()).GetAmtStatus())
	other, err := b.agent.RetrieveActivationDetails(ctx, &dmv1.ActivationRequest{HostId: failing})
	require.NoError(t, err)
	assert.Equal(t, oob.ProfileName(tenant, false), other.GetProfileName(), "client control mode by default")

	_, err = b.agent.ReportActivationResults(ctx, &dmv1.ActivationResultRequest{HostId: guid, ActivationStatus: dmv1.ActivationStatus_ACTIVATING})
	require.NoError(t, err)
	assert.Equal(t, inProgress, b.read(t, tenant, h.GetResourceId()).GetAmtStatusIndicator())
	b.dmt.AddDevice(guid, tenant, 8) // activated, the device connects to MPS over CIRA
	_, err = b.agent.ReportActivationResults(ctx, &dmv1.ActivationResultRequest{HostId: guid, ActivationStatus: dmv1.ActivationStatus_ACTIVATED})
	require.NoError(t, err)
	got = b.eventually(t, tenant, h.GetResourceId(), func(h *computev1.HostResource) bool {
		return h.GetCurrentAmtState() == computev1.AmtState_AMT_STATE_PROVISIONED && h.GetCurrentPowerState() == on
	}, "the activated host is powered on through MPS")
	assert.Equal(t, "AMT provisioned", got.GetAmtStatus())
	assert.Equal(t, []int{2}, actionsOn(b.dmt, guid))
	_, err = b.agent.RetrieveActivationDetails(ctx, &dmv1.ActivationRequest{HostId: guid})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "nothing more to activate")

	_, err = b.agent.ReportActivationResults(ctx, &dmv1.ActivationResultRequest{HostId: failing,
		ActivationStatus: dmv1.ActivationStatus_ACTIVATION_FAILED, Message: "rpc: wrong password"})
	require.NoError(t, err)
	got = b.read(t, tenant, hf.GetResourceId())
	assert.Equal(t, "AMT activation failed: rpc: wrong password", got.GetAmtStatus())
	assert.Equal(t, errSt, got.GetAmtStatusIndicator())
	assert.NotEqual(t, computev1.AmtState_AMT_STATE_PROVISIONED, got.GetCurrentAmtState())

	_, err = b.agent.ReportAMTStatus(ctx, &dmv1.AMTStatusRequest{HostId: uuid.NewString(), Status: dmv1.AMTStatus_ENABLED})
	assert.Equal(t, codes.NotFound, status.Code(err), "an unknown host")
	_, err = b.agent.ReportAMTStatus(ctx, &dmv1.AMTStatusRequest{Status: dmv1.AMTStatus_ENABLED})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "no host id")
	assertTenantHeaders(t, b.dmt, map[string]string{guid: tenant})
}

// TestIsolation: a user of project A cannot power-cycle project B's host through the REST API,
// and A's agent cannot read B's activation details or report B's host activated: B's device
// receives nothing and B's host is unchanged, while A's own host is served.
func TestIsolation(t *testing.T) {
	b := newBed(t, bedOptions{scenario: "vpro"})
	ta, tb := b.project(t, "tenant-a"), b.project(t, "tenant-b")
	ga, gb := uuid.NewString(), uuid.NewString()
	b.dmt.AddDevice(ga, ta, 2)
	b.dmt.AddDevice(gb, tb, 2)
	ha := b.host(t, ta, activated(ga))
	hb := b.host(t, tb, activated(gb))
	hbPending := b.host(t, tb, &computev1.HostResource{DesiredAmtState: computev1.AmtState_AMT_STATE_PROVISIONED})
	for _, x := range []struct{ tenant, id string }{{ta, ha.GetResourceId()}, {tb, hb.GetResourceId()}} {
		b.eventually(t, x.tenant, x.id, func(h *computev1.HostResource) bool { return h.GetCurrentPowerState() == on }, "the host is on")
	}
	userA := b.userToken(t, ta)

	code, _ := b.power(t, userA, "tenant-b", hb.GetResourceId(), cycle)
	assert.Equal(t, http.StatusForbidden, code, "A's user has no role in B")
	code, _ = b.power(t, userA, "tenant-a", hb.GetResourceId(), cycle)
	assert.Equal(t, http.StatusNotFound, code, "B's host is not in A")

	agentA := b.agentCtx(t, ta)
	_, err := b.agent.RetrieveActivationDetails(agentA, &dmv1.ActivationRequest{HostId: hbPending.GetUuid()})
	assert.Equal(t, codes.NotFound, status.Code(err), "A's agent does not see B's host")
	_, err = b.agent.ReportActivationResults(agentA, &dmv1.ActivationResultRequest{HostId: hbPending.GetUuid(),
		ActivationStatus: dmv1.ActivationStatus_ACTIVATED})
	assert.Equal(t, codes.NotFound, status.Code(err))
	_, err = b.agent.ReportAMTStatus(agentA, &dmv1.AMTStatusRequest{HostId: gb, Status: dmv1.AMTStatus_DISABLED})
	assert.Equal(t, codes.NotFound, status.Code(err))

	// A's own power cycle is carried out: once it is, the module has seen every change above.
	code, body := b.power(t, userA, "tenant-a", ha.GetResourceId(), cycle)
	require.Equal(t, http.StatusOK, code, body)
	b.eventually(t, ta, ha.GetResourceId(), func(h *computev1.HostResource) bool { return h.GetCurrentPowerState() == cycle },
		"A's host is power cycled")
	assert.Equal(t, []int{5}, actionsOn(b.dmt, ga))
	assert.Empty(t, actionsOn(b.dmt, gb), "B's device received no power action")
	gotB := b.read(t, tb, hb.GetResourceId())
	assert.Equal(t, on, gotB.GetCurrentPowerState())
	assert.NotEqual(t, cycle, gotB.GetDesiredPowerState(), "B's host is untouched")
	pending := b.read(t, tb, hbPending.GetResourceId())
	assert.NotEqual(t, computev1.AmtState_AMT_STATE_PROVISIONED, pending.GetCurrentAmtState(), "A's agent did not activate B's host")
	assertTenantHeaders(t, b.dmt, map[string]string{ga: ta, gb: tb})
	assert.Empty(t, b.dmt.Violations())
}
