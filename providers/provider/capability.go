package provider

import (
	"slices"
	"strings"
)

// Capability names an optional feature of a provider, such as identity's ClientIssuer or
// messaging's per-key ordering. An optional feature is an optional interface: a provider that
// declares the capability implements it, and one that does not returns Unimplemented.
type Capability string

// Capabilities is the set of capabilities a provider declares.
type Capabilities []Capability

// Declarer is implemented by providers that have optional features.
type Declarer interface {
	Capabilities() Capabilities
}

// Has reports whether c is declared.
func (cs Capabilities) Has(c Capability) bool { return slices.Contains(cs, c) }

// Missing returns the capabilities of need that are not declared, in the order given.
func (cs Capabilities) Missing(need ...Capability) Capabilities {
	var missing Capabilities
	for _, c := range need {
		if !cs.Has(c) && !missing.Has(c) {
			missing = append(missing, c)
		}
	}
	return missing
}

// String lists the capabilities, comma separated.
func (cs Capabilities) String() string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = string(c)
	}
	return strings.Join(parts, ", ")
}

// CapabilitiesOf returns what p declares, or none when p is not a Declarer.
func CapabilitiesOf(p any) Capabilities {
	if d, ok := p.(Declarer); ok {
		return d.Capabilities()
	}
	return nil
}

// Require returns a FailedPrecondition error naming what p lacks of need (who says which
// module or caller needs it), or nil when every capability is declared.
func Require(p any, who string, need ...Capability) error {
	missing := CapabilitiesOf(p).Missing(need...)
	if len(missing) == 0 {
		return nil
	}
	return Errorf(FailedPrecondition, "%s needs capability %s, which the configured provider does not declare", who, missing)
}

// Unsupported returns the Unimplemented error an optional operation gives when the provider
// does not declare the capability behind it.
func Unsupported(c Capability) error {
	return Errorf(Unimplemented, "capability %s is not supported by this provider", c)
}
