package local_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/testlog"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/providers/secrets/local"
	"github.com/eim-byoi/eim/test/conformance/secretstest"
)

func openLocal(t *testing.T, dataDir string, logs *testlog.Buffer) *secrets.Provider {
	t.Helper()
	cfg := local.NewConfig()
	cfg.RefreshInterval = provider.Duration(200_000_000) // 200ms: external writes reach watchers fast
	env := secrets.Env{DataDir: dataDir}
	if logs != nil {
		env.Logger = logs.Logger()
	}
	p, err := secrets.Open(context.Background(), secrets.Selection{One: &provider.Envelope{Type: local.Name, Settings: cfg}}, env)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, p.Close()) })
	return p
}

func TestConformance(t *testing.T) {
	dir := t.TempDir()
	logs := &testlog.Buffer{}
	p := openLocal(t, dir, logs)
	other := openLocal(t, dir, logs) // another process sharing the directory
	foreign := openLocal(t, t.TempDir(), nil)
	const noNet = "local has no network backend: its store is files in the process's data directory"
	const noAuth = "local has no credentials, tokens or leases: it serves the one process that owns the data directory"
	secretstest.RunSecrets(t, secretstest.SecretsHarness{
		Provider: p,
		Prefix:   "conformance/",
		Hooks: secretstest.SecretsHooks{
			Seed: func(ctx context.Context, name string, data map[string][]byte) error {
				_, err := other.Store().Put(ctx, name, data)
				return err
			},
			Unseed:  func(ctx context.Context, name string) error { return other.Store().Delete(ctx, name) },
			Foreign: func(ctx context.Context, pt []byte) ([]byte, error) { return foreign.Keeper().Encrypt(ctx, pt) },
			Logs:    logs.String,
		},
		Absent: map[string]string{
			secretstest.HookRestricted: "local has no access control of its own (file permissions are the boundary, and tests run as root, which they do not stop)",
			secretstest.HookShortLived: noAuth, secretstest.HookRelogin: noAuth, secretstest.HookDynamic: noAuth,
			secretstest.HookRestart: noNet, secretstest.HookPartition: noNet, secretstest.HookOpenDown: noNet,
		},
	})
}

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	p := openLocal(t, dir, nil)
	keyPath := filepath.Join(dir, "secrets", "master.key")
	fi, err := os.Stat(keyPath)
	require.NoError(t, err, "the key is generated on first start")
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	_, err = p.Store().Put(context.Background(), "db/app", map[string][]byte{"password": []byte("planted-local-pw")})
	require.NoError(t, err)
	entries, err := os.ReadDir(filepath.Join(dir, "secrets", "data"))
	require.NoError(t, err)
	require.Len(t, entries, 1)
	info, err := entries[0].Info()
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "secret files are 0600")
	raw, err := os.ReadFile(filepath.Join(dir, "secrets", "data", entries[0].Name()))
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "planted-local-pw", "values are encrypted at rest")

	again := openLocal(t, dir, nil)
	v, err := again.ReadSecret(context.Background(), "db/app", "password")
	require.NoError(t, err, "a restart reuses the key")
	assert.Equal(t, "planted-local-pw", string(v))

	require.NoError(t, os.Chmod(keyPath, 0o644))
	cfg := local.NewConfig()
	_, err = secrets.Open(context.Background(), secrets.Selection{One: &provider.Envelope{Type: local.Name, Settings: cfg}}, secrets.Env{DataDir: dir})
	assert.Equal(t, provider.FailedPrecondition, provider.CodeOf(err))
	assert.ErrorContains(t, err, "chmod 600")
}

func TestNoDataDir(t *testing.T) {
	_, err := secrets.Open(context.Background(), secrets.Selection{}, secrets.Env{})
	assert.Equal(t, provider.FailedPrecondition, provider.CodeOf(err))
	assert.ErrorContains(t, err, "secrets/local: open: failed precondition: no directory")
}
