package maintenance

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	statusv1 "github.com/eim-byoi/eim/api/gen/resources/status/v1"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/internal/invbatch"
	"github.com/eim-byoi/eim/services/internal/southbound"
)

// Options configure a Server.
type Options struct {
	// Inventory is where host status, schedules, policies and runs live.
	Inventory inventoryv1.InventoryServiceClient
	// AgentRole is the project role an agent's token must hold (southbound.agentRole).
	AgentRole string
	// Logger receives the module's logs; slog.Default when nil.
	Logger *slog.Logger
	// Metrics registers the module's metrics; none when nil.
	Metrics prometheus.Registerer
	// Now is the clock schedules are chosen and statuses stamped with; time.Now when nil.
	Now func() time.Time
	// ViewMaxAge is how old the last read of the tenant's change log may be when a poll is
	// answered from the view (DefaultViewMaxAge when zero); negative: every poll waits for a
	// read that started after it arrived.
	ViewMaxAge time.Duration
}

// Server implements maintmgr.v1.MaintmgrService over the inventory.
type Server struct {
	maintmgrv1.UnimplementedMaintmgrServiceServer
	inv     inventoryv1.InventoryServiceClient
	role    string
	log     *slog.Logger
	metrics *metrics
	now     func() time.Time
	// hosts serializes the polls of one host in this process, so that two concurrent polls
	// cannot both open a run.
	hosts *hostLocks
	views *views
	runs  *runStates
	// writes group-commits the instances' status writes of a tenant.
	writes *invbatch.Batcher
	// finds coalesces the hosts' first reads by GUID (the fleet's start) into FindResources calls.
	finds *invbatch.Finder
}

var _ maintmgrv1.MaintmgrServiceServer = (*Server)(nil)

// New builds a Server.
func New(o Options) (*Server, error) {
	if o.Inventory == nil {
		return nil, provider.Errorf(provider.InvalidArgument, "maintenance: Options.Inventory is nil: pass the inventory client")
	}
	if o.AgentRole == "" {
		o.AgentRole = config.DefaultAgentRole
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ViewMaxAge == 0 {
		o.ViewMaxAge = DefaultViewMaxAge
	}
	m, err := newMetrics(o.Metrics)
	if err != nil {
		return nil, err
	}
	return &Server{inv: o.Inventory, role: o.AgentRole, log: o.Logger.With("module", "maintenance"), metrics: m, now: o.Now, views: newViews(max(o.ViewMaxAge, 0)), hosts: newHostLocks(),
		runs: newRunStates(m.openRuns), writes: invbatch.New(o.Inventory, nil),
		finds: invbatch.NewFinder(o.Inventory, nil)}, nil
}

// PlatformUpdateStatus records the update status the agent reports for its host and answers
// with the host's update schedule and update source. The host is looked up by GUID in the
// caller's project only: an unknown GUID and another project's GUID get the same NotFound. A
// status that cannot be written is Unavailable, and the agent sends it again on its next poll.
func (s *Server) PlatformUpdateStatus(ctx context.Context, in *maintmgrv1.PlatformUpdateStatusRequest) (*maintmgrv1.PlatformUpdateStatusResponse, error) {
	start := time.Now()
	resp, err := s.platformUpdateStatus(ctx, in)
	err = provider.GRPCError(err)
	s.metrics.observe(err, time.Since(start))
	return resp, err
}

func (s *Server) platformUpdateStatus(ctx context.Context, in *maintmgrv1.PlatformUpdateStatusRequest) (*maintmgrv1.PlatformUpdateStatusResponse, error) {
	tenant, err := southbound.Project(ctx, s.role)
	if err != nil {
		return nil, err
	}
	if err := in.ValidateAll(); err != nil {
		return nil, provider.Errorf(provider.InvalidArgument, "PlatformUpdateStatusRequest: %v", err)
	}
	tv := s.views.of(tenant)
	if err := tv.sync(ctx, s.inv, tenant); err != nil {
		return nil, err
	}
	h, err := s.lookupAndRecord(ctx, tenant, tv, in)
	if err != nil {
		return nil, err
	}
	return s.answer(ctx, tenant, tv, h)
}

// lookupAndRecord finds the host (in the tenant's view, else in the inventory) and records its
// status, one poll of a host at a time; the view keeps what it wrote.
func (s *Server) lookupAndRecord(ctx context.Context, tenant string, tv *tenantView, in *maintmgrv1.PlatformUpdateStatusRequest) (*target, error) {
	guid := in.GetHostGuid()
	defer s.hosts.lock(tenant, guid)()
	h := tv.target(guid)
	s.metrics.lookup("host", h != nil)
	if h == nil {
		m := tv.begin()
		var err error
		if h, err = s.lookup(ctx, tenant, guid); err != nil {
			return nil, err
		}
		tv.keepTarget(m, guid, h)
	}
	w, err := s.record(ctx, tenant, in.GetUpdateStatus(), h)
	switch {
	case err != nil:
		tv.drop(guid)
	case w.wrote:
		tv.wrote(guid, h, w.after, w.rev) // no read at the next poll
	}
	if err != nil {
		s.log.Warn("update status not recorded; the agent sends it again", "tenant", tenant, "host", h.host.GetResourceId(), "err", err)
		return nil, provider.Errorf(provider.Unavailable, "the update status of host %s was not recorded, send it again: %v", in.GetHostGuid(), err)
	}
	return h, nil
}

// target is the host a poll is about: the host, its instance (with its OS and update policy).
type target struct {
	host *computev1.HostResource
	inst *computev1.InstanceResource
}

// lookup finds the host by GUID in tenant and reads its instance.
func (s *Server) lookup(ctx context.Context, tenant, guid string) (*target, error) {
	found, err := s.finds.Find(ctx, tenant, inventoryv1.ResourceKind_RESOURCE_KIND_HOST, "uuid", guid)
	if provider.CodeOf(err) == provider.NotFound {
		// The same answer for another project's host: nothing tells them apart.
		return nil, provider.Errorf(provider.NotFound, "host %s not found: register the host in the agent's project, or check the agent's GUID", guid)
	}
	if err != nil {
		return nil, err
	}
	host := found.GetResource().GetHost()
	if host.GetCurrentState() == computev1.HostState_HOST_STATE_UNTRUSTED || host.GetDesiredState() == computev1.HostState_HOST_STATE_UNTRUSTED {
		return nil, provider.Errorf(provider.Unauthenticated, "host %s is not trusted (invalidated): its messages are not handled", guid)
	}
	if host.GetInstance().GetResourceId() == "" {
		return nil, provider.Errorf(provider.NotFound, "host %s has no instance: create the host's instance (its OS) first", guid)
	}
	got, err := s.inv.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: tenant,
		ResourceId: host.GetInstance().GetResourceId(), Kind: inventoryv1.ResourceKind_RESOURCE_KIND_INSTANCE})
	if err != nil {
		return nil, err
	}
	inst := got.GetStored().GetResource().GetInstance()
	switch inst.GetProvisioningStatusIndicator() {
	case statusv1.StatusIndication_STATUS_INDICATION_IN_PROGRESS, statusv1.StatusIndication_STATUS_INDICATION_ERROR:
		return nil, provider.Errorf(provider.FailedPrecondition, "host %s is not provisioned yet (%s): updates start once it is", guid, inst.GetProvisioningStatus())
	}
	return &target{host: host, inst: inst}, nil
}
