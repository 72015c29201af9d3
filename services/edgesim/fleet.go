package edgesim

import (
	"fmt"

	"github.com/google/uuid"
)

// Tenant is a project the nodes belong to.
type Tenant struct {
	// Name is the project's name, ID its id (the tenant id tokens carry in their roles).
	Name, ID string
}

// Node is one simulated edge node.
type Node struct {
	// GUID is the host's UUID, the host_guid of every call.
	GUID string
	// Serial is its serial number (5 to 20 letters and digits, as onboarding requires).
	Serial string
	// MAC and IP are its management NIC's addresses.
	MAC, IP string
	// Tenant is the project it belongs to.
	Tenant Tenant
}

// fleetNamespace is the UUID namespace of the simulated GUIDs.
const fleetNamespace = "6f1f4c5e-2d2b-4f0e-9a55-0e1d5e5e51a0"

// NewFleet returns n nodes spread round-robin over tenants, with GUIDs, serial numbers and
// addresses derived from seed and the node's index: the same seed gives the same fleet, so a
// fleet registered once is simulated again with the same seed.
func NewFleet(n int, tenants []Tenant, seed string) []Node {
	fleet := make([]Node, n)
	ns := uuid.MustParse(fleetNamespace)
	for i := range fleet {
		fleet[i] = Node{
			GUID:   uuid.NewSHA1(ns, fmt.Appendf(nil, "%s/%d", seed, i)).String(),
			Serial: fmt.Sprintf("ESIM%010d", i),
			MAC:    fmt.Sprintf("02:e5:%02x:%02x:%02x:%02x", byte(i>>24), byte(i>>16), byte(i>>8), byte(i)),
			IP:     fmt.Sprintf("10.%d.%d.%d", byte(i>>16), byte(i>>8), byte(i)),
		}
		if len(tenants) > 0 {
			fleet[i].Tenant = tenants[i%len(tenants)]
		}
	}
	return fleet
}
