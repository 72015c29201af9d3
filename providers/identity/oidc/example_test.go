package oidc_test

import (
	"context"
	"fmt"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/identity/oidc"
)

// Any OpenID Connect provider: here shaped like Entra ID (the issuer is a closed loopback port), tenants from the tid claim and roles from the
// app roles claim. Open does no I/O: an unreachable issuer makes CheckHealth report not ready.
func Example() {
	cfg := oidc.NewConfig()
	cfg.Issuer = "http://127.0.0.1:9/00000000-0000-0000-0000-000000000000/v2.0" // https://login.microsoftonline.com/<tenant>/v2.0 in production
	cfg.Audiences = []string{"api://eim"}
	cfg.Claims.Roles = []string{"roles"}
	cfg.Claims.Tenants = []identity.TenantRule{{Claim: "tid"}}
	p, err := identity.Open(context.Background(), oidc.Name, cfg, identity.Env{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	fmt.Println(p.Adapter(), p.Policy().Audiences, len(p.Capabilities()))
	// Output: oidc [api://eim] 0
}
