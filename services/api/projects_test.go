package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/test/apitest"
	"github.com/eim-byoi/eim/test/testenv"
)

// projectDoc is a project of the tenancy API.
type projectDoc struct {
	Name string `json:"name"`
	Spec struct {
		Description string `json:"description"`
	} `json:"spec"`
	Status struct {
		ProjectStatus struct {
			StatusIndicator string `json:"statusIndicator"`
			UID             string `json:"uID"`
		} `json:"projectStatus"`
	} `json:"status"`
}

// TestProjectEndpoints: the tenancy endpoints clients call around apiv2 create, read, list,
// change and delete projects under the legacy project roles, and a member sees only its own.
func TestProjectEndpoints(t *testing.T) {
	bed := apitest.New(t, apitest.Options{})
	admin := bed.Identity.Minter.Token(t, "admin", "org1_project-read-role", "org1_project-write-role",
		"org1_project-update-role", "org1_project-delete-role")
	name := testenv.Unique(t, "p")
	path := "/v1/projects/" + name

	r := bed.Do(t, "PUT", path, bed.Identity.Minter.Token(t, "nobody"), map[string]string{"description": "x"})
	failure(t, r, http.StatusForbidden, "PermissionDenied", "project-write-role")
	r = bed.Do(t, "PUT", path, admin, map[string]string{"description": "first"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	var doc projectDoc
	bed.Do(t, "GET", path, admin, nil).JSON(t, &doc)
	assert.Equal(t, "first", doc.Spec.Description)
	assert.Equal(t, "STATUS_INDICATION_IDLE", doc.Status.ProjectStatus.StatusIndicator)
	id := doc.Status.ProjectStatus.UID
	require.NotEmpty(t, id)

	failure(t, bed.Do(t, "PUT", path+"?update_if_exists=false", admin, map[string]string{"description": "x"}), http.StatusConflict, "AlreadyExists")
	failure(t, bed.Do(t, "PUT", path, admin, map[string]string{"descr": "x"}), http.StatusBadRequest, "InvalidArgument", "descr")
	require.Equal(t, http.StatusOK, bed.Do(t, "PUT", path, admin, map[string]string{"description": "second"}).Status)
	var status struct {
		ProjectStatus struct {
			UID string `json:"uID"`
		} `json:"projectStatus"`
	}
	bed.Do(t, "GET", path+"/status", admin, nil).JSON(t, &status)
	assert.Equal(t, id, status.ProjectStatus.UID)

	// A member lists and reads its own projects only.
	member := bed.Token(t, id, "im-r")
	otherName, _ := bed.Project(t)
	var list []projectDoc
	bed.Do(t, "GET", "/v1/projects", member, nil).JSON(t, &list)
	require.Len(t, list, 1)
	assert.Equal(t, name, list[0].Name)
	assert.Equal(t, "second", list[0].Spec.Description)
	failure(t, bed.Do(t, "GET", "/v1/projects/"+otherName, member, nil), http.StatusNotFound, "NotFound")
	var all []projectDoc
	bed.Do(t, "GET", "/v1/projects", admin, nil).JSON(t, &all)
	assert.Len(t, all, 2, "project-read-role lists every project")

	// Deleting a project deletes its resources, and the API forgets it at once.
	rw := bed.Token(t, id)
	require.Equal(t, http.StatusOK, bed.Do(t, "POST", path+"/regions", rw, map[string]string{"name": "r"}).Status)
	failure(t, bed.Do(t, "DELETE", path, rw, nil), http.StatusForbidden, "PermissionDenied", "project-delete-role")
	require.Equal(t, http.StatusOK, bed.Do(t, "DELETE", path, admin, nil).Status)
	failure(t, bed.Do(t, "GET", path+"/regions", rw, nil), http.StatusForbidden, "PermissionDenied", "not found")
	left, err := bed.Inventory.ListResources(context.Background(), &inventoryv1.ListResourcesRequest{TenantId: id,
		Kind: inventoryv1.ResourceKind_RESOURCE_KIND_REGION})
	require.NoError(t, err)
	assert.Zero(t, left.GetTotalElements())
	failure(t, bed.Do(t, "DELETE", path, admin, nil), http.StatusNotFound, "NotFound")
	failure(t, bed.Do(t, "POST", "/v1/projects", admin, nil), http.StatusMethodNotAllowed, "Unimplemented")
}
