package api_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// repoRoot is the repository's top directory (this file lives in api/).
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test source")
	}
	return filepath.Dir(filepath.Dir(file))
}

// treeFiles maps every regular file under dir (slash-separated, relative to dir) to its content.
func treeFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			t.Errorf("%s: not a regular file", path)
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", dir, err)
	}
	return files
}

// TestLegacyProtosAreVerbatim checks that api/proto/legacy is an exact copy of ../shared/legacy/proto
// (the same files, byte for byte): the legacy contracts are compiled unchanged, never edited here.
func TestLegacyProtosAreVerbatim(t *testing.T) {
	root := repoRoot(t)
	src := filepath.Join(root, "..", "shared", "legacy", "proto")
	if _, err := os.Stat(src); err != nil {
		t.Fatalf("%s is not beside the repository (%v): the legacy copies cannot be checked. Fix: put shared/ beside the repository, as CI does", src, err)
	}
	want := treeFiles(t, src)
	got := treeFiles(t, filepath.Join(root, "api", "proto", "legacy"))
	if len(want) == 0 {
		t.Fatalf("no files under %s", src)
	}
	var names []string
	for name := range want {
		names = append(names, name)
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		w, inSrc := want[name]
		g, inCopy := got[name]
		switch {
		case !inCopy:
			t.Errorf("api/proto/legacy/%s is missing: copy it from %s unchanged, then run make proto", name, src)
		case !inSrc:
			t.Errorf("api/proto/legacy/%s has no source in %s: remove it (the legacy tree holds only verbatim copies)", name, src)
		case !bytes.Equal(w, g):
			t.Errorf("api/proto/legacy/%s differs from %s/%s: the legacy contracts are never edited; restore the copy", name, src, name)
		}
	}
}

// TestLegacyOpenAPIIsVerbatim: the legacy OpenAPI documents under api/openapi/legacy are the
// files of ../shared/legacy/openapi, byte for byte (api/openapi/README.md names where each
// comes from).
func TestLegacyOpenAPIIsVerbatim(t *testing.T) {
	root := repoRoot(t)
	src := filepath.Join(root, "..", "shared", "legacy", "openapi")
	if _, err := os.Stat(src); err != nil {
		t.Fatalf("%s is not beside the repository (%v): the legacy copies cannot be checked. Fix: put shared/ beside the repository, as CI does", src, err)
	}
	copies := map[string]string{
		"apiv2-openapi.yaml":                        "infra-core/apiv2-openapi.yaml",
		"apiv2-manifest-fulleim.yaml":               "infra-core/apiv2-manifest-fulleim.yaml",
		"apiv2-manifest-noobb.yaml":                 "infra-core/apiv2-manifest-noobb.yaml",
		"apiv2-manifest-vpro.yaml":                  "infra-core/apiv2-manifest-vpro.yaml",
		"orch-utils.tenancy-datamodel.openapi.yaml": "orch-utils/orch-utils.tenancy-datamodel.openapi.yaml",
	}
	got := treeFiles(t, filepath.Join(root, "api", "openapi", "legacy"))
	assert.Len(t, got, len(copies), "api/openapi/legacy holds exactly the copies")
	for name, from := range copies {
		want, err := os.ReadFile(filepath.Join(src, from))
		require.NoError(t, err)
		assert.True(t, bytes.Equal(want, got[name]), "api/openapi/legacy/%s differs from ../shared/legacy/openapi/%s", name, from)
	}
}
