package inventory

import (
	"context"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/inventory/internal/store"
)

// Server implements eim.inventory.v1.InventoryService over the database. Its errors are gRPC
// status errors whose codes are the provider codes (NotFound, InvalidArgument, Aborted, ...).
type Server struct {
	inventoryv1.UnimplementedInventoryServiceServer
	store *store.Store
}

var _ inventoryv1.InventoryServiceServer = (*Server)(nil)

// CreateResource stores a new resource.
func (s *Server) CreateResource(ctx context.Context, req *inventoryv1.CreateResourceRequest) (*inventoryv1.CreateResourceResponse, error) {
	st, err := s.store.Create(ctx, req.GetTenantId(), req.GetResource())
	if err != nil {
		return nil, provider.GRPCError(err)
	}
	return &inventoryv1.CreateResourceResponse{Stored: st}, nil
}

// GetResource reads a resource.
func (s *Server) GetResource(ctx context.Context, req *inventoryv1.GetResourceRequest) (*inventoryv1.GetResourceResponse, error) {
	st, err := s.store.Get(ctx, req.GetTenantId(), req.GetResourceId(), req.GetKind())
	if err != nil {
		return nil, provider.GRPCError(err)
	}
	return &inventoryv1.GetResourceResponse{Stored: st}, nil
}

// FindResource reads a resource by a unique key, in the request's tenant or, when it names
// none, in every tenant (see findAcross).
func (s *Server) FindResource(ctx context.Context, req *inventoryv1.FindResourceRequest) (*inventoryv1.FindResourceResponse, error) {
	if req.GetTenantId() == "" {
		return s.findAcross(ctx, req)
	}
	st, err := s.store.Find(ctx, req.GetTenantId(), req.GetKind(), req.GetKey(), req.GetValue())
	if err != nil {
		return nil, provider.GRPCError(err)
	}
	return &inventoryv1.FindResourceResponse{Stored: st, TenantId: req.GetTenantId()}, nil
}

// ListResources lists a page of one kind's resources.
func (s *Server) ListResources(ctx context.Context, req *inventoryv1.ListResourcesRequest) (*inventoryv1.ListResourcesResponse, error) {
	p, err := s.store.List(ctx, req.GetTenantId(), req.GetKind(), store.ListOptions{
		Filter: req.GetFilter(), OrderBy: req.GetOrderBy(), PageSize: int(req.GetPageSize()), Offset: int(req.GetOffset()),
	})
	if err != nil {
		return nil, provider.GRPCError(err)
	}
	return &inventoryv1.ListResourcesResponse{Resources: p.Resources, TotalElements: int32(p.Total), HasNext: p.HasNext}, nil
}

// UpdateResource changes a resource.
func (s *Server) UpdateResource(ctx context.Context, req *inventoryv1.UpdateResourceRequest) (*inventoryv1.UpdateResourceResponse, error) {
	st, err := s.store.Update(ctx, req.GetTenantId(), changeOf(req))
	if err != nil {
		return nil, provider.GRPCError(err)
	}
	return &inventoryv1.UpdateResourceResponse{Stored: st}, nil
}

// UpdateResources applies several updates of one tenant in one transaction.
func (s *Server) UpdateResources(ctx context.Context, req *inventoryv1.UpdateResourcesRequest) (*inventoryv1.UpdateResourcesResponse, error) {
	changes := make([]store.Change, len(req.GetUpdates()))
	for i, u := range req.GetUpdates() {
		if u.GetTenantId() != "" && u.GetTenantId() != req.GetTenantId() {
			return nil, provider.GRPCError(provider.Errorf(provider.InvalidArgument,
				"updates[%d].tenant_id: %q is not the request's tenant: batch the updates of one tenant, or leave it empty", i, u.GetTenantId()))
		}
		changes[i] = changeOf(u)
	}
	st, err := s.store.UpdateBatch(ctx, req.GetTenantId(), changes)
	if err != nil {
		return nil, provider.GRPCError(err)
	}
	return &inventoryv1.UpdateResourcesResponse{Stored: st}, nil
}

// changeOf is the store's form of an update.
func changeOf(u *inventoryv1.UpdateResourceRequest) store.Change {
	return store.Change{ID: u.GetResourceId(), Resource: u.GetResource(), Mask: u.GetFieldMask().GetPaths(), Expected: u.GetExpectedRevision(),
		RevisionOnly: u.GetRevisionOnly()}
}

// DeleteResource deletes a resource and what goes with it.
func (s *Server) DeleteResource(ctx context.Context, req *inventoryv1.DeleteResourceRequest) (*inventoryv1.DeleteResourceResponse, error) {
	cascaded, err := s.store.Delete(ctx, req.GetTenantId(), req.GetResourceId(), req.GetExpectedRevision(), req.GetKind())
	if err != nil {
		return nil, provider.GRPCError(err)
	}
	return &inventoryv1.DeleteResourceResponse{Cascaded: cascaded}, nil
}

// Default and maximum page of ListChanges.
const (
	defaultChangesPage = 100
	maxChangesPage     = 1000
)

// ListChanges reads the change log.
func (s *Server) ListChanges(ctx context.Context, req *inventoryv1.ListChangesRequest) (*inventoryv1.ListChangesResponse, error) {
	n := int(req.GetPageSize())
	switch {
	case n == 0:
		n = defaultChangesPage
	case n > maxChangesPage:
		return nil, provider.GRPCError(provider.Errorf(provider.InvalidArgument, "page_size: %d is more than %d", n, maxChangesPage))
	}
	changes, current, err := s.store.Changes(ctx, req.GetTenantId(), req.GetAfterRevision(), n)
	if err != nil {
		return nil, provider.GRPCError(err)
	}
	return &inventoryv1.ListChangesResponse{Changes: changes, CurrentRevision: current}, nil
}

// GetHostsSummary counts hosts.
func (s *Server) GetHostsSummary(ctx context.Context, req *inventoryv1.GetHostsSummaryRequest) (*inventoryv1.GetHostsSummaryResponse, error) {
	total, failed, running, unallocated, err := s.store.HostsSummary(ctx, req.GetTenantId(), req.GetFilter())
	if err != nil {
		return nil, provider.GRPCError(err)
	}
	return &inventoryv1.GetHostsSummaryResponse{Total: uint32(total), Error: uint32(failed), Running: uint32(running),
		Unallocated: uint32(unallocated)}, nil
}

// FindResources looks up several values of one unique key in the request's tenant, in one read:
// each answer is FindResource's in that tenant (a Stored without a resource for NotFound).
func (s *Server) FindResources(ctx context.Context, req *inventoryv1.FindResourcesRequest) (*inventoryv1.FindResourcesResponse, error) {
	found, err := s.store.FindMany(ctx, req.GetTenantId(), req.GetKind(), req.GetKey(), req.GetValues())
	if err != nil {
		return nil, provider.GRPCError(err)
	}
	out := make([]*inventoryv1.Stored, len(found))
	for i, st := range found {
		if st == nil {
			st = &inventoryv1.Stored{}
		}
		out[i] = st
	}
	return &inventoryv1.FindResourcesResponse{Stored: out}, nil
}
