package tfprovider

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/eim-byoi/eim/providers/provider"
)

// projectSpecDoc and projectDoc are the tenancy API's project documents (PUT body and GET
// answer). These endpoints are not apiv2 operations and have no protobuf message; the API
// serves them as these JSON documents (services/api/projects.go).
type projectSpecDoc struct {
	Description string `json:"description"`
}

type projectDoc struct {
	Spec   projectSpecDoc `json:"spec"`
	Status struct {
		ProjectStatus struct {
			StatusIndicator string `json:"statusIndicator"`
			UID             string `json:"uID"`
		} `json:"projectStatus"`
	} `json:"status"`
}

// projectModel is eim_project.
type projectModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	UID         types.String `tfsdk:"uid"`
}

// deleteWait bounds how long Delete waits for a project's teardown to finish.
const deleteWait = 5 * time.Minute

var projectSpec = &spec[projectModel]{
	name: "project",
	doc: "A project (tenant) of the tenancy API (PUT/GET/DELETE /v1/projects/{name}). Creating needs " +
		"project-write-role, changing project-update-role, deleting project-delete-role; deleting removes " +
		"every resource of the project.",
	attrs: map[string]schema.Attribute{
		"name": schema.StringAttribute{Required: true, Description: "Project name (DNS label style).",
			Validators: nameValidators(), PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
		"description": schema.StringAttribute{Optional: true, Description: "Description."},
		"uid": schema.StringAttribute{Computed: true, Description: "The project's id: the prefix of its roles (<uid>_im-rw).",
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
	},
	create: func(ctx context.Context, c *Client, m *projectModel) error {
		p := "/v1/projects/" + url.PathEscape(m.Name.ValueString())
		if err := c.callJSON(ctx, http.MethodPut, p+"?update_if_exists=false", projectSpecDoc{m.Description.ValueString()}, nil); err != nil {
			return err
		}
		m.ID = m.Name
		return readProject(ctx, c, m)
	},
	read: readProject,
	update: func(ctx context.Context, c *Client, plan, state *projectModel) error {
		plan.ID = state.ID
		p := "/v1/projects/" + url.PathEscape(plan.Name.ValueString())
		if err := c.callJSON(ctx, http.MethodPut, p, projectSpecDoc{plan.Description.ValueString()}, nil); err != nil {
			return err
		}
		return readProject(ctx, c, plan)
	},
	delete: func(ctx context.Context, c *Client, m *projectModel) error {
		p := "/v1/projects/" + url.PathEscape(m.Name.ValueString())
		if err := c.callJSON(ctx, http.MethodDelete, p, nil, nil); err != nil {
			return err
		}
		// With the tenant module the deletion runs in the background: wait until it is gone.
		ctx, cancel := context.WithTimeout(ctx, deleteWait)
		defer cancel()
		gone := provider.Errorf(provider.Unavailable, "project %s is still being deleted", m.Name.ValueString())
		return provider.Retry(ctx, provider.Backoff{Min: 200 * time.Millisecond, Max: 5 * time.Second},
			func(err error) bool { return err == gone }, func() error {
				err := c.callJSON(ctx, http.MethodGet, p, nil, &projectDoc{})
				switch {
				case isNotFound(err):
					return nil
				case err != nil:
					return err
				}
				return gone
			})
	},
}

func readProject(ctx context.Context, c *Client, m *projectModel) error {
	var doc projectDoc
	if err := c.callJSON(ctx, http.MethodGet, "/v1/projects/"+url.PathEscape(m.ID.ValueString()), nil, &doc); err != nil {
		return err
	}
	if doc.Status.ProjectStatus.StatusIndicator == "STATUS_INDICATION_IN_PROGRESS" && m.UID.IsNull() {
		return fmt.Errorf("project %s is being created or deleted; retry", m.ID.ValueString())
	}
	m.Name = m.ID
	m.Description = str(doc.Spec.Description)
	m.UID = types.StringValue(doc.Status.ProjectStatus.UID)
	return nil
}
