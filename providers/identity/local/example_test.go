package local_test

import (
	"context"
	"fmt"
	"os"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/identity/local"
	"github.com/eim-byoi/eim/providers/secrets"
	_ "github.com/eim-byoi/eim/providers/secrets/local"
)

// The embedded issuer: open it on a secrets store, issue an edge-node client, verify a token
// it signed. In `eim serve`, bootstrap does the opening and mounts Provider.HTTPHandler.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "eim-example")
	defer os.RemoveAll(dir)
	store, _ := secrets.Open(ctx, secrets.Selection{}, secrets.Env{DataDir: dir})
	defer store.Close()

	cfg := local.NewConfig()
	cfg.Issuer = "https://eim.example.com/oidc"
	p, err := identity.Open(ctx, local.Name, cfg, identity.Env{Secrets: store.Store()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	c, _ := p.CreateClient(ctx, "11111111-1111-1111-1111-111111111111", "22222222-2222-4222-8222-222222222222")
	pattern, _ := p.HTTPHandler()
	fmt.Println(c.ID, c.TokenURL, c.Secret, pattern, p.Capabilities())
	// Output: edgenode-22222222-2222-4222-8222-222222222222 https://eim.example.com/oidc/token [REDACTED] /oidc/ ClientIssuer
}
