package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMigrateDB runs `eim migrate db --status`, `eim migrate db` and --status again on the
// embedded SQLite database of a fresh data directory.
func TestMigrateDB(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "eim.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("dataDir: "+filepath.Join(dir, "data")+"\n"), 0o600))
	run := func(args ...string) string {
		var out, errw bytes.Buffer
		cmd := newMigrateDB()
		cmd.SetOut(&out)
		cmd.SetErr(&errw)
		cmd.SetArgs(append([]string{"--config", cfg}, args...))
		require.NoError(t, cmd.Execute(), errw.String())
		return out.String()
	}
	assert.Regexp(t, `storage\s+0\s+1\s+1`, run("--status"), "before: nothing applied, version 1 pending")
	assert.Regexp(t, `storage\s+1\s+1\s+-`, run(), "migrated")
	assert.Regexp(t, `storage\s+1\s+1\s+-`, run("--status"))
	assert.FileExists(t, filepath.Join(dir, "data", "eim.db"))
}
