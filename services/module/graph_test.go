package module_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/module"
)

func all(string) bool { return true }

func names(ds []module.Descriptor) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Name
	}
	return out
}

func TestEIMResolve(t *testing.T) {
	g := module.EIM()
	tests := []struct {
		target string
		want   []string
	}{
		{"all", []string{"inventory", "api", "onboarding", "hostmgr", "maintenance", "osresource", "tenant", "oob"}},
		{"onboarding", []string{"inventory", "api", "onboarding", "osresource"}},
		{"day2", []string{"inventory", "api", "hostmgr", "maintenance"}},
		{"observability", []string{"inventory", "api", "hostmgr"}},
		{"hostmgr,inventory", []string{"inventory", "hostmgr"}},
		{" inventory , api ", []string{"inventory", "api"}},
		{"day2,tenant", []string{"inventory", "api", "hostmgr", "maintenance", "tenant"}},
		{"inventory,inventory", []string{"inventory"}},
		{"module:onboarding,inventory", []string{"inventory", "onboarding"}},
		{"module:inventory", []string{"inventory"}},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			got, err := g.Resolve(tt.target, all)
			require.NoError(t, err)
			assert.Equal(t, tt.want, names(got), "dependencies first, declaration order otherwise")
		})
	}
}

// TestEIMResolveRemote: with the inventory remote (inventory.address, a split deployment), the
// modules requiring it resolve without it, and it is not started in this process.
func TestEIMResolveRemote(t *testing.T) {
	g := module.EIM()
	for _, tt := range []struct {
		target string
		want   []string
	}{
		{"api,hostmgr,maintenance", []string{"api", "hostmgr", "maintenance"}},
		{"hostmgr", []string{"hostmgr"}},
		{"inventory,api", []string{"inventory", "api"}},
	} {
		t.Run(tt.target, func(t *testing.T) {
			got, err := g.Resolve(tt.target, all, module.Remote(module.Inventory))
			require.NoError(t, err)
			assert.Equal(t, tt.want, names(got))
		})
	}
}

func TestEIMResolveErrors(t *testing.T) {
	g := module.EIM()
	built := func(n string) bool { return n == "inventory" || n == "api" }
	tests := []struct {
		target string
		built  func(string) bool
		want   string
	}{
		{"api", all, "module api requires module inventory in the same process: add it (e.g. --target=api,inventory)"},
		{"invntory", all, `unknown target "invntory": use all, a profile (day2, observability, onboarding, oob) or modules (inventory, api, onboarding, hostmgr, maintenance, osresource, tenant, oob)`},
		{"", all, `unknown target ""`},
		{"day2", built, `module "maintenance" is declared but not built into this binary`},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			_, err := g.Resolve(tt.target, tt.built)
			require.Error(t, err)
			assert.Equal(t, provider.InvalidArgument, provider.CodeOf(err))
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	got, err := g.Resolve("all", built)
	require.NoError(t, err)
	assert.Equal(t, []string{"inventory", "api"}, names(got), "all means every module built in")
}

func TestEIMGraphData(t *testing.T) {
	g := module.EIM()
	assert.Equal(t, []string{"day2", "observability", "onboarding", "oob"}, g.Profiles())
	vpro, ok := g.Profile("oob")
	require.True(t, ok)
	assert.Equal(t, []string{module.Inventory, module.API, module.OOB}, vpro, "the vPro profile")
	day2, ok := g.Profile("day2")
	require.True(t, ok)
	assert.NotContains(t, day2, module.Onboarding, "day2 runs without the onboarding module")
	for _, m := range g.Modules() {
		if m.Name == module.Onboarding {
			assert.Equal(t, []provider.Capability{module.ClientIssuer}, m.Needs["identity"])
		}
	}
}

func TestNewGraphRejects(t *testing.T) {
	tests := []struct {
		name     string
		mods     []module.Descriptor
		profiles map[string][]string
		want     string
	}{
		{"duplicate", []module.Descriptor{{Name: "a"}, {Name: "a"}}, nil, `module "a" declared twice`},
		{"unknown requirement", []module.Descriptor{{Name: "a", Requires: []string{"b"}}}, nil, `module "a" requires unknown module "b"`},
		{"cycle", []module.Descriptor{{Name: "a", Requires: []string{"b"}}, {Name: "b", Requires: []string{"a"}}}, nil, "module dependency cycle: a -> b -> a"},
		{"profile not closed", []module.Descriptor{{Name: "a"}, {Name: "b", Requires: []string{"a"}}}, map[string][]string{"p": {"b"}}, `profile "p": module b requires module a`},
		{"profile unknown module", []module.Descriptor{{Name: "a"}}, map[string][]string{"p": {"z"}}, `profile "p": unknown module "z"`},
		{"profile named all", []module.Descriptor{{Name: "a"}}, map[string][]string{"all": {"a"}}, `profile "all" is reserved`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := module.NewGraph(tt.mods, tt.profiles)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}
