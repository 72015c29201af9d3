package config

import (
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// Onboarding configures the onboarding module: the legacy onboarding manager's services on the
// southbound listener (a device's first stream, before it has credentials, and an operator's
// interactive registration) and the revocation of a device's client when its host is deleted
// or invalidated.
type Onboarding struct {
	// OperatorRole is the project role an operator's token must hold to register nodes through
	// InteractiveOnboardingService.CreateNodes: "<project id>_<operatorRole>" with the legacy
	// claims; default en-ob.
	OperatorRole string `yaml:"operatorRole"`
	// ResyncInterval is how often every issued client is checked against its host (deleted or
	// invalidated hosts' clients are revoked), besides the inventory's change events and the
	// check at start; default 5m.
	ResyncInterval provider.Duration `yaml:"resyncInterval"`
}

// Defaults of the onboarding block.
const (
	DefaultOperatorRole   = "en-ob"
	DefaultResyncInterval = provider.Duration(5 * time.Minute)
)

func defaultOnboarding() Onboarding {
	return Onboarding{OperatorRole: DefaultOperatorRole, ResyncInterval: DefaultResyncInterval}
}

func (o Onboarding) validate(v *provider.Validation) {
	v.Required("onboarding.operatorRole", o.OperatorRole, "name the operators' project role, e.g. "+DefaultOperatorRole)
	v.Check(o.ResyncInterval >= provider.Duration(time.Second), "onboarding.resyncInterval", "must be at least 1s", `e.g. "5m"`)
}
