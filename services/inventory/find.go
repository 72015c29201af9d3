package inventory

import (
	"context"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/provider"
)

// findAcross looks a unique key up in every tenant: how the onboarding module finds the
// pre-registered host of a device that names no tenant. A key unique across tenants (a host's
// uuid, model.Kind.GlobalUnique) takes one lookup of the global key index and a tenant-scoped
// read; other keys, and values several tenants held before that index existed, take one
// tenant-scoped read per project (each still isolated by the database). A key found in several tenants is FailedPrecondition, naming
// how many; none is NotFound. Only modules call it: in process, or over gRPC with a token
// holding inventory.serviceRole (the API always names the caller's project).
func (s *Server) findAcross(ctx context.Context, req *inventoryv1.FindResourceRequest) (*inventoryv1.FindResourceResponse, error) {
	if tenant, st, ok, err := s.store.FindGlobal(ctx, req.GetKind(), req.GetKey(), req.GetValue()); ok {
		if err != nil {
			return nil, provider.GRPCError(err)
		}
		return &inventoryv1.FindResourceResponse{Stored: st, TenantId: tenant}, nil
	}
	projects, err := s.store.ListProjects(ctx)
	if err != nil {
		return nil, provider.GRPCError(err)
	}
	var found *inventoryv1.FindResourceResponse
	matches := 0
	for _, p := range projects {
		st, err := s.store.Find(ctx, p.GetId(), req.GetKind(), req.GetKey(), req.GetValue())
		switch provider.CodeOf(err) {
		case provider.NotFound:
			continue
		case provider.OK:
			matches++
			found = &inventoryv1.FindResourceResponse{Stored: st, TenantId: p.GetId()}
		default:
			return nil, provider.GRPCError(err)
		}
	}
	switch {
	case matches == 0:
		return nil, provider.GRPCError(provider.Errorf(provider.NotFound, "no %s with %s %q in any project", req.GetKind(), req.GetKey(), req.GetValue()))
	case matches > 1:
		return nil, provider.GRPCError(provider.Errorf(provider.FailedPrecondition,
			"%s %q is taken in %d projects: name the project (tenant_id), or remove the duplicates", req.GetKey(), req.GetValue(), matches))
	}
	return found, nil
}
