package file_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/testlog"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/providers/secrets/file"
	"github.com/eim-byoi/eim/test/conformance/secretstest"
)

var generation atomic.Int64

// kubeletWrite updates the Secret volume at dir as the kubelet's atomic writer does: a new
// timestamped directory with the keys, a "..data" link swapped to it by rename, one link per
// key through "..data", and the old directory removed.
func kubeletWrite(dir string, data map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ts := fmt.Sprintf("..%s_%d", time.Now().UTC().Format("2006_01_02_15_04_05"), generation.Add(1))
	if err := os.Mkdir(filepath.Join(dir, ts), 0o755); err != nil {
		return err
	}
	for k, v := range data {
		if err := os.WriteFile(filepath.Join(dir, ts, k), v, 0o644); err != nil {
			return err
		}
	}
	old, _ := os.Readlink(filepath.Join(dir, "..data"))
	tmp := filepath.Join(dir, "..data_tmp")
	_ = os.Remove(tmp)
	if err := os.Symlink(ts, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
		return err
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if _, keep := data[e.Name()]; !keep && e.Name()[0] != '.' {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	for k := range data {
		if _, err := os.Lstat(filepath.Join(dir, k)); os.IsNotExist(err) {
			if err := os.Symlink(filepath.Join("..data", k), filepath.Join(dir, k)); err != nil {
				return err
			}
		}
	}
	if old != "" {
		return os.RemoveAll(filepath.Join(dir, old))
	}
	return nil
}

func openFile(t *testing.T, dir string, logs *testlog.Buffer) *secrets.Provider {
	t.Helper()
	cfg := file.NewConfig()
	cfg.Dir = dir
	cfg.RefreshInterval = provider.Duration(200 * time.Millisecond)
	p, err := secrets.Open(context.Background(), secrets.Selection{One: &provider.Envelope{Type: file.Name, Settings: cfg}},
		secrets.Env{Logger: logs.Logger()})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, p.Close()) })
	return p
}

func TestConformance(t *testing.T) {
	dir := t.TempDir()
	logs := &testlog.Buffer{}
	p := openFile(t, dir, logs)
	const noNet = "file has no network backend: the secrets are files the platform mounts into the pod"
	const noAuth = "file has no credentials, tokens or leases: the platform mounts the files"
	secretstest.RunSecrets(t, secretstest.SecretsHarness{
		Provider: p,
		Prefix:   "conformance/",
		Hooks: secretstest.SecretsHooks{
			Seed: func(_ context.Context, name string, data map[string][]byte) error {
				return kubeletWrite(filepath.Join(dir, filepath.FromSlash(name)), data)
			},
			Unseed: func(_ context.Context, name string) error {
				return os.RemoveAll(filepath.Join(dir, filepath.FromSlash(name)))
			},
			Logs: logs.String,
		},
		Absent: map[string]string{
			secretstest.HookRestricted: "file permissions are the only access control, and tests run as root, which they do not stop",
			secretstest.HookShortLived: noAuth, secretstest.HookRelogin: noAuth, secretstest.HookDynamic: noAuth,
			secretstest.HookRestart: noNet, secretstest.HookPartition: noNet, secretstest.HookOpenDown: noNet,
			secretstest.HookForeign: "file is a store only: it has no keeper",
		},
	})
}

func TestKubeletSwap(t *testing.T) {
	dir := t.TempDir()
	p := openFile(t, dir, &testlog.Buffer{})
	ctx := context.Background()
	secretDir := filepath.Join(dir, "db", "app")
	require.NoError(t, kubeletWrite(secretDir, map[string][]byte{"username": []byte("u1"), "password": []byte("p1")}))
	sec, err := p.Store().Get(ctx, "db/app")
	require.NoError(t, err)
	assert.Equal(t, map[string][]byte{"username": []byte("u1"), "password": []byte("p1")}, sec.Data, "the ..data links and directories are not keys")

	w, err := p.Watch(ctx, "db/app", "password")
	require.NoError(t, err)
	defer w.Stop()
	require.NoError(t, kubeletWrite(secretDir, map[string][]byte{"username": []byte("u2"), "password": []byte("p2")}))
	select {
	case v := <-w.Changes():
		assert.Equal(t, "p2", v.Reveal())
	case <-time.After(10 * time.Second):
		t.Fatal("the swapped secret did not reach the watcher")
	}
	sec2, err := p.Store().Get(ctx, "db/app")
	require.NoError(t, err)
	assert.NotEqual(t, sec.Version, sec2.Version)

	names, err := p.Store().List(ctx, "db/")
	require.NoError(t, err)
	assert.Equal(t, []string{"db/app"}, names)
}

func TestPlainDirectory(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "eim", "keycloak"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "eim", "keycloak", "client_secret"), []byte("planted-file-secret"), 0o600))
	p := openFile(t, dir, &testlog.Buffer{})
	ref := provider.SecretRef{Secret: "eim/keycloak#client_secret"}
	require.NoError(t, ref.Resolve(context.Background(), provider.SecretSources{Store: p}))
	assert.Equal(t, "planted-file-secret", ref.Value().Reveal(), "a plain directory of key files works too")
	_, err := p.Store().Get(context.Background(), "eim")
	assert.Equal(t, provider.NotFound, provider.CodeOf(err), "a directory with only subdirectories is not a secret")
}

func TestValidate(t *testing.T) {
	cfg := file.NewConfig()
	assert.ErrorContains(t, cfg.Validate(), "dir: is required")
	cfg.Dir = "relative"
	assert.ErrorContains(t, cfg.Validate(), "dir: must be an absolute path")
}
