package e2e_test

import (
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/test/proc"
)

// TestLogLevelsReloadOnSIGHUP: a running `eim serve` applies log.level and log.modules from its
// eim.yaml again on SIGHUP, without a restart: the API's request log (info) stops when the api
// module is set to warn and comes back when the setting is removed; an eim.yaml that no longer
// loads keeps the levels in force and says so.
func TestLogLevelsReloadOnSIGHUP(t *testing.T) {
	bin := proc.Build(t)
	dir := t.TempDir()
	f := files{t: t, dir: dir}
	const base = "target: inventory,api,tenant\n"
	cfg := f.write("eim.yaml", base+"log: {level: info}\n")
	env := proc.Env(dir, "EIM_CONFIG="+cfg)
	p := proc.Start(t, bin, dir, env, "serve")
	api := rest{base: "http://" + p.HTTP}
	admin := (&embedded{bin: bin, env: env}).admin(t)
	get := func(name string) {
		require.Equal(t, http.StatusNotFound, api.do(t, http.MethodGet, "/v1/projects/"+name, admin, nil, nil))
	}
	reload := func(content, want string) {
		f.write("eim.yaml", content)
		p.Signal(t, syscall.SIGHUP)
		p.WaitFor(t, want, 30*time.Second)
	}

	get("hup-before")
	p.WaitFor(t, "/v1/projects/hup-before", 30*time.Second)
	reload(base+"log: {level: info, modules: {api: warn}}\n", "SIGHUP: log levels applied")
	get("hup-quiet")
	reload(base+"log: {level: info, modules: {api: [not, a, level]}}\n", "SIGHUP: eim.yaml does not load; log levels unchanged")
	get("hup-still-quiet")
	reload(base+"log: {level: info}\n", "SIGHUP: log levels applied")
	get("hup-after")
	p.WaitFor(t, "/v1/projects/hup-after", 30*time.Second)

	logs := p.Logs()
	for _, quiet := range []string{"/v1/projects/hup-quiet", "/v1/projects/hup-still-quiet"} {
		assert.False(t, strings.Contains(logs, quiet), "no request log while the api module logs at warn: %s", quiet)
	}
	code, _ := p.Get("/readyz", "")
	assert.Equal(t, http.StatusOK, code, "the same process serves on")
}
