package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/version"
)

// TestVersionCommand: eim version prints the build and the APIs it serves, as text and JSON;
// eim --version the one-line form.
func TestVersionCommand(t *testing.T) {
	out, _, err := run(t, "version", "--json")
	require.NoError(t, err)
	var got version.Info
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	want := version.Get()
	assert.Equal(t, want.Version, got.Version)
	assert.Equal(t, want.Revision, got.Revision)
	assert.Equal(t, want.APIs, got.APIs)
	assert.Subset(t, got.Modules, []string{"inventory", "api", "onboarding", "hostmgr", "maintenance", "osresource", "tenant"})

	out, _, err = run(t, "version")
	require.NoError(t, err)
	assert.Contains(t, out, "version: "+got.Version+"\nrevision: "+got.Revision+"\n")
	assert.Contains(t, out, "modules: inventory, api, onboarding, ")
	assert.Contains(t, out, "  inventory gRPC: eim.inventory.v1\n")

	out, _, err = run(t, "--version")
	require.NoError(t, err)
	assert.Equal(t, "eim version "+got.String()+"\n", out)
}
