package vault_test

import (
	"context"
	"fmt"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/providers/secrets/vault"
)

// Vault with Kubernetes auth, KV v2 at secret/ and a transit keeper. In eim serve, bootstrap
// builds this from eim.yaml; references such as {secret: "database/creds/eim#password"} then
// resolve through it, and consumers watch them for rotations.
func Example() {
	cfg := vault.NewConfig()
	cfg.Address = "https://vault.example.com:8200"
	cfg.TLS.CA = provider.SecretRef{File: "/etc/eim/vault-ca.pem"}
	cfg.Auth.Kubernetes = &vault.Kubernetes{Role: "eim"}
	cfg.Transit = &vault.Transit{Key: "eim"}
	if err := cfg.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	p, err := secrets.Open(ctx, secrets.Selection{One: &provider.Envelope{Type: vault.Name, Settings: cfg}}, secrets.Env{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()

	w, err := p.Watch(ctx, "database/creds/eim", "password") // a dynamic secret: leased, renewed, rotated
	if err != nil {
		fmt.Println(provider.CodeOf(err), err)
		return
	}
	defer w.Stop()
	for v := range w.Changes() {
		_ = v // reconnect the pool with the new password
	}
}
