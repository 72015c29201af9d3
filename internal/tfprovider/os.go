package tfprovider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	osv1 "github.com/eim-byoi/eim/api/gen/resources/os/v1"
)

// osModel is eim_os_resource.
type osModel struct {
	ID              types.String `tfsdk:"id"`
	Project         types.String `tfsdk:"project"`
	Name            types.String `tfsdk:"name"`
	Architecture    types.String `tfsdk:"architecture"`
	ImageURL        types.String `tfsdk:"image_url"`
	ImageID         types.String `tfsdk:"image_id"`
	Sha256          types.String `tfsdk:"sha256"`
	ProfileName     types.String `tfsdk:"profile_name"`
	ProfileVersion  types.String `tfsdk:"profile_version"`
	Description     types.String `tfsdk:"description"`
	SecurityFeature types.String `tfsdk:"security_feature"`
	OsType          types.String `tfsdk:"os_type"`
	OsProvider      types.String `tfsdk:"os_provider"`
}

func (m *osModel) message() *osv1.OperatingSystemResource {
	return &osv1.OperatingSystemResource{Name: m.Name.ValueString(), Architecture: m.Architecture.ValueString(),
		ImageUrl: m.ImageURL.ValueString(), ImageId: m.ImageID.ValueString(), Sha256: m.Sha256.ValueString(),
		ProfileName: m.ProfileName.ValueString(), ProfileVersion: m.ProfileVersion.ValueString(),
		Description:     m.Description.ValueString(),
		SecurityFeature: osv1.SecurityFeature(osv1.SecurityFeature_value[m.SecurityFeature.ValueString()]),
		OsType:          osv1.OsType(osv1.OsType_value[m.OsType.ValueString()]),
		OsProvider:      osv1.OsProviderKind(osv1.OsProviderKind_value[m.OsProvider.ValueString()])}
}

// replaced is an optional string attribute that forces a new resource when it changes: the
// API's PUT of an OS resource changes only its name and architecture.
func replaced(desc string, v ...validator.String) schema.StringAttribute {
	return schema.StringAttribute{Optional: true, Description: desc, Validators: v,
		PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}}
}

var osSpec = &spec[osModel]{
	name:          "os_resource",
	doc:           "An OS resource (apiv2 OperatingSystemResource): an OS image or profile hosts are provisioned with.",
	projectScoped: true,
	attrs: map[string]schema.Attribute{
		"name":             schema.StringAttribute{Required: true, Description: "Display name."},
		"architecture":     schema.StringAttribute{Optional: true, Description: "CPU architecture, e.g. x86_64."},
		"image_url":        replaced("URL of the OS image."),
		"image_id":         replaced("Identifier of the image (its version)."),
		"sha256":           replaced("SHA-256 of the image, 64 lower-case hex digits."),
		"profile_name":     replaced("Name of the OS profile."),
		"profile_version":  replaced("Version of the OS profile."),
		"description":      replaced("Description."),
		"security_feature": replaced("SECURITY_FEATURE_NONE or SECURITY_FEATURE_SECURE_BOOT_AND_FULL_DISK_ENCRYPTION.", oneOf(osv1.SecurityFeature_value)),
		"os_type":          replaced("OS_TYPE_MUTABLE or OS_TYPE_IMMUTABLE.", oneOf(osv1.OsType_value)),
		"os_provider":      replaced("OS_PROVIDER_KIND_INFRA or OS_PROVIDER_KIND_LENOVO.", oneOf(osv1.OsProviderKind_value)),
	},
	validate: func(_ context.Context, m *osModel, add func(string, string, string)) { protoCheck(m.message(), add) },
	create: func(ctx context.Context, c *Client, m *osModel) error {
		out := &osv1.OperatingSystemResource{}
		if err := c.call(ctx, "POST", projectPath(m.Project.ValueString(), "compute/os"), m.message(), out); err != nil {
			return err
		}
		m.ID = types.StringValue(out.GetResourceId())
		return nil
	},
	read: func(ctx context.Context, c *Client, m *osModel) error {
		out := &osv1.OperatingSystemResource{}
		if err := c.call(ctx, "GET", projectPath(m.Project.ValueString(), "compute/os", m.ID.ValueString()), nil, out); err != nil {
			return err
		}
		m.fill(out)
		return nil
	},
	update: func(ctx context.Context, c *Client, plan, state *osModel) error {
		plan.ID = state.ID
		return patch(ctx, c, projectPath(plan.Project.ValueString(), "compute/os", plan.ID.ValueString()), plan.message(),
			&osv1.OperatingSystemResource{}, "name", "architecture")
	},
	delete: func(ctx context.Context, c *Client, m *osModel) error {
		return c.call(ctx, "DELETE", projectPath(m.Project.ValueString(), "compute/os", m.ID.ValueString()), nil, nil)
	},
}

func (m *osModel) fill(o *osv1.OperatingSystemResource) {
	m.Name, m.Architecture = types.StringValue(o.GetName()), str(o.GetArchitecture())
	m.ImageURL, m.ImageID, m.Sha256 = str(o.GetImageUrl()), str(o.GetImageId()), str(o.GetSha256())
	m.ProfileName, m.ProfileVersion, m.Description = str(o.GetProfileName()), str(o.GetProfileVersion()), str(o.GetDescription())
	m.SecurityFeature = enumValue(int32(o.GetSecurityFeature()), osv1.SecurityFeature_name, m.SecurityFeature)
	m.OsType = enumValue(int32(o.GetOsType()), osv1.OsType_name, m.OsType)
	m.OsProvider = enumValue(int32(o.GetOsProvider()), osv1.OsProviderKind_name, m.OsProvider)
}

// enumValue is an enum read from the API for an optional attribute: null when unspecified and
// unset before.
func enumValue(v int32, names map[int32]string, prior types.String) types.String {
	if v == 0 && prior.IsNull() {
		return prior
	}
	return types.StringValue(names[v])
}

// policyModel is eim_os_update_policy.
type policyModel struct {
	ID                  types.String `tfsdk:"id"`
	Project             types.String `tfsdk:"project"`
	Name                types.String `tfsdk:"name"`
	Description         types.String `tfsdk:"description"`
	UpdateSources       types.List   `tfsdk:"update_sources"`
	UpdatePackages      types.String `tfsdk:"update_packages"`
	UpdateKernelCommand types.String `tfsdk:"update_kernel_command"`
	TargetOsID          types.String `tfsdk:"target_os_id"`
	UpdatePolicy        types.String `tfsdk:"update_policy"`
}

func (m *policyModel) message() *computev1.OSUpdatePolicy {
	var sources []string
	if !m.UpdateSources.IsNull() && !m.UpdateSources.IsUnknown() {
		for _, e := range m.UpdateSources.Elements() {
			if s, ok := e.(types.String); ok {
				sources = append(sources, s.ValueString())
			}
		}
	}
	return &computev1.OSUpdatePolicy{Name: m.Name.ValueString(), Description: m.Description.ValueString(),
		UpdateSources: sources, UpdatePackages: m.UpdatePackages.ValueString(),
		UpdateKernelCommand: m.UpdateKernelCommand.ValueString(), TargetOsId: m.TargetOsID.ValueString(),
		UpdatePolicy: computev1.UpdatePolicy(computev1.UpdatePolicy_value[m.UpdatePolicy.ValueString()])}
}

var policySpec = &spec[policyModel]{
	name: "os_update_policy",
	doc: "An OS update policy (apiv2 OSUpdatePolicy). The API has no update of a policy: every change " +
		"replaces it.",
	projectScoped: true,
	attrs: map[string]schema.Attribute{
		"name": schema.StringAttribute{Required: true, Description: "Display name.",
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
		"description": replaced("Description."),
		"update_sources": schema.ListAttribute{Optional: true, ElementType: types.StringType,
			Description:   "Package sources (mutable OS), e.g. deb822 stanzas.",
			PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplace()}},
		"update_packages":       replaced("Packages to install or update (mutable OS)."),
		"update_kernel_command": replaced("Kernel command line to set (mutable OS)."),
		"target_os_id":          replaced("Id of the OS resource to update to (immutable OS, with UPDATE_POLICY_TARGET)."),
		"update_policy":         replaced("UPDATE_POLICY_LATEST or UPDATE_POLICY_TARGET.", oneOf(computev1.UpdatePolicy_value)),
	},
	validate: func(_ context.Context, m *policyModel, add func(string, string, string)) {
		protoCheck(m.message(), add)
	},
	create: func(ctx context.Context, c *Client, m *policyModel) error {
		out := &computev1.OSUpdatePolicy{}
		if err := c.call(ctx, "POST", projectPath(m.Project.ValueString(), "os-update-policies"), m.message(), out); err != nil {
			return err
		}
		m.ID = types.StringValue(out.GetResourceId())
		return nil
	},
	read: func(ctx context.Context, c *Client, m *policyModel) error {
		out := &computev1.OSUpdatePolicy{}
		if err := c.call(ctx, "GET", projectPath(m.Project.ValueString(), "os-update-policies", m.ID.ValueString()), nil, out); err != nil {
			return err
		}
		m.Name, m.Description = types.StringValue(out.GetName()), str(out.GetDescription())
		m.UpdatePackages, m.UpdateKernelCommand = str(out.GetUpdatePackages()), str(out.GetUpdateKernelCommand())
		m.TargetOsID = str(first(out.GetTargetOsId(), out.GetTargetOs().GetResourceId()))
		m.UpdatePolicy = enumValue(int32(out.GetUpdatePolicy()), computev1.UpdatePolicy_name, m.UpdatePolicy)
		if len(out.GetUpdateSources()) > 0 || !m.UpdateSources.IsNull() {
			m.UpdateSources, _ = types.ListValueFrom(ctx, types.StringType, out.GetUpdateSources())
		}
		return nil
	},
	delete: func(ctx context.Context, c *Client, m *policyModel) error {
		return c.call(ctx, "DELETE", projectPath(m.Project.ValueString(), "os-update-policies", m.ID.ValueString()), nil, nil)
	},
}
