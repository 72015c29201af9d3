package imagebuild_test

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/imagebuild"
	"github.com/eim-byoi/eim/providers/provider"
)

// root is the repository root.
func root(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	require.NoError(t, err)
	return filepath.Dir(strings.TrimSpace(string(out)))
}

// git runs git in dir and returns its trimmed output.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	require.NoError(t, err, "git %v", args)
	return strings.TrimSpace(string(out))
}

// options are make images' options for the checked-out commit, writing to a directory of the test.
func options(t *testing.T) imagebuild.Options {
	t.Helper()
	r := root(t)
	v, err := os.ReadFile(filepath.Join(r, "VERSION"))
	require.NoError(t, err)
	secs, err := strconv.ParseInt(git(t, r, "log", "-1", "--format=%ct", "HEAD"), 10, 64)
	require.NoError(t, err)
	tool := filepath.Join(r, ".tools", "bin", "cyclonedx-gomod")
	require.FileExists(t, tool, "run make deps: it builds the SBOM generator")
	return imagebuild.Options{Root: r, Out: t.TempDir(), Version: strings.TrimSpace(string(v)), Revision: git(t, r, "rev-parse", "HEAD"),
		Created: time.Unix(secs, 0).UTC(), Source: "https://github.com/eim-byoi/eim", Repo: "ghcr.io/eim-byoi",
		Modules: imagebuild.Modules(), Platforms: []string{"linux/amd64", "linux/arm64"},
		CACerts: "/etc/ssl/certs/ca-certificates.crt", SBOMTool: tool}
}

// TestImages builds the images once (both platforms), pushes them to a registry on loopback,
// pulls them back and checks what a user running them gets; then builds again from the same
// commit and compares the digests.
func TestImages(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	o := options(t)
	res, err := imagebuild.Build(ctx, o)
	require.NoError(t, err)
	require.Len(t, res.Images, 1+len(o.Modules))

	reg := httptest.NewServer(registry.New(registry.Logger(discardLogger())))
	defer reg.Close()
	prefix := strings.TrimPrefix(reg.URL, "http://") + "/eim-byoi"
	refs, err := res.Push(ctx, prefix)
	require.NoError(t, err)
	require.Len(t, refs, len(res.Images))

	for i, img := range res.Images {
		t.Run(img.Repository, func(t *testing.T) { checkPulled(t, ctx, o, img, refs[i]) })
	}
	t.Run("the binary runs as the non-root user without a shell", func(t *testing.T) {
		checkFilesystem(t, o, pulledImage(t, ctx, refs[0], runtime.GOARCH))
	})
	t.Run("reproducible", func(t *testing.T) { checkReproducible(t, ctx, o, res) })
}

// pulledImage is the image of architecture arch of the index at ref, pulled from the registry.
func pulledImage(t *testing.T, ctx context.Context, ref name.Reference, arch string) v1.Image {
	t.Helper()
	idx, err := remote.Index(ref, remote.WithContext(ctx))
	require.NoError(t, err)
	m, err := idx.IndexManifest()
	require.NoError(t, err)
	for _, d := range m.Manifests {
		if d.Platform != nil && d.Platform.Architecture == arch {
			img, err := idx.Image(d.Digest)
			require.NoError(t, err)
			return img
		}
	}
	t.Fatalf("%s has no %s image", ref, arch)
	return nil
}

// checkPulled: the index pulled back is the one built, with both platforms, the labels, the
// non-root user and the image's own arguments.
func checkPulled(t *testing.T, ctx context.Context, o imagebuild.Options, img imagebuild.Image, ref name.Reference) {
	idx, err := remote.Index(ref, remote.WithContext(ctx))
	require.NoError(t, err)
	got, err := idx.Digest()
	require.NoError(t, err)
	want, err := img.Index.Digest()
	require.NoError(t, err)
	assert.Equal(t, want, got, "the registry serves the index built")
	m, err := idx.IndexManifest()
	require.NoError(t, err)
	var archs []string
	for _, d := range m.Manifests {
		archs = append(archs, d.Platform.OS+"/"+d.Platform.Architecture)
	}
	assert.Equal(t, o.Platforms, archs)
	assert.Equal(t, o.Version, m.Annotations[imagebuild.LabelVersion])
	wantArgs := []string{"serve"}
	if img.Repository != "eim" {
		wantArgs = []string{"serve", "--target=" + strings.TrimPrefix(img.Repository, "eim-")}
	}
	for _, arch := range []string{"amd64", "arm64"} {
		cf, err := pulledImage(t, ctx, ref, arch).ConfigFile()
		require.NoError(t, err)
		assert.Equal(t, arch, cf.Architecture)
		assert.Equal(t, "65532:65532", cf.Config.User)
		assert.Equal(t, []string{"/eim"}, cf.Config.Entrypoint)
		assert.Equal(t, wantArgs, cf.Config.Cmd)
		assert.Equal(t, map[string]string{
			imagebuild.LabelVersion: o.Version, imagebuild.LabelRevision: o.Revision, imagebuild.LabelSource: o.Source,
			imagebuild.LabelCreated: o.Created.Format(time.RFC3339), imagebuild.LabelTitle: img.Repository,
			"org.opencontainers.image.description": "EIM BYO-Infrastructure: " + strings.Join(wantArgs, " "),
		}, cf.Config.Labels)
		assert.True(t, cf.Created.Equal(o.Created), "created is the commit time, not the build's")
	}
}

// checkFilesystem extracts img and checks its files, then runs its eim version.
func checkFilesystem(t *testing.T, o imagebuild.Options, img v1.Image) {
	files := map[string]*tar.Header{}
	var exe, sbom, passwd []byte
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		files["/"+strings.TrimSuffix(h.Name, "/")] = h
		switch "/" + h.Name {
		case "/eim":
			exe, err = io.ReadAll(tr)
		case imagebuild.SBOMPath:
			sbom, err = io.ReadAll(tr)
		case "/etc/passwd":
			passwd, err = io.ReadAll(tr)
		}
		require.NoError(t, err)
	}
	for _, shell := range []string{"/bin/sh", "/bin/bash", "/bin/busybox", "/usr/bin/sh", "/bin"} {
		assert.NotContains(t, files, shell, "no shell")
	}
	require.Contains(t, files, "/etc/ssl/certs/ca-certificates.crt")
	assert.Positive(t, files["/etc/ssl/certs/ca-certificates.crt"].Size)
	assert.Contains(t, string(passwd), "nonroot:x:65532:65532:")
	assert.Equal(t, imagebuild.UID, files["/home/nonroot"].Uid)
	assert.EqualValues(t, 0o755, files["/eim"].Mode&0o777)
	for p, h := range files {
		assert.True(t, h.ModTime.Equal(o.Created), "%s: mtime is the commit time", p)
	}

	var doc struct {
		BOMFormat  string                           `json:"bomFormat"`
		Metadata   struct{ Timestamp string }       `json:"metadata"`
		Components []struct{ Name, Version string } `json:"components"`
	}
	require.NoError(t, json.Unmarshal(sbom, &doc))
	assert.Equal(t, "CycloneDX", doc.BOMFormat)
	assert.Equal(t, o.Created.Format(time.RFC3339), doc.Metadata.Timestamp)
	var names []string
	for _, c := range doc.Components {
		names = append(names, c.Name)
	}
	assert.Contains(t, names, "google.golang.org/grpc", "the SBOM lists the modules linked in")

	bin := filepath.Join(t.TempDir(), "eim")
	require.NoError(t, os.WriteFile(bin, exe, 0o755))
	out, err := exec.Command(bin, "version", "--json").Output()
	require.NoError(t, err)
	var info struct{ Version, Revision string }
	require.NoError(t, json.Unmarshal(out, &info))
	assert.Equal(t, o.Version, info.Version)
	assert.Equal(t, o.Revision, info.Revision)
}

// checkReproducible builds again from the same commit into another directory: every index has
// the same digest, and the OCI archives are byte for byte the same.
func checkReproducible(t *testing.T, ctx context.Context, o imagebuild.Options, first *imagebuild.Result) {
	o2 := o
	o2.Out = t.TempDir()
	second, err := imagebuild.Build(ctx, o2)
	require.NoError(t, err)
	for i := range first.Images {
		a, err := first.Images[i].Index.Digest()
		require.NoError(t, err)
		b, err := second.Images[i].Index.Digest()
		require.NoError(t, err)
		assert.Equal(t, a, b, first.Images[i].Name)
	}
	sum := func(r *imagebuild.Result, dir string) [32]byte {
		archive := filepath.Join(dir, "images.oci.tar")
		require.NoError(t, r.Write(filepath.Join(dir, "oci"), archive, o.Created))
		b, err := os.ReadFile(archive)
		require.NoError(t, err)
		return sha256.Sum256(b)
	}
	assert.Equal(t, sum(first, o.Out), sum(second, o2.Out), "the OCI archives are identical")
}

func TestOptionsAreChecked(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*imagebuild.Options)
		field string
	}{
		{"no version", func(o *imagebuild.Options) { o.Version = "" }, "version"},
		{"no platforms", func(o *imagebuild.Options) { o.Platforms = nil }, "platforms"},
		{"no commit time", func(o *imagebuild.Options) { o.Created = time.Time{} }, "created"},
		{"relative out", func(o *imagebuild.Options) { o.Out = "dist" }, "out"},
		{"bad platform", func(o *imagebuild.Options) { o.Platforms = []string{"amd64"} }, "platforms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := imagebuild.Options{Root: ".", Out: t.TempDir(), Version: "1", Revision: "r", Repo: "x", CACerts: "c",
				SBOMTool: "s", Created: time.Unix(1, 0), Platforms: []string{"linux/amd64"}}
			tc.edit(&o)
			_, err := imagebuild.Build(context.Background(), o)
			require.Error(t, err)
			assert.Equal(t, provider.InvalidArgument, provider.CodeOf(err))
			assert.Contains(t, err.Error(), tc.field)
		})
	}
}

// discardLogger silences the registry's request log.
func discardLogger() *log.Logger { return log.New(io.Discard, "", 0) }
