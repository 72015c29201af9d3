package kms_test

import (
	"context"
	"fmt"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/providers/secrets/kms"
)

// A KMS keeper with an envelope-encrypted store in PostgreSQL. The DSN holds a password, so it
// is a reference; bootstrap resolves it from the environment before opening.
func Example() {
	cfg := kms.NewConfig()
	cfg.Provider = kms.ProviderAWS
	cfg.Key = "alias/eim"
	cfg.AWS.Region = "eu-west-1"
	cfg.Database = &kms.Database{Driver: "postgres", DSN: provider.SecretRef{Env: "EIM_SECRETS_DSN"}}
	if err := cfg.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	p, err := secrets.Open(ctx, secrets.Selection{One: &provider.Envelope{Type: kms.Name, Settings: cfg}}, secrets.Env{})
	if err != nil {
		fmt.Println(err) // the DSN reference was not resolved here
		return
	}
	defer p.Close()
	if _, err := p.Store().Put(ctx, "db/app", map[string][]byte{"password": []byte("s3cret")}); err != nil {
		fmt.Println(err)
	}
}
