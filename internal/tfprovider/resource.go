package tfprovider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// spec describes one resource type: its schema and how its model M maps to API calls. Each
// function gets the model to fill (create and read also set computed attributes).
type spec[M any] struct {
	// name is the type name without the provider prefix, e.g. "region".
	name string
	// doc is the resource's description.
	doc string
	// attrs are the attributes besides id (and project, when projectScoped).
	attrs map[string]schema.Attribute
	// projectScoped resources live in a project: they have a project attribute, and import
	// ids are "<project>/<resource id>".
	projectScoped bool
	create        func(ctx context.Context, c *Client, m *M) error
	read          func(ctx context.Context, c *Client, m *M) error
	// update is nil when every attribute forces replacement.
	update func(ctx context.Context, c *Client, plan, state *M) error
	delete func(ctx context.Context, c *Client, m *M) error
	// validate checks a configuration beyond single attributes (nil: nothing more).
	validate func(ctx context.Context, m *M, add func(attr, summary, detail string))
}

// apiResource is a resource.Resource driven by a spec.
type apiResource[M any] struct {
	s *spec[M]
	c *Client
}

var (
	_ resource.ResourceWithConfigure      = (*apiResource[regionModel])(nil)
	_ resource.ResourceWithImportState    = (*apiResource[regionModel])(nil)
	_ resource.ResourceWithValidateConfig = (*apiResource[regionModel])(nil)
)

// newResource returns the constructor the provider lists for s.
func newResource[M any](s *spec[M]) func() resource.Resource {
	return func() resource.Resource { return &apiResource[M]{s: s} }
}

func (r *apiResource[M]) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + r.s.name
}

func (r *apiResource[M]) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		"id": schema.StringAttribute{Computed: true, Description: "The resource id the API assigned.",
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
	}
	if r.s.projectScoped {
		attrs["project"] = schema.StringAttribute{Required: true, Description: "Name of the project the resource belongs to.",
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}, Validators: nameValidators()}
	}
	for k, v := range r.s.attrs {
		attrs[k] = v
	}
	resp.Schema = schema.Schema{Description: r.s.doc, Attributes: attrs}
}

func (r *apiResource[M]) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if req.ProviderData == nil {
		return
	}
	c, ok := req.ProviderData.(*Client)
	if !ok {
		resp.Diagnostics.AddError("Unexpected provider data", fmt.Sprintf("want *tfprovider.Client, got %T", req.ProviderData))
		return
	}
	r.c = c
}

func (r *apiResource[M]) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	if r.s.validate == nil {
		return
	}
	var m M
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.s.validate(ctx, &m, func(attr, summary, detail string) {
		resp.Diagnostics.AddAttributeError(path.Root(attr), summary, detail)
	})
}

func (r *apiResource[M]) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m M
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.s.create(ctx, r.c, &m); err != nil {
		resp.Diagnostics.AddError("Creating eim_"+r.s.name, err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// Read refreshes the state from the API; a resource deleted out of band leaves the state.
func (r *apiResource[M]) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var m M
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.s.read(ctx, r.c, &m)
	if isNotFound(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Reading eim_"+r.s.name, err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *apiResource[M]) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state M
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.s.update == nil {
		resp.Diagnostics.AddError("Updating eim_"+r.s.name, "the API cannot change this resource in place; every attribute forces a replacement")
		return
	}
	if err := r.s.update(ctx, r.c, &plan, &state); err != nil {
		resp.Diagnostics.AddError("Updating eim_"+r.s.name, err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *apiResource[M]) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var m M
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.s.delete(ctx, r.c, &m); err != nil && !isNotFound(err) {
		resp.Diagnostics.AddError("Deleting eim_"+r.s.name, err.Error())
	}
}

// ImportState takes "<project>/<resource id>" for project resources and the name for projects.
func (r *apiResource[M]) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !r.s.projectScoped {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), req.ID)...)
		return
	}
	project, id, ok := strings.Cut(req.ID, "/")
	if !ok || project == "" || id == "" {
		resp.Diagnostics.AddError("Importing eim_"+r.s.name,
			fmt.Sprintf("import id %q: want <project>/<resource id>, e.g. demo/region-1a2b3c4d", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("project"), project)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}

// str is s as a Terraform string, null when empty.
func str(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}
