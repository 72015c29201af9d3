package version

import (
	"bytes"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResolve(t *testing.T) {
	stamped := &debug.BuildInfo{GoVersion: "go1.99", Main: debug.Module{Version: "v0.1.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}}}
	for _, tc := range []struct {
		name, v, rev string
		bi           *debug.BuildInfo
		want         Info
	}{
		{"linker values win", "0.2.0", "def", stamped, Info{Version: "0.2.0", Revision: "def", GoVersion: "go1.99"}},
		{"go install: the build information", "", "", stamped, Info{Version: "v0.1.0", Revision: "abc", GoVersion: "go1.99"}},
		{"go build in a work tree", "", "", &debug.BuildInfo{GoVersion: "go1.99"}, Info{Version: Devel, Revision: Unknown, GoVersion: "go1.99"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := resolve(tc.v, tc.rev, tc.bi)
			assert.Equal(t, tc.want.Version, got.Version)
			assert.Equal(t, tc.want.Revision, got.Revision)
			assert.Equal(t, tc.want.GoVersion, got.GoVersion)
		})
	}
}

func TestAPIsNameTheGeneratedPackages(t *testing.T) {
	got := map[string]string{}
	for _, a := range APIs() {
		got[a.Name] = a.Version
	}
	assert.Equal(t, "eim.inventory.v1", got["inventory gRPC"])
	assert.Equal(t, "eim.inventory.v1.Change", got["inventory events"])
	assert.Equal(t, "hostmgr_southbound_proto", got["southbound host manager"])
	assert.Equal(t, "maintmgr.v1", got["southbound maintenance manager"])
	assert.Equal(t, "onboardingmgr.v1", got["southbound onboarding manager"])
}

func TestWrite(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, Info{Version: "0.2.0", Revision: "abc", GoVersion: "go1.99", Platform: "linux/arm64",
		Modules: []string{"inventory", "api"}, APIs: []API{{Name: "x", Version: "x.v1"}}}.Write(&b))
	assert.Equal(t, "version: 0.2.0\nrevision: abc\ngo: go1.99\nplatform: linux/arm64\nmodules: inventory, api\napis:\n  x: x.v1\n", b.String())
}
