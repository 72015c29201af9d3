package oob_test

import (
	"fmt"

	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	"github.com/eim-byoi/eim/services/oob"
)

// The MPS power action of each desired power state, and the host power state of MPS's answers.
func ExamplePowerAction() {
	for _, s := range []computev1.PowerState{computev1.PowerState_POWER_STATE_ON, computev1.PowerState_POWER_STATE_OFF,
		computev1.PowerState_POWER_STATE_RESET, computev1.PowerState_POWER_STATE_SLEEP,
		computev1.PowerState_POWER_STATE_HIBERNATE, computev1.PowerState_POWER_STATE_POWER_CYCLE} {
		a, _ := oob.PowerAction(s)
		fmt.Println(s, a)
	}
	fmt.Println(oob.PowerStateOf(8))
	// Output:
	// POWER_STATE_ON 2
	// POWER_STATE_OFF 8
	// POWER_STATE_RESET 10
	// POWER_STATE_SLEEP 4
	// POWER_STATE_HIBERNATE 7
	// POWER_STATE_POWER_CYCLE 5
	// POWER_STATE_OFF
}
