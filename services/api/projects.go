package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/tenant"
)

// The legacy multitenancy roles of the project endpoints, held globally or as
// "<org id>_<role>" (Keycloak's Project-Manager-Group).
const (
	roleProjectRead   = "project-read-role"
	roleProjectWrite  = "project-write-role"
	roleProjectUpdate = "project-update-role"
	roleProjectDelete = "project-delete-role"
)

// holds reports whether p holds role globally or for any organization.
func holds(p *identity.Principal, role string) bool {
	for _, r := range p.Roles {
		if r == role || strings.HasSuffix(r, "_"+role) {
			return true
		}
	}
	return false
}

// projectStatus is the tenancy API's project status.
type projectStatus struct {
	Message         string `json:"message"`
	StatusIndicator string `json:"statusIndicator"`
	TimeStamp       int64  `json:"timeStamp"`
	UID             string `json:"uID"`
}

// projectDoc is a project as the tenancy API shows it.
type projectDoc struct {
	Name string `json:"name,omitempty"`
	Spec struct {
		Description string `json:"description"`
	} `json:"spec"`
	Status struct {
		ProjectStatus projectStatus `json:"projectStatus"`
	} `json:"status"`
}

func docOf(p *inventoryv1.Project, withName bool) projectDoc {
	var d projectDoc
	if withName {
		d.Name = p.GetName()
	}
	d.Spec.Description = p.GetDescription()
	d.Status.ProjectStatus = statusOf(p)
	return d
}

func statusOf(p *inventoryv1.Project) projectStatus {
	return projectStatus{Message: p.GetStatusMessage(), StatusIndicator: p.GetStatusIndicator(),
		TimeStamp: p.GetUpdateTime().GetSeconds(), UID: p.GetId()}
}

// projects serves the tenancy API's project endpoints: GET /v1/projects, and GET, PUT and
// DELETE /v1/projects/{name} and GET /v1/projects/{name}/status.
type projects struct {
	inv   inventoryv1.InventoryServiceClient
	auth  *authorizer
	cache *projectCache
	// teardown is set when the tenant module runs in this process: a delete is requested from
	// it (ordered, resumable) instead of deleting the project from the inventory at once.
	teardown bool
}

// list answers GET /v1/projects: the projects the caller is a member of, or every project for
// a holder of project-read-role (unless member-role=true asks for memberships only).
func (h *projects) list(w http.ResponseWriter, r *http.Request) {
	p, err := h.auth.authenticate(r)
	if err != nil {
		writeError(w, err)
		return
	}
	resp, err := h.inv.ListProjects(r.Context(), &inventoryv1.ListProjectsRequest{})
	if err != nil {
		writeError(w, err)
		return
	}
	all := holds(p, roleProjectRead) && r.URL.Query().Get("member-role") != "true"
	out := []projectDoc{}
	for _, proj := range resp.GetProjects() {
		if all || p.Has("", proj.GetId()) {
			out = append(out, docOf(proj, true))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// get answers GET /v1/projects/{name} and, with status, GET /v1/projects/{name}/status.
func (h *projects) get(w http.ResponseWriter, r *http.Request, name string, status bool) {
	p, err := h.auth.authenticate(r)
	if err != nil {
		writeError(w, err)
		return
	}
	resp, err := h.inv.GetProject(r.Context(), &inventoryv1.GetProjectRequest{NameOrId: name})
	hidden := err == nil && !p.Has("", resp.GetProject().GetId()) && !holds(p, roleProjectRead)
	if hidden || provider.CodeOf(err) == provider.NotFound {
		// Another tenant's project and one that does not exist get the same answer, without the
		// storage's wording: the answer tells nothing of the projects the caller cannot see.
		err = provider.Errorf(provider.NotFound, "project %q not found", name)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	if status {
		writeJSON(w, http.StatusOK, map[string]projectStatus{"projectStatus": statusOf(resp.GetProject())})
		return
	}
	writeJSON(w, http.StatusOK, docOf(resp.GetProject(), false))
}

// put answers PUT /v1/projects/{name} with {"description": "..."}: creates the project
// (project-write-role), or updates its description (project-update-role) unless
// update_if_exists=false.
func (h *projects) put(w http.ResponseWriter, r *http.Request, name string) {
	p, err := h.auth.authenticate(r)
	if err != nil {
		writeError(w, err)
		return
	}
	var spec struct {
		Description string `json:"description"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		writeError(w, provider.Errorf(provider.InvalidArgument, "body: %v: send {\"description\": \"...\"}", err))
		return
	}
	existing, err := h.inv.GetProject(r.Context(), &inventoryv1.GetProjectRequest{NameOrId: name})
	switch {
	case provider.CodeOf(err) == provider.NotFound:
		err = h.create(r, p, name, spec.Description)
	case err != nil:
	case r.URL.Query().Get("update_if_exists") == "false":
		err = provider.Errorf(provider.AlreadyExists, "project %q already exists", name)
	default:
		err = h.update(r, p, existing.GetProject(), spec.Description)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"message": fmt.Sprintf("project %s saved", name)})
}

func (h *projects) create(r *http.Request, p *identity.Principal, name, description string) error {
	if !holds(p, roleProjectWrite) {
		return provider.Errorf(provider.PermissionDenied, "creating a project requires role %s", roleProjectWrite)
	}
	_, err := h.inv.CreateProject(r.Context(), &inventoryv1.CreateProjectRequest{Name: name, Description: description})
	return err
}

func (h *projects) update(r *http.Request, p *identity.Principal, proj *inventoryv1.Project, description string) error {
	if !holds(p, roleProjectUpdate) {
		return provider.Errorf(provider.PermissionDenied, "changing a project requires role %s", roleProjectUpdate)
	}
	_, err := h.inv.UpdateProject(r.Context(), &inventoryv1.UpdateProjectRequest{NameOrId: proj.GetId(),
		Project: &inventoryv1.Project{Description: description}, FieldMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}})
	h.cache.forget(proj)
	return err
}

// remove answers DELETE /v1/projects/{name} (project-delete-role): the project and every
// resource of it. With the tenant module in the process the deletion is requested from it and
// runs in the background (the project's status says so until it is gone), as the legacy
// tenancy API's deletion did; without it the inventory deletes the project at once.
func (h *projects) remove(w http.ResponseWriter, r *http.Request, name string) {
	p, err := h.auth.authenticate(r)
	if err != nil {
		writeError(w, err)
		return
	}
	if !holds(p, roleProjectDelete) {
		writeError(w, provider.Errorf(provider.PermissionDenied, "deleting a project requires role %s", roleProjectDelete))
		return
	}
	existing, err := h.inv.GetProject(r.Context(), &inventoryv1.GetProjectRequest{NameOrId: name})
	switch {
	case err != nil:
	case h.teardown:
		h.cache.forget(existing.GetProject())
		_, err = tenant.RequestDeletion(r.Context(), h.inv, existing.GetProject().GetId())
	default:
		h.cache.forget(existing.GetProject())
		_, err = h.inv.DeleteProject(r.Context(), &inventoryv1.DeleteProjectRequest{NameOrId: existing.GetProject().GetId()})
	}
	if err != nil {
		writeError(w, err)
		return
	}
	msg := fmt.Sprintf("project %s deleted", name)
	if h.teardown {
		msg = fmt.Sprintf("project %s is being deleted", name)
	}
	writeJSON(w, http.StatusOK, map[string]string{"message": msg})
}

// writeJSON writes v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
