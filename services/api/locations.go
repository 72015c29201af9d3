package api

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	locationv1 "github.com/eim-byoi/eim/api/gen/resources/location/v1"
	servicesv1 "github.com/eim-byoi/eim/api/gen/services/v1"
	"github.com/eim-byoi/eim/providers/provider"
)

// locationMatches is how many regions, and sites, a location search returns at most, as the
// legacy API.
const locationMatches = 50

// Bounds of the walks up the location tree: a region's parents, and the regions read to
// complete a location search.
const (
	maxRegionDepth   = 100
	maxAncestorReads = 1000
)

// listLocations finds the regions and sites whose name contains the name asked for
// (case-insensitive; * is a wildcard) and returns them with the regions above them, so that a
// client can draw the tree down to each match.
func (b *backend) listLocations(ctx context.Context, in, out proto.Message) error {
	req := in.(*servicesv1.ListLocationsRequest)
	if req.GetName() == "" || (!req.GetShowRegions() && !req.GetShowSites()) {
		return provider.Errorf(provider.InvalidArgument, "name: set the name to look for, and showRegions or showSites (or both)")
	}
	tenant, err := tenantOf(ctx)
	if err != nil {
		return err
	}
	resp := out.(*servicesv1.ListLocationsResponse)
	tree := &locationTree{seen: map[string]bool{}}
	filter := fmt.Sprintf("name:%q", req.GetName())
	for _, kind := range []inventoryv1.ResourceKind{inventoryv1.ResourceKind_RESOURCE_KIND_REGION, inventoryv1.ResourceKind_RESOURCE_KIND_SITE} {
		if (kind == inventoryv1.ResourceKind_RESOURCE_KIND_REGION && !req.GetShowRegions()) ||
			(kind == inventoryv1.ResourceKind_RESOURCE_KIND_SITE && !req.GetShowSites()) {
			continue
		}
		page, err := b.inv.ListResources(ctx, &inventoryv1.ListResourcesRequest{TenantId: tenant, Kind: kind, Filter: filter,
			OrderBy: "name", PageSize: locationMatches})
		if err != nil {
			return err
		}
		resp.TotalElements += page.GetTotalElements()
		for _, st := range page.GetResources() {
			tree.add(st.GetResource())
			resp.OutputElements++
		}
	}
	if err := b.addAncestors(ctx, tenant, tree); err != nil {
		return err
	}
	resp.Nodes = tree.nodes
	return nil
}

// locationTree collects location nodes once each, and the parents still to be read.
type locationTree struct {
	nodes   []*servicesv1.ListLocationsResponse_LocationNode
	seen    map[string]bool
	pending []string
}

// add adds a region or a site and notes its parent region.
func (t *locationTree) add(res *inventoryv1.Resource) {
	var node *servicesv1.ListLocationsResponse_LocationNode
	var parent string
	switch {
	case res.GetRegion() != nil:
		r := res.GetRegion()
		parent = r.GetParentRegion().GetResourceId()
		node = &servicesv1.ListLocationsResponse_LocationNode{ResourceId: r.GetResourceId(), Name: r.GetName(), ParentId: parent,
			Type: servicesv1.ListLocationsResponse_RESOURCE_KIND_REGION}
	case res.GetSite() != nil:
		s := res.GetSite()
		parent = s.GetRegion().GetResourceId()
		node = &servicesv1.ListLocationsResponse_LocationNode{ResourceId: s.GetResourceId(), Name: s.GetName(), ParentId: parent,
			Type: servicesv1.ListLocationsResponse_RESOURCE_KIND_SITE}
	default:
		return
	}
	if t.seen[node.GetResourceId()] {
		return
	}
	t.seen[node.GetResourceId()] = true
	t.nodes = append(t.nodes, node)
	if parent != "" && !t.seen[parent] {
		t.pending = append(t.pending, parent)
	}
}

// addAncestors reads the regions above the nodes of t, up to the roots.
func (b *backend) addAncestors(ctx context.Context, tenant string, t *locationTree) error {
	for reads := 0; len(t.pending) > 0 && reads < maxAncestorReads; reads++ {
		id := t.pending[0]
		t.pending = t.pending[1:]
		if t.seen[id] {
			continue
		}
		resp, err := b.inv.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: tenant, ResourceId: id,
			Kind: inventoryv1.ResourceKind_RESOURCE_KIND_REGION})
		if provider.CodeOf(err) == provider.NotFound {
			continue // deleted meanwhile
		}
		if err != nil {
			return err
		}
		t.add(resp.GetStored().GetResource())
	}
	return nil
}

// regionChain returns region id and the regions above it.
func (b *backend) regionChain(ctx context.Context, tenant, id string) ([]string, error) {
	var chain []string
	for id != "" && len(chain) < maxRegionDepth {
		resp, err := b.inv.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: tenant, ResourceId: id,
			Kind: inventoryv1.ResourceKind_RESOURCE_KIND_REGION})
		if err != nil {
			return nil, err
		}
		chain = append(chain, id)
		id = resp.GetStored().GetResource().GetRegion().GetParentRegion().GetResourceId()
	}
	return chain, nil
}

// site reads site id.
func (b *backend) site(ctx context.Context, tenant, id string) (*locationv1.SiteResource, error) {
	resp, err := b.inv.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: tenant, ResourceId: id,
		Kind: inventoryv1.ResourceKind_RESOURCE_KIND_SITE})
	return resp.GetStored().GetResource().GetSite(), err
}
