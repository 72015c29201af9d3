package importlint_test

import (
	"os"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/importlint"
)

// TestRepository is the lint itself: it fails when services import an adapter.
func TestRepository(t *testing.T) {
	vs, err := importlint.Check(os.DirFS("../.."))
	require.NoError(t, err)
	for _, v := range vs {
		t.Error(v)
	}
}

func TestCheckFindsViolations(t *testing.T) {
	fsys := fstest.MapFS{
		"services/inventory/repo.go": {Data: []byte(`package inventory
import (
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/providers/provider"
	pg "github.com/eim-byoi/eim/providers/storage/postgres"
)`)},
		"services/internal/bootstrap/adapters.go": {Data: []byte(`package bootstrap
import (
	_ "github.com/eim-byoi/eim/providers/secrets/vault"
	"github.com/eim-byoi/eim/providers/secrets/local"
)`)},
		"providers/storage/postgres/x.go": {Data: []byte(`package postgres
import _ "github.com/eim-byoi/eim/providers/storage/mysql"`)},
	}
	vs, err := importlint.Check(fsys)
	require.NoError(t, err)
	require.Len(t, vs, 2)
	assert.Equal(t, "services/internal/bootstrap/adapters.go", vs[0].File)
	assert.Contains(t, vs[0].Why, "imported blank")
	assert.Equal(t, "services/inventory/repo.go:5: imports github.com/eim-byoi/eim/providers/storage/postgres: services import providers/<kind> only; adapters are picked in services/internal/bootstrap/adapters.go", vs[1].String())
}

func TestIsAdapter(t *testing.T) {
	for ip, want := range map[string]bool{
		"github.com/eim-byoi/eim/providers/provider":            false,
		"github.com/eim-byoi/eim/providers/secrets":             false,
		"github.com/eim-byoi/eim/providers/secrets/vault":       true,
		"github.com/eim-byoi/eim/providers/storage/postgres/sq": true,
		"github.com/eim-byoi/eim/services/config":               false,
		"github.com/eim-byoi/eim/providers/messaging/outbox":    false,
		"github.com/eim-byoi/eim/providers/messaging/nats":      true,
		"github.com/other/providers/secrets/vault":              false,
	} {
		assert.Equal(t, want, importlint.IsAdapter(ip), ip)
	}
}
