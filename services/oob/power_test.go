package oob_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	statusv1 "github.com/eim-byoi/eim/api/gen/resources/status/v1"
	"github.com/eim-byoi/eim/services/oob"
)

const (
	on         = computev1.PowerState_POWER_STATE_ON
	off        = computev1.PowerState_POWER_STATE_OFF
	cycle      = computev1.PowerState_POWER_STATE_POWER_CYCLE
	reset      = computev1.PowerState_POWER_STATE_RESET
	idle       = statusv1.StatusIndication_STATUS_INDICATION_IDLE
	inProgress = statusv1.StatusIndication_STATUS_INDICATION_IN_PROGRESS
	errSt      = statusv1.StatusIndication_STATUS_INDICATION_ERROR
)

// TestPowerThroughREST: a user's power requests through the REST API reach the device through
// MPS (actions 2, 8, 5, 10 — each once), and the host shows the state MPS reports, the power
// status with its indicator and timestamp, and the power-on time. Every call carried the
// project in the tenant header; the orchestrator reports the oob feature. The API serves the
// legacy vPro scenario (HostService only), as apiv2-manifest-vpro.yaml did.
func TestPowerThroughREST(t *testing.T) {
	b := newBed(t, bedOptions{scenario: "vpro"})
	tenant := b.project(t, "vpro")
	guid := uuid.NewString()
	b.dmt.AddDevice(guid, tenant, 8)
	h := b.host(t, tenant, activated(guid))
	got := b.eventually(t, tenant, h.GetResourceId(), func(h *computev1.HostResource) bool {
		return h.GetCurrentPowerState() == off && h.GetPowerStatus() == "Powered off"
	}, "the host shows the device's power state")
	assert.Equal(t, idle, got.GetPowerStatusIndicator())
	assert.Positive(t, got.GetPowerStatusTimestamp())

	user := b.userToken(t, tenant)
	steps := []struct {
		want   computev1.PowerState
		status string
		action int
	}{
		{on, "Powered on", 2},
		{off, "Powered off", 8},
		{cycle, "Power cycled", 5},
		{reset, "Reset", 10},
	}
	var actions []int
	for _, s := range steps {
		code, body := b.power(t, user, "vpro", h.GetResourceId(), s.want)
		require.Equal(t, http.StatusOK, code, body)
		got = b.eventually(t, tenant, h.GetResourceId(), func(h *computev1.HostResource) bool {
			return h.GetCurrentPowerState() == s.want && h.GetPowerStatus() == s.status
		}, "the host reaches "+s.want.String())
		actions = append(actions, s.action)
		assert.Equal(t, actions, actionsOn(b.dmt, guid), "MPS received each power action once")
		assert.Equal(t, idle, got.GetPowerStatusIndicator())
		if s.want != off {
			assert.Positive(t, got.GetPowerOnTime(), "the power-on time is set")
		}
	}
	assert.Equal(t, computev1.AmtState_AMT_STATE_PROVISIONED, got.GetCurrentAmtState())
	assert.Equal(t, actions, actionsOn(b.dmt, guid), "no action is repeated by the periodic passes")
	assertTenantHeaders(t, b.dmt, map[string]string{guid: tenant})
	assert.Empty(t, b.dmt.Violations())

	var info struct {
		Orchestrator struct {
			Features map[string]struct {
				Features map[string]struct {
					Installed bool `json:"installed"`
				} `json:"features"`
			} `json:"features"`
		} `json:"orchestrator"`
	}
	code, body := b.p.Do(t, http.MethodGet, "/v1/orchestrator", user, nil)
	require.Equal(t, http.StatusOK, code)
	require.NoError(t, json.Unmarshal(body, &info))
	assert.True(t, info.Orchestrator.Features["edge-infrastructure-manager"].Features["oob"].Installed)
}

// TestDeviceNotConnected: a host whose device MPS does not reach (404 "Device not
// found/connected") is shown as disconnected, with the power status in error and its power
// state never set, and is retried with backoff until the device connects.
func TestDeviceNotConnected(t *testing.T) {
	b := newBed(t, bedOptions{})
	tenant := b.project(t, "lost")
	guid := uuid.NewString()
	h := b.host(t, tenant, activated(guid))
	got := b.eventually(t, tenant, h.GetResourceId(), func(h *computev1.HostResource) bool {
		return h.GetCurrentAmtState() == computev1.AmtState_AMT_STATE_DISCONNECTED
	}, "the host is shown as disconnected")
	assert.Equal(t, oob.NotConnectedStatus, got.GetAmtStatus())
	assert.Equal(t, errSt, got.GetAmtStatusIndicator())
	assert.Equal(t, oob.NotConnectedStatus, got.GetPowerStatus())
	assert.Equal(t, errSt, got.GetPowerStatusIndicator())
	assert.Equal(t, computev1.PowerState_POWER_STATE_UNSPECIFIED, got.GetCurrentPowerState(), "never shown as success")

	code, body := b.power(t, b.userToken(t, tenant), "lost", h.GetResourceId(), on)
	require.Equal(t, http.StatusOK, code, body)
	require.Eventually(t, func() bool { return tries(b, guid) >= 3 }, wait, 20*time.Millisecond, "MPS is asked again")
	got = b.read(t, tenant, h.GetResourceId())
	assert.NotEqual(t, on, got.GetCurrentPowerState(), "a power request to a device not connected is not a success")

	b.dmt.AddDevice(guid, tenant, 8)
	got = b.eventually(t, tenant, h.GetResourceId(), func(h *computev1.HostResource) bool {
		return h.GetCurrentAmtState() == computev1.AmtState_AMT_STATE_PROVISIONED && h.GetCurrentPowerState() == on
	}, "once connected, the device is powered on")
	assert.Equal(t, "AMT provisioned", got.GetAmtStatus())
	assert.Equal(t, idle, got.GetAmtStatusIndicator())
	assert.Equal(t, "Powered on", got.GetPowerStatus())
	assert.Equal(t, []int{2}, actionsOn(b.dmt, guid))
	assertTenantHeaders(t, b.dmt, map[string]string{guid: tenant})
}

// tries counts MPS power-state reads of a device.
func tries(b *bed, guid string) int {
	n := 0
	for _, r := range b.dmt.Requests() {
		if r.Path == "/api/v1/amt/power/state/"+guid {
			n++
		}
	}
	return n
}

// TestMPSDownThenBack: a power request made while MPS is down is not shown as done, and is
// carried out once MPS is back.
func TestMPSDownThenBack(t *testing.T) {
	b := newBed(t, bedOptions{})
	tenant := b.project(t, "flaky")
	guid := uuid.NewString()
	b.dmt.AddDevice(guid, tenant, 2)
	h := b.host(t, tenant, activated(guid))
	b.eventually(t, tenant, h.GetResourceId(), func(h *computev1.HostResource) bool { return h.GetCurrentPowerState() == on },
		"the host is on")

	b.dmt.StopMPS()
	code, body := b.power(t, b.userToken(t, tenant), "flaky", h.GetResourceId(), off)
	require.Equal(t, http.StatusOK, code, body)
	m := b.module(t)
	require.Eventually(t, func() bool { return strings.Contains(m.HealthDetail(), "mps") }, wait, 20*time.Millisecond,
		"a pass fails while MPS is down")
	assert.Equal(t, on, b.read(t, tenant, h.GetResourceId()).GetCurrentPowerState(), "not shown as done while MPS is down")
	assert.Empty(t, actionsOn(b.dmt, guid))

	b.dmt.StartMPS(t)
	b.eventually(t, tenant, h.GetResourceId(), func(h *computev1.HostResource) bool {
		return h.GetCurrentPowerState() == off && h.GetPowerStatus() == "Powered off"
	}, "the request is carried out once MPS is back")
	assert.Equal(t, []int{8}, actionsOn(b.dmt, guid))
	require.Eventually(t, func() bool { return m.HealthDetail() == "" }, wait, 20*time.Millisecond, "the passes succeed again")
}

// TestMPSTokenRenewal: MPS's login token is renewed before it expires (no call is made with an
// expired token), and a token MPS no longer accepts (401) is replaced at once.
func TestMPSTokenRenewal(t *testing.T) {
	b := newBed(t, bedOptions{tokenTTL: 4 * time.Second})
	tenant := b.project(t, "renew")
	guid := uuid.NewString()
	b.dmt.AddDevice(guid, tenant, 8)
	h := b.host(t, tenant, activated(guid))
	b.eventually(t, tenant, h.GetResourceId(), func(h *computev1.HostResource) bool { return h.GetCurrentPowerState() == off },
		"the host is off")
	require.Eventually(t, func() bool { logins, _ := b.dmt.Logins(); return logins >= 3 }, wait, 50*time.Millisecond,
		"the token is renewed")
	_, expired := b.dmt.Logins()
	assert.Zero(t, expired, "no call came with an expired token")
	assert.GreaterOrEqual(t, b.module(t).MPSLogins(), 3)

	before, _ := b.dmt.Logins()
	b.dmt.RevokeTokens()
	code, body := b.power(t, b.userToken(t, tenant), "renew", h.GetResourceId(), on)
	require.Equal(t, http.StatusOK, code, body)
	b.eventually(t, tenant, h.GetResourceId(), func(h *computev1.HostResource) bool { return h.GetCurrentPowerState() == on },
		"the host is powered on with a new token")
	after, _ := b.dmt.Logins()
	assert.Greater(t, after, before, "the refused token was replaced")
	assert.Equal(t, []int{2}, actionsOn(b.dmt, guid))
	assert.Empty(t, b.dmt.Violations())
}

// TestActionNotRepeatedWhileTheDeviceSettles: a device that takes several reads to reach the
// state of a power action is shown as changing, read again with backoff, and receives the
// action once.
func TestActionNotRepeatedWhileTheDeviceSettles(t *testing.T) {
	b := newBed(t, bedOptions{settleReads: 4, retryMax: "30s"})
	tenant := b.project(t, "slow")
	guid := uuid.NewString()
	b.dmt.AddDevice(guid, tenant, 2)
	h := b.host(t, tenant, activated(guid))
	b.eventually(t, tenant, h.GetResourceId(), func(h *computev1.HostResource) bool { return h.GetCurrentPowerState() == on },
		"the host is on")
	code, body := b.power(t, b.userToken(t, tenant), "slow", h.GetResourceId(), off)
	require.Equal(t, http.StatusOK, code, body)
	got := b.eventually(t, tenant, h.GetResourceId(), func(h *computev1.HostResource) bool {
		return h.GetCurrentPowerState() == off && h.GetPowerStatus() == "Powered off"
	}, "the device reaches the state")
	assert.Equal(t, idle, got.GetPowerStatusIndicator())
	assert.Equal(t, []int{8}, actionsOn(b.dmt, guid), "the action was sent once")
	assert.Empty(t, b.dmt.Violations())
}
