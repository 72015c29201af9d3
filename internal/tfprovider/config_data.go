package tfprovider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"go.yaml.in/yaml/v3"

	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/services/process"
)

// configModel is data.eim_config.
type configModel struct {
	Settings          types.Dynamic `tfsdk:"settings"`
	YAML              types.String  `tfsdk:"yaml"`
	AllowPlaceholders types.Bool    `tfsdk:"allow_placeholders"`
	Rendered          types.String  `tfsdk:"rendered"`
	Target            types.String  `tfsdk:"target"`
	Placeholders      types.List    `tfsdk:"placeholders"`
}

// configDataSource is data.eim_config: an eim.yaml rendered from HCL (or given as YAML text)
// and validated by services/config exactly as `eim serve` loads it, strictly (unknown keys are
// problems). It needs no API endpoint.
type configDataSource struct{}

var (
	_ datasource.DataSource                   = configDataSource{}
	_ datasource.DataSourceWithValidateConfig = configDataSource{}
)

func newConfigDataSource() datasource.DataSource { return configDataSource{} }

func (configDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_config"
}

func (configDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Renders an eim.yaml from HCL (settings) or takes its YAML text (yaml), and validates it with " +
			"EIM's own configuration loader, strictly: a problem fails the plan naming the key (docs/configuration.md).",
		Attributes: map[string]schema.Attribute{
			"settings": schema.DynamicAttribute{Optional: true,
				Description: "The configuration as an HCL object, keys as in eim.yaml (providers, listen, tenancy, ...)."},
			"yaml": schema.StringAttribute{Optional: true, Description: "The configuration as YAML text (instead of settings)."},
			"allow_placeholders": schema.BoolAttribute{Optional: true,
				Description: "Accept NEEDS-INPUT placeholders (a draft), listing them in placeholders."},
			"rendered":     schema.StringAttribute{Computed: true, Description: "The validated eim.yaml text."},
			"target":       schema.StringAttribute{Computed: true, Description: "The configuration's target (profile)."},
			"placeholders": schema.ListAttribute{Computed: true, ElementType: types.StringType, Description: "Keys still holding NEEDS-INPUT."},
		},
	}
}

// ValidateConfig checks the configuration when it is known at validation time, so that
// `terraform validate` already fails on it.
func (configDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m configModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if m.Settings.IsNull() == m.YAML.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("settings"), "Set exactly one of settings and yaml",
			"eim_config takes the configuration either as an HCL object (settings) or as YAML text (yaml)")
		return
	}
	if _, ok := render(&m); ok {
		_, diags := check(&m)
		resp.Diagnostics.Append(diags...)
	}
}

func (configDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m configModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	cfg, diags := check(&m)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	text, _ := render(&m)
	m.Rendered, m.Target = types.StringValue(text), types.StringValue(cfg.Target)
	var ph []string
	for _, p := range cfg.Placeholders {
		ph = append(ph, p.Path)
	}
	m.Placeholders, diags = types.ListValueFrom(ctx, types.StringType, ph)
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// render is the YAML text of the configuration; ok is false while part of it is unknown.
func render(m *configModel) (string, bool) {
	if !m.YAML.IsNull() {
		return m.YAML.ValueString(), !m.YAML.IsUnknown()
	}
	v, ok := goValue(m.Settings)
	if !ok {
		return "", false
	}
	b, err := yaml.Marshal(v)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// check loads the configuration with services/config and turns each problem into a diagnostic
// on the attribute holding the configuration, naming the key.
func check(m *configModel) (*config.Config, diag.Diagnostics) {
	var diags diag.Diagnostics
	attrName := "settings"
	if !m.YAML.IsNull() {
		attrName = "yaml"
	}
	text, ok := render(m)
	if !ok {
		diags.AddAttributeError(path.Root(attrName), "Configuration not known", "the configuration is not known yet")
		return nil, diags
	}
	cfg, err := config.Load([]byte(text), config.Options{File: "eim_config." + attrName, Sources: process.ConfigSources(),
		AllowPlaceholders: m.AllowPlaceholders.ValueBool()})
	var ps *config.Problems
	switch {
	case errors.As(err, &ps):
		for _, p := range ps.List {
			detail := p.Message
			if p.Fix != "" {
				detail += " (fix: " + p.Fix + ")"
			}
			diags.AddAttributeError(path.Root(attrName), "Invalid EIM configuration at "+orRoot(p.Path), orRoot(p.Path)+": "+detail)
		}
	case err != nil:
		diags.AddAttributeError(path.Root(attrName), "Invalid EIM configuration", err.Error())
	default:
		checkTarget(cfg, path.Root(attrName), &diags)
	}
	return cfg, diags
}

// checkTarget resolves the target against the module graph, as `eim config validate` does: an
// unknown profile or module is an error, one this binary does not build a warning.
func checkTarget(cfg *config.Config, at path.Path, diags *diag.Diagnostics) {
	if _, placeholder := config.IsPlaceholder(cfg.Target); placeholder {
		return
	}
	if _, err := module.EIM().Resolve(cfg.Target, func(string) bool { return true }); err != nil {
		diags.AddAttributeError(at, "Invalid EIM configuration at target", "target: "+err.Error())
		return
	}
	if _, err := module.EIM().Resolve(cfg.Target, process.Built); err != nil {
		diags.AddAttributeWarning(at, "EIM target not built into this eim binary", "target: "+err.Error())
	}
	for _, d := range cfg.Deprecations {
		diags.AddAttributeWarning(at, "Deprecated EIM configuration", fmt.Sprint(d))
	}
}

func orRoot(p string) string {
	if p == "" {
		return "(document)"
	}
	return p
}

// goValue converts a Terraform value into what YAML encodes: maps, lists, strings, numbers,
// booleans, nil. ok is false when a part is unknown.
func goValue(v attr.Value) (any, bool) {
	if v == nil || v.IsNull() {
		return nil, true
	}
	if v.IsUnknown() {
		return nil, false
	}
	switch t := v.(type) {
	case basetypes.DynamicValue:
		return goValue(t.UnderlyingValue())
	case basetypes.ObjectValue:
		return goMap(t.Attributes())
	case basetypes.MapValue:
		return goMap(t.Elements())
	case basetypes.TupleValue:
		return goList(t.Elements())
	case basetypes.ListValue:
		return goList(t.Elements())
	case basetypes.SetValue:
		return goList(t.Elements())
	case basetypes.StringValue:
		return t.ValueString(), true
	case basetypes.BoolValue:
		return t.ValueBool(), true
	case basetypes.NumberValue:
		f := t.ValueBigFloat()
		if f.IsInt() {
			i, _ := f.Int64()
			return i, true
		}
		x, _ := f.Float64()
		return x, true
	}
	return fmt.Sprint(v), true
}

func goMap(m map[string]attr.Value) (any, bool) {
	out := make(map[string]any, len(m))
	for k, e := range m {
		g, ok := goValue(e)
		if !ok {
			return nil, false
		}
		if g != nil { // a null attribute (an unset optional variable) is a key left out
			out[k] = g
		}
	}
	return out, true
}

func goList(l []attr.Value) (any, bool) {
	out := make([]any, 0, len(l))
	for _, e := range l {
		g, ok := goValue(e)
		if !ok {
			return nil, false
		}
		out = append(out, g)
	}
	return out, true
}
