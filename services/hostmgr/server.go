package hostmgr

import (
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	pb "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/internal/invbatch"
	"github.com/eim-byoi/eim/services/internal/southbound"
)

// refreshAfter bounds how long a cached host is trusted without reading it again, whatever
// the change log said (the legacy host manager's invCacheStaleTimeout, 5m).
const refreshAfter = 5 * time.Minute

// Options configure a Server.
type Options struct {
	// Inventory is where hosts and instances are read and written.
	Inventory inventoryv1.InventoryServiceClient
	// Role is the agents' project role (southbound.agentRole).
	Role string
	// HeartbeatInterval and MissedHeartbeats: a host silent for their product is marked No
	// Connection; the change log is read every HeartbeatInterval.
	HeartbeatInterval time.Duration
	MissedHeartbeats  int
	// Now is the clock (time.Now when nil); tests move it.
	Now func() time.Time
	// Logger receives the sweeper's problems (slog.Default when nil).
	Logger *slog.Logger
	// Metrics, when not nil, registers the host manager's metrics.
	Metrics *Metrics
}

// Server implements hostmgr_southbound_proto.Hostmgr over the inventory, keeping per host the
// state a heartbeat is compared with, so that a heartbeat changing nothing writes nothing.
type Server struct {
	pb.UnimplementedHostmgrServer
	o      Options
	cache  *cache
	writes *invbatch.Batcher
	// finds coalesces the hosts' first reads by GUID (the fleet's start) into FindResources calls.
	finds *invbatch.Finder
}

var _ pb.HostmgrServer = (*Server)(nil)

// New returns a Server; Run starts its sweeper.
func New(o Options) *Server {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Metrics == nil {
		o.Metrics, _ = NewMetrics(nil)
	}
	s := &Server{o: o, cache: newCache(), writes: invbatch.New(o.Inventory, nil), finds: invbatch.NewFinder(o.Inventory, nil)}
	o.Metrics.bind(s.cache)
	return s
}

// UpdateHostStatusByHostGuid records the host's status reported by an agent; it is a
// heartbeat. The answer carries no action, as the legacy host manager's.
func (s *Server) UpdateHostStatusByHostGuid(ctx context.Context, in *pb.UpdateHostStatusByHostGuidRequest) (*pb.HostStatusResp, error) {
	return observe(s, "UpdateHostStatusByHostGuid", func() (*pb.HostStatusResp, error) {
		if err := in.ValidateAll(); err != nil {
			return nil, invalid(err)
		}
		tenant, err := southbound.Project(ctx, s.o.Role)
		if err != nil {
			return nil, err
		}
		return &pb.HostStatusResp{}, s.heartbeat(ctx, tenant, in.GetHostGuid(), HostStatusOf(in.GetHostStatus().GetHostStatus()), nil)
	})
}

// UpdateInstanceStateStatusByHostGUID records the node agent's instance state, status and
// detail, and the host status they imply; it is the node agent's heartbeat (every 10s).
func (s *Server) UpdateInstanceStateStatusByHostGUID(ctx context.Context, in *pb.UpdateInstanceStateStatusByHostGUIDRequest) (*pb.UpdateInstanceStateStatusByHostGUIDResponse, error) {
	return observe(s, "UpdateInstanceStateStatusByHostGUID", func() (*pb.UpdateInstanceStateStatusByHostGUIDResponse, error) {
		if err := in.ValidateAll(); err != nil {
			return nil, invalid(err)
		}
		tenant, err := southbound.Project(ctx, s.o.Role)
		if err != nil {
			return nil, err
		}
		inst := &instanceFields{state: InstanceStateOf(in.GetInstanceState()), status: InstanceStatusOf(in.GetInstanceStatus()),
			detail: in.GetProviderStatusDetail()}
		return &pb.UpdateInstanceStateStatusByHostGUIDResponse{}, s.heartbeat(ctx, tenant, in.GetHostGuid(), hostStatusOfInstance(in.GetInstanceStatus()), inst)
	})
}

// UpdateHostSystemInfoByGUID writes the hardware the agent reports into the host (see
// SystemInfoPatch); a report equal to the last one written writes nothing.
func (s *Server) UpdateHostSystemInfoByGUID(ctx context.Context, in *pb.UpdateHostSystemInfoByGUIDRequest) (*pb.UpdateHostSystemInfoByGUIDResponse, error) {
	return observe(s, "UpdateHostSystemInfoByGUID", func() (*pb.UpdateHostSystemInfoByGUIDResponse, error) {
		if err := in.ValidateAll(); err != nil {
			return nil, invalid(err)
		}
		tenant, err := southbound.Project(ctx, s.o.Role)
		if err != nil {
			return nil, err
		}
		return &pb.UpdateHostSystemInfoByGUIDResponse{}, s.systemInfo(ctx, tenant, in.GetHostGuid(), in.GetSystemInfo())
	})
}

// Heartbeat is the heartbeat of host guid in tenant, as UpdateInstanceStateStatusByHostGUID
// handles it once the caller's project is known: for benchmarks and embedding.
func (s *Server) Heartbeat(ctx context.Context, tenant string, in *pb.UpdateInstanceStateStatusByHostGUIDRequest) error {
	inst := &instanceFields{state: InstanceStateOf(in.GetInstanceState()), status: InstanceStatusOf(in.GetInstanceStatus()),
		detail: in.GetProviderStatusDetail()}
	return provider.GRPCError(s.heartbeat(ctx, tenant, in.GetHostGuid(), hostStatusOfInstance(in.GetInstanceStatus()), inst))
}

// SystemInfo is the hardware report of host in.HostGuid in tenant, as UpdateHostSystemInfoByGUID
// handles it once the caller's project is known: for tests and embedding.
func (s *Server) SystemInfo(ctx context.Context, tenant string, in *pb.UpdateHostSystemInfoByGUIDRequest) error {
	return provider.GRPCError(s.systemInfo(ctx, tenant, in.GetHostGuid(), in.GetSystemInfo()))
}

// heartbeat marks the host seen and writes its status, and its instance's fields when inst is
// not nil, where they changed.
func (s *Server) heartbeat(ctx context.Context, tenant, guid string, st Status, inst *instanceFields) error {
	return againIfVanished(func() error { return s.heartbeatOnce(ctx, tenant, guid, st, inst) })
}

func (s *Server) heartbeatOnce(ctx context.Context, tenant, guid string, st Status, inst *instanceFields) error {
	h, err := s.locked(ctx, tenant, guid)
	if err != nil {
		return err
	}
	defer h.mu.Unlock()
	h.lastSeen, h.lost = s.o.Now(), false
	var (
		reqs  []*inventoryv1.UpdateResourceRequest
		after []func(rev int64)
	)
	if !h.updating && h.status.Text != st.Text {
		reqs = append(reqs, s.hostStatusRequest(h, st, 0))
		after = append(after, func(rev int64) { h.setStatus(st); h.wrote(rev); s.o.Metrics.wrote(writeHostStatus) })
	}
	if inst != nil && h.instanceID != "" && *inst != h.instance {
		f := *inst
		reqs = append(reqs, s.instanceRequest(h, f))
		after = append(after, func(rev int64) { h.instance = f; h.wrote(rev); s.o.Metrics.wrote(writeInstance) })
	}
	if len(reqs) > 0 {
		// The host's status and its instance's go in one transaction, batched with other hosts'.
		got, err := s.writes.Update(ctx, tenant, reqs...)
		if err != nil {
			return s.writeFailed(h, "write the status", err, false)
		}
		for i, f := range after {
			f(got[i].GetRevision())
		}
	}
	s.o.Metrics.heartbeat(len(reqs) > 0)
	return nil
}

// locked returns the host of guid in tenant with its lock held, read from the inventory when
// it is not cached, was changed by another writer, or was read more than refreshAfter ago.
// An untrusted host is Unauthenticated, as in the legacy host manager.
func (s *Server) locked(ctx context.Context, tenant, guid string) (*host, error) {
	h := s.cache.get(hostKey{tenant, guid})
	h.mu.Lock()
	if h.stale.Load() || s.o.Now().Sub(h.readAt) > refreshAfter {
		if err := s.read(ctx, h); err != nil {
			h.mu.Unlock()
			return nil, err
		}
	} else {
		s.o.Metrics.lookup(true)
	}
	if h.untrusted {
		h.mu.Unlock()
		return nil, provider.Errorf(provider.Unauthenticated, "host %s is untrusted: its calls are refused", guid)
	}
	return h, nil
}

// read reads h from the inventory by its GUID, within its tenant only: a GUID unknown there,
// or a host of another tenant, is the same NotFound.
func (s *Server) read(ctx context.Context, h *host) error {
	s.o.Metrics.lookup(false)
	tenant := h.key.tenant
	if !s.cache.follows(tenant) {
		// The change log is followed from before the read: nothing after it is missed.
		cl, err := s.o.Inventory.ListChanges(ctx, &inventoryv1.ListChangesRequest{TenantId: tenant, PageSize: 1})
		if err != nil {
			return unavailable("read the host", err)
		}
		defer s.cache.follow(tenant, cl.GetCurrentRevision())
	}
	got, err := s.finds.Find(ctx, tenant, inventoryv1.ResourceKind_RESOURCE_KIND_HOST, "uuid", h.key.guid)
	if provider.CodeOf(err) == provider.NotFound {
		s.cache.forget(h, h.id, h.instanceID)
		return notFound(h.key.guid)
	}
	if err != nil {
		return unavailable("read the host", err)
	}
	old := h.id
	h.fill(got.GetResource().GetHost(), got.GetRevision(), s.o.Now())
	if old != "" && old != h.id {
		s.cache.forget(h, old) // the GUID's host was deleted and registered again
		h.stale.Store(false)
	}
	s.cache.index(h)
	return nil
}

// writeHostStatus writes st as the host's status, only if the host is still at revision
// expected when it is not zero; what labels the write in the metrics.
func (s *Server) writeHostStatus(ctx context.Context, h *host, st Status, expected int64, what string) error {
	got, err := s.o.Inventory.UpdateResource(ctx, s.hostStatusRequest(h, st, expected))
	if err != nil {
		return s.writeFailed(h, "write the host status", err, expected != 0)
	}
	h.setStatus(st)
	h.wrote(got.GetStored().GetRevision())
	s.o.Metrics.wrote(what)
	return nil
}

// hostStatusRequest writes st as the host's status (see writeHostStatus).
func (s *Server) hostStatusRequest(h *host, st Status, expected int64) *inventoryv1.UpdateResourceRequest {
	res := &computev1.HostResource{HostStatus: st.Text, HostStatusIndicator: st.Indicator, HostStatusTimestamp: uint32(s.o.Now().Unix())}
	return &inventoryv1.UpdateResourceRequest{TenantId: h.key.tenant, ResourceId: h.id,
		Resource: &inventoryv1.Resource{Resource: &inventoryv1.Resource_Host{Host: res}}, FieldMask: hostStatusMask, ExpectedRevision: expected,
		RevisionOnly: true}
}

// instanceRequest writes the node agent's instance fields.
func (s *Server) instanceRequest(h *host, f instanceFields) *inventoryv1.UpdateResourceRequest {
	res := &computev1.InstanceResource{CurrentState: f.state, InstanceStatus: f.status.Text, InstanceStatusIndicator: f.status.Indicator,
		InstanceStatusTimestamp: uint32(s.o.Now().Unix()), InstanceStatusDetail: f.detail}
	return &inventoryv1.UpdateResourceRequest{TenantId: h.key.tenant, ResourceId: h.instanceID,
		Resource: &inventoryv1.Resource{Resource: &inventoryv1.Resource_Instance{Instance: res}}, FieldMask: instanceMask,
		RevisionOnly: true}
}

// The fields the status writes change (shared, never modified).
var (
	hostStatusMask = &fieldmaskpb.FieldMask{Paths: []string{"host_status", "host_status_indicator", "host_status_timestamp"}}
	instanceMask   = &fieldmaskpb.FieldMask{Paths: []string{"current_state", "instance_status", "instance_status_indicator",
		"instance_status_timestamp", "instance_status_detail"}}
)

// systemInfo writes the reported hardware into the host unless it equals the last report
// written.
func (s *Server) systemInfo(ctx context.Context, tenant, guid string, si *pb.SystemInfo) error {
	patch, mask, err := SystemInfoPatch(si)
	if err != nil {
		return err
	}
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(si)
	if err != nil {
		return provider.WithCode(provider.Internal, err)
	}
	digest := sha256.Sum256(raw)
	return againIfVanished(func() error { return s.writeSystemInfo(ctx, tenant, guid, patch, mask, digest) })
}

// writeSystemInfo writes patch (the fields of mask) into the host unless digest is the last
// report's.
func (s *Server) writeSystemInfo(ctx context.Context, tenant, guid string, patch *computev1.HostResource, mask []string, digest [32]byte) error {
	h, err := s.locked(ctx, tenant, guid)
	if err != nil {
		return err
	}
	defer h.mu.Unlock()
	if !h.hasSysinfo && holdsSystemInfo(h.stored, patch, mask) {
		h.sysinfo, h.hasSysinfo = digest, true // the inventory holds it already (written before a restart)
	}
	h.stored = nil
	if (h.hasSysinfo && h.sysinfo == digest) || len(mask) == 0 {
		// The same report again, or one with nothing the host keeps (node-agent's kubeconfig
		// only): no write. An empty mask would be a full replacement of the host.
		s.o.Metrics.systemInfo(false)
		return nil
	}
	got, err := s.writes.Update(ctx, tenant, &inventoryv1.UpdateResourceRequest{TenantId: tenant, ResourceId: h.id,
		Resource: &inventoryv1.Resource{Resource: &inventoryv1.Resource_Host{Host: patch}}, FieldMask: &fieldmaskpb.FieldMask{Paths: mask},
		RevisionOnly: true})
	if err != nil {
		return s.writeFailed(h, "write the system information", err, false)
	}
	h.sysinfo, h.hasSysinfo = digest, true
	h.wrote(got[0].GetRevision())
	s.o.Metrics.wrote(writeSystemInfo)
	s.o.Metrics.systemInfo(true)
	return nil
}

// writeFailed is the answer to a failed write: the host deleted meanwhile is NotFound (and
// forgotten), input the inventory refuses keeps its code, a conditional write that lost to
// another writer is Aborted, anything else (the inventory unreachable, a transaction aborted by
// the database) is Unavailable so that the agent retries.
func (s *Server) writeFailed(h *host, what string, err error, conditional bool) error {
	h.stale.Store(true)
	switch code := provider.CodeOf(err); {
	case code == provider.NotFound:
		s.cache.forget(h, h.id, h.instanceID)
		return errVanished{notFound(h.key.guid)}
	case code == provider.InvalidArgument:
		return provider.Errorf(provider.InvalidArgument, "%s: %v", what, err)
	case code == provider.Aborted && conditional:
		return err
	}
	return unavailable(what, err)
}

// errVanished is the NotFound of a write to a cached host that was deleted meanwhile: the GUID
// may belong to a host registered again, so the call is made once more, reading it afresh.
type errVanished struct{ error }

// Unwrap returns the NotFound.
func (e errVanished) Unwrap() error { return e.error }

// againIfVanished runs call, and once more when the host it wrote to had vanished.
func againIfVanished(call func() error) error {
	err := call()
	var v errVanished
	if errors.As(err, &v) {
		err = call()
	}
	if errors.As(err, &v) {
		return v.error
	}
	return err
}

// notFound is the one answer for a GUID that is no host of the caller's project: the same
// whether it is unknown or another project's, so a caller learns nothing of other projects.
func notFound(string) error {
	return provider.Errorf(provider.NotFound, "no host with this GUID in the caller's project")
}

func unavailable(what string, err error) error {
	return provider.Errorf(provider.Unavailable, "%s: the inventory did not answer (%s): retry", what, provider.CodeOf(err))
}

func invalid(err error) error {
	return provider.Errorf(provider.InvalidArgument, "%v", err)
}
