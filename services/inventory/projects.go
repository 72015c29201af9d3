package inventory

import (
	"context"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/provider"
)

// CreateProject registers a project.
func (s *Server) CreateProject(ctx context.Context, req *inventoryv1.CreateProjectRequest) (*inventoryv1.CreateProjectResponse, error) {
	p, err := s.store.CreateProject(ctx, req.GetName(), req.GetDescription(), req.GetId())
	if err != nil {
		return nil, provider.GRPCError(err)
	}
	return &inventoryv1.CreateProjectResponse{Project: p}, nil
}

// GetProject reads a project by name or id.
func (s *Server) GetProject(ctx context.Context, req *inventoryv1.GetProjectRequest) (*inventoryv1.GetProjectResponse, error) {
	p, err := s.store.GetProject(ctx, req.GetNameOrId())
	if err != nil {
		return nil, provider.GRPCError(err)
	}
	return &inventoryv1.GetProjectResponse{Project: p}, nil
}

// ListProjects lists every project.
func (s *Server) ListProjects(ctx context.Context, _ *inventoryv1.ListProjectsRequest) (*inventoryv1.ListProjectsResponse, error) {
	ps, err := s.store.ListProjects(ctx)
	if err != nil {
		return nil, provider.GRPCError(err)
	}
	return &inventoryv1.ListProjectsResponse{Projects: ps}, nil
}

// UpdateProject changes a project's description or status.
func (s *Server) UpdateProject(ctx context.Context, req *inventoryv1.UpdateProjectRequest) (*inventoryv1.UpdateProjectResponse, error) {
	p, err := s.store.UpdateProject(ctx, req.GetNameOrId(), req.GetProject(), req.GetFieldMask().GetPaths())
	if err != nil {
		return nil, provider.GRPCError(err)
	}
	return &inventoryv1.UpdateProjectResponse{Project: p}, nil
}

// DeleteProject deletes a project and its tenant's resources.
func (s *Server) DeleteProject(ctx context.Context, req *inventoryv1.DeleteProjectRequest) (*inventoryv1.DeleteProjectResponse, error) {
	n, err := s.store.DeleteProject(ctx, req.GetNameOrId())
	if err != nil {
		return nil, provider.GRPCError(err)
	}
	return &inventoryv1.DeleteProjectResponse{ResourcesDeleted: int32(n)}, nil
}
