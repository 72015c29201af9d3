package edgesim_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/services/edgesim"
	"github.com/eim-byoi/eim/test/apitest"
	"github.com/eim-byoi/eim/test/testenv"
)

func TestRegisterCreatesTheHostsThroughTheAPI(t *testing.T) {
	idp, iss := openIssuer(t)
	api := apitest.New(t, apitest.Options{Identity: apitest.Identity{Verifier: idp}})
	names := []string{testenv.Unique(t, "a"), testenv.Unique(t, "b")}
	fleet := edgesim.NewFleet(7, []edgesim.Tenant{{Name: names[0]}, {Name: names[1]}}, t.Name())
	// The operator's tokens: project-write-role to create the projects, im-rw in each.
	reg := edgesim.Registration{APIURL: api.URL, CreateProjects: true, Concurrency: 3,
		Token: func(ctx context.Context, project string) (string, error) {
			g := identity.Grant{Subject: "edge-sim-operator", Roles: []string{"project-write-role"}, TTL: time.Hour}
			if project != "" {
				p, err := api.Inventory.GetProject(ctx, &inventoryv1.GetProjectRequest{NameOrId: project})
				if err != nil {
					return "", err
				}
				g.Roles = []string{p.GetProject().GetId() + "_im-rw"}
			}
			return iss.Mint(ctx, g)
		}}

	got, err := edgesim.Register(t.Context(), reg, fleet)
	require.NoError(t, err)
	assert.Equal(t, &edgesim.Registered{ProjectsCreated: 2, HostsCreated: len(fleet)}, got)

	for _, name := range names {
		p, err := api.Inventory.GetProject(t.Context(), &inventoryv1.GetProjectRequest{NameOrId: name})
		require.NoError(t, err, "the project was created")
		var hosts struct {
			Hosts []struct {
				UUID         string `json:"uuid"`
				SerialNumber string `json:"serialNumber"`
				DesiredState string `json:"desiredState"`
			} `json:"hosts"`
		}
		tok, err := iss.Mint(t.Context(), identity.Grant{Subject: "reader", Roles: []string{p.GetProject().GetId() + "_im-r"}})
		require.NoError(t, err)
		r := api.Do(t, http.MethodGet, "/v1/projects/"+name+"/compute/hosts?pageSize=100", tok, nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		r.JSON(t, &hosts)
		want := map[string]string{}
		for _, n := range fleet {
			if n.Tenant.Name == name {
				assert.Equal(t, p.GetProject().GetId(), n.Tenant.ID, "the node's project id is filled in")
				want[n.GUID] = n.Serial
			}
		}
		have := map[string]string{}
		for _, h := range hosts.Hosts {
			have[h.UUID] = h.SerialNumber
			assert.Equal(t, "HOST_STATE_ONBOARDED", h.DesiredState, "registered with auto-onboard")
		}
		assert.Equal(t, want, have, "the project holds its nodes' hosts")
	}

	again, err := edgesim.Register(t.Context(), reg, fleet)
	require.NoError(t, err)
	assert.Equal(t, &edgesim.Registered{HostsExisting: len(fleet)}, again, "registering again changes nothing")
}

// TestRegisterWithInstances: with Instances, every new host gets an instance of the project's
// OS resource (by profile name here), which the maintenance manager needs; a project without
// one is refused, naming the fix.
func TestRegisterWithInstances(t *testing.T) {
	idp, iss := openIssuer(t)
	api := apitest.New(t, apitest.Options{Identity: apitest.Identity{Verifier: idp}})
	name, id := api.Project(t)
	tok, err := iss.Mint(t.Context(), identity.Grant{Subject: "edge-sim-operator", Roles: []string{id + "_im-rw"}, TTL: time.Hour})
	require.NoError(t, err)
	token := func(context.Context, string) (string, error) { return tok, nil }
	fleet := edgesim.NewFleet(3, []edgesim.Tenant{{Name: name}}, t.Name())

	reg := edgesim.Registration{APIURL: api.URL, Token: token, Instances: true, OSWait: 2 * time.Second} // a missing profile is waited for that long: room for a busy machine
	_, err = edgesim.Register(t.Context(), reg, fleet)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "has no OS resource for the instances: run the osresource module")

	r := api.Do(t, http.MethodPost, "/v1/projects/"+name+"/compute/os", tok, map[string]any{"name": "ubuntu", "architecture": "x86_64",
		"imageUrl": "https://files.example.com/ubuntu.img", "sha256": "b5f3d6b9c1f1e2a7c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a",
		"profileName": "ubuntu-22.04-lts-generic", "securityFeature": "SECURITY_FEATURE_NONE", "osType": "OS_TYPE_MUTABLE",
		"osProvider": "OS_PROVIDER_KIND_INFRA"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	reg.OS = "ubuntu-22.04-lts-generic"
	got, err := edgesim.Register(t.Context(), reg, fleet)
	require.NoError(t, err)
	assert.Equal(t, &edgesim.Registered{HostsCreated: 3, InstancesCreated: 3}, got)
	var hosts struct {
		Hosts []struct {
			Instance *struct {
				OS struct {
					ProfileName string `json:"profileName"`
				} `json:"os"`
			} `json:"instance"`
		} `json:"hosts"`
	}
	r = api.Do(t, http.MethodGet, "/v1/projects/"+name+"/compute/hosts", tok, nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r.JSON(t, &hosts)
	require.Len(t, hosts.Hosts, 3)
	for _, h := range hosts.Hosts {
		require.NotNil(t, h.Instance, "every host has its instance")
		assert.Equal(t, "ubuntu-22.04-lts-generic", h.Instance.OS.ProfileName)
	}

	reg.OS = "no-such-profile"
	_, err = edgesim.Register(t.Context(), reg, fleet)
	assert.ErrorContains(t, err, `has no OS resource "no-such-profile"`)
}
