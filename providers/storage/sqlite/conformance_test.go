package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/providers/storage/sqlite"
	"github.com/eim-byoi/eim/test/conformance"
)

func open(t conformance.T, path string) *storage.DB {
	c := sqlite.NewConfig()
	c.Path = path
	db, err := storage.Open(context.Background(), "sqlite", c, storage.Env{})
	require.NoError(t, err)
	return db
}

func tempDir(t conformance.T) string {
	dir, err := os.MkdirTemp("", "eim-sqlite-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func harness() conformance.StorageHarness {
	return conformance.StorageHarness{
		Open: func(t conformance.T) *storage.DB { return open(t, filepath.Join(tempDir(t), "eim.db")) },
		Hooks: conformance.StorageHooks{
			Shared: func(t conformance.T) func() *storage.DB {
				path := filepath.Join(tempDir(t), "eim.db")
				return func() *storage.DB { return open(t, path) }
			},
			DownAtStartup: func(t conformance.T) (*storage.DB, func()) {
				dir := filepath.Join(tempDir(t), "not-yet")
				return open(t, filepath.Join(dir, "eim.db")), func() { require.NoError(t, os.Mkdir(dir, 0o700)) }
			},
		},
		Absent: map[string]string{
			conformance.HookRotating:      "SQLite has no credentials",
			conformance.HookInterrupted:   "SQLite runs in process: there is no server to restart",
			conformance.HookWrongPassword: "SQLite has no credentials",
			conformance.HookWrongHost:     "SQLite has no network connection",
		},
	}
}

func TestConformance(t *testing.T) {
	conformance.RunStorage(t, harness())
}

func TestRemoteExecutor(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "eim.db"))
	defer db.Close()
	require.NoError(t, db.Migrate(context.Background(), conformance.StorageSchema()))
	results := conformance.Executors()[storage.Kind](context.Background(), conformance.Target{Kind: storage.Kind, Adapter: "sqlite", Provider: db}, conformance.Options{})
	require.Len(t, results, 3)
	for _, r := range results {
		require.Equal(t, conformance.Passed, r.Outcome, "%s: %v", r.Case, r.Output)
	}
}
