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
	"github.com/eim-byoi/eim/test/conformance/storagetest"
	"github.com/eim-byoi/eim/test/conformance/suites"
)

func open(t storagetest.T, path string) *storage.DB {
	c := sqlite.NewConfig()
	c.Path = path
	db, err := storage.Open(context.Background(), "sqlite", c, storage.Env{})
	require.NoError(t, err)
	return db
}

func tempDir(t storagetest.T) string {
	dir, err := os.MkdirTemp("", "eim-sqlite-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func harness() storagetest.StorageHarness {
	return storagetest.StorageHarness{
		Open: func(t storagetest.T) *storage.DB { return open(t, filepath.Join(tempDir(t), "eim.db")) },
		Hooks: storagetest.StorageHooks{
			Shared: func(t storagetest.T) func() *storage.DB {
				path := filepath.Join(tempDir(t), "eim.db")
				return func() *storage.DB { return open(t, path) }
			},
			DownAtStartup: func(t storagetest.T) (*storage.DB, func()) {
				dir := filepath.Join(tempDir(t), "not-yet")
				return open(t, filepath.Join(dir, "eim.db")), func() { require.NoError(t, os.Mkdir(dir, 0o700)) }
			},
		},
		Absent: map[string]string{
			storagetest.HookRotating:      "SQLite has no credentials",
			storagetest.HookInterrupted:   "SQLite runs in process: there is no server to restart",
			storagetest.HookWrongPassword: "SQLite has no credentials",
			storagetest.HookWrongHost:     "SQLite has no network connection",
		},
	}
}

func TestConformance(t *testing.T) {
	storagetest.RunStorage(t, harness())
}

func TestRemoteExecutor(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "eim.db"))
	defer db.Close()
	require.NoError(t, db.Migrate(context.Background(), storagetest.StorageSchema()))
	results := suites.Executors()[storage.Kind](context.Background(), conformance.Target{Kind: storage.Kind, Adapter: "sqlite", Provider: db}, conformance.Options{})
	require.Len(t, results, 3)
	for _, r := range results {
		require.Equal(t, conformance.Passed, r.Outcome, "%s: %v", r.Case, r.Output)
	}
}
