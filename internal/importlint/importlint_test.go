package importlint_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/importlint"
)

// TestRepository is the lint itself, run by make check: it fails when an import breaks a rule
// of the package documentation anywhere in the repository.
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

func TestClassify(t *testing.T) {
	for ip, want := range map[string]importlint.Role{
		"github.com/eim-byoi/eim/providers/provider":                  importlint.Shared,
		"github.com/eim-byoi/eim/providers/kinds":                     importlint.Shared,
		"github.com/eim-byoi/eim/providers/storage":                   importlint.Portable,
		"github.com/eim-byoi/eim/providers/messaging/outbox":          importlint.Portable,
		"github.com/eim-byoi/eim/providers/messaging/internal/acks":   importlint.Helper,
		"github.com/eim-byoi/eim/providers/storage/remote":            importlint.Helper,
		"github.com/eim-byoi/eim/providers/storage/postgres":          importlint.Adapter,
		"github.com/eim-byoi/eim/providers/storage/postgres/internal": importlint.Adapter,
		"github.com/eim-byoi/eim/services/config":                     importlint.NotProvider,
		"github.com/eim-byoi/eim/test/dbtest":                         importlint.NotProvider,
	} {
		assert.Equal(t, want, importlint.Classify(ip), ip)
	}
}

// TestProvidersNeverImportAdapters: the non-test files of providers/provider, providers/kinds,
// a kind's root, its portable packages and its helpers may not import an adapter; adapters,
// test files and testdata are not checked.
func TestProvidersNeverImportAdapters(t *testing.T) {
	const m = "github.com/eim-byoi/eim/providers/"
	fsys := fstest.MapFS{
		"providers/storage/storage.go": {Data: []byte(`package storage
import (
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage/sqlite"
)`)},
		"providers/storage/storage_test.go": {Data: []byte(`package storage
import _ "github.com/eim-byoi/eim/providers/storage/sqlite"`)},
		"providers/storage/testdata/x.go": {Data: []byte(`package x
import _ "github.com/eim-byoi/eim/providers/storage/sqlite"`)},
		"providers/messaging/outbox/outbox.go": {Data: []byte(`package outbox
import (
	"github.com/eim-byoi/eim/providers/messaging/internal/pgnotify"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/providers/storage/postgres"
)`)},
		"providers/kinds/kinds.go": {Data: []byte(`package kinds
import (
	"github.com/eim-byoi/eim/providers/messaging/outbox"
	_ "github.com/eim-byoi/eim/providers/secrets/local"
)`)},
		"providers/provider/registry.go": {Data: []byte(`package provider
import "github.com/eim-byoi/eim/providers/secrets/vault"`)},
		"providers/messaging/internal/acks/acks.go": {Data: []byte(`package acks
import "github.com/eim-byoi/eim/providers/messaging/redis"`)},
		"providers/storage/remote/config.go": {Data: []byte(`package remote
import (
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/providers/storage/mysql"
)`)},
		"providers/storage/postgres/pg.go": {Data: []byte(`package postgres
import (
	"github.com/eim-byoi/eim/providers/storage/postgres/internal/wire"
	"github.com/eim-byoi/eim/providers/storage/remote"
	"github.com/eim-byoi/eim/providers/storage/mysql"
)`)},
	}
	vs, err := importlint.Check(fsys)
	require.NoError(t, err)
	var got []string
	for _, v := range vs {
		got = append(got, fmt.Sprintf("%s:%d %s", v.File, v.Line, strings.TrimPrefix(v.Import, m)))
	}
	assert.Equal(t, []string{
		"providers/kinds/kinds.go:4 secrets/local",
		"providers/messaging/internal/acks/acks.go:2 messaging/redis",
		"providers/messaging/outbox/outbox.go:5 storage/postgres",
		"providers/provider/registry.go:2 secrets/vault",
		"providers/storage/remote/config.go:4 storage/mysql",
		"providers/storage/storage.go:4 storage/sqlite",
	}, got)
	require.NotEmpty(t, vs)
	assert.Equal(t, "providers/kinds/kinds.go:4: imports github.com/eim-byoi/eim/providers/secrets/local: providers/provider, providers/kinds and a kind's portable and helper packages never import an adapter: adapters register themselves and only services/internal/bootstrap/adapters.go picks them", vs[0].String())
}

// TestModulesKeepTheirInternals: a module imports its own internals, the shared
// services/internal and other modules' exported packages, never another module's internals;
// services/internal (bootstrap) belongs to no module. Test files are checked too.
func TestModulesKeepTheirInternals(t *testing.T) {
	const m = "github.com/eim-byoi/eim/services/"
	fsys := fstest.MapFS{
		"services/onboarding/onboarding.go": {Data: []byte(`package onboarding
import (
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/internal/logging"
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/services/inventory/internal/store"
	"github.com/eim-byoi/eim/services/inventory/api/internal/convert"
	"github.com/eim-byoi/eim/services/onboarding/internal/device"
)`)},
		"services/onboarding/internal/device/device_test.go": {Data: []byte(`package device
import "github.com/eim-byoi/eim/services/tenant/internal/quota"`)},
		"services/internal/bootstrap/modules.go": {Data: []byte(`package bootstrap
import (
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/services/onboarding"
	"github.com/eim-byoi/eim/services/internal/logging"
)`)},
		"services/process/process.go": {Data: []byte(`package process
import "github.com/eim-byoi/eim/services/internal/bootstrap"`)},
	}
	vs, err := importlint.Check(fsys)
	require.NoError(t, err)
	var got []string
	for _, v := range vs {
		got = append(got, fmt.Sprintf("%s:%d %s", v.File, v.Line, strings.TrimPrefix(v.Import, m)))
	}
	assert.Equal(t, []string{
		"services/onboarding/internal/device/device_test.go:2 tenant/internal/quota",
		"services/onboarding/onboarding.go:6 inventory/internal/store",
		"services/onboarding/onboarding.go:7 inventory/api/internal/convert",
	}, got)
	require.NotEmpty(t, vs)
	assert.Equal(t, "services/onboarding/internal/device/device_test.go:2: imports github.com/eim-byoi/eim/services/tenant/internal/quota: a module never imports another module's internals (services/tenant); use what services/tenant exports, or let services/internal/bootstrap wire the two", vs[0].String())
}

// TestServicesNeverImportHelpers: what a kind's adapters share is not part of its portable API,
// in the adapter file neither.
func TestServicesNeverImportHelpers(t *testing.T) {
	fsys := fstest.MapFS{
		"services/internal/bootstrap/adapters.go": {Data: []byte(`package bootstrap
import (
	_ "github.com/eim-byoi/eim/providers/storage/postgres"
	_ "github.com/eim-byoi/eim/providers/storage/remote"
)`)},
	}
	vs, err := importlint.Check(fsys)
	require.NoError(t, err)
	require.Len(t, vs, 1)
	assert.Equal(t, "services/internal/bootstrap/adapters.go:4: imports github.com/eim-byoi/eim/providers/storage/remote: services import providers/<kind> only; this package is shared by the adapters of its kind, not part of its portable API", vs[0].String())
}
