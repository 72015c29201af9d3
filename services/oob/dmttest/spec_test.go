package dmttest_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSpecsAreVerbatim: the embedded specifications equal the DMT specs in legacy/dmt byte for
// byte (the stand-in is driven by the published contracts, not by edited copies).
func TestSpecsAreVerbatim(t *testing.T) {
	src := filepath.Join("..", "..", "..", "..", "shared", "legacy", "dmt")
	if _, err := os.Stat(src); err != nil {
		t.Fatalf("%s is not beside the repository (%v): the copies cannot be checked. Fix: put shared/ beside the repository, as CI does", src, err)
	}
	for _, name := range []string{"mps-swagger.yaml", "rps-swagger.yaml"} {
		want, err := os.ReadFile(filepath.Join(src, name))
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join("spec", name))
		require.NoError(t, err)
		assert.Equal(t, want, got, "spec/%s differs from legacy/dmt/%s: copy it again", name, name)
	}
}
