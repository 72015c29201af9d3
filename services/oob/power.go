package oob

import (
	"context"
	"net/http"

	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	statusv1 "github.com/eim-byoi/eim/api/gen/resources/status/v1"
	"github.com/eim-byoi/eim/providers/provider"
)

// The MPS power actions of the desired power states, as the legacy dm-manager sends them
// (ON, OFF, RESET, SLEEP, HIBERNATE, CYCLE → 2, 8, 10, 4, 7, 5); a repeated reset is a reset.
var powerActions = map[computev1.PowerState]int{
	computev1.PowerState_POWER_STATE_ON:           2,
	computev1.PowerState_POWER_STATE_OFF:          8,
	computev1.PowerState_POWER_STATE_RESET:        10,
	computev1.PowerState_POWER_STATE_RESET_REPEAT: 10,
	computev1.PowerState_POWER_STATE_SLEEP:        4,
	computev1.PowerState_POWER_STATE_HIBERNATE:    7,
	computev1.PowerState_POWER_STATE_POWER_CYCLE:  5,
}

// PowerAction returns the MPS power action of a desired power state, and false for a state
// with none (unspecified).
func PowerAction(s computev1.PowerState) (int, bool) {
	a, ok := powerActions[s]
	return a, ok
}

// transient reports whether s is an action rather than a state the device stays in: once done,
// the host's current power state is the action, so that it is not repeated.
func transient(s computev1.PowerState) bool {
	return s == computev1.PowerState_POWER_STATE_RESET || s == computev1.PowerState_POWER_STATE_RESET_REPEAT ||
		s == computev1.PowerState_POWER_STATE_POWER_CYCLE
}

// PowerStateOf maps MPS's power state (GET /api/v1/amt/power/state: CIM PowerState values) to
// the host's: 2 on; 3, 4 sleep; 6, 8, 13 off; 7 hibernate; 9 (power cycle) on; anything else
// unspecified.
func PowerStateOf(mps int) computev1.PowerState {
	switch mps {
	case 2, 9:
		return computev1.PowerState_POWER_STATE_ON
	case 3, 4:
		return computev1.PowerState_POWER_STATE_SLEEP
	case 6, 8, 13:
		return computev1.PowerState_POWER_STATE_OFF
	case 7:
		return computev1.PowerState_POWER_STATE_HIBERNATE
	}
	return computev1.PowerState_POWER_STATE_UNSPECIFIED
}

// powerStatusText is the power status shown for a reached power state.
var powerStatusText = map[computev1.PowerState]string{
	computev1.PowerState_POWER_STATE_ON:           "Powered on",
	computev1.PowerState_POWER_STATE_OFF:          "Powered off",
	computev1.PowerState_POWER_STATE_SLEEP:        "Sleeping",
	computev1.PowerState_POWER_STATE_HIBERNATE:    "Hibernating",
	computev1.PowerState_POWER_STATE_RESET:        "Reset",
	computev1.PowerState_POWER_STATE_RESET_REPEAT: "Reset",
	computev1.PowerState_POWER_STATE_POWER_CYCLE:  "Power cycled",
	computev1.PowerState_POWER_STATE_UNSPECIFIED:  "Power state unknown",
}

// The statuses of a device MPS does not reach.
const (
	NotConnectedStatus = "Device not connected to MPS"
	idle               = statusv1.StatusIndication_STATUS_INDICATION_IDLE
	inProgress         = statusv1.StatusIndication_STATUS_INDICATION_IN_PROGRESS
	failed             = statusv1.StatusIndication_STATUS_INDICATION_ERROR
)

// mpsPowerState is MPS's PowerStateResponse.
type mpsPowerState struct {
	PowerState int `json:"powerstate"`
}

// mpsPowerActionResponse is MPS's PowerActionResponse.
type mpsPowerActionResponse struct {
	Body struct {
		ReturnValue    int    `json:"ReturnValue"`
		ReturnValueStr string `json:"ReturnValueStr"`
	} `json:"Body"`
}

// powerState reads the device's power state from MPS.
func (m *Module) powerState(ctx context.Context, tenant, guid string) (computev1.PowerState, error) {
	var st mpsPowerState
	if err := m.mps.do(ctx, tenant, http.MethodGet, "/api/v1/amt/power/state/"+guid, nil, &st); err != nil {
		return 0, err
	}
	return PowerStateOf(st.PowerState), nil
}

// powerAction asks MPS for action on the device; an answer other than ReturnValue 0 is an
// error (FailedPrecondition) naming AMT's reason.
func (m *Module) powerAction(ctx context.Context, tenant, guid string, action int) error {
	var out mpsPowerActionResponse
	err := m.mps.do(ctx, tenant, http.MethodPost, "/api/v1/amt/power/action/"+guid,
		map[string]any{"action": action, "useSOL": false}, &out)
	if err != nil {
		return err
	}
	if out.Body.ReturnValue != 0 {
		return provider.Errorf(provider.FailedPrecondition, "oob: AMT refused power action %d on %s: %s (%d)", action, guid,
			out.Body.ReturnValueStr, out.Body.ReturnValue)
	}
	return nil
}

// deactivate unprovisions the device's AMT through MPS (over CIRA).
func (m *Module) deactivate(ctx context.Context, tenant, guid string) error {
	return m.mps.do(ctx, tenant, http.MethodDelete, "/api/v1/amt/deactivate/"+guid, nil, nil)
}
