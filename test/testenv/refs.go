package testenv

import (
	"context"
	"os"

	"github.com/eim-byoi/eim/providers/provider"
)

// Ref returns a SecretRef resolved to value, as bootstrap would have resolved it.
func Ref(t TB, value string) provider.SecretRef {
	t.Helper()
	r := provider.SecretRef{Env: "EIM_TEST_VALUE"}
	if err := r.Resolve(context.Background(), provider.SecretSources{LookupEnv: func(string) (string, bool) { return value, true }}); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return r
}

// FileRef returns a SecretRef to the file at path, resolved.
func FileRef(t TB, path string) provider.SecretRef {
	t.Helper()
	r := provider.SecretRef{File: path}
	if err := r.Resolve(context.Background(), provider.SecretSources{ReadFile: os.ReadFile}); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return r
}
