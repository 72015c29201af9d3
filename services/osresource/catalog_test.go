package osresource_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/osresource"
)

// legacyDir is ../shared/legacy/infra-core/os-profiles beside the repository.
func legacyDir(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	require.True(t, ok)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "legacy", "infra-core", "os-profiles")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("%s is not beside the repository (%v): the legacy copies cannot be checked. Fix: put shared/ beside the repository, as CI does", dir, err)
	}
	return dir
}

func yamlFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	require.NoError(t, err)
	out := map[string][]byte{}
	for _, m := range matches {
		b, err := os.ReadFile(m)
		require.NoError(t, err)
		out[filepath.Base(m)] = b
	}
	return out
}

// TestBuiltInCatalogIsVerbatim: services/osresource/profiles holds the legacy os-profiles
// manifests byte for byte.
func TestBuiltInCatalogIsVerbatim(t *testing.T) {
	want := yamlFiles(t, legacyDir(t))
	got := yamlFiles(t, "profiles")
	require.NotEmpty(t, want)
	for name, w := range want {
		assert.True(t, bytes.Equal(w, got[name]), "profiles/%s differs from the legacy os-profiles/%s: copy it unchanged", name, name)
	}
	for name := range got {
		assert.Contains(t, want, name, "profiles/%s has no legacy source: remove it", name)
	}
}

// TestBuiltInCatalogLoadsEveryLegacyProfile: every legacy manifest validates.
func TestBuiltInCatalogLoadsEveryLegacyProfile(t *testing.T) {
	cat, err := osresource.Load(context.Background(), "", nil)
	require.NoError(t, err)
	assert.Empty(t, cat.Skipped)
	var names []string
	for _, p := range cat.Profiles {
		names = append(names, p.Spec.ProfileName)
	}
	sort.Strings(names)
	want := []string{"microvisor-idv", "microvisor-nonrt", "microvisor-rt", "microvisor-standalone", "ubuntu-22.04-lts-generic",
		"ubuntu-22.04-lts-generic-ext", "ubuntu-24.04-lts", "ubuntu-24.04-lts-generic-ext", "ubuntu-lenovo"}
	assert.Equal(t, want, names)
	p, ok := cat.Profile("ubuntu-22.04-lts-generic")
	require.True(t, ok)
	os := p.OS()
	assert.Equal(t, "22.04.5", os.GetProfileVersion())
	assert.Equal(t, "b9b65a7e045ca262ad614cbedeaa1bf34b9325d76f856e85e17b68984e7a4314", os.GetSha256())
	ext, _ := cat.Profile("ubuntu-22.04-lts-generic-ext")
	assert.JSONEq(t, `{"installerScript":"edge-orch/en/files/platformbundle/ubuntu-22.04-lts-generic-ext:1.1.5",
		"cloudInitScript":"edge-orch/en/files/platformbundle/cloudinit:1.1.5"}`, ext.OS().GetPlatformBundle())
}

// breakings are broken manifests made from a valid one: the file and field each names.
var breakings = []struct {
	name, field string
	edit        func(string) string
}{
	{"missing sha", "spec.osImageSha256", func(s string) string { return strings.Replace(s, "osImageSha256: b9b6", "osImageSha256: zz", 1) }},
	{"unknown key", "spec.osImageURL", func(s string) string { return strings.Replace(s, "osImageUrl:", "osImageURL:", 1) }},
	{"bad type", "spec.type", func(s string) string { return strings.Replace(s, "OS_TYPE_MUTABLE", "OS_TYPE_SOFT", 1) }},
	{"bad security", "spec.securityFeature", func(s string) string {
		return strings.Replace(s, "SECURITY_FEATURE_SECURE_BOOT_AND_FULL_DISK_ENCRYPTION", "SECURE", 1)
	}},
	{"wrong app version", "appVersion", func(s string) string { return strings.Replace(s, "apps/v1", "apps/v2", 1) }},
	{"no version", "spec.osImageVersion", func(s string) string { return strings.Replace(s, "osImageVersion: 22.04.5", "osImageVersion: \"\"", 1) }},
	{"not yaml", "(document)", func(string) string { return "spec: [\n" }},
	{"apiv2 rule", "spec.name", func(s string) string { return strings.Replace(s, "name: Ubuntu 22.04.5 LTS", "name: Ubuntu & more", 1) }},
}

// TestDirectoryWithBrokenManifest: a directory source with one broken manifest loads the
// others and reports the broken one by file and field.
func TestDirectoryWithBrokenManifest(t *testing.T) {
	legacy := yamlFiles(t, legacyDir(t))
	for _, tt := range breakings {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, b := range legacy {
				if name == "ubuntu-22.04-lts-generic.yaml" {
					b = []byte(tt.edit(string(b)))
				}
				require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o600))
			}
			cat, err := osresource.Load(context.Background(), dir, nil)
			require.NoError(t, err)
			assert.Len(t, cat.Profiles, len(legacy)-1, "the other manifests load")
			require.Len(t, cat.Skipped, 1)
			assert.Equal(t, "ubuntu-22.04-lts-generic.yaml", cat.Skipped[0].File)
			assert.Equal(t, tt.field, cat.Skipped[0].Field)
			assert.Contains(t, cat.Skipped[0].Error(), "ubuntu-22.04-lts-generic.yaml: field "+tt.field)
		})
	}
}

// TestProfileNameMustMatchFile: a manifest whose profileName differs from its file name is
// skipped (the legacy rule), as is a second manifest of one profile.
func TestProfileNameMustMatchFile(t *testing.T) {
	dir := t.TempDir()
	b := yamlFiles(t, legacyDir(t))["microvisor-rt.yaml"]
	require.NoError(t, os.WriteFile(filepath.Join(dir, "microvisor-rt-copy.yaml"), b, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "microvisor-rt.yaml"), b, 0o600))
	cat, err := osresource.Load(context.Background(), dir, nil)
	require.NoError(t, err)
	require.Len(t, cat.Profiles, 1)
	require.Len(t, cat.Skipped, 1)
	assert.Equal(t, "microvisor-rt-copy.yaml", cat.Skipped[0].File)
	assert.Equal(t, "spec.profileName", cat.Skipped[0].Field)
}

// TestMissingDirectory: an unreadable source is an error naming it, not an empty catalog.
func TestMissingDirectory(t *testing.T) {
	_, err := osresource.Load(context.Background(), filepath.Join(t.TempDir(), "none"), nil)
	require.Error(t, err)
	assert.Equal(t, provider.FailedPrecondition, provider.CodeOf(err))
	assert.Contains(t, err.Error(), "osresource.source")
}

// tarball returns a .tar.gz of files.
func tarball(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: "os-profiles/" + n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg}))
		_, err := tw.Write(files[n])
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	return buf.Bytes()
}

// serveCatalog serves body at /os-profiles.tar.gz over TLS on 127.0.0.1 and returns the URL
// and a CA file trusting the server.
func serveCatalog(t *testing.T, body []byte) (url, caFile string) {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/os-profiles.tar.gz" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	require.True(t, strings.HasPrefix(srv.URL, "https://127.0.0.1:"))
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))
	return srv.URL + "/os-profiles.tar.gz", caFile
}

// TestHTTPSSource: a tarball over HTTPS, verified with the CA of osresource.tls.ca, loads; the
// same URL without the CA fails with the certificate error and the fix.
func TestHTTPSSource(t *testing.T) {
	legacy := yamlFiles(t, legacyDir(t))
	legacy["broken.yaml"] = []byte("appVersion: apps/v1\nspec: {}\n")
	u, caFile := serveCatalog(t, tarball(t, legacy))
	cfg := config.Default()
	cfg.OSResource.Source = u
	cfg.OSResource.TLS.CA = provider.SecretRef{File: caFile}
	require.NoError(t, cfg.OSResource.TLS.CA.Resolve(context.Background(), provider.SecretSources{ReadFile: os.ReadFile}))
	m := newModule(t, cfg)
	require.NoError(t, m.Sync(context.Background()))
	cat := m.Catalog()
	assert.Equal(t, u, cat.Source)
	assert.Len(t, cat.Profiles, len(legacy)-1)
	require.Len(t, cat.Skipped, 1)
	assert.Equal(t, "broken.yaml", cat.Skipped[0].File)
	assert.Contains(t, m.HealthDetail(), "skipped broken.yaml: field spec.name")

	cfg.OSResource.TLS = provider.TLS{}
	m = newModule(t, cfg)
	err := m.Sync(context.Background())
	require.Error(t, err)
	assert.Equal(t, provider.FailedPrecondition, provider.CodeOf(err))
	assert.Contains(t, err.Error(), "osresource.tls.ca")
	assert.NoError(t, m.CheckHealth(context.Background()), "a background failure keeps the process in service")
	assert.Contains(t, m.HealthDetail(), "last sync failed (retrying): ")
	assert.Contains(t, m.HealthDetail(), "osresource.tls.ca", "the detail says what to fix")
}
