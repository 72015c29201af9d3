package prereq_test

import (
	"fmt"

	"github.com/eim-byoi/eim/internal/prereq"
)

// PolicyHCL renders the least-privilege policy of the paths a Spec derives.
func ExamplePolicyHCL() {
	fmt.Print(prereq.PolicyHCL([]prereq.VaultPath{
		{Path: "secret/data/eim/keycloak", Capabilities: []string{"read"}, Why: "providers.identity.config.admin.clientSecret"},
	}))
	// Output:
	// # providers.identity.config.admin.clientSecret
	// path "secret/data/eim/keycloak" {
	//   capabilities = ["read"]
	// }
}
