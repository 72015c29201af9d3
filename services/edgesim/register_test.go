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
