package maintenance

import (
	"context"
	"strconv"
	"strings"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	osv1 "github.com/eim-byoi/eim/api/gen/resources/os/v1"
	"github.com/eim-byoi/eim/providers/provider"
)

// answer builds the response: always an update source and an update schedule (empty when the
// host has no policy or no schedule), as the legacy manager answers; the agent acts only on a
// schedule it finds in them.
func (s *Server) answer(ctx context.Context, tenant string, tv *tenantView, t *target) (*maintmgrv1.PlatformUpdateStatusResponse, error) {
	sched, err := s.schedule(ctx, tenant, tv, t.host)
	if err != nil {
		return nil, err
	}
	osType := t.inst.GetOs().GetOsType()
	resp := &maintmgrv1.PlatformUpdateStatusResponse{
		UpdateSchedule:        sched,
		OsType:                maintmgrv1.PlatformUpdateStatusResponse_OSType(osType),
		UpdateSource:          &maintmgrv1.UpdateSource{CustomRepos: []string{}},
		OsProfileUpdateSource: &maintmgrv1.OSProfileUpdateSource{},
	}
	if pol := t.inst.GetUpdatePolicy(); pol.GetResourceId() != "" {
		if err := s.fillSource(ctx, tenant, resp, pol, t.inst); err != nil {
			return nil, err
		}
	}
	if err := resp.ValidateAll(); err != nil {
		return nil, provider.Errorf(provider.Internal, "PlatformUpdateStatusResponse: %v", err)
	}
	return resp, nil
}

// fillSource fills the update source from the instance's OS update policy: for a mutable OS
// its package sources, kernel command and packages; for an immutable OS its kernel command,
// or, without one, the OS image to install (the policy's target OS, or the newest image of the
// instance's OS profile).
func (s *Server) fillSource(ctx context.Context, tenant string, resp *maintmgrv1.PlatformUpdateStatusResponse, pol *computev1.OSUpdatePolicy, inst *computev1.InstanceResource) error {
	resp.UpdateSource.KernelCommand = pol.GetUpdateKernelCommand()
	switch inst.GetOs().GetOsType() {
	case osv1.OsType_OS_TYPE_MUTABLE:
		resp.UpdateSource.CustomRepos = append([]string{}, pol.GetUpdateSources()...)
		resp.InstalledPackages = pol.GetUpdatePackages()
		return nil
	case osv1.OsType_OS_TYPE_IMMUTABLE:
		if resp.UpdateSource.KernelCommand != "" {
			return nil // a kernel command update installs no image
		}
		os, err := s.targetOS(ctx, tenant, pol, inst)
		if err != nil {
			return err
		}
		if os.GetOsType() != osv1.OsType_OS_TYPE_IMMUTABLE {
			return provider.Errorf(provider.Internal, "OS update policy %s: target OS %s is not immutable: choose an immutable OS as the policy's target", pol.GetResourceId(), os.GetResourceId())
		}
		resp.OsProfileUpdateSource = &maintmgrv1.OSProfileUpdateSource{OsImageUrl: os.GetImageUrl(), OsImageId: os.GetImageId(),
			OsImageSha: os.GetSha256(), ProfileName: os.GetProfileName(), ProfileVersion: os.GetProfileVersion()}
		return nil
	}
	return provider.Errorf(provider.InvalidArgument, "OS %s of host's instance %s has no OS type: set the OS resource's osType", inst.GetOs().GetResourceId(), inst.GetResourceId())
}

// targetOS is the OS image an immutable host updates to under pol.
func (s *Server) targetOS(ctx context.Context, tenant string, pol *computev1.OSUpdatePolicy, inst *computev1.InstanceResource) (*osv1.OperatingSystemResource, error) {
	switch pol.GetUpdatePolicy() {
	case computev1.UpdatePolicy_UPDATE_POLICY_TARGET:
		id := pol.GetTargetOs().GetResourceId()
		if id == "" {
			id = pol.GetTargetOsId()
		}
		if id == "" {
			return nil, provider.Errorf(provider.NotFound, "OS update policy %s has no target OS: set its targetOsId", pol.GetResourceId())
		}
		got, err := s.inv.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: tenant, ResourceId: id, Kind: inventoryv1.ResourceKind_RESOURCE_KIND_OS})
		return got.GetStored().GetResource().GetOs(), err
	case computev1.UpdatePolicy_UPDATE_POLICY_LATEST:
		os, err := s.latestImmutable(ctx, tenant, inst.GetOs().GetProfileName())
		if err == nil && os == nil {
			err = provider.Errorf(provider.NotFound, "no immutable OS of profile %q in the project: add one, or use a TARGET policy", inst.GetOs().GetProfileName())
		}
		return os, err
	}
	return nil, provider.Errorf(provider.Internal, "OS update policy %s has no update policy: set updatePolicy to UPDATE_POLICY_TARGET or UPDATE_POLICY_LATEST", pol.GetResourceId())
}

// latestImmutable returns the immutable OS of profile with the highest image version, or nil.
func (s *Server) latestImmutable(ctx context.Context, tenant, profile string) (*osv1.OperatingSystemResource, error) {
	if profile == "" {
		return nil, nil
	}
	var best *osv1.OperatingSystemResource
	err := s.each(ctx, &inventoryv1.ListResourcesRequest{TenantId: tenant, Kind: inventoryv1.ResourceKind_RESOURCE_KIND_OS,
		Filter: "profile_name=" + quote(profile) + " AND os_type=OS_TYPE_IMMUTABLE", OrderBy: "resource_id"}, func(r *inventoryv1.Resource) {
		if os := r.GetOs(); best == nil || newerImage(os.GetImageId(), best.GetImageId()) {
			best = os
		}
	})
	return best, err
}

// newerImage compares image versions ("3.0.20250717.0732") segment by segment, numerically
// where both segments are numbers.
func newerImage(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if as[i] == bs[i] {
			continue
		}
		an, aerr := strconv.ParseUint(as[i], 10, 64)
		bn, berr := strconv.ParseUint(bs[i], 10, 64)
		if aerr == nil && berr == nil {
			return an > bn
		}
		return as[i] > bs[i]
	}
	return len(as) > len(bs)
}

// each calls f with every resource the listing returns, page after page.
func (s *Server) each(ctx context.Context, req *inventoryv1.ListResourcesRequest, f func(*inventoryv1.Resource)) error {
	req.PageSize = 100
	for {
		page, err := s.inv.ListResources(ctx, req)
		if err != nil {
			return err
		}
		for _, r := range page.GetResources() {
			f(r.GetResource())
		}
		if !page.GetHasNext() {
			return nil
		}
		req.Offset += uint32(len(page.GetResources()))
	}
}
