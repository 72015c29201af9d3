package e2e_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/test/proc"
)

// tenantPauseEnv is the eimfaults build's fault point of the tenant module
// (services/tenant/fault_eimfaults.go): the file it writes when a project's deletion reaches the
// purge, where the process then stops.
const tenantPauseEnv = "EIM_TEST_TENANT_PAUSE_BEFORE_PURGE"

// TestProjectDeletionSurvivesAKill kills a real `eim serve` (SIGKILL) in the middle of a
// project's teardown — its device clients revoked and journaled, its resources not yet purged —
// and starts it again on the same data directory: the journaled deletion is resumed before the
// process is ready, and the project and its resources are gone.
func TestProjectDeletionSurvivesAKill(t *testing.T) {
	bin := proc.Build(t, "eimfaults")
	dir := t.TempDir()
	paused := filepath.Join(t.TempDir(), "paused")
	target := "EIM_TARGET=inventory,api,tenant"
	env := proc.Env(dir, target, tenantPauseEnv+"="+paused)
	p := proc.Start(t, bin, dir, env, "serve")
	api := rest{base: "http://" + p.HTTP}
	e := &embedded{bin: bin, env: env}
	operator := e.token(t, "--project", "crashy", "--create", "--role", "im-rw")
	admin := e.token(t, "--global-role", "project-delete-role,project-read-role")
	region := api.create(t, "crashy", operator, "regions", map[string]any{"name": "plant"})
	api.create(t, "crashy", operator, "compute/hosts/register", map[string]any{"name": "edge-1",
		"uuid": "4c4c4544-0035-3010-8030-c2c04f4a4d33", "serialNumber": "CRASHY0001"})

	require.Equal(t, http.StatusOK, api.do(t, http.MethodDelete, "/v1/projects/crashy", admin, nil, &map[string]any{}))
	require.Eventually(t, func() bool { _, err := os.Stat(paused); return err == nil }, time.Minute, 20*time.Millisecond,
		"the teardown reaches the fault point")
	assert.Equal(t, http.StatusOK, api.do(t, http.MethodGet, "/v1/projects/crashy/regions/"+region, operator, nil, &map[string]any{}),
		"the resources are not purged yet")
	p.Kill()

	p = proc.Start(t, bin, dir, proc.Env(dir, target), "serve")
	api = rest{base: "http://" + p.HTTP}
	assert.Equal(t, http.StatusNotFound, api.do(t, http.MethodGet, "/v1/projects/crashy", admin, nil, nil),
		"the restart finished the deletion before the process was ready")
	var list []map[string]any
	assert.Equal(t, http.StatusOK, api.do(t, http.MethodGet, "/v1/projects", admin, nil, &list))
	for _, pr := range list {
		assert.NotEqual(t, "crashy", str(pr, "name"), "the project is not listed")
	}
}
