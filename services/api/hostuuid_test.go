package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/test/apitest"
	"github.com/eim-byoi/eim/test/dbtest"
)

// TestHostUUIDOfAnotherProjectIsRefused: a host UUID is registered once across all projects:
// another project's operator who creates, registers or updates a host with it gets 409
// AlreadyExists naming the field and the fix, and nothing of the project or host holding it.
func TestHostUUIDOfAnotherProjectIsRefused(t *testing.T) {
	for _, dialect := range dbtest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			bed := apitest.New(t, apitest.Options{Dialect: dialect})
			ownerName, ownerID := bed.Project(t)
			owner := &project{bed: bed, base: "/v1/projects/" + ownerName, token: bed.Token(t, ownerID)}
			attacker := newProject(t, bed)
			taken := uuid.NewString()
			var victim, own host
			owner.ok(t, "POST", "/compute/hosts/register", map[string]any{"name": "victim-host", "uuid": taken}, &victim)
			attacker.ok(t, "POST", "/compute/hosts", map[string]any{"name": "own-host", "uuid": uuid.NewString()}, &own)

			tests := []struct {
				name, method, path string
				body               map[string]any
			}{
				{"create", "POST", "/compute/hosts", map[string]any{"name": "x", "uuid": taken}},
				{"register", "POST", "/compute/hosts/register", map[string]any{"name": "x", "uuid": taken}},
				{"register in upper case", "POST", "/compute/hosts/register", map[string]any{"name": "x", "uuid": strings.ToUpper(taken)}},
				{"update", "PATCH", "/compute/hosts/" + own.ResourceID, map[string]any{"uuid": taken}},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					r := bed.Do(t, tc.method, attacker.base+tc.path, attacker.token, tc.body)
					failure(t, r, http.StatusConflict, "AlreadyExists", "host.uuid: ",
						"is registered to another host; a host uuid can be registered once across all projects: remove that host first or correct the uuid")
					for _, secret := range []string{ownerName, ownerID, victim.ResourceID, "victim-host"} {
						assert.NotContains(t, string(r.Body), secret, "the answer tells nothing of the holder")
					}
				})
			}
			r := bed.Do(t, "POST", owner.base+"/compute/hosts", owner.token, map[string]any{"name": "y", "uuid": taken})
			failure(t, r, http.StatusConflict, "AlreadyExists", "a host with uuid")

			owner.ok(t, "DELETE", "/compute/hosts/"+victim.ResourceID, nil, nil)
			var got host
			attacker.ok(t, "PATCH", "/compute/hosts/"+own.ResourceID, map[string]any{"uuid": taken}, &got)
			require.Equal(t, taken, got.UUID, "deleting the host frees its UUID")
		})
	}
}
