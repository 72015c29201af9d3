// Package release_test checks what a release promises its successor (docs/upgrade.md): a
// released migration is never edited, and a migration added since the previous release is online
// (the previous release keeps reading and writing while and after it runs).
package release_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/test/proc"
)

// migrationFile matches the schema migrations of every module and provider (goose files,
// one folder per dialect).
var migrationFile = regexp.MustCompile(`(^|/)migrations/(postgres|mysql|sqlite)/[^/]+\.sql$`)

// TestReleasedMigrationsUnchanged: every migration of the previous release is still here, byte
// for byte. A database migrated by it has recorded the version, so an edit would never run there
// and the schemas of upgraded and new installations would differ.
func TestReleasedMigrationsUnchanged(t *testing.T) {
	root, prev := proc.Root(t), proc.Previous(t)
	released := migrations(t, root, "ls-tree", "-r", "--name-only", prev)
	require.NotEmpty(t, released, "the previous release has migrations")
	for _, f := range released {
		old := git(t, root, "show", prev+":"+f)
		cur, err := os.ReadFile(filepath.Join(root, f))
		if !assert.NoError(t, err, "%s: a migration of the previous release was removed: restore it", f) {
			continue
		}
		assert.Equal(t, old, string(cur), "%s: a released migration was edited: restore it and add a new migration", f)
	}
}

// TestNewMigrationsAreOnline: the migrations added since the previous release pass online.
func TestNewMigrationsAreOnline(t *testing.T) {
	root, prev := proc.Root(t), proc.Previous(t)
	released := map[string]bool{}
	for _, f := range migrations(t, root, "ls-tree", "-r", "--name-only", prev) {
		released[f] = true
	}
	var added []string
	for _, f := range migrations(t, root, "ls-files") {
		if !released[f] {
			added = append(added, f)
		}
	}
	t.Logf("migrations added since %.7s: %d %v", prev, len(added), added)
	for _, f := range added {
		b, err := os.ReadFile(filepath.Join(root, f))
		require.NoError(t, err)
		for _, p := range online(string(b)) {
			t.Errorf("%s: %s", f, p)
		}
	}
}

// migrations lists the migration files git names with args (run in root).
func migrations(t *testing.T, root string, args ...string) []string {
	t.Helper()
	var out []string
	for _, f := range strings.Split(git(t, root, args...), "\n") {
		if migrationFile.MatchString(f) {
			out = append(out, f)
		}
	}
	return out
}

func git(t *testing.T, root string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = root
	out, err := cmd.Output()
	require.NoError(t, err, "git %v", args)
	return string(out)
}
