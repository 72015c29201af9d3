package local_test

import (
	"context"
	"fmt"
	"os"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	_ "github.com/eim-byoi/eim/providers/secrets/local"
)

// The embedded default: with no providers.secrets block, secrets.Open opens the local adapter
// under the data directory.
func Example() {
	dataDir, _ := os.MkdirTemp("", "eim-example-")
	defer os.RemoveAll(dataDir)
	ctx := context.Background()
	p, err := secrets.Open(ctx, secrets.Selection{}, secrets.Env{DataDir: dataDir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()

	if _, err := p.Store().Put(ctx, "db/app", map[string][]byte{"password": []byte("s3cret")}); err != nil {
		fmt.Println(err)
		return
	}
	ref := provider.SecretRef{Secret: "db/app#password"}
	if err := ref.Resolve(ctx, provider.SecretSources{Store: p}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Adapter(), ref.Value()) // a SecretValue prints redacted

	_, err = p.Store().Get(ctx, "db/none")
	fmt.Println(provider.CodeOf(err), err)
	// Output:
	// local [REDACTED]
	// not found secrets/local: get "db/none": not found: no such secret
}
