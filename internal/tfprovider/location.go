package tfprovider

import (
	"context"
	"net/url"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"google.golang.org/protobuf/proto"

	commonv1 "github.com/eim-byoi/eim/api/gen/resources/common/v1"
	locationv1 "github.com/eim-byoi/eim/api/gen/resources/location/v1"
)

// regionModel is eim_region.
type regionModel struct {
	ID       types.String `tfsdk:"id"`
	Project  types.String `tfsdk:"project"`
	Name     types.String `tfsdk:"name"`
	ParentID types.String `tfsdk:"parent_id"`
	Metadata types.Map    `tfsdk:"metadata"`
}

func (m *regionModel) message() *locationv1.RegionResource {
	return &locationv1.RegionResource{Name: m.Name.ValueString(), ParentId: m.ParentID.ValueString(), Metadata: metadataOf(m.Metadata)}
}

var regionSpec = &spec[regionModel]{
	name:          "region",
	doc:           "A region (apiv2 RegionResource): a node of the location tree that sites belong to.",
	projectScoped: true,
	attrs: map[string]schema.Attribute{
		"name":      schema.StringAttribute{Required: true, Description: "Display name."},
		"parent_id": schema.StringAttribute{Optional: true, Description: "Id of the parent region (region-xxxxxxxx); a top-level region when unset."},
		"metadata":  metadataAttr(),
	},
	validate: func(_ context.Context, m *regionModel, add func(string, string, string)) {
		protoCheck(m.message(), add)
	},
	create: func(ctx context.Context, c *Client, m *regionModel) error {
		out := &locationv1.RegionResource{}
		if err := c.call(ctx, "POST", projectPath(m.Project.ValueString(), "regions"), m.message(), out); err != nil {
			return err
		}
		m.ID = types.StringValue(out.GetResourceId())
		return nil
	},
	read: func(ctx context.Context, c *Client, m *regionModel) error {
		out := &locationv1.RegionResource{}
		if err := c.call(ctx, "GET", projectPath(m.Project.ValueString(), "regions", m.ID.ValueString()), nil, out); err != nil {
			return err
		}
		m.Name, m.ParentID = types.StringValue(out.GetName()), str(first(out.GetParentId(), out.GetParentRegion().GetResourceId()))
		m.Metadata = metadataValue(out.GetMetadata(), m.Metadata)
		return nil
	},
	update: func(ctx context.Context, c *Client, plan, state *regionModel) error {
		plan.ID = state.ID
		return patch(ctx, c, projectPath(plan.Project.ValueString(), "regions", plan.ID.ValueString()), plan.message(),
			&locationv1.RegionResource{}, "name", "parent_id", "metadata")
	},
	delete: func(ctx context.Context, c *Client, m *regionModel) error {
		return c.call(ctx, "DELETE", projectPath(m.Project.ValueString(), "regions", m.ID.ValueString()), nil, nil)
	},
}

// siteModel is eim_site.
type siteModel struct {
	ID       types.String `tfsdk:"id"`
	Project  types.String `tfsdk:"project"`
	Name     types.String `tfsdk:"name"`
	RegionID types.String `tfsdk:"region_id"`
	SiteLat  types.Int64  `tfsdk:"site_lat"`
	SiteLng  types.Int64  `tfsdk:"site_lng"`
	Metadata types.Map    `tfsdk:"metadata"`
}

func (m *siteModel) message() *locationv1.SiteResource {
	return &locationv1.SiteResource{Name: m.Name.ValueString(), RegionId: m.RegionID.ValueString(),
		SiteLat: int32(m.SiteLat.ValueInt64()), SiteLng: int32(m.SiteLng.ValueInt64()), Metadata: metadataOf(m.Metadata)}
}

var siteSpec = &spec[siteModel]{
	name:          "site",
	doc:           "A site (apiv2 SiteResource): where hosts are, in a region.",
	projectScoped: true,
	attrs: map[string]schema.Attribute{
		"name":      schema.StringAttribute{Required: true, Description: "Display name."},
		"region_id": schema.StringAttribute{Optional: true, Description: "Id of the region (region-xxxxxxxx) the site is in."},
		"site_lat":  schema.Int64Attribute{Optional: true, Description: "Latitude in degrees × 10^7."},
		"site_lng":  schema.Int64Attribute{Optional: true, Description: "Longitude in degrees × 10^7."},
		"metadata":  metadataAttr(),
	},
	validate: func(_ context.Context, m *siteModel, add func(string, string, string)) { protoCheck(m.message(), add) },
	create: func(ctx context.Context, c *Client, m *siteModel) error {
		out := &locationv1.SiteResource{}
		if err := c.call(ctx, "POST", projectPath(m.Project.ValueString(), "sites"), m.message(), out); err != nil {
			return err
		}
		m.ID = types.StringValue(out.GetResourceId())
		return nil
	},
	read: func(ctx context.Context, c *Client, m *siteModel) error {
		out := &locationv1.SiteResource{}
		if err := c.call(ctx, "GET", projectPath(m.Project.ValueString(), "sites", m.ID.ValueString()), nil, out); err != nil {
			return err
		}
		m.Name, m.RegionID = types.StringValue(out.GetName()), str(first(out.GetRegionId(), out.GetRegion().GetResourceId()))
		m.SiteLat, m.SiteLng = optInt(int64(out.GetSiteLat()), m.SiteLat), optInt(int64(out.GetSiteLng()), m.SiteLng)
		m.Metadata = metadataValue(out.GetMetadata(), m.Metadata)
		return nil
	},
	update: func(ctx context.Context, c *Client, plan, state *siteModel) error {
		plan.ID = state.ID
		return patch(ctx, c, projectPath(plan.Project.ValueString(), "sites", plan.ID.ValueString()), plan.message(),
			&locationv1.SiteResource{}, "name", "region_id", "site_lat", "site_lng", "metadata")
	},
	delete: func(ctx context.Context, c *Client, m *siteModel) error {
		return c.call(ctx, "DELETE", projectPath(m.Project.ValueString(), "sites", m.ID.ValueString()), nil, nil)
	},
}

// patch sends PATCH path?fieldMask=<fields> with body: exactly the fields named change, cleared
// ones included (protojson leaves empty fields out of the body; the mask still names them).
func patch(ctx context.Context, c *Client, path string, body, out proto.Message, fields ...string) error {
	return c.call(ctx, "PATCH", path+"?fieldMask="+url.QueryEscape(strings.Join(fields, ",")), body, out)
}

func metadataAttr() schema.MapAttribute {
	return schema.MapAttribute{Optional: true, ElementType: types.StringType,
		Description: "Metadata key/value pairs (inherited by the resources below)."}
}

// metadataOf is a metadata map attribute as the apiv2 metadata list, sorted by key.
func metadataOf(m types.Map) []*commonv1.MetadataItem {
	if m.IsNull() || m.IsUnknown() {
		return nil
	}
	var out []*commonv1.MetadataItem
	for _, k := range sortedKeys(m.Elements()) {
		if s, ok := m.Elements()[k].(types.String); ok {
			out = append(out, &commonv1.MetadataItem{Key: k, Value: s.ValueString()})
		}
	}
	return out
}

// metadataValue is the metadata read from the API as the attribute: null when the API has none
// and the configuration had none (so that an unset attribute shows no drift).
func metadataValue(items []*commonv1.MetadataItem, prior types.Map) types.Map {
	if len(items) == 0 && prior.IsNull() {
		return prior
	}
	vals := map[string]string{}
	for _, it := range items {
		vals[it.GetKey()] = it.GetValue()
	}
	v, _ := types.MapValueFrom(context.Background(), types.StringType, vals)
	return v
}

// optInt is n read from the API for an optional attribute: null when zero and unset before.
func optInt(n int64, prior types.Int64) types.Int64 {
	if n == 0 && prior.IsNull() {
		return prior
	}
	return types.Int64Value(n)
}
