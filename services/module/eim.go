package module

import "github.com/eim-byoi/eim/providers/provider"

// ClientIssuer is the identity capability that issues edge-node credentials (Day-0).
const ClientIssuer provider.Capability = "ClientIssuer"

// EIM returns the EIM module graph (DESIGN.md §5): inventory first, the northbound API and the
// southbound managers on top of it, and the profiles onboarding (OXM), day2 and observability and oob (vPro).
func EIM() *Graph {
	g, err := NewGraph([]Descriptor{
		{Name: Inventory, Uses: []string{"storage", "messaging"}},
		{Name: API, Requires: []string{Inventory}, Uses: []string{"identity"}},
		{Name: Onboarding, Requires: []string{Inventory}, Uses: []string{"identity", "secrets", "storage"},
			Needs: map[string][]provider.Capability{"identity": {ClientIssuer}}, Southbound: true},
		{Name: HostMgr, Requires: []string{Inventory}, Uses: []string{"identity"}, Southbound: true},
		{Name: Maintenance, Requires: []string{Inventory}, Uses: []string{"identity"}, Southbound: true},
		{Name: OSResource, Requires: []string{Inventory}, Uses: []string{"storage"}},
		{Name: Tenant, Requires: []string{Inventory}, Uses: []string{"identity", "secrets", "storage"}},
		{Name: OOB, Requires: []string{Inventory}, Uses: []string{"identity", "secrets"}, Southbound: true},
	}, map[string][]string{
		"onboarding":    {Inventory, API, Onboarding, OSResource},
		"day2":          {Inventory, API, Maintenance, HostMgr},
		"observability": {Inventory, API, HostMgr},
		"oob":           {Inventory, API, OOB},
	})
	if err != nil {
		panic("module: the EIM graph is invalid: " + err.Error()) // data error, caught by tests
	}
	return g
}
