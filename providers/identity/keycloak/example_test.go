package keycloak_test

import (
	"context"
	"fmt"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/identity/keycloak"
	"github.com/eim-byoi/eim/providers/provider"
)

// Keycloak with the legacy EMF admin client: ClientIssuer is declared. The admin secret is a
// reference that bootstrap resolves before Open.
func Example() {
	cfg := keycloak.NewConfig()
	cfg.Issuer = "http://127.0.0.1:9/realms/edge" // https://kc.example.com/realms/edge in production
	cfg.Audiences = []string{"eim"}
	cfg.Admin.ClientID = "host-manager-m2m-client"
	cfg.Admin.ClientSecret = provider.SecretRef{Secret: "host-manager-m2m-client-secret#client_secret"}
	p, err := identity.Open(context.Background(), keycloak.Name, cfg, identity.Env{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	fmt.Println(p.Adapter(), p.Capabilities(), p.Policy().Claims.Tenants[0].Pattern)
	// Output: keycloak ClientIssuer, RoleManager {tenant}_{role}
}
