package main

import (
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	pschema "github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

type providerFramework = provider.Provider

// errStandIn is every operation's answer: the stand-in only carries schemas.
var errStandIn = errors.New("schema-only stand-in (test/tfbed/standin): no real provider behaviour; use mock_provider")

// standIn is one stand-in provider.
type standIn struct {
	name         string
	config       map[string]pschema.Attribute
	configBlocks map[string]map[string]pschema.Attribute
	resources    map[string]map[string]rschema.Attribute
	dataSources  map[string]map[string]dschema.Attribute
	// resourceBlocks and dataSourceBlocks are nested blocks (the real providers' SDKv2 blocks:
	// metadata {}, filter {}) by type and block name.
	resourceBlocks   map[string]map[string]map[string]rschema.Attribute
	dataSourceBlocks map[string]map[string]map[string]dschema.Attribute
}

var _ provider.Provider = (*standIn)(nil)

func (p *standIn) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = p.name
}

func (p *standIn) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	blocks := map[string]pschema.Block{}
	for name, attrs := range p.configBlocks {
		blocks[name] = pschema.ListNestedBlock{NestedObject: pschema.NestedBlockObject{Attributes: attrs}}
	}
	resp.Schema = pschema.Schema{Attributes: p.config, Blocks: blocks}
}

func (p *standIn) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (p *standIn) Resources(context.Context) []func() resource.Resource {
	var out []func() resource.Resource
	for name, attrs := range p.resources {
		out = append(out, func() resource.Resource { return &res{name: name, attrs: attrs, blocks: p.resourceBlocks[name]} })
	}
	return out
}

func (p *standIn) DataSources(context.Context) []func() datasource.DataSource {
	var out []func() datasource.DataSource
	for name, attrs := range p.dataSources {
		out = append(out, func() datasource.DataSource { return &data{name: name, attrs: attrs, blocks: p.dataSourceBlocks[name]} })
	}
	return out
}

// res is a resource type with a schema and no behaviour.
type res struct {
	name   string
	attrs  map[string]rschema.Attribute
	blocks map[string]map[string]rschema.Attribute
}

func (r *res) Metadata(_ context.Context, _ resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = r.name
}
func (r *res) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	blocks := map[string]rschema.Block{}
	for name, attrs := range r.blocks {
		blocks[name] = rschema.ListNestedBlock{NestedObject: rschema.NestedBlockObject{Attributes: attrs}}
	}
	resp.Schema = rschema.Schema{Attributes: r.attrs, Blocks: blocks}
}
func (r *res) Create(_ context.Context, _ resource.CreateRequest, resp *resource.CreateResponse) {
	resp.Diagnostics.AddError(r.name, errStandIn.Error())
}
func (r *res) Read(_ context.Context, _ resource.ReadRequest, resp *resource.ReadResponse) {
	resp.Diagnostics.AddError(r.name, errStandIn.Error())
}
func (r *res) Update(_ context.Context, _ resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.Diagnostics.AddError(r.name, errStandIn.Error())
}
func (r *res) Delete(_ context.Context, _ resource.DeleteRequest, resp *resource.DeleteResponse) {
	resp.Diagnostics.AddError(r.name, errStandIn.Error())
}

// data is a data source type with a schema and no behaviour.
type data struct {
	name   string
	attrs  map[string]dschema.Attribute
	blocks map[string]map[string]dschema.Attribute
}

func (d *data) Metadata(_ context.Context, _ datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = d.name
}
func (d *data) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	blocks := map[string]dschema.Block{}
	for name, attrs := range d.blocks {
		blocks[name] = dschema.SetNestedBlock{NestedObject: dschema.NestedBlockObject{Attributes: attrs}}
	}
	resp.Schema = dschema.Schema{Attributes: d.attrs, Blocks: blocks}
}
func (d *data) Read(_ context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	resp.Diagnostics.AddError(d.name, errStandIn.Error())
}
