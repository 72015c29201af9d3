package tfprovider

import (
	"context"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	eimprovider "github.com/eim-byoi/eim/providers/provider"
)

// Environment variables the provider reads when the attribute is unset. They do not start with
// EIM_: eim serve reads every EIM_* variable as a configuration key and refuses unknown ones.
const (
	EnvEndpoint     = "TF_EIM_ENDPOINT"
	EnvToken        = "TF_EIM_TOKEN"
	EnvTokenURL     = "TF_EIM_TOKEN_URL"
	EnvClientID     = "TF_EIM_CLIENT_ID"
	EnvClientSecret = "TF_EIM_CLIENT_SECRET"
	EnvCAPEM        = "TF_EIM_CA_PEM"
)

// Provider is the eim provider.
type Provider struct {
	version string
}

var _ provider.Provider = (*Provider)(nil)

// New returns the constructor of the provider, version being the binary's version.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &Provider{version: version} }
}

// providerModel is the provider block.
type providerModel struct {
	Endpoint     types.String `tfsdk:"endpoint"`
	Token        types.String `tfsdk:"token"`
	TokenURL     types.String `tfsdk:"token_url"`
	ClientID     types.String `tfsdk:"client_id"`
	ClientSecret types.String `tfsdk:"client_secret"`
	Scopes       types.List   `tfsdk:"scopes"`
	Audience     types.List   `tfsdk:"audience"`
	CAPEM        types.String `tfsdk:"ca_pem"`
}

// Metadata names the provider "eim".
func (p *Provider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "eim"
	resp.Version = p.version
}

// Schema is the provider block's schema.
func (p *Provider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Manages EIM's objects through its northbound API. eim_config needs no endpoint.",
		Attributes: map[string]schema.Attribute{
			"endpoint": schema.StringAttribute{Optional: true, Description: "Base URL of the API, e.g. https://eim.example.com (or " + EnvEndpoint + ")."},
			"token": schema.StringAttribute{Optional: true, Sensitive: true,
				Description: "A static bearer token (or " + EnvToken + "); token_url with client credentials is preferred."},
			"token_url": schema.StringAttribute{Optional: true,
				Description: "Token endpoint of the identity provider EIM trusts, for the client-credentials grant (or " + EnvTokenURL + ")."},
			"client_id": schema.StringAttribute{Optional: true, Description: "OAuth2 client id (or " + EnvClientID + ")."},
			"client_secret": schema.StringAttribute{Optional: true, Sensitive: true,
				Description: "OAuth2 client secret (or, better, " + EnvClientSecret + ", so that it is in no file)."},
			"scopes":   schema.ListAttribute{Optional: true, ElementType: types.StringType, Description: "Scopes requested with each token."},
			"audience": schema.ListAttribute{Optional: true, ElementType: types.StringType, Description: "Audience requested with each token (Hydra, Auth0)."},
			"ca_pem": schema.StringAttribute{Optional: true,
				Description: "PEM bundle of the CAs that sign the API's and the token endpoint's certificates (or " + EnvCAPEM + "); the system roots when unset."},
		},
	}
}

// Configure builds the API client. A configuration without endpoint or credentials is not an
// error here (eim_config works offline); the resources then fail naming what is missing.
func (p *Provider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	opts := ClientOptions{
		Endpoint: orEnv(m.Endpoint, EnvEndpoint), Token: eimprovider.NewSecretValue([]byte(orEnv(m.Token, EnvToken))),
		TokenURL: orEnv(m.TokenURL, EnvTokenURL), ClientID: orEnv(m.ClientID, EnvClientID),
		ClientSecret: eimprovider.NewSecretValue([]byte(orEnv(m.ClientSecret, EnvClientSecret))),
		Scopes:       listOf(ctx, m.Scopes), Audience: listOf(ctx, m.Audience), CAPEM: orEnv(m.CAPEM, EnvCAPEM),
	}
	c, err := NewClient(opts)
	if err != nil {
		c = &Client{err: err}
	}
	resp.ResourceData = c
	resp.DataSourceData = c
}

// Resources lists the resource types.
func (p *Provider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		newResource(projectSpec), newResource(regionSpec), newResource(siteSpec), newResource(hostSpec),
		newResource(osSpec), newResource(policySpec), newResource(singleSpec), newResource(repeatedSpec),
	}
}

// DataSources lists the data sources.
func (p *Provider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{newConfigDataSource}
}

func orEnv(v types.String, env string) string {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueString()
	}
	return os.Getenv(env)
}

func listOf(ctx context.Context, l types.List) []string {
	var out []string
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	_ = l.ElementsAs(ctx, &out, false)
	return out
}

// Address is the provider's source address: terraform { required_providers { eim = { source =
// "eim-byoi/eim" } } }, found through a filesystem mirror or dev_overrides (docs/terraform.md).
const Address = "registry.terraform.io/eim-byoi/eim"
