package dbtest

import (
	"context"
	"os"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/test/testenv"
)

// Ref returns a SecretRef resolved to value, as bootstrap would have resolved it.
func Ref(t testenv.TB, value string) provider.SecretRef {
	t.Helper()
	r := provider.SecretRef{Env: "DBTEST_VALUE"}
	src := provider.SecretSources{LookupEnv: func(string) (string, bool) { return value, true }}
	if err := r.Resolve(context.Background(), src); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	return r
}

// FileRef returns a SecretRef to path, resolved.
func FileRef(t testenv.TB, path string) provider.SecretRef {
	t.Helper()
	r := provider.SecretRef{File: path}
	if err := r.Resolve(context.Background(), provider.SecretSources{ReadFile: os.ReadFile}); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	return r
}
