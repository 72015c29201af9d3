package file_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/providers/secrets/file"
)

// A Kubernetes Secret mounted at <dir>/db/app is the secret "db/app"; each key is a file.
func Example() {
	dir, _ := os.MkdirTemp("", "eim-mounted-")
	defer os.RemoveAll(dir)
	_ = os.MkdirAll(filepath.Join(dir, "db", "app"), 0o755)
	_ = os.WriteFile(filepath.Join(dir, "db", "app", "password"), []byte("s3cret"), 0o600)

	cfg := file.NewConfig()
	cfg.Dir = dir
	ctx := context.Background()
	p, err := secrets.Open(ctx, secrets.Selection{One: &provider.Envelope{Type: file.Name, Settings: cfg}}, secrets.Env{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	v, _ := p.ReadSecret(ctx, "db/app", "password")
	fmt.Println(len(v), "bytes;", p.Capabilities())
	_, err = p.Store().Put(ctx, "db/app", map[string][]byte{"password": []byte("new")})
	fmt.Println(provider.CodeOf(err))
	// Output:
	// 6 bytes; secrets.List
	// unimplemented
}
