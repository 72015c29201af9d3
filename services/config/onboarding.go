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
	// RedeliveryWindow is how long after its client was issued a device that lost the answer
	// may ask again and receive the same client; after it, asking again is refused as the
	// legacy manager refused an onboarded node, so that knowing a device's UUID does not give
	// its credentials; default 10m.
	RedeliveryWindow provider.Duration `yaml:"redeliveryWindow"`
}

// Defaults of the onboarding block.
const (
	DefaultOperatorRole     = "en-ob"
	DefaultResyncInterval   = provider.Duration(5 * time.Minute)
	DefaultRedeliveryWindow = provider.Duration(10 * time.Minute)
)

func defaultOnboarding() Onboarding {
	return Onboarding{OperatorRole: DefaultOperatorRole, ResyncInterval: DefaultResyncInterval, RedeliveryWindow: DefaultRedeliveryWindow}
}

func (o Onboarding) validate(v *provider.Validation) {
	v.Required("onboarding.operatorRole", o.OperatorRole, "name the operators' project role, e.g. "+DefaultOperatorRole)
	v.Check(o.ResyncInterval >= provider.Duration(time.Second), "onboarding.resyncInterval", "must be at least 1s", `e.g. "5m"`)
	v.Check(o.RedeliveryWindow >= provider.Duration(time.Second), "onboarding.redeliveryWindow", "must be at least 1s", `e.g. "10m"`)
}
